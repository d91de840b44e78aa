// SPDX-License-Identifier: Apache-2.0
// Every bad input gets an RFC 9457 problem and changes nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startProvd, createApiKey, newEd25519Signer, signedItem, http, assertProblem, freshDatabase,
} from './lib/harness.mjs';

let srv, token, adminToken, signer, good;
before(async () => {
  const dbUrl = freshDatabase();
  token = createApiKey(dbUrl);
  adminToken = createApiKey(dbUrl, 'admin');
  srv = await startProvd({ dbUrl, args: ['--max-body', '4K'] });
  signer = await newEd25519Signer();
  good = await signedItem(signer, { source_url: 'https://example.org/a', author: 'A' });
});
after(async () => {
  await srv.stop();
});

const count = async () => (await http(srv.base, 'GET', '/v1/items?limit=1000')).body.items.length;
const post = (opts) => http(srv.base, 'POST', '/v1/items', { token, ...opts });

test('authentication: 401 with WWW-Authenticate, 403 for the wrong scope', async () => {
  for (const t of [undefined, 'provd_nope', '']) {
    const res = await http(srv.base, 'POST', '/v1/items', { body: good, token: t });
    assertProblem(assert, res, 401, 'unauthorized');
    assert.match(res.headers.get('www-authenticate'), /^Bearer/);
  }
  const basic = await http(srv.base, 'POST', '/v1/items', {
    body: good, headers: { authorization: 'Basic dXNlcjpwdw==' } });
  assertProblem(assert, basic, 401, 'unauthorized');
  assertProblem(assert, await post({ body: good, token: adminToken }), 403, 'forbidden');
  assert.equal(await count(), 0);
});

test('malformed JSON is 400, wrong content type 415', async () => {
  assertProblem(assert, await post({ raw: '{"content_hash":', headers: { 'content-type': 'application/json' } }),
                400, 'malformed-json');
  assertProblem(assert, await post({ raw: '', headers: { 'content-type': 'application/json' } }),
                400, 'malformed-json');
  assertProblem(assert, await post({ raw: JSON.stringify(good), headers: { 'content-type': 'text/plain' } }),
                415, 'unsupported-media-type');
  assertProblem(assert, await post({ raw: JSON.stringify(good) }), 415, 'unsupported-media-type');
  assertProblem(assert, await post({ raw: JSON.stringify(good),
    headers: { 'content-type': 'application/json; charset=latin1' } }), 415, 'unsupported-media-type');
  assert.equal(await count(), 0);
});

test('bodies over --max-body are 413, with or without Content-Length', async () => {
  const big = { ...good, metadata: { pad: 'x'.repeat(5000) } };
  assertProblem(assert, await post({ body: big }), 413, 'body-too-large');
  // Chunked upload (no Content-Length): a stream body.
  const chunks = new ReadableStream({
    start(c) { for (let i = 0; i < 10; i++) c.enqueue(new TextEncoder().encode('x'.repeat(1000))); c.close(); },
  });
  const res = await fetch(srv.base + '/v1/items', {
    method: 'POST', body: chunks, duplex: 'half',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } });
  assert.equal(res.status, 413);
  assert.equal((await res.json()).type, 'urn:provd:problem:body-too-large');
  assert.equal(await count(), 0);
});

test('each bad field is a 422 naming the field', async () => {
  const cases = [
    [{ content_hash: 'sha256:' + 'A'.repeat(64) }, 'content_hash'],
    [{ content_hash: 'sha1:' + 'a'.repeat(40) }, 'content_hash'],
    [{ content_hash: 42 }, 'content_hash'],
    [{ content_hash: undefined }, 'content_hash'],
    [{ metadata: 'x' }, 'metadata'],
    [{ metadata: undefined }, 'metadata'],
    [{ metadata: { a: { b: { c: { d: { e: { f: { g: { h: { i: 1 } } } } } } } } } }, 'metadata'],
    [{ metadata: { source_url: 'not a url' } }, 'metadata.source_url'],
    [{ metadata: { source_url: 'https://' + 'a'.repeat(2100) } }, 'metadata.source_url'],
    [{ metadata: { license: 'Apache 2' } }, 'metadata.license'],
    [{ metadata: { author: ['x'] } }, 'metadata.author'],
    [{ metadata: { created_at: '2026-01-02' } }, 'metadata.created_at'],
    [{ metadata: { published_at: 12 } }, 'metadata.published_at'],
    [{ signature: 'sig' }, 'signature'],
    [{ signature: undefined }, 'signature'],
    [{ signature: { ...good.signature, scheme: 'ed448' } }, 'signature.scheme'],
    [{ signature: { ...good.signature, public_key: 'AAAA' } }, 'signature.public_key'],
    [{ signature: { ...good.signature, public_key: undefined } }, 'signature.public_key'],
    [{ signature: { ...good.signature, value: 'not base64!' } }, 'signature.value'],
    [{ signature: { ...good.signature, value: good.signature.value + 'AA' } }, 'signature.value'],
    [{ signature: { ...good.signature, extra: 1 } }, 'signature.extra'],
    [{ unexpected: true }, 'unexpected'],
  ];
  for (const [patch, field] of cases) {
    const body = { ...good, ...patch };
    const res = await post({ body });
    assertProblem(assert, res, 422, 'invalid-field', field);
  }
  assertProblem(assert, await post({ raw: '[1,2]', headers: { 'content-type': 'application/json' } }),
                422, 'invalid-field');
  assert.equal(await count(), 0);
});

test('a signature that does not verify is 422 signature-invalid', async () => {
  const other = await newEd25519Signer();
  const flipped = Buffer.from(good.signature.value, 'base64url');
  flipped[10] ^= 1;
  const cases = [
    { ...good, metadata: { ...good.metadata, author: 'B' } },
    { ...good, content_hash: 'sha256:' + '0'.repeat(64) },
    { ...good, signature: { ...good.signature, public_key: other.publicKey } },
    { ...good, signature: { ...good.signature, value: flipped.toString('base64url') } },
  ];
  for (const body of cases) {
    assertProblem(assert, await post({ body }), 422, 'signature-invalid', 'signature.value');
  }
  assert.equal(await count(), 0);
});

test('unknown routes are 404, wrong methods 405 with Allow', async () => {
  assertProblem(assert, await http(srv.base, 'GET', '/v2/items'), 404, 'not-found');
  assertProblem(assert, await http(srv.base, 'GET', '/v1/items/1/extra'), 404, 'not-found');
  assertProblem(assert, await http(srv.base, 'GET', '/v1/provenance/'), 404, 'not-found');
  for (const [method, path, allow] of [['DELETE', '/v1/items', 'GET, HEAD, POST, OPTIONS'],
    ['PUT', '/v1/items/1', 'GET, HEAD, OPTIONS'], ['POST', '/v1/provenance/x', 'GET, HEAD, OPTIONS'],
    ['POST', '/healthz', 'GET, HEAD, OPTIONS']]) {
    const res = await http(srv.base, method, path);
    assertProblem(assert, res, 405, 'method-not-allowed');
    assert.equal(res.headers.get('allow'), allow);
  }
});

test('after all the bad requests, the good one still registers', async () => {
  const res = await post({ body: good });
  assert.equal(res.status, 201, res.text);
  assert.equal(await count(), 1);
});
