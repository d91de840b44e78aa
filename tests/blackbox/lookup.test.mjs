// SPDX-License-Identifier: Apache-2.0
// POST /v1/provenance/batch: the provenance of up to 1,000 content hashes in one request (what a
// dataset audit asks), in request order, the same registrations GET /v1/provenance/{hash} shows.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startProvd, createApiKey, newEd25519Signer, signedItem, http, assertProblem, freshDatabase,
} from './lib/harness.mjs';

let srv, token;
before(async () => {
  const dbUrl = freshDatabase();
  token = createApiKey(dbUrl);
  srv = await startProvd({ dbUrl });
});
after(async () => {
  await srv.stop();
});

const lookup = (content_hashes) =>
  http(srv.base, 'POST', '/v1/provenance/batch', { body: { content_hashes } });
const hash = (c) => 'sha256:' + c.repeat(64);

async function registerBy(signers, contentHash) {
  const out = [];
  for (const s of signers) {
    const res = await http(srv.base, 'POST', '/v1/items',
                           { body: await signedItem(s, { by: s.publicKey }, contentHash), token });
    assert.equal(res.status, 201, res.text);
    out.push(res.body);
  }
  return out;
}

test('results follow the request, match GET /v1/provenance, and cap each hash at 10', async () => {
  const signers = await Promise.all(Array.from({ length: 12 }, () => newEd25519Signer()));
  const two = await registerBy(signers.slice(0, 2), hash('a'));
  await registerBy(signers, hash('b'));
  const res = await lookup([hash('b'), hash('c'), hash('a'), hash('a')]);
  assert.equal(res.status, 200, res.text);
  assert.equal(res.headers.get('content-type'), 'application/json');
  const r = res.body.results;
  assert.deepEqual(r.map((x) => x.content_hash), [hash('b'), hash('c'), hash('a'), hash('a')]);
  // A hash asked for again refers to its first result instead of repeating it; truncated says
  // there are registrations this result does not show.
  assert.deepEqual(r.map((x) => x.registrations.length), [10, 0, 2, 0]);
  assert.deepEqual(r.map((x) => x.truncated), [true, false, false, true]);
  assert.deepEqual(r.map((x) => x.duplicate_of), [undefined, undefined, undefined, 2]);
  assert.deepEqual({ found: res.body.found, missing: res.body.missing }, { found: 3, missing: 1 });
  assert.deepEqual(r[2].registrations, two, 'the registrations as they were stored, oldest first');
  const single = await http(srv.base, 'GET', `/v1/provenance/${hash('b')}`);
  assert.equal(single.body.registrations.length, 12);
  assert.deepEqual(r[0].registrations, single.body.registrations.slice(0, 10),
                   'the ten oldest, exactly as GET /v1/provenance shows them');
});

test('1,000 hashes in one request; more, or bad input, is a problem', async () => {
  const many = Array.from({ length: 1000 }, (_, i) => 'sha256:' + i.toString(16).padStart(64, '0'));
  const ok = await lookup(many);
  assert.equal(ok.status, 200);
  assert.equal(ok.body.results.length, 1000);
  assert.equal(ok.body.missing, 1000);
  assertProblem(assert, await lookup([...many, hash('d')]), 422, 'invalid-field', 'content_hashes');
  assertProblem(assert, await lookup([]), 422, 'invalid-field', 'content_hashes');
  assertProblem(assert, await lookup([hash('a'), 'sha256:ABC']), 422, 'invalid-field', 'content_hashes[1]');
  assertProblem(assert, await lookup([hash('a'), 7]), 422, 'invalid-field', 'content_hashes[1]');
  assertProblem(assert, await http(srv.base, 'POST', '/v1/provenance/batch',
                                   { body: { content_hashes: [hash('a')], more: 1 } }),
                422, 'invalid-field', 'content_hashes');
  assertProblem(assert, await http(srv.base, 'POST', '/v1/provenance/batch',
                                   { raw: '{"content_hashes": [', headers: { 'content-type': 'application/json' } }),
                400, 'malformed-json');
  assertProblem(assert, await http(srv.base, 'POST', '/v1/provenance/batch',
                                   { raw: '{}', headers: { 'content-type': 'text/plain' } }),
                415, 'unsupported-media-type');
  const get = await http(srv.base, 'GET', '/v1/provenance/batch');
  assertProblem(assert, get, 405, 'method-not-allowed');
  assert.equal(get.headers.get('allow'), 'POST, OPTIONS');
});
