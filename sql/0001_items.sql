-- SPDX-License-Identifier: Apache-2.0
-- Registrations: one row per (signer, statement). The canonical statement is
-- JCS({"type":"provd.item.v1","content_hash":...,"metadata":...}); statement_hash is its SHA-256.
CREATE TABLE items (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    content_hash   bytea       NOT NULL CHECK (length(content_hash) = 32),
    metadata       text        NOT NULL,            -- canonical (RFC 8785) JSON object
    source_url     text        CHECK (length(source_url) <= 2048),
    signer         text        NOT NULL,            -- signer identity (scheme-specific)
    sig_scheme     text        NOT NULL,
    signature      bytea       NOT NULL,
    statement_hash bytea       NOT NULL CHECK (length(statement_hash) = 32),
    registered_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    CONSTRAINT items_signer_statement UNIQUE (signer, statement_hash)
);

-- Every list filter is a leading index column, followed by the keyset order.
CREATE INDEX items_content_hash_idx  ON items (content_hash, registered_at, id);
CREATE INDEX items_signer_idx        ON items (signer, registered_at, id);
CREATE INDEX items_source_url_idx    ON items (source_url, registered_at, id)
    WHERE source_url IS NOT NULL;
CREATE INDEX items_registered_at_idx ON items (registered_at, id);
