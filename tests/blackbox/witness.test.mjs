// SPDX-License-Identifier: Apache-2.0
// Witness cosigning (C2SP tlog-witness, tlog-cosignature): provd run with two test witnesses
// (lib/witness.mjs) gets its checkpoints cosigned, serves them with the cosignature lines, puts
// them in receipts, and reports each witness in /metrics; a witness that refuses, times out,
// returns a bad cosignature, lost its state (409) or holds a forked checkpoint is handled and
// reported.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  startProvd, createApiKey, createLogKey, newEd25519Signer, signedItem, http, freshDatabase,
  runProvd, tempDir, sqlRows,
} from './lib/harness.mjs';
import { startWitness, verifyCosignature } from './lib/witness.mjs';
import { verifyReceipt } from '../../clients/js/src/index.js';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const ORIGIN = 'log.provd.test/cosigned';
let srv, token, key, signer, w1, w2, dbUrl;
const tmp = tempDir('provd-witness-');
const tilesDir = path.join(tmp, 'tiles');

before(async () => {
  dbUrl = freshDatabase();
  token = createApiKey(dbUrl);
  key = createLogKey(ORIGIN);
  signer = await newEd25519Signer();
  fs.mkdirSync(tilesDir);
  const logs = [{ origin: ORIGIN, vkey: key.vkey }];
  w1 = await startWitness({ name: 'witness.test/w1', logs });
  w2 = await startWitness({ name: 'witness.test/w2', logs, prefix: '/sub' });
  srv = await startProvd({
    dbUrl, command: 'run', logKey: key,
    args: ['--witness', `${w1.url}+${w1.vkey}`, '--witness', `${w2.url}/+${w2.vkey}`,
      '--witness-quorum', '2', '--witness-interval', '1', '--witness-timeout', '500',
      '--tiles-dir', tilesDir],
  });
});
after(async () => {
  await srv.stop();
  await w1.stop();
  await w2.stop();
});

let registered = 0;
// Registers n items; returns their ids once the log covers them.
async function register(n) {
  const ids = [];
  for (let i = 0; i < n; i++) {
    const res = await http(srv.base, 'POST', '/v1/items', {
      body: await signedItem(signer, { tag: 'witness', i: registered, license: 'MIT' }), token });
    assert.equal(res.status, 201, res.text);
    ids.push(res.body.id);
    registered++;
  }
  await until(async () => (await checkpoint()).size >= registered, 'the log to grow');
  return ids;
}

async function checkpoint() {
  const r = await http(srv.base, 'GET', '/v1/log/checkpoint');
  if (r.status !== 200) return { size: -1, note: null };
  return { size: Number(r.text.split('\n')[1]), note: r.text };
}

async function until(fn, what, ms = 30000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const v = await fn();
    if (v) return v;
    await sleep(100);
  }
  throw new Error('timed out waiting for ' + what + '\n' + srv.logs().slice(-3000));
}

