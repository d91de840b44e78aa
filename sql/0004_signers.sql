-- SPDX-License-Identifier: Apache-2.0
-- Known signers: who a key or address belongs to. Registrations show whether their signer is
-- known; a revoked signer's registrations made after revocation are refused.
CREATE TABLE signers (
    identity     text        PRIMARY KEY,  -- as registrations show it (items.signer)
    kind         text        NOT NULL CHECK (kind IN ('ed25519', 'ecdsa-p256', 'ethereum')),
    name         text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    organization text        CHECK (length(organization) <= 200),
    url          text        CHECK (length(url) <= 2048),
    notes        text        CHECK (length(notes) <= 4096),
    created_at   timestamptz NOT NULL DEFAULT now(),
    revoked_at   timestamptz
);
