// SPDX-License-Identifier: Apache-2.0
// Group commit of single POST /v1/items (registry/committer.h): concurrent registrations share
// commits, each still answered with its own outcome once its row is durable; a refused member
// does not hold the others back; a connection lost mid-commit acknowledges nothing that is not
// stored; a lone registration waits for no window; shutdown answers what is waiting.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import {
  startProvd, createApiKey, newEd25519Signer, signedItem, http, assertProblem, freshDatabase, sqlRows,
  stopWithin, metric,
} from './lib/harness.mjs';

let srv, token, admin, dbUrl;
before(async () => {
  dbUrl = freshDatabase();
  token = createApiKey(dbUrl);
  admin = createApiKey(dbUrl, 'admin');
  srv = await startProvd({ dbUrl });
});
after(async () => {
  assert.equal(await srv.stop(), 0, 'clean shutdown on SIGTERM');
});

const post = (base, body, tok = token) => http(base, 'POST', '/v1/items', { body, token: tok });
const items = (signer, n, tag) => Promise.all(Array.from({ length: n }, (_, i) => signedItem(signer, { tag, i })));
const stored = (id) => sqlRows(dbUrl, `SELECT 'sha256:' || encode(content_hash, 'hex') FROM items WHERE id = ${id}`)[0];

test('a burst of concurrent registrations shares commits, each answered with its own row', async () => {
  const signer = await newEd25519Signer();
  const burst = await items(signer, 200, 'burst');
  const commits0 = await metric(srv.base, 'provd_group_commits_total');
  const members0 = await metric(srv.base, 'provd_group_commit_registrations_total');
  const res = await Promise.all(burst.map((b) => post(srv.base, b)));
  const ids = new Set();
  res.forEach((r, i) => {
    assert.equal(r.status, 201, r.text);
    assert.equal(r.body.content_hash, burst[i].content_hash, 'its own registration');
    assert.deepEqual(r.body.metadata, burst[i].metadata);
    assert.equal(r.headers.get('location'), `/v1/items/${r.body.id}`);
    assert.equal(stored(r.body.id), burst[i].content_hash, 'durable when answered');
    ids.add(r.body.id);
  });
  assert.equal(ids.size, 200, 'distinct ids');
  const commits = (await metric(srv.base, 'provd_group_commits_total')) - commits0;
  const members = (await metric(srv.base, 'provd_group_commit_registrations_total')) - members0;
  assert.equal(members, 200);
  assert.ok(commits < members, `registrations shared commits (${members} in ${commits})`);
  assert.equal(await metric(srv.base, 'provd_group_commit_queued'), 0);
});

test('the same registration posted concurrently: exactly one 201, the rest 200 with its id', async () => {
  const signer = await newEd25519Signer();
  const same = await signedItem(signer, { same: true });
  const others = await items(signer, 30, 'beside');
  const res = await Promise.all([...Array(12).fill(same), ...others].map((b) => post(srv.base, b)));
  const dup = res.slice(0, 12);
  assert.equal(dup.filter((r) => r.status === 201).length, 1, dup.map((r) => r.status).join(','));
  assert.ok(dup.every((r) => r.status === 201 || r.status === 200));
  assert.equal(new Set(dup.map((r) => r.body.id)).size, 1, 'one id for them all');
  assert.ok(res.slice(12).every((r) => r.status === 201));
  const n = sqlRows(dbUrl, `SELECT count(*) FROM items WHERE content_hash = decode('${same.content_hash.slice(7)}', 'hex')`);
  assert.equal(Number(n[0]), 1);
});

test('a refused member (revoked, unknown signer) gets its problem; the others in its group are stored', async () => {
  const db = freshDatabase();
  const tok = createApiKey(db);
  const adm = createApiKey(db, 'admin');
  const s = await startProvd({ dbUrl: db, args: ['--require-known-signer'] });
  try {
    const known = await newEd25519Signer();
    const revoked = await newEd25519Signer();
    const stranger = await newEd25519Signer();
    for (const k of [known, revoked]) {
      const r = await http(s.base, 'POST', '/v1/signers', { body: { scheme: 'ed25519', public_key: k.publicKey, name: 'k' }, token: adm });
      assert.equal(r.status, 201, r.text);
    }
    assert.equal((await http(s.base, 'POST', `/v1/signers/${revoked.publicKey}/revoke`, { token: adm })).status, 200);
    const good = await items(known, 60, 'good');
    const bad = await items(revoked, 5, 'revoked');
    const unknown = await items(stranger, 5, 'unknown');
    const all = [];
    good.forEach((g, i) => { all.push(g); if (i % 12 === 0) all.push(bad[i / 12], unknown[i / 12]); });
    const commits0 = await metric(s.base, 'provd_group_commits_total');
    const res = await Promise.all(all.map((b) => post(s.base, b, tok)));
    const commits = (await metric(s.base, 'provd_group_commits_total')) - commits0;
    assert.ok(commits < 65, `the revoked ones were committed in groups with valid ones (${commits} commits)`);
    res.forEach((r, i) => {
      const signerKey = all[i].signature.public_key;
      if (signerKey === revoked.publicKey) assertProblem(assert, r, 422, 'signer-revoked', 'signature');
      else if (signerKey === stranger.publicKey) assertProblem(assert, r, 403, 'signer-unknown', 'signature');
      else assert.equal(r.status, 201, r.text);
    });
    const counts = sqlRows(db, "SELECT metadata::jsonb->>'tag', count(*) FROM items GROUP BY 1 ORDER BY 1");
    assert.deepEqual(counts, ['good|60'], 'only the valid ones are stored');
  } finally {
    await s.stop();
  }
});

