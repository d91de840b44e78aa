-- SPDX-License-Identifier: Apache-2.0
-- 1,000,000 registrations for the read and sequencing benchmarks: 500,000 content hashes with two signers each,
-- 1,000 signers. Rows are inserted directly (their signatures are not real): reads never
-- re-verify, and the write benchmark measures verification separately.
INSERT INTO items (content_hash, metadata, source_url, signer, sig_scheme, signature, statement_hash)
SELECT sha256(convert_to('content-' || (i / 2), 'UTF8')),
       '{"author":"seed","license":"CC-BY-4.0","n":' || i || ',"source_url":"https://seed.example/' || i || '"}',
       'https://seed.example/' || i,
       'seed-signer-' || (i % 1000),
       'ed25519',
       decode(repeat('00', 64), 'hex'),
       sha256(convert_to('statement-' || i, 'UTF8'))
FROM generate_series(0, 999999) AS i;
-- Queue them for the log, as registration does.
INSERT INTO log_queue (item_id) SELECT id FROM items;
ANALYZE items;
ANALYZE log_queue;
