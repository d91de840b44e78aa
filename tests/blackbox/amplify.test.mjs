// SPDX-License-Identifier: Apache-2.0
// Public reads cannot be amplified (issue 12): one content hash registered 1,100 times with
// 16 KiB of metadata each, then a batch lookup naming it 1,000 times, its provenance and
// limit=1000 lists of such rows all stay within the reply budget (--max-reply, 1 MiB by
// default), paging reaches every row exactly once, and 8 such requests at once keep the peak
// memory of provd serve bounded.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import {
  startProvd, createApiKey, newEd25519Signer, signedItem, http, freshDatabase,
} from './lib/harness.mjs';

const MAX_REPLY = 1 << 20; // --max-reply's default
const COUNT = 1100; // registrations of the popular hash: more than any list or lookup takes
const HASH = 'sha256:' + 'ab'.repeat(32);
const OTHER = 'sha256:' + 'cd'.repeat(32); // never registered
const pad = 'x'.repeat(16000); // canonical metadata just under the 16 KiB limit

let srv, dbUrl, token;
const ids = []; // of the popular hash's registrations, oldest first

before(async () => {
  dbUrl = freshDatabase();
  token = createApiKey(dbUrl);
  srv = await startProvd({ dbUrl });
  const signer = await newEd25519Signer();
  for (let start = 0; start < COUNT; start += 50) {
    const items = await Promise.all(Array.from({ length: Math.min(50, COUNT - start) }, (_, k) =>
      signedItem(signer, { source_url: 'https://example.org/popular', n: start + k, pad }, HASH)));
    const res = await http(srv.base, 'POST', '/v1/items/batch', { body: { items }, token });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.created, items.length);
    ids.push(...res.body.results.map((r) => r.item.id));
  }
});
after(async () => {
  await srv?.stop();
});

// A request whose reply is read to the end but kept only up to cap bytes (so that an amplified
// reply fails the test instead of the test runner): {status, bytes, body}, body parsed JSON or
// null when the reply was larger than cap.
async function capped(base, method, pathname, { body, cap = 8 * MAX_REPLY } = {}) {
  const res = await fetch(base + pathname, {
    method,
    headers: body ? { 'content-type': 'application/json' } : {},
    body: body && JSON.stringify(body),
  });
  const reader = res.body.getReader();
  const chunks = [];
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.length;
    if (bytes <= cap) chunks.push(value);
  }
  const text = bytes <= cap ? Buffer.concat(chunks).toString('utf8') : null;
  return { status: res.status, bytes, body: text && JSON.parse(text) };
}

const idsOf = (registrations) => registrations.map((r) => r.id);

test('a batch lookup naming one popular hash 1,000 times is one small, correct reply', async () => {
  const res = await capped(srv.base, 'POST', '/v1/provenance/batch',
                           { body: { content_hashes: Array(1000).fill(HASH) } });
  assert.equal(res.status, 200);
  // One full result (10 registrations of ~16.4 KB) and 999 references of ~190 bytes each.
  assert.ok(res.bytes < 10 * 16.5 * 1024 + 1000 * 256, `reply of ${res.bytes} bytes`);
  const { results, found, missing } = res.body;
  assert.equal(results.length, 1000);
  assert.deepEqual({ found, missing }, { found: 1000, missing: 0 });
  assert.equal(results[0].content_hash, HASH);
  assert.equal(results[0].duplicate_of, undefined);
  assert.deepEqual(idsOf(results[0].registrations), ids.slice(0, 10), 'the ten oldest');
  assert.equal(results[0].registrations[3].metadata.pad, pad);
  assert.equal(results[0].truncated, true);
  for (let i = 1; i < 1000; i++) {
    assert.deepEqual(results[i], {
      content_hash: HASH, duplicate_of: 0, registrations: [], truncated: true,
      datasets: [], datasets_truncated: false, used_in: [], used_in_truncated: false,
    }, `position ${i} refers to position 0`);
  }

  const mixed = await capped(srv.base, 'POST', '/v1/provenance/batch',
                             { body: { content_hashes: [OTHER, HASH, OTHER, HASH] } });
  assert.equal(mixed.status, 200);
  const r = mixed.body.results;
  assert.deepEqual(r.map((x) => x.duplicate_of), [undefined, undefined, 0, 1]);
  assert.deepEqual(r.map((x) => x.registrations.length), [0, 10, 0, 0]);
  assert.deepEqual(r.map((x) => x.truncated), [false, true, false, true],
                   'a repeat of a missing hash has nothing more to show');
  assert.deepEqual({ found: mixed.body.found, missing: mixed.body.missing }, { found: 2, missing: 2 });
});

