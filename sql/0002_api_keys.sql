-- SPDX-License-Identifier: Apache-2.0
-- API keys for writes. Only the SHA-256 of a token is stored.
CREATE TABLE api_keys (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name       text        NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    scope      text        NOT NULL CHECK (scope IN ('register', 'admin')),
    token_hash bytea       NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    created_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz
);
