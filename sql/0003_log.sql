-- SPDX-License-Identifier: Apache-2.0
-- The transparency log (RFC 6962): see service/tlog/, service/registry/sequencer.c and the README.
-- Registrations wait in log_queue (filled in the same transaction as the registration) until the
-- sequencer gives them contiguous indexes in log_entries, updates the tree's tiles and publishes
-- a signed checkpoint, all in one transaction. No foreign keys: rows are only ever written by
-- those two transactions, and the checks would cost a lookup per row on the hot paths.
CREATE TABLE log_queue (
    item_id bigint PRIMARY KEY
);
INSERT INTO log_queue (item_id) SELECT id FROM items;

CREATE TABLE log_entries (
    log_index bigint PRIMARY KEY CHECK (log_index >= 0),
    item_id   bigint NOT NULL
);
-- Item reads join on item_id for the index: an index-only scan.
CREATE UNIQUE INDEX log_entries_item_id_idx ON log_entries (item_id) INCLUDE (log_index);

-- Tiles of height 8 (as in C2SP tlog-tiles): tile (level L, idx N) holds the hashes of the
-- complete tree nodes at height 8L with indexes [256N, 256N + width), concatenated.
CREATE TABLE log_tiles (
    level  smallint NOT NULL CHECK (level >= 0),
    idx    bigint   NOT NULL CHECK (idx >= 0),
    hashes bytea    NOT NULL CHECK (length(hashes) BETWEEN 32 AND 8192 AND length(hashes) % 32 = 0),
    PRIMARY KEY (level, idx)
);

CREATE TABLE log_checkpoints (
    tree_size  bigint      PRIMARY KEY CHECK (tree_size > 0),
    root       bytea       NOT NULL CHECK (length(root) = 32),
    note       text        NOT NULL,   -- C2SP signed note of the tlog checkpoint
    created_at timestamptz NOT NULL DEFAULT now()
);

-- One row: the log's identity and size. The sequencer locks it for every batch.
CREATE TABLE log_state (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    origin    text    NOT NULL,
    vkey      text    NOT NULL,
    tree_size bigint  NOT NULL DEFAULT 0 CHECK (tree_size >= 0)
);
