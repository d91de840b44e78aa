// SPDX-License-Identifier: Apache-2.0
// provd apikey list and provd apikey revoke: the list never shows a token; a revoked key is
// refused by every running instance within the auth cache's 10 s (AUTH_CACHE_TTL_S), and at
// once by an instance that has not cached it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startProvd, createApiKey, freshDatabase, runProvd, http,
} from './lib/harness.mjs';

const TTL_MS = 10000;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let dbUrl, a, b;
before(async () => {
  dbUrl = freshDatabase();
  a = await startProvd({ dbUrl });
  b = await startProvd({ dbUrl });
});
after(async () => {
  await a.stop();
  await b.stop();
});

const apikey = (...args) => runProvd(['apikey', ...args], { PROVD_DATABASE_URL: dbUrl });
// 401 when the key is refused; anything else (here 400: no body) means it was accepted.
const tryKey = async (srv, token) => (await http(srv.base, 'POST', '/v1/items', { token })).status;

function listed() {
  const r = apikey('list');
  assert.equal(r.status, 0, r.stderr);
  const [header, ...rows] = r.stdout.trimEnd().split('\n');
  assert.equal(header, 'ID\tNAME\tSCOPE\tCREATED\tREVOKED');
  return { text: r.stdout, rows: rows.map((l) => l.split('\t')) };
}

test('apikey list shows id, name, scope, created and revoked, never a token', () => {
  const t1 = createApiKey(dbUrl, 'register');
  const t2 = createApiKey(dbUrl, 'admin');
  const odd = apikey('create', '--name', 'tab\there\nnewline');
  assert.equal(odd.status, 0, odd.stderr);
  const { text, rows } = listed();
  assert.equal(rows.length, 3);
  assert.deepEqual(rows.map((r) => r.slice(0, 3)), [
    ['1', 'test-register', 'register'], ['2', 'test-admin', 'admin'], ['3', 'tab\\x09here\\x0anewline', 'register']]);
  for (const r of rows) {
    assert.equal(r.length, 5);
    assert.match(r[3], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    assert.equal(r[4], '-');
  }
  for (const t of [t1, t2, odd.stdout.trim()]) assert.ok(!text.includes(t.slice(6)), 'no token');
  assert.doesNotMatch(text, /provd_/);
});

test('a revoked key is refused by every running instance within the cache TTL', async () => {
  const token = createApiKey(dbUrl);
  const id = listed().rows.at(-1)[0];
  assert.notEqual(await tryKey(a, token), 401); // cached as valid in both
  assert.notEqual(await tryKey(b, token), 401);
  const t0 = Date.now();
  const r = apikey('revoke', id);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, new RegExp(`revoked API key ${id} \\('test-register', scope register\\); ` +
                                    'every provd instance refuses it within 10 s'));
  const refusedAfter = {};
  while (Object.keys(refusedAfter).length < 2 && Date.now() - t0 < TTL_MS + 3000) {
    for (const [name, srv] of [['a', a], ['b', b]])
      if (!(name in refusedAfter) && (await tryKey(srv, token)) === 401) refusedAfter[name] = Date.now() - t0;
    await sleep(100);
  }
  assert.deepEqual(Object.keys(refusedAfter).sort(), ['a', 'b'], 'both instances refuse it');
  for (const ms of Object.values(refusedAfter)) assert.ok(ms <= TTL_MS + 1500, `refused after ${ms} ms`);
  for (let i = 0; i < 5; i++) assert.equal(await tryKey(a, token), 401, 'and keep refusing it');
  const row = listed().rows.find((x) => x[0] === id);
  assert.match(row[4], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
});

test('an instance that has not cached a key refuses it as soon as it is revoked', async () => {
  const token = createApiKey(dbUrl);
  const id = listed().rows.at(-1)[0];
  assert.equal(apikey('revoke', id).status, 0);
  const fresh = await startProvd({ dbUrl });
  try {
    assert.equal(await tryKey(fresh, token), 401);
  } finally {
    await fresh.stop();
  }
});

test('revoke is idempotent, and says so; unknown and malformed ids are errors', () => {
  const id = listed().rows[0][0];
  const first = apikey('revoke', id);
  assert.equal(first.status, 0, first.stderr);
  const when = listed().rows[0][4];
  const again = apikey('revoke', id);
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stderr, new RegExp(`API key ${id} \\('test-register'\\) was already revoked at ${when.replace(/\./g, '\\.')}`));
  assert.equal(listed().rows[0][4], when, 'the first revocation time is kept');
  const unknown = apikey('revoke', '999999');
  assert.equal(unknown.status, 1);
  assert.match(unknown.stderr, /there is no API key 999999/);
  for (const bad of [[], ['abc'], ['0'], ['-1'], ['1', '2']]) {
    const r = apikey('revoke', ...bad);
    assert.equal(r.status, 2, `revoke ${bad.join(' ')}: ${r.stderr}`);
  }
  assert.equal(apikey('list', 'extra').status, 2);
  const help = apikey('--help');
  assert.match(help.stdout, /provd apikey list/);
  assert.match(help.stdout, /provd apikey revoke ID/);
});
