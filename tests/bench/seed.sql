-- SPDX-License-Identifier: Apache-2.0
-- :n registrations (psql -v n=N; 1,000,000 by default) for the read and sequencing benchmarks:
-- n/2 content hashes with two signers each, 1,000 signers. Rows are inserted directly (their signatures are not real): reads never
-- re-verify, and the write benchmark measures verification separately.
\if :{?n}
\else
\set n 1000000
\endif
INSERT INTO items (content_hash, metadata, source_url, signer, sig_scheme, signature, statement_hash)
SELECT sha256(convert_to('content-' || (i / 2), 'UTF8')),
       '{"author":"seed","license":"CC-BY-4.0","n":' || i || ',"source_url":"https://seed.example/' || i || '"}',
       'https://seed.example/' || i,
       'seed-signer-' || (i % 1000),
       'ed25519',
       decode(repeat('00', 64), 'hex'),
       sha256(convert_to('statement-' || i, 'UTF8'))
FROM generate_series(0, :n - 1) AS i;
-- Queue them for the log, as registration does.
INSERT INTO log_queue (item_id) SELECT id FROM items;
ANALYZE items;
ANALYZE log_queue;
