-- SPDX-License-Identifier: Apache-2.0
-- Ethereum anchors of the log's checkpoints and every transaction signed for them.
-- One anchor per checkpoint and chain; at most one unconfirmed anchor per chain and sender, so
-- at most one nonce of the anchoring account is in flight.
CREATE TABLE anchors (
    id            bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    chain_id      bigint      NOT NULL CHECK (chain_id > 0),
    sender        bytea       NOT NULL CHECK (length(sender) = 20),
    recipient     bytea       NOT NULL CHECK (length(recipient) = 20),
    tree_size     bigint      NOT NULL CHECK (tree_size > 0),
    root          bytea       NOT NULL CHECK (length(root) = 32),
    calldata      bytea       NOT NULL,
    status        text        NOT NULL DEFAULT 'pending'
                              CHECK (status IN ('pending', 'submitted', 'mined', 'confirmed')),
    nonce         bigint      CHECK (nonce >= 0),
    gas_limit     bigint      CHECK (gas_limit > 0),
    tx_hash       bytea       CHECK (length(tx_hash) = 32),    -- the mined attempt
    block_number  bigint      CHECK (block_number >= 0),
    block_hash    bytea       CHECK (length(block_hash) = 32),
    confirmations bigint      NOT NULL DEFAULT 0,
    last_error    text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    submitted_at  timestamptz,
    mined_at      timestamptz,
    confirmed_at  timestamptz,
    updated_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (chain_id, tree_size),
    CHECK ((status IN ('mined', 'confirmed')) =
           (tx_hash IS NOT NULL AND block_number IS NOT NULL AND block_hash IS NOT NULL))
);
CREATE UNIQUE INDEX anchors_one_in_flight ON anchors (chain_id, sender)
    WHERE status <> 'confirmed';
-- Receipts look for the smallest mined or confirmed anchor covering an item.
CREATE INDEX anchors_onchain_size ON anchors (tree_size) WHERE status IN ('mined', 'confirmed');

CREATE TABLE anchor_attempts (
    anchor_id  bigint      NOT NULL REFERENCES anchors (id),
    attempt    integer     NOT NULL CHECK (attempt > 0),
    nonce      bigint      NOT NULL CHECK (nonce >= 0),
    tx_hash    bytea       NOT NULL UNIQUE CHECK (length(tx_hash) = 32),
    raw_tx     bytea       NOT NULL,
    max_fee_per_gas          numeric(20) NOT NULL,
    max_priority_fee_per_gas numeric(20) NOT NULL,
    sent       boolean     NOT NULL DEFAULT false,
    sent_block bigint,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (anchor_id, attempt)
);