test('GET /v1/provenance of the popular hash: within the budget, the oldest, truncated', async () => {
  const res = await capped(srv.base, 'GET', `/v1/provenance/${HASH}`);
  assert.equal(res.status, 200);
  assert.ok(res.bytes <= MAX_REPLY, `reply of ${res.bytes} bytes`);
  const n = res.body.registrations.length;
  assert.ok(n >= 50 && n < 64, `${n} registrations of ~16.4 KB fit in 1 MiB`);
  assert.deepEqual(idsOf(res.body.registrations), ids.slice(0, n));
  assert.equal(res.body.truncated, true);
});

// Walks a list from its first page (query as given, limit=1000) to its last: every page within
// the budget, the rows' ids in order.
async function walk(base, pathname, key, idOf = (row) => row.id, max = MAX_REPLY) {
  const seen = [];
  let cursor = null;
  let pages = 0;
  do {
    const sep = pathname.includes('?') ? '&' : '?';
    const q = `${pathname}${sep}limit=1000` + (cursor ? `&cursor=${encodeURIComponent(cursor)}` : '');
    const res = await capped(base, 'GET', q);
    assert.equal(res.status, 200, q);
    assert.ok(res.bytes <= max, `${q}: page of ${res.bytes} bytes`);
    assert.ok(res.body[key].length > 0 || !res.body.next_cursor, 'a page with a cursor has rows');
    seen.push(...res.body[key].map(idOf));
    cursor = res.body.next_cursor;
    pages++;
  } while (cursor);
  return { seen, pages };
}

test('GET /v1/items?limit=1000 with big metadata stays within the budget; paging finds all', async () => {
  const first = await capped(srv.base, 'GET', '/v1/items?limit=1000');
  assert.equal(first.status, 200);
  assert.ok(first.bytes <= MAX_REPLY, `page of ${first.bytes} bytes`);
  assert.ok(first.body.items.length >= 50, `${first.body.items.length} rows`);
  assert.ok(first.body.next_cursor, 'more to come');
  const all = await walk(srv.base, '/v1/items', 'items');
  assert.deepEqual(all.seen, ids, 'every registration exactly once, in order');
  assert.ok(all.pages >= 17, `${all.pages} pages`);
  const byHash = await walk(srv.base, `/v1/items?content_hash=${HASH}`, 'items');
  assert.deepEqual(byHash.seen, ids);
});

test('datasets and signers with big rows: pages within the budget, every row once', async () => {
  const made = [];
  for (let i = 0; i < 80; i++) {
    const res = await http(srv.base, 'POST', '/v1/datasets', {
      body: { name: `big-${i}`, version: '1', metadata: { pad }, policy: {} }, token });
    assert.equal(res.status, 201, res.text);
    made.push(res.body.id);
  }
  const datasets = await walk(srv.base, '/v1/datasets', 'datasets');
  assert.deepEqual(datasets.seen, made);
  assert.ok(datasets.pages >= 2, `${datasets.pages} pages`);

  const admin = createApiKey(dbUrl, 'admin');
  const identities = [];
  for (let i = 0; i < 300; i++) {
    const s = await newEd25519Signer();
    const res = await http(srv.base, 'POST', '/v1/signers', {
      body: { scheme: 'ed25519', public_key: s.publicKey, name: `signer ${i}`, notes: 'n'.repeat(4096) },
      token: admin });
    assert.equal(res.status, 201, res.text);
    identities.push(res.body.identity);
  }
  const signers = await walk(srv.base, '/v1/signers', 'signers', (s) => s.identity);
  assert.deepEqual(signers.seen, [...identities].sort());
  assert.ok(signers.pages >= 2, `${signers.pages} pages`);
});

