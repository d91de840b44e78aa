-- SPDX-License-Identifier: Apache-2.0
-- Models: "these weights were trained on these sealed datasets", signed by the trainer. The
-- model statement is
--   JCS({"type":"provd.model.v1","model":{"name","version","digest"[,"files"]},
--        "datasets":[{"id","members_root"},…],"metadata":{…}})
-- and is rebuilt from the columns below (model and metadata are canonical JSON, the datasets
-- are model_datasets in order); statement_hash is its SHA-256. One row per (signer, statement).
CREATE TABLE models (
    id             bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name           text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    version        text        NOT NULL CHECK (length(version) BETWEEN 1 AND 100),
    digest         bytea       NOT NULL CHECK (length(digest) = 32),
    model          text        NOT NULL,  -- canonical JSON object: the statement's "model"
    metadata       text        NOT NULL,  -- canonical JSON object
    signer         text        NOT NULL,
    sig_scheme     text        NOT NULL,
    signature      bytea       NOT NULL,
    statement_hash bytea       NOT NULL CHECK (length(statement_hash) = 32),
    created_by     bigint      NOT NULL,  -- api_keys.id
    registered_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    CONSTRAINT models_signer_statement UNIQUE (signer, statement_hash)
);
-- Every list filter is a leading index column, followed by the keyset order.
CREATE INDEX models_digest_idx     ON models (digest, registered_at, id);
CREATE INDEX models_name_idx       ON models (name, registered_at, id);
CREATE INDEX models_signer_idx     ON models (signer, registered_at, id);
CREATE INDEX models_registered_idx ON models (registered_at, id);

-- The statement's datasets in order. Only sealed datasets are named, and a sealed dataset is
-- never deleted, so the foreign key never blocks anything.
CREATE TABLE model_datasets (
    model_id   bigint NOT NULL REFERENCES models (id),
    position   int    NOT NULL CHECK (position >= 0),
    dataset_id bigint NOT NULL REFERENCES datasets (id),
    PRIMARY KEY (model_id, position),
    UNIQUE (dataset_id, model_id)
);

-- The statement's model.files, for lookups by one weights file's plain SHA-256.
CREATE TABLE model_files (
    model_id bigint NOT NULL REFERENCES models (id),
    position int    NOT NULL CHECK (position >= 0),
    digest   bytea  NOT NULL CHECK (length(digest) = 32),
    PRIMARY KEY (model_id, position)
);
CREATE INDEX model_files_digest_idx ON model_files (digest, model_id);

-- Log entries are item, dataset or model records: exactly one of the three ids is set.
ALTER TABLE log_entries ADD COLUMN model_id bigint;
ALTER TABLE log_entries DROP CONSTRAINT log_entries_one_record;
ALTER TABLE log_entries ADD CONSTRAINT log_entries_one_record
    CHECK (num_nonnulls(item_id, dataset_id, model_id) = 1);
CREATE UNIQUE INDEX log_entries_model_id_idx ON log_entries (model_id) INCLUDE (log_index)
    WHERE model_id IS NOT NULL;

-- Registered models waiting for the sequencer.
CREATE TABLE log_queue_models (
    model_id bigint PRIMARY KEY
);
