// SPDX-License-Identifier: Apache-2.0
// Registration, idempotency, single-item reads, provenance and the filtered keyset list.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
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
  assert.equal(await srv.stop(), 0, 'clean shutdown on SIGTERM');
});

test('register a WebCrypto-signed item: 201, Location, stored registration', async () => {
  const signer = await newEd25519Signer();
  const metadata = { source_url: 'https://example.org/cat.jpg', author: 'Ada',
                     license: 'CC-BY-4.0', created_at: '2026-01-02T03:04:05Z',
                     score: 0.1, big: 1e21, tags: ['ü', '😂'], nested: { b: 1, a: [null, true] } };
  const item = await signedItem(signer, metadata);
  const res = await http(srv.base, 'POST', '/v1/items', { body: item, token });
  assert.equal(res.status, 201, res.text);
  const reg = res.body;
  assert.ok(Number.isInteger(reg.id) && reg.id > 0);
  assert.equal(res.headers.get('location'), `/v1/items/${reg.id}`);
  assert.equal(reg.content_hash, item.content_hash);
  assert.deepEqual(reg.metadata, metadata);
  assert.deepEqual(reg.signer, { scheme: 'ed25519', public_key: signer.publicKey, known: false,
                                 name: null, revoked: false });
  assert.equal(reg.signature.value, item.signature.value);
  assert.equal(reg.status, 'registered');
  assert.match(reg.registered_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  const age = Date.now() - Date.parse(reg.registered_at);
  assert.ok(age >= -5000 && age < 60000, 'registered_at is now');

  const got = await http(srv.base, 'GET', `/v1/items/${reg.id}`);
  assert.equal(got.status, 200);
  assert.deepEqual(got.body, reg);
});

test('standard padded base64 keys and signatures are accepted and normalised', async () => {
  const signer = await newEd25519Signer();
  const item = await signedItem(signer, { license: 'MIT' });
  const std = (s) => Buffer.from(s, 'base64url').toString('base64');
  item.signature.public_key = std(item.signature.public_key);
  item.signature.value = std(item.signature.value);
  const res = await http(srv.base, 'POST', '/v1/items', { body: item, token });
  assert.equal(res.status, 201, res.text);
  assert.equal(res.body.signer.public_key, signer.publicKey);
});

test('idempotent: the same registration again is 200 with the same id', async () => {
  const signer = await newEd25519Signer();
  const item = await signedItem(signer, { author: 'Bob' });
  const first = await http(srv.base, 'POST', '/v1/items', { body: item, token });
  assert.equal(first.status, 201);
  // Same statement sent with other key order and spacing is the same registration.
  const raw = `{"signature":${JSON.stringify(item.signature)},  "metadata":{"author":"Bob"},` +
              `"content_hash":"${item.content_hash}"}`;
  const again = await http(srv.base, 'POST', '/v1/items', {
    raw, token, headers: { 'content-type': 'application/json; charset=utf-8' } });
  assert.equal(again.status, 200, again.text);
  assert.equal(again.body.id, first.body.id);
  assert.deepEqual(again.body, first.body);
  const prov = await http(srv.base, 'GET', `/v1/provenance/${item.content_hash}`);
  assert.equal(prov.body.registrations.length, 1, 'nothing new was created');
});

test('concurrent identical registrations create exactly one row', async () => {
  const signer = await newEd25519Signer();
  const item = await signedItem(signer, { author: 'Race' });
  const results = await Promise.all(Array.from({ length: 16 }, () =>
    http(srv.base, 'POST', '/v1/items', { body: item, token })));
  const statuses = results.map((r) => r.status).sort();
  assert.equal(statuses.filter((s) => s === 201).length, 1, statuses.join(','));
  assert.equal(statuses.filter((s) => s === 200).length, 15);
  assert.equal(new Set(results.map((r) => r.body.id)).size, 1);
});

test('provenance: every signer of a content hash, oldest first; 404 when none', async () => {
  const hash = 'sha256:' + 'ab'.repeat(32);
  const ids = [];
  const signers = [];
  for (let i = 0; i < 3; i++) {
    const s = await newEd25519Signer();
    signers.push(s);
    const res = await http(srv.base, 'POST', '/v1/items', {
      body: await signedItem(s, { source_url: `https://crawler${i}.example/x`, n: i }, hash), token });
    assert.equal(res.status, 201);
    ids.push(res.body.id);
  }
  const prov = await http(srv.base, 'GET', `/v1/provenance/${hash}`);
  assert.equal(prov.status, 200);
  assert.equal(prov.body.content_hash, hash);
  assert.equal(prov.body.truncated, false);
  assert.deepEqual(prov.body.registrations.map((r) => r.id), ids);
  assert.deepEqual(prov.body.registrations.map((r) => r.signer.public_key),
                   signers.map((s) => s.publicKey));
  assert.deepEqual(prov.body.registrations.map((r) => r.metadata.n), [0, 1, 2]);

  const none = await http(srv.base, 'GET', `/v1/provenance/sha256:${'cd'.repeat(32)}`);
  assertProblem(assert, none, 404, 'provenance-not-found');
  const bad = await http(srv.base, 'GET', '/v1/provenance/sha256:XYZ');
  assertProblem(assert, bad, 400, 'invalid-parameter', 'content_hash');
});

test('GET /v1/items/{id}: 404 for unknown, 400 for malformed ids', async () => {
  assertProblem(assert, await http(srv.base, 'GET', '/v1/items/999999999'), 404, 'item-not-found');
  for (const id of ['abc', '0', '-1', '01', '99999999999999999999999']) {
    assertProblem(assert, await http(srv.base, 'GET', `/v1/items/${id}`), 400,
                  'invalid-parameter', 'id');
  }
});

test('list: filters, limits and keyset pagination', async () => {
  const db = freshDatabase();
  const tok = createApiKey(db);
  const s2 = await startProvd({ dbUrl: db });
  try {
    const a = await newEd25519Signer();
    const b = await newEd25519Signer();
    const hash = 'sha256:' + '11'.repeat(32);
    const made = [];
    for (let i = 0; i < 7; i++) {
      const signer = i % 2 ? b : a;
      const md = { source_url: `https://site.example/${i % 3}`, i };
      const res = await http(s2.base, 'POST', '/v1/items', {
        body: await signedItem(signer, md, i < 4 ? hash : undefined), token: tok });
      assert.equal(res.status, 201);
      made.push(res.body);
    }
    // Walk all pages of 3.
    const seen = [];
    let cursor = null;
    let pages = 0;
    do {
      const q = '/v1/items?limit=3' + (cursor ? `&cursor=${cursor}` : '');
      const page = await http(s2.base, 'GET', q);
      assert.equal(page.status, 200, page.text);
      assert.ok(page.body.items.length <= 3);
      seen.push(...page.body.items.map((r) => r.id));
      cursor = page.body.next_cursor;
      pages++;
    } while (cursor);
    assert.deepEqual(seen, made.map((r) => r.id));
    assert.equal(pages, 3);

    const ids = async (q) => (await http(s2.base, 'GET', '/v1/items?' + q)).body.items.map((r) => r.id);
    assert.deepEqual(await ids(`content_hash=${hash}`), made.slice(0, 4).map((r) => r.id));
    assert.deepEqual(await ids(`signer=${b.publicKey}`), made.filter((_, i) => i % 2).map((r) => r.id));
    const stdB64 = Buffer.from(b.publicKey, 'base64url').toString('base64');
    assert.deepEqual(await ids(`signer=${encodeURIComponent(stdB64)}`),
                     made.filter((_, i) => i % 2).map((r) => r.id), 'standard base64 signer');
    assert.deepEqual(await ids('signer=someone-unknown'), []);
    assert.deepEqual(await ids(`source_url=${encodeURIComponent('https://site.example/1')}`),
                     [made[1].id, made[4].id]);
    assert.deepEqual(await ids(`content_hash=${hash}&signer=${a.publicKey}`), [made[0].id, made[2].id]);
    assert.deepEqual(await ids(`since=${encodeURIComponent(made[5].registered_at)}`),
                     [made[5].id, made[6].id]);
    assert.deepEqual(await ids(`until=${encodeURIComponent(made[1].registered_at)}`), [made[0].id]);
    assert.deepEqual(await ids(`since=2000-01-01T00:00:00Z&until=2000-01-02T00:00:00Z`), []);
    // Paging a filtered list keeps the filter.
    const p1 = await http(s2.base, 'GET', `/v1/items?signer=${a.publicKey}&limit=2`);
    assert.equal(p1.body.items.length, 2);
    const p2 = await http(s2.base, 'GET',
                          `/v1/items?signer=${a.publicKey}&limit=2&cursor=${p1.body.next_cursor}`);
    assert.deepEqual(p2.body.items.map((r) => r.id), [made[4].id, made[6].id]);
    assert.equal(p2.body.next_cursor, null);

    for (const [q, field] of [['limit=0', 'limit'], ['limit=1001', 'limit'], ['limit=x', 'limit'],
      ['cursor=!!', 'cursor'], ['cursor=YWJj', 'cursor'], ['since=yesterday', 'since'],
      ['until=2026-13-01T00:00:00Z', 'until'], ['content_hash=abc', 'content_hash'],
      ['source_url=ftp://x', 'source_url'], ['bogus=1', 'bogus'], ['limit=1&limit=2', 'limit']]) {
      assertProblem(assert, await http(s2.base, 'GET', '/v1/items?' + q), 400, 'invalid-parameter', field);
    }
    const dflt = await http(s2.base, 'GET', '/v1/items');
    assert.equal(dflt.body.items.length, 7);
    assert.equal(dflt.body.next_cursor, null);
  } finally {
    await s2.stop();
  }
});

test('health and readiness', async () => {
  const h = await http(srv.base, 'GET', '/healthz');
  assert.equal(h.status, 200);
  assert.deepEqual(h.body, { status: 'ok' });
  const r = await http(srv.base, 'GET', '/readyz');
  assert.equal(r.status, 200);
  assert.equal(r.body.status, 'ready');
  const migrations = fs.readdirSync(new URL('../../sql/', import.meta.url))
    .filter((f) => f.endsWith('.sql')).length;
  assert.equal(r.body.schema_version, migrations);
  const head = await fetch(srv.base + '/healthz', { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.ok(head.headers.get('x-request-id'));
});

test('X-Request-Id is echoed when sane and generated otherwise', async () => {
  const mine = await http(srv.base, 'GET', '/healthz', { headers: { 'x-request-id': 'trace-42.a_b' } });
  assert.equal(mine.headers.get('x-request-id'), 'trace-42.a_b');
  const bad = await http(srv.base, 'GET', '/healthz', { headers: { 'x-request-id': 'a b<c>' } });
  assert.notEqual(bad.headers.get('x-request-id'), 'a b<c>');
  assert.match(bad.headers.get('x-request-id'), /^[0-9a-f]{8}-\d+$/);
});
