// SPDX-License-Identifier: Apache-2.0
// Grouped provenance lookups (registry/grouper.h): concurrent GET /v1/provenance/{hash} share one
// query, each still answered with its own hash's registrations, datasets and models exactly as a
// lookup alone is; a lone lookup waits for no window; connections lost mid-query answer 503 and
// nothing else goes wrong; shutdown answers what is waiting, and clients that hang up hold
// nothing up.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import {
  startProvd, createApiKey, newEd25519Signer, signedItem, http, assertProblem, freshDatabase, sqlRows,
  sha256Hex, stopWithin, metric,
} from './lib/harness.mjs';
import { datasetStatement, membersRoot } from './lib/dataset.mjs';

let srv, token, dbUrl;
const registered = []; // content hashes, each registered 1 to 3 times
const unregistered = [];
let inDataset, datasetId;

before(async () => {
  dbUrl = freshDatabase();
  token = createApiKey(dbUrl);
  srv = await startProvd({ dbUrl });
  const signers = await Promise.all([0, 1, 2].map(() => newEd25519Signer()));
  for (let i = 0; i < 60; i++) {
    const h = 'sha256:' + (await sha256Hex(randomBytes(32)));
    for (const s of signers.slice(0, 1 + (i % 3))) {
      const r = await http(srv.base, 'POST', '/v1/items', { body: await signedItem(s, { i }, h), token });
      assert.equal(r.status, 201, r.text);
    }
    registered.push(h);
  }
  for (let i = 0; i < 20; i++) unregistered.push('sha256:' + (await sha256Hex(randomBytes(32))));
  // A sealed dataset holding a few of them, so that some answers list it.
  inDataset = registered.slice(0, 5);
  const d = { name: 'grouped', version: '1' };
  const created = await http(srv.base, 'POST', '/v1/datasets', { body: d, token });
  assert.equal(created.status, 201, created.text);
  datasetId = created.body.id;
  const added = await http(srv.base, 'POST', `/v1/datasets/${datasetId}/members`,
                           { body: { content_hashes: inDataset }, token });
  assert.equal(added.status, 200, added.text);
  const curator = signers[0];
  const root = membersRoot(inDataset);
  const value = await curator.sign(datasetStatement(d, inDataset.length, root));
  const sealed = await http(srv.base, 'POST', `/v1/datasets/${datasetId}/seal`, {
    body: { member_count: inDataset.length, members_root: root,
            signature: { scheme: 'ed25519', public_key: curator.publicKey, value } },
    token });
  assert.equal(sealed.status, 200, sealed.text);
});
after(async () => {
  assert.equal(await srv.stop(), 0, 'clean shutdown on SIGTERM');
});

const get = (base, h) => http(base, 'GET', `/v1/provenance/${h}`);

test('a burst of concurrent lookups shares queries, each answered exactly as a lookup alone', async () => {
  const alone = new Map();
  for (const h of [...registered, ...unregistered]) alone.set(h, await get(srv.base, h));
  for (const h of inDataset) {
    assert.deepEqual(alone.get(h).body.datasets,
                     [{ id: datasetId, name: 'grouped', version: '1', position: inDataset.indexOf(h) }]);
  }
  const asks = [];
  for (let k = 0; k < 4; k++) asks.push(...registered, ...unregistered);
  asks.sort(() => Math.random() - 0.5);
  const queries0 = await metric(srv.base, 'provd_group_lookups_total');
  const hashes0 = await metric(srv.base, 'provd_group_lookup_hashes_total');
  const res = await Promise.all(asks.map((h) => get(srv.base, h)));
  res.forEach((r, i) => {
    const want = alone.get(asks[i]);
    assert.equal(r.status, want.status, r.text);
    if (r.status === 200) {
      assert.equal(r.body.content_hash, asks[i], 'its own hash');
      assert.deepEqual(r.body, want.body, 'the same answer as alone');
    } else {
      assertProblem(assert, r, 404, 'provenance-not-found');
      assert.ok(r.body.detail.includes(asks[i]), 'the problem names its own hash');
    }
  });
  const queries = (await metric(srv.base, 'provd_group_lookups_total')) - queries0;
  const hashes = (await metric(srv.base, 'provd_group_lookup_hashes_total')) - hashes0;
  assert.equal(hashes, asks.length);
  assert.ok(queries < hashes, `lookups shared queries (${hashes} in ${queries})`);
  assert.equal(await metric(srv.base, 'provd_group_lookup_queued'), 0);
});

test('a bad hash is refused before it is queued, in a burst of good ones', async () => {
  const hashes0 = await metric(srv.base, 'provd_group_lookup_hashes_total');
  const asks = [...registered.slice(0, 30), 'sha256:XYZ', 'sha256:' + 'A'.repeat(64), 'md5:00'];
  const res = await Promise.all(asks.map((h) => get(srv.base, h)));
  res.slice(0, 30).forEach((r, i) => assert.equal(r.body.content_hash, asks[i]));
  for (const r of res.slice(30)) assertProblem(assert, r, 400, 'invalid-parameter', 'content_hash');
  assert.equal((await metric(srv.base, 'provd_group_lookup_hashes_total')) - hashes0, 30);
});