test('connections killed mid-commit: every acknowledged registration is stored, failures are 503', async () => {
  const db = freshDatabase();
  const tok = createApiKey(db);
  const s = await startProvd({ dbUrl: db });
  try {
    const signer = await newEd25519Signer();
    const burst = await items(signer, 400, 'killed');
    const kill = () => sqlRows(db, "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
      + "WHERE application_name = 'provd' AND pid <> pg_backend_pid()");
    const pending = burst.map((b) => post(s.base, b, tok));
    let killed = 0;
    for (let k = 0; k < 5; k++) {
      await new Promise((r) => setTimeout(r, 15));
      killed += Number(kill()[0]);
    }
    const res = await Promise.all(pending);
    assert.ok(killed > 0, 'connections were killed during the burst');
    const acked = [];
    res.forEach((r, i) => {
      if (r.status === 201 || r.status === 200) {
        assert.equal(r.body.content_hash, burst[i].content_hash);
        acked.push(r.body.id);
      } else {
        assertProblem(assert, r, 503, 'database-unavailable');
      }
    });
    assert.ok(acked.length > 0, 'some registrations got through');
    const found = sqlRows(db, `SELECT count(*) FROM items WHERE id IN (${acked.join(',')})`);
    assert.equal(Number(found[0]), acked.length, 'nothing acknowledged is lost');
    // What failed can be sent again: stored now, or found stored (a commit that succeeded unseen).
    for (const [i, r] of res.entries()) {
      if (r.status !== 503) continue;
      const again = await post(s.base, burst[i], tok);
      assert.ok(again.status === 201 || again.status === 200, again.text);
    }
    const total = sqlRows(db, "SELECT count(*) FROM items WHERE metadata::jsonb->>'tag' = 'killed'");
    assert.equal(Number(total[0]), 400, 'each exactly once');
  } finally {
    await s.stop();
  }
});

test('under low load a lone registration waits for no window: committed alone, at once', async () => {
  const signer = await newEd25519Signer();
  const seq = await items(signer, 30, 'sequential');
  await post(srv.base, await signedItem(signer, { warm: true })); // prepared statements
  const commits0 = await metric(srv.base, 'provd_group_commits_total');
  const members0 = await metric(srv.base, 'provd_group_commit_registrations_total');
  const ms = [];
  for (const b of seq) {
    const t0 = process.hrtime.bigint();
    const r = await post(srv.base, b);
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
    assert.equal(r.status, 201, r.text);
  }
  const commits = (await metric(srv.base, 'provd_group_commits_total')) - commits0;
  const members = (await metric(srv.base, 'provd_group_commit_registrations_total')) - members0;
  assert.equal(members, 30);
  assert.equal(commits, 30, 'each sequential registration had a commit of its own');
  ms.sort((a, b) => a - b);
  assert.ok(ms[15] < 50, `median ${ms[15].toFixed(1)} ms: no waiting for company`);
});

test('shutdown during a burst answers every registration waiting for its commit', async () => {
  const db = freshDatabase();
  const tok = createApiKey(db);
  const s = await startProvd({ dbUrl: db });
  const signer = await newEd25519Signer();
  const burst = await items(signer, 150, 'shutdown');
  const pending = burst.map((b) => post(s.base, b, tok).catch(() => null));
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(await s.stop(), 0, 'clean exit with registrations in flight');
  const res = await Promise.all(pending);
  const acked = res.filter((r) => r && (r.status === 201 || r.status === 200)).map((r) => r.body.id);
  if (acked.length) {
    const found = sqlRows(db, `SELECT count(*) FROM items WHERE id IN (${acked.join(',')})`);
    assert.equal(Number(found[0]), acked.length, 'what was acknowledged is stored');
  }
  for (const r of res) if (r && r.status >= 400) assertProblem(assert, r, r.status, r.body.type.split(':').pop());
});

// Sends a whole POST /v1/items and hangs up at once, before the reply: the registration is
// checked, suspended for its commit and resumed on a connection that is gone.
function postAndHangUp(base, body, tok) {
  const { hostname, port } = new URL(base);
  const text = JSON.stringify(body);
  return new Promise((resolve) => {
    const sock = net.connect(Number(port), hostname, () => {
      sock.end(`POST /v1/items HTTP/1.1\r\nHost: ${hostname}\r\nAuthorization: Bearer ${tok}\r\n`
        + `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`,
      () => { sock.destroy(); resolve(); });
    });
    sock.on('error', resolve);
  });
}

test('clients that hang up while their registration commits hold nothing up: their rows are stored, shutdown is prompt', async () => {
  const db = freshDatabase();
  const tok = createApiKey(db);
  const s = await startProvd({ dbUrl: db });
  const signer = await newEd25519Signer();
  const gone = await items(signer, 100, 'hang-up');
  await Promise.all(gone.map((b) => postAndHangUp(s.base, b, tok)));
  // Every registration that reached its commit is stored; wait until the committers are idle.
  for (let i = 0; i < 100 && (await metric(s.base, 'provd_group_commit_queued')) > 0; i++) {
    await new Promise((r) => setTimeout(r, 50));
  }
  const after1 = await post(s.base, gone[0], tok); // the same again: stored by now, or now
  assert.ok(after1.status === 200 || after1.status === 201, after1.text);
  const outcome = await stopWithin(s);
  assert.notEqual(outcome, 'late', 'provd exits within 15 s of SIGTERM');
  assert.equal(outcome, 0, 'clean exit');
  const n = Number(sqlRows(db, "SELECT count(*) FROM items WHERE metadata LIKE '%hang-up%'")[0]);
  assert.ok(n >= 1 && n <= 100, `${n} of the abandoned registrations stored`);
});