test('a batch lookup of many popular hashes stops at the budget and flags what it left out', async () => {
  // 30 hashes, two 16 KiB registrations each, under --max-reply 256K: about 7 fit.
  const hashes = Array.from({ length: 30 }, (_, i) => 'sha256:' + i.toString(16).padStart(64, 'e'));
  const signer = await newEd25519Signer();
  const made = new Map();
  for (const half of [hashes.slice(0, 15), hashes.slice(15)]) {
    const items = await Promise.all(half.flatMap((h) => [0, 1].map((n) => signedItem(signer, { n, pad }, h))));
    const res = await http(srv.base, 'POST', '/v1/items/batch', { body: { items }, token });
    assert.equal(res.status, 200, res.text);
    for (const r of res.body.results) {
      made.set(r.item.content_hash, [...(made.get(r.item.content_hash) || []), r.item.id]);
    }
  }
  const budget = 256 << 10;
  const small = await startProvd({ dbUrl, args: ['--max-reply', '256K'] });
  try {
    const asked = [...hashes, OTHER, hashes[0], hashes[29]];
    const res = await capped(small.base, 'POST', '/v1/provenance/batch', { body: { content_hashes: asked } });
    assert.equal(res.status, 200);
    assert.ok(res.bytes <= budget, `reply of ${res.bytes} bytes`);
    const r = res.body.results;
    assert.deepEqual(r.map((x) => x.content_hash), asked);
    assert.deepEqual({ found: res.body.found, missing: res.body.missing }, { found: 32, missing: 1 });
    const shown = r.slice(0, 30).map((x) => x.registrations.length);
    const full = shown.indexOf(0) === -1 ? 30 : shown.findIndex((k) => k < 2);
    assert.ok(full >= 5 && full < 30, `shown ${shown}`);
    for (let i = 0; i < 30; i++) {
      assert.deepEqual(idsOf(r[i].registrations), made.get(hashes[i]).slice(0, shown[i]), `result ${i}`);
      assert.equal(r[i].truncated, shown[i] < 2, `result ${i} truncated`);
      if (i > full) assert.equal(shown[i], 0, 'nothing after the budget is reached');
    }
    assert.deepEqual([r[30].registrations, r[30].truncated], [[], false]);
    assert.deepEqual([r[31].duplicate_of, r[31].truncated, r[32].duplicate_of, r[32].truncated],
                     [0, true, 29, true]);
    const prov = await capped(small.base, 'GET', `/v1/provenance/${HASH}`);
    assert.ok(prov.bytes <= budget && prov.body.truncated, `provenance of ${prov.bytes} bytes`);
    assert.deepEqual(idsOf(prov.body.registrations), ids.slice(0, prov.body.registrations.length));
    const all = await walk(small.base, `/v1/items?content_hash=${HASH}`, 'items', undefined, budget);
    assert.deepEqual(all.seen, ids);
  } finally {
    await small.stop();
  }
});

// The peak resident memory (VmHWM) of a process, bytes.
function peakRss(pid) {
  const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m[1]) * 1024;
}
// AddressSanitizer builds (tests/run runs every suite on one too) keep freed memory in a
// quarantine and add shadow memory, so their figures are not provd's.
const asan = (pid) => fs.readFileSync(`/proc/${pid}/maps`, 'utf8').includes('libasan');

test('8 concurrent worst-case reads keep the peak memory of provd serve bounded', async () => {
  // A server of its own, so that its peak is that of these requests alone.
  const s = await startProvd({ dbUrl, env: { ASAN_OPTIONS: 'quarantine_size_mb=16' } });
  try {
    const pid = s.proc.pid;
    const start = peakRss(pid);
    const worst = [
      ['POST', '/v1/provenance/batch', { body: { content_hashes: Array(1000).fill(HASH) } }],
      ['GET', `/v1/provenance/${HASH}`, {}],
      ['GET', '/v1/items?limit=1000', {}],
    ];
    const sizes = [];
    for (const [method, pathname, opts] of worst) {
      const replies = await Promise.all(Array.from({ length: 8 }, () => capped(s.base, method, pathname, opts)));
      for (const r of replies) assert.equal(r.status, 200);
      sizes.push(Math.max(...replies.map((r) => r.bytes)));
    }
    const grew = peakRss(pid) - start;
    // Each request in flight holds its rows from PostgreSQL (at most --max-reply of metadata and
    // ~0.5 KB a row) and its reply (at most --max-reply): 8 × 2.5 MiB = 20 MiB, and the
    // allocator keeps some of it in its arenas; ASan adds its 16 MiB quarantine, redzones and
    // shadow. Before the budget, these requests grew it by more than 1 GiB.
    const bound = (asan(pid) ? 64 : 32) * MAX_REPLY;
    assert.ok(grew < bound, `peak grew by ${(grew / MAX_REPLY).toFixed(1)} MiB (replies ${sizes} bytes)`);
    console.log(`peak RSS ${(start / MAX_REPLY).toFixed(1)} MiB -> ${(peakRss(pid) / MAX_REPLY).toFixed(1)} MiB`
                + `${asan(pid) ? ' (ASan)' : ''}; largest replies ${sizes} bytes`);
  } finally {
    await s.stop();
  }
});