async function metrics() {
  const r = await http(srv.base, 'GET', '/metrics');
  assert.equal(r.status, 200);
  return r.text;
}
// The value of one sample, or null.
function sample(text, name, labels = '') {
  const esc = (s) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  const m = new RegExp(`^${esc(name)}${esc(labels)} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : null;
}
const wl = (w, reason) => reason ? `{witness="${w.name}",reason="${reason}"}` : `{witness="${w.name}"}`;

// Cosignature lines of note (after the log's own signature line).
const cosigLines = (note) => note.split('\n').filter((l) => l.startsWith('\u2014 witness.test/'));

async function receipt(id) {
  const r = await until(async () => {
    const x = await http(srv.base, 'GET', `/v1/items/${id}/receipt`);
    return x.status === 200 ? x : null;
  }, `the receipt of ${id}`);
  return r.body;
}

function verifyCli(rc, extra = []) {
  const f = path.join(tmp, `r-${Math.random().toString(36).slice(2)}.json`);
  fs.writeFileSync(f, JSON.stringify(rc));
  return runProvd(['verify', f, '--log-key', key.vkey, ...extra]);
}

let cosigned; // { size, note, ids } of the last checkpoint both witnesses cosigned

test('quorum met: both witnesses cosign; checkpoint, receipt and /metrics show it', async () => {
  const ids = await register(3);
  const m = await until(async () => {
    const t = await metrics();
    return sample(t, 'provd_witness_quorum_met') === 1 ? t : null;
  }, 'quorum');
  const cp = await checkpoint();
  assert.equal(sample(m, 'provd_witness_quorum'), 2);
  assert.equal(sample(m, 'provd_witness_cosigned_tree_size', wl(w1)), cp.size);
  assert.equal(sample(m, 'provd_witness_cosigned_tree_size', wl(w2)), cp.size);
  assert.equal(sample(m, 'provd_witness_cosigned_checkpoint_tree_size'), cp.size);
  assert.ok(sample(m, 'provd_witness_cosignature_age_seconds', wl(w1)) < 30);
  assert.equal(w1.state.get(ORIGIN).size, cp.size);
  // The served checkpoint: the log's signature line, then one valid line per witness.
  const lines = cosigLines(cp.note);
  assert.equal(lines.length, 2, cp.note);
  assert.ok(cp.note.indexOf(`\u2014 ${ORIGIN} `) < cp.note.indexOf(lines[0]));
  assert.notEqual(await verifyCosignature(w1.vkey, cp.note, lines[0]), null);
  assert.notEqual(await verifyCosignature(w2.vkey, cp.note, lines[1]), null);
  // The receipt carries that cosigned checkpoint and still verifies.
  const rc = await receipt(ids[0]);
  assert.equal(rc.checkpoint, cp.note);
  assert.equal(rc.tree_size, cp.size);
  const v = verifyCli(rc);
  assert.equal(v.status, 0, v.stderr + v.stdout);
  const vw = verifyCli(rc, ['--witness', w1.vkey, '--witness', w2.vkey, '--witness-quorum', '2']);
  assert.equal(vw.status, 0, vw.stderr + vw.stdout);
  // The JavaScript client's verifier (the explorer's) skips the cosignature lines too.
  const js = await verifyReceipt(rc, { pinnedKey: key.vkey });
  assert.equal(js.ok, true, JSON.stringify(js.steps));
  // The tlog-tiles checkpoint, and the published one once the cosignatures arrived, are it too.
  assert.equal((await http(srv.base, 'GET', '/log/checkpoint')).text, cp.note);
  await until(() => fs.readFileSync(path.join(tilesDir, 'checkpoint'), 'utf8') === cp.note,
    'the cosigned checkpoint in --tiles-dir');
  cosigned = { size: cp.size, note: cp.note, ids };
});

test('quorum not met: one witness refuses (403); receipts of covered entries keep the cosigned checkpoint', async () => {
  w2.setBehaviour('refuse');
  const ids = await register(2);
  const size = registered;
  const m = await until(async () => {
    const t = await metrics();
    return sample(t, 'provd_witness_cosigned_tree_size', wl(w1)) === size &&
      sample(t, 'provd_witness_failures_total', wl(w2, 'refused')) >= 1 ? t : null;
  }, 'w1 to cosign and w2 to refuse');
  assert.equal(sample(m, 'provd_witness_quorum_met'), 0);
  assert.equal(sample(m, 'provd_witness_cosigned_tree_size', wl(w2)), cosigned.size);
  assert.equal(sample(m, 'provd_witness_cosigned_checkpoint_tree_size'), cosigned.size);
  assert.match(srv.logs(), /witness witness\.test\/w2\+[0-9a-f]{8} refused tree size \d+ \(refused\)/);
  // The latest checkpoint carries w1's cosignature only.
  const cp = await checkpoint();
  assert.equal(cp.size, size);
  assert.deepEqual(cosigLines(cp.note).map((l) => l.split(' ')[1]), ['witness.test/w1']);
  // A new entry: not covered by the cosigned checkpoint, so its receipt uses the latest one.
  const fresh = await receipt(ids[1]);
  assert.equal(fresh.tree_size, size);
  assert.equal(fresh.checkpoint, cp.note);
  // An older entry: the newest checkpoint with quorum covers it, so its receipt uses that one.
  const old = await receipt(cosigned.ids[0]);
  assert.equal(old.tree_size, cosigned.size);
  assert.equal(old.checkpoint, cosigned.note);
  const both = ['--witness', w1.vkey, '--witness', w2.vkey, '--witness-quorum', '2'];
  for (const rc of [fresh, old]) {
    const v = verifyCli(rc);
    assert.equal(v.status, 0, v.stderr + v.stdout);
  }
  // provd verify: the old receipt has both cosignatures, the fresh one only w1's.
  assert.equal(verifyCli(old, both).status, 0);
  assert.notEqual(verifyCli(fresh, both).status, 0);
  assert.equal(verifyCli(fresh, ['--witness', w1.vkey]).status, 0);
});

test('a witness that times out is counted as unreachable and does not stop the other', async () => {
  w2.setBehaviour('timeout');
  await register(1);
  const size = registered;
  const m = await until(async () => {
    const t = await metrics();
    return sample(t, 'provd_witness_failures_total', wl(w2, 'unreachable')) >= 1 &&
      sample(t, 'provd_witness_cosigned_tree_size', wl(w1)) === size ? t : null;
  }, 'a timeout');
  assert.equal(sample(m, 'provd_witness_quorum_met'), 0);
  assert.match(srv.logs(), /witness witness\.test\/w2\+[0-9a-f]{8} refused tree size \d+ \(unreachable\): .*[Tt]imeout/);
});

test('a bad cosignature is counted and nothing of it is stored', async () => {
  w2.setBehaviour('bad-signature');
  await register(1);
  const size = registered;
  await until(async () => sample(await metrics(), 'provd_witness_failures_total',
    wl(w2, 'bad_cosignature')) >= 1, 'a bad cosignature');
  // the witness did record the checkpoint (so it answered 200), yet provd stored nothing of it
  await until(async () => w2.state.get(ORIGIN)?.size === size, 'w2 to record the checkpoint');
  const rows = sqlRows(dbUrl, `SELECT tree_size FROM witness_cosignatures WHERE name = 'witness.test/w2' AND tree_size > ${cosigned.size}`);
  assert.deepEqual(rows, []);
  const cp = await checkpoint();
  assert.deepEqual(cosigLines(cp.note).map((l) => l.split(' ')[1]), ['witness.test/w1']);
});

test('409: a witness that lost its state says its size, and provd resends with a proof from it', async () => {
  // w2 forgets everything after the first cosigned checkpoint (as after a restore from backup).
  const body = cosigned.note.split('\n');
  w2.setState(ORIGIN, cosigned.size, Buffer.from(body[2], 'base64'));
  w2.setBehaviour('ok');
  const before = w2.requests.length;
  await register(1);
  const size = registered;
  const m = await until(async () => {
    const t = await metrics();
    return sample(t, 'provd_witness_quorum_met') === 1 ? t : null;
  }, 'quorum again');
  assert.equal(sample(m, 'provd_witness_cosigned_tree_size', wl(w2)), size);
  const seen = w2.requests.slice(before);
  const i = seen.findIndex((r) => r.status === 409);
  assert.ok(i >= 0, JSON.stringify(seen));
  assert.equal(seen[i + 1].old, cosigned.size, JSON.stringify(seen));
  assert.equal(seen[i + 1].status, 200);
  const cp = await checkpoint();
  assert.equal(cosigLines(cp.note).length, 2);
});

test('a forked checkpoint is refused by the witness and reported by provd as a possible split view', async () => {
  w2.setBehaviour('fork'); // w2 now holds another root at the size it last cosigned
  await register(1);
  const m = await until(async () => {
    const t = await metrics();
    return sample(t, 'provd_witness_failures_total', wl(w2, 'fork')) >= 1 ? t : null;
  }, 'a fork report');
  assert.equal(sample(m, 'provd_witness_quorum_met'), 0);
  assert.match(srv.logs(), /witness witness\.test\/w2\+[0-9a-f]{8}: POSSIBLE SPLIT VIEW/);
  assert.ok(w2.requests.some((r) => r.status === 422 || r.status === 409));
  // w1 is unaffected
  assert.equal(sample(m, 'provd_witness_cosigned_tree_size', wl(w1)), registered);
});
