-- SPDX-License-Identifier: Apache-2.0
-- A tag of everything a receipt's log context is made of (db/columns.h LOG_CONTEXT_FROM): the
-- log's state, its checkpoints, the anchors and the witnesses' cosignatures. Every change to any
-- of them gives log_state a new random tag in the same transaction, so that two snapshots that
-- read the same tag see the same contexts: provd serve keeps the contexts it built under a tag
-- (registry/ctxcache.h) and reads only the tag with each receipt. The tag is random, not a
-- counter, so that a database restored to an earlier point cannot repeat a tag with other
-- contents behind it.
ALTER TABLE log_state ADD COLUMN context_tag bigint NOT NULL DEFAULT 0;

CREATE FUNCTION log_state_new_context_tag() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.context_tag := (random() * 9223372036854775807)::bigint;
    RETURN NEW;
END $$;

CREATE TRIGGER log_state_context_tag BEFORE INSERT OR UPDATE ON log_state
    FOR EACH ROW EXECUTE FUNCTION log_state_new_context_tag();

-- A change to what a context is made of touches log_state (whose trigger retags it): per row
-- changed, so that a statement that changes nothing (an anchor poll that finds no news) leaves
-- the tag alone. The sequencer holds log_state's row for its whole batch: an anchor or a
-- cosignature written meanwhile waits for that batch to commit (each is a statement of its own,
-- never held open across a call to a chain or a witness).
CREATE FUNCTION log_context_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE log_state SET context_tag = context_tag;
    RETURN NULL;
END $$;

CREATE TRIGGER anchors_context_tag AFTER INSERT OR UPDATE OR DELETE ON anchors
    FOR EACH ROW EXECUTE FUNCTION log_context_changed();
CREATE TRIGGER anchors_context_tag_truncate AFTER TRUNCATE ON anchors
    FOR EACH STATEMENT EXECUTE FUNCTION log_context_changed();
CREATE TRIGGER log_checkpoints_context_tag AFTER INSERT OR UPDATE OR DELETE ON log_checkpoints
    FOR EACH ROW EXECUTE FUNCTION log_context_changed();
CREATE TRIGGER log_checkpoints_context_tag_truncate AFTER TRUNCATE ON log_checkpoints
    FOR EACH STATEMENT EXECUTE FUNCTION log_context_changed();
CREATE TRIGGER witness_cosignatures_context_tag AFTER INSERT OR UPDATE OR DELETE
    ON witness_cosignatures FOR EACH ROW EXECUTE FUNCTION log_context_changed();
CREATE TRIGGER witness_cosignatures_context_tag_truncate AFTER TRUNCATE ON witness_cosignatures
    FOR EACH STATEMENT EXECUTE FUNCTION log_context_changed();

UPDATE log_state SET context_tag = context_tag;
