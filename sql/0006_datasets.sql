-- SPDX-License-Identifier: Apache-2.0
-- Datasets: an ordered, duplicate-free list of content hashes that a curator fills while the
-- dataset is open, then seals with a signed statement over its members' Merkle root. The seal
-- queues the dataset record for the transparency log, next to the item records.
CREATE TABLE datasets (
    id             bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name           text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    version        text        NOT NULL CHECK (length(version) BETWEEN 1 AND 100),
    metadata       text        NOT NULL,  -- canonical (RFC 8785) JSON object
    policy         text        NOT NULL,  -- canonical JSON object
    created_by     bigint      NOT NULL,  -- api_keys.id: only this key changes the dataset
    status         text        NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'sealed')),
    member_count   bigint      NOT NULL DEFAULT 0 CHECK (member_count >= 0),
    members_root   bytea       CHECK (length(members_root) = 32),  -- NULL while empty
    signer         text,
    sig_scheme     text,
    signature      bytea,
    created_at     timestamptz NOT NULL DEFAULT clock_timestamp(),
    sealed_at      timestamptz,
    CHECK ((status = 'sealed') = (sealed_at IS NOT NULL AND signer IS NOT NULL AND
                                  sig_scheme IS NOT NULL AND signature IS NOT NULL)),
    CHECK ((member_count = 0) = (members_root IS NULL))
);
CREATE INDEX datasets_created_idx ON datasets (created_at, id);
CREATE INDEX datasets_name_idx    ON datasets (name, created_at, id);
CREATE INDEX datasets_signer_idx  ON datasets (signer, created_at, id) WHERE signer IS NOT NULL;

-- Members in order (position 0, 1, …); a content hash appears once per dataset. No foreign key
-- (a per-row check on bulk appends); a dataset's members go with it in one statement.
CREATE TABLE dataset_members (
    dataset_id   bigint NOT NULL,
    position     bigint NOT NULL CHECK (position >= 0),
    content_hash bytea  NOT NULL CHECK (length(content_hash) = 32),
    PRIMARY KEY (dataset_id, position)
);
-- Duplicate checks, membership proofs and "which datasets contain this hash".
CREATE UNIQUE INDEX dataset_members_hash_idx ON dataset_members (content_hash, dataset_id)
    INCLUDE (position);

-- The members' Merkle tree, stored like the log's (see 0003_log.sql), per dataset.
CREATE TABLE dataset_tiles (
    dataset_id bigint   NOT NULL,
    level      smallint NOT NULL CHECK (level >= 0),
    idx        bigint   NOT NULL CHECK (idx >= 0),
    hashes     bytea    NOT NULL CHECK (length(hashes) BETWEEN 32 AND 8192 AND
                                        length(hashes) % 32 = 0),
    PRIMARY KEY (dataset_id, level, idx)
);

-- Log entries are item records or dataset records: exactly one of the two ids is set.
ALTER TABLE log_entries ALTER COLUMN item_id DROP NOT NULL;
ALTER TABLE log_entries ADD COLUMN dataset_id bigint;
ALTER TABLE log_entries ADD CONSTRAINT log_entries_one_record
    CHECK (num_nonnulls(item_id, dataset_id) = 1);
CREATE UNIQUE INDEX log_entries_dataset_id_idx ON log_entries (dataset_id) INCLUDE (log_index)
    WHERE dataset_id IS NOT NULL;

-- Sealed datasets waiting for the sequencer (filled in the seal's transaction).
CREATE TABLE log_queue_datasets (
    dataset_id bigint PRIMARY KEY
);