test('under low load a lone lookup waits for no window: a query of its own, at once', async () => {
  await get(srv.base, registered[0]);
  const queries0 = await metric(srv.base, 'provd_group_lookups_total');
  const ms = [];
  for (const h of registered.slice(0, 30)) {
    const t0 = process.hrtime.bigint();
    const r = await get(srv.base, h);
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
    assert.equal(r.status, 200, r.text);
  }
  // /metrics itself is no lookup: exactly one query per sequential lookup.
  assert.equal((await metric(srv.base, 'provd_group_lookups_total')) - queries0, 30);
  ms.sort((a, b) => a - b);
  assert.ok(ms[15] < 50, `median ${ms[15].toFixed(1)} ms: no waiting for company`);
});

test('connections killed mid-query: lookups answer 503 or their own answer, then all is well', async () => {
  const kill = () => sqlRows(dbUrl, 'SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity '
    + "WHERE application_name = 'provd' AND pid <> pg_backend_pid()");
  const asks = [];
  for (let k = 0; k < 8; k++) asks.push(...registered);
  const pending = asks.map((h) => get(srv.base, h));
  let killed = 0;
  for (let k = 0; k < 5; k++) {
    await new Promise((r) => setTimeout(r, 10));
    killed += Number(kill()[0]);
  }
  const res = await Promise.all(pending);
  assert.ok(killed > 0, 'connections were killed during the burst');
  res.forEach((r, i) => {
    if (r.status === 200) assert.equal(r.body.content_hash, asks[i]);
    else assertProblem(assert, r, 503, 'database-unavailable');
  });
  const again = await Promise.all(registered.map((h) => get(srv.base, h)));
  again.forEach((r, i) => {
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.content_hash, registered[i]);
  });
});

test('shutdown during a burst answers every lookup waiting for its query', async () => {
  const s = await startProvd({ dbUrl });
  const pending = [];
  for (let k = 0; k < 4; k++) pending.push(...registered.map((h) => get(s.base, h).catch(() => null)));
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(await s.stop(), 0, 'clean exit with lookups in flight');
  for (const r of await Promise.all(pending)) {
    if (r && r.status === 200) assert.ok(registered.includes(r.body.content_hash));
    else if (r) assertProblem(assert, r, r.status, r.body.type.split(':').pop());
  }
});

// Sends a whole GET and hangs up at once, before the reply: the lookup is queued, and resumed on a
// connection that is gone.
function getAndHangUp(base, h) {
  const { hostname, port } = new URL(base);
  return new Promise((resolve) => {
    const sock = net.connect(Number(port), hostname, () => {
      sock.end(`GET /v1/provenance/${h} HTTP/1.1\r\nHost: ${hostname}\r\n\r\n`, () => {
        sock.destroy();
        resolve();
      });
    });
    sock.on('error', resolve);
  });
}

test('clients that hang up while their lookup waits hold nothing up: shutdown is prompt', async () => {
  const s = await startProvd({ dbUrl });
  await Promise.all([...registered, ...registered].map((h) => getAndHangUp(s.base, h)));
  for (let i = 0; i < 100 && (await metric(s.base, 'provd_group_lookup_queued')) > 0; i++) {
    await new Promise((r) => setTimeout(r, 50));
  }
  const after1 = await get(s.base, registered[0]);
  assert.equal(after1.status, 200, after1.text);
  const outcome = await stopWithin(s);
  assert.notEqual(outcome, 'late', 'provd exits within 15 s of SIGTERM');
  assert.equal(outcome, 0, 'clean exit');
});

// PostgreSQL plans a prepared statement for its parameters five times, then keeps a generic plan
// only if that does not look dearer: a group of one looked cheaper planned for itself, so lookups
// and registrations at low load were planned afresh at every run. Their arrays are read through
// sub-selects (db/exec.h DB_ARRAY), and the generic plan is kept. Needs pg_stat_statements with
// track_planning (tests/run's cluster has it).
test('at low load the lookup and registration statements keep a generic plan', async (t) => {
  const setting = (name) => sqlRows(dbUrl, `SELECT current_setting('${name}', true)`)[0] || '';
  if (!setting('shared_preload_libraries').includes('pg_stat_statements') ||
      setting('pg_stat_statements.track_planning') !== 'on') {
    t.skip('needs pg_stat_statements with track_planning (tests/run starts PostgreSQL so)');
    return;
  }
  sqlRows(dbUrl, 'CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
  const one = await startProvd({ dbUrl, args: ['--threads', '1', '--lookup-threads', '1', '--commit-threads', '1'] });
  try {
    sqlRows(dbUrl, 'SELECT pg_stat_statements_reset()');
    const signer = await newEd25519Signer();
    for (let i = 0; i < 40; i++) {
      assert.equal((await http(one.base, 'GET', `/v1/provenance/${registered[i % registered.length]}`)).status, 200);
      const r = await http(one.base, 'POST', '/v1/items', { body: await signedItem(signer, { plan: i }), token });
      assert.equal(r.status, 201, r.text);
    }
    const stats = (like) => {
      const rows = sqlRows(dbUrl, `SELECT sum(calls), sum(plans) FROM pg_stat_statements WHERE query LIKE '${like}'`);
      const [calls, plans] = rows[0].split('|').map(Number);
      return { calls, plans };
    };
    // five plans for the parameters and one generic plan per connection (three at most)
    for (const [what, like] of [['lookup', '%AS h(hash, lim, budget, ord)%'], ['registration', 'WITH r AS (SELECT * FROM unnest(%']]) {
      const { calls, plans } = stats(like);
      assert.ok(calls >= 40, `${what}: ${calls} runs`);
      assert.ok(plans <= 18, `${what}: ${plans} plans for ${calls} runs`);
    }
  } finally {
    await one.stop();
  }
});
