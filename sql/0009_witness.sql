-- SPDX-License-Identifier: Apache-2.0
-- Witness cosigning (C2SP tlog-witness, tlog-cosignature): see service/registry/witness.c.
-- The worker sends each new checkpoint to the witnesses of --witness, with a consistency proof
-- from the size each one last cosigned, and keeps the cosignatures they return.

-- The configured witnesses (active: named by the running worker's --witness options), the size
-- each last cosigned for this log and when.
CREATE TABLE witnesses (
    name          text        NOT NULL,
    key_id        bigint      NOT NULL CHECK (key_id BETWEEN 0 AND 4294967295),
    url           text        NOT NULL,
    vkey          text        NOT NULL,
    active        boolean     NOT NULL DEFAULT true,
    cosigned_size bigint      CHECK (cosigned_size >= 0),  -- NULL: never cosigned
    cosigned_at   timestamptz,
    PRIMARY KEY (name, key_id)
);

-- Failed add-checkpoint exchanges by witness and reason (registry/witness.h names them).
CREATE TABLE witness_failures (
    name   text   NOT NULL,
    key_id bigint NOT NULL,
    reason text   NOT NULL,
    count  bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (name, key_id, reason)
);

-- Verified cosignatures: line is the whole note signature line ("— name base64\n"), appended
-- to the checkpoint of tree_size wherever provd serves it.
CREATE TABLE witness_cosignatures (
    tree_size   bigint      NOT NULL CHECK (tree_size >= 0),
    name        text        NOT NULL,
    key_id      bigint      NOT NULL,
    signed_at   bigint      NOT NULL CHECK (signed_at >= 0),  -- the cosignature's timestamp
    line        text        NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tree_size, name, key_id)
);

-- witness_quorum: cosignatures a checkpoint needs (0: no witnesses); cosigned_size: the largest
-- tree size whose checkpoint has that many cosignatures from active witnesses (0: none).
ALTER TABLE log_state ADD COLUMN witness_quorum integer NOT NULL DEFAULT 0 CHECK (witness_quorum >= 0);
ALTER TABLE log_state ADD COLUMN cosigned_size bigint NOT NULL DEFAULT 0 CHECK (cosigned_size >= 0);
