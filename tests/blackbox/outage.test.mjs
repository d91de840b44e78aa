// SPDX-License-Identifier: Apache-2.0
// PostgreSQL going away and coming back, and provd crashing: 503s meanwhile, no half-written
// data, automatic recovery, and no accepted registration lost.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  startProvd, createApiKey, newEd25519Signer, signedItem, http, assertProblem, freshDatabase, sqlRows,
} from './lib/harness.mjs';

const pgctl = process.env.PROVD_TEST_PG_CTL;
// Without a cluster of our own (an external PROVD_DATABASE_URL) the outage cannot be staged;
// in CI that is a failure, never a silent pass.
const skip = !pgctl && !process.env.CI ? 'needs the throwaway cluster from tests/run' : false;

function pg(action) {
  const r = spawnSync(pgctl, [action], { encoding: 'utf8' });
  assert.equal(r.status, 0, `pg-ctl ${action}: ${r.stderr}`);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let srv, token, signer;
before(async () => {
  if (skip) return;
  assert.ok(pgctl, 'PROVD_TEST_PG_CTL must be set (tests/run sets it)');
  const dbUrl = freshDatabase();
  token = createApiKey(dbUrl);
  srv = await startProvd({ dbUrl });
  signer = await newEd25519Signer();
});
after(async () => {
  if (srv) await srv.stop();
});

test('PostgreSQL restart: 503 with Retry-After while down, recovery after', { skip }, async () => {
  const before = await signedItem(signer, { n: 'before' });
  const r1 = await http(srv.base, 'POST', '/v1/items', { body: before, token });
  assert.equal(r1.status, 201);

  pg('stop');
  try {
    const during = await signedItem(signer, { n: 'during' });
    const w = await http(srv.base, 'POST', '/v1/items', { body: during, token });
    assertProblem(assert, w, 503, 'database-unavailable');
    assert.equal(w.headers.get('retry-after'), '1');
    const wb = await http(srv.base, 'POST', '/v1/items/batch', { body: { items: [during] }, token });
    assertProblem(assert, wb, 503, 'database-unavailable');
    assert.equal(wb.headers.get('retry-after'), '1');
    assertProblem(assert, await http(srv.base, 'GET', `/v1/items/${r1.body.id}`), 503,
                  'database-unavailable');
    assertProblem(assert, await http(srv.base, 'GET', '/readyz'), 503, 'not-ready');
    const metrics = await http(srv.base, 'GET', '/metrics');
    assert.equal(metrics.status, 200, 'metrics still answer');
    assert.match(metrics.text, /^provd_database_up 0$/m);
    assert.doesNotMatch(metrics.text, /^provd_log_queue_length /m);
    assert.equal((await http(srv.base, 'GET', '/healthz')).status, 200, 'process stays alive');
  } finally {
    pg('start');
  }

  // The service reconnects by itself.
  let ready;
  for (let i = 0; i < 50; i++) {
    ready = await http(srv.base, 'GET', '/readyz');
    if (ready.status === 200) break;
    await sleep(200);
  }
  assert.equal(ready.status, 200, 'ready again after PostgreSQL returned');
  const got = await http(srv.base, 'GET', `/v1/items/${r1.body.id}`);
  assert.deepEqual(got.body, r1.body, 'data from before the outage is intact');
  // Every pooled connection heals: many requests in parallel all succeed.
  const after = await Promise.all(Array.from({ length: 32 }, async (_, i) =>
    http(srv.base, 'POST', '/v1/items', { body: await signedItem(signer, { n: `after-${i}` }), token })));
  assert.deepEqual([...new Set(after.map((r) => r.status))], [201]);
  // The registration refused during the outage was not half-written: it registers anew.
  const retry = await http(srv.base, 'POST', '/v1/items', {
    body: await signedItem(signer, { n: 'during' }), token });
  assert.equal(retry.status, 201);
});

test('provd killed mid-load loses no accepted registration', { skip }, async () => {
  const dbUrl = freshDatabase();
  const tok = createApiKey(dbUrl);
  const s = await startProvd({ dbUrl });
  const bodies = await Promise.all(Array.from({ length: 300 }, (_, i) =>
    signedItem(signer, { n: `load-${i}` })));
  const accepted = [];
  const sends = bodies.map((body) => http(s.base, 'POST', '/v1/items', { body, token: tok })
    .then((r) => { if (r.status === 201) accepted.push(r.body); }, () => {}));
  await sleep(30);
  s.proc.kill('SIGKILL');
  await Promise.all(sends);
  await new Promise((r) => (s.proc.exitCode !== null || s.proc.signalCode ? r() : s.proc.on('exit', r)));

  const s2 = await startProvd({ dbUrl });
  try {
    for (const reg of accepted) {
      const got = await http(s2.base, 'GET', `/v1/items/${reg.id}`);
      assert.equal(got.status, 200, `accepted item ${reg.id} survived`);
      assert.deepEqual(got.body, reg);
    }
    // Everything can be resent safely: accepted ones answer 200, the rest 201.
    const resent = await Promise.all(bodies.map((body) =>
      http(s2.base, 'POST', '/v1/items', { body, token: tok })));
    const ok = resent.filter((r) => r.status === 200).length;
    assert.ok(ok >= accepted.length, `${ok} already stored >= ${accepted.length} accepted`);
    assert.ok(resent.every((r) => r.status === 200 || r.status === 201));
    const all = await http(s2.base, 'GET', '/v1/items?limit=1000');
    assert.equal(all.body.items.length, 300, 'exactly one row per registration');
  } finally {
    await s2.stop();
  }
});

test('provd killed mid-load: every accepted batch is stored whole, none in part', { skip }, async () => {
  const dbUrl = freshDatabase();
  const tok = createApiKey(dbUrl);
  const s = await startProvd({ dbUrl });
  const batches = await Promise.all(Array.from({ length: 40 }, (_, b) =>
    Promise.all(Array.from({ length: 25 }, (_, i) => signedItem(signer, { b, i })))));
  const accepted = [];
  let firstAccepted;
  const oneAccepted = new Promise((r) => { firstAccepted = r; });
  const sends = batches.map((items) =>
    http(s.base, 'POST', '/v1/items/batch', { body: { items }, token: tok })
      .then((r) => { if (r.status === 200) accepted.push(r.body), firstAccepted(); }, () => {}));
  await oneAccepted; // killed with the other batches still in flight
  s.proc.kill('SIGKILL');
  await Promise.all(sends);
  await new Promise((r) => (s.proc.exitCode !== null || s.proc.signalCode ? r() : s.proc.on('exit', r)));

  const s2 = await startProvd({ dbUrl });
  try {
    for (const reply of accepted) {
      for (const { item } of reply.results) {
        const got = await http(s2.base, 'GET', `/v1/items/${item.id}`);
        assert.deepEqual(got.body, item, `accepted item ${item.id} survived`);
      }
    }
    // All or nothing per batch: every stored registration's batch is stored whole.
    const rows = sqlRows(dbUrl, "SELECT metadata::jsonb->>'b' FROM items");
    const perBatch = new Map();
    for (const b of rows) perBatch.set(b, (perBatch.get(b) || 0) + 1);
    assert.ok([...perBatch.values()].every((n) => n === 25), JSON.stringify([...perBatch]));
    assert.ok(perBatch.size >= accepted.length && perBatch.size < 40, `${perBatch.size} batches stored`);
  } finally {
    await s2.stop();
  }
});

test('pooled connections killed while idle: the next registrations heal them and succeed', { skip }, async () => {
  const dbUrl = freshDatabase();
  const tok = createApiKey(dbUrl);
  const s = await startProvd({ dbUrl, args: ['--threads', '2'] });
  try {
    const post = async (path, body) => (await http(s.base, 'POST', path, { body, token: tok })).status;
    assert.equal(await post('/v1/items', await signedItem(signer, { warm: 1 })), 201);
    const killAll = () => sqlRows(dbUrl, "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
      + "WHERE application_name = 'provd' AND pid <> pg_backend_pid()");
    assert.ok(Number(killAll()[0]) >= 1, 'provd had connections to kill');
    const items = await Promise.all(Array.from({ length: 50 }, (_, i) => signedItem(signer, { heal: i })));
    assert.equal(await post('/v1/items/batch', { items }), 200, 'a batch reconnects and runs again');
    killAll();
    assert.equal(await post('/v1/items', await signedItem(signer, { heal: 'single' })), 201,
                 'a single registration reconnects and runs again');
    assert.equal(Number(sqlRows(dbUrl, "SELECT count(*) FROM items WHERE metadata LIKE '%heal%'")[0]), 51);
  } finally {
    await s.stop();
  }
});
