// SPDX-License-Identifier: Apache-2.0
// The transparency log: sequencing, checkpoints, receipts verified by `provd verify` and by an
// independent JavaScript verifier, tampering, consistency across growth.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  startProvd, createApiKey, createLogKey, newEd25519Signer, signedItem, http, assertProblem,
  freshDatabase, runProvd, waitForLog, sql,
  tempDir,
} from './lib/harness.mjs';
import {
  openNote, parseCheckpoint, leafHash, verifyInclusion, verifyConsistency,
} from './lib/tlog.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const tmp = tempDir('provd-receipts-');

let srv, token, key, signer;
before(async () => {
  const dbUrl = freshDatabase();
  token = createApiKey(dbUrl);
  key = createLogKey('log.provd.test/main');
  srv = await startProvd({ dbUrl, command: 'run', logKey: key });
  signer = await newEd25519Signer();
});
after(async () => {
  await srv.stop();
});

async function register(n, tag) {
  const out = [];
  for (let i = 0; i < n; i++) {
    const res = await http(srv.base, 'POST', '/v1/items', {
      body: await signedItem(signer, { tag, i, license: 'MIT' }), token });
    assert.equal(res.status, 201, res.text);
    out.push(res.body);
  }
  return out;
}

async function receiptOf(id) {
  for (let i = 0; i < 100; i++) {
    const r = await http(srv.base, 'GET', `/v1/items/${id}/receipt`);
    if (r.status === 200) return r.body;
    assert.equal(r.status, 202, r.text);
    await sleep(50);
  }
  throw new Error(`item ${id} was not logged`);
}

function verifyWithCli(receipt, vkey = key.vkey) {
  const file = path.join(tmp, `r-${Math.random().toString(36).slice(2)}.json`);
  fs.writeFileSync(file, JSON.stringify(receipt));
  return runProvd(['verify', file, '--log-key', vkey]);
}

test('the log key and checkpoint are published', async () => {
  await register(1, 'first');
  let cp;
  // (the empty log's checkpoint, size 0, may come first: wait for the registration's)
  const logged = (r) => r && r.status === 200 && Number(r.text.split('\n')[1]) >= 1;
  for (let i = 0; i < 50 && !logged(cp); i++) {
    cp = await http(srv.base, 'GET', '/v1/log/checkpoint');
    await sleep(50);
  }
  assert.equal(cp.status, 200);
  assert.equal(cp.headers.get('content-type'), 'text/plain; charset=utf-8');
  const k = await http(srv.base, 'GET', '/v1/log/key');
  assert.equal(k.text, key.vkey + '\n');
  const text = await openNote(cp.text, key.vkey);
  const c = parseCheckpoint(text);
  assert.equal(c.origin, 'log.provd.test/main');
  assert.ok(c.size >= 1);
  assert.equal(c.root.length, 32);
});

test('registrations get contiguous indexes, status logged, and verifiable receipts', async () => {
  const regs = await register(37, 'batch');
  const receipts = [];
  for (const r of regs) receipts.push(await receiptOf(r.id));
  const indexes = receipts.map((r) => r.log_index);
  assert.deepEqual(indexes, indexes.map((_, i) => indexes[0] + i), 'contiguous, in order');
  for (const rc of receipts) {
    // provd's own verifier
    const v = verifyWithCli(rc);
    assert.equal(v.status, 0, v.stderr);
    assert.match(v.stdout, /^OK: sha256:[0-9a-f]{64} is entry \d+ of log log\.provd\.test\/main/);
    // an independent one
    const cp = parseCheckpoint(await openNote(rc.checkpoint, key.vkey));
    assert.equal(cp.size, rc.tree_size);
    const leaf = leafHash(rc.record);
    assert.equal(leaf.toString('hex'), rc.leaf_hash);
    assert.ok(verifyInclusion(leaf, rc.log_index, rc.tree_size, rc.inclusion_proof, cp.root));
  }
  const item = await http(srv.base, 'GET', `/v1/items/${regs[5].id}`);
  assert.equal(item.body.status, 'logged');
  assert.equal(item.body.log_index, receipts[5].log_index);
  const prov = await http(srv.base, 'GET', `/v1/provenance/${regs[5].content_hash}`);
  assert.equal(prov.body.registrations[0].status, 'logged');
  // The record in the receipt is the registration.
  assert.equal(receipts[5].record.content_hash, regs[5].content_hash);
  assert.deepEqual(receipts[5].record.metadata, regs[5].metadata);
  assert.equal(receipts[5].record.registered_at, regs[5].registered_at);
  assert.deepEqual(receipts[5].record.signature, regs[5].signature);
});

test('tampering with any part of a receipt makes provd verify fail', async () => {
  const [reg] = await register(1, 'tamper');
  await register(6, 'padding'); // so the proof has several hashes
  let rc = await receiptOf(reg.id);
  for (let i = 0; i < 50 && rc.inclusion_proof.length < 2; i++) {
    await sleep(50);
    rc = await receiptOf(reg.id);
  }
  assert.ok(rc.inclusion_proof.length >= 2, 'the proof has hashes');
  assert.equal(verifyWithCli(rc).status, 0);
  const flipHex = (h, i) => h.slice(0, i) + (h[i] === '0' ? '1' : '0') + h.slice(i + 1);
  const mutations = {
    'record content_hash': (r) => { r.record.content_hash = flipHex(r.record.content_hash, 20); },
    'record metadata': (r) => { r.record.metadata.tag = 'tampered'; },
    'record extra metadata': (r) => { r.record.metadata.extra = 1; },
    'record registered_at': (r) => { r.record.registered_at = r.record.registered_at.replace(/\d(?=Z$)/, (d) => String((+d + 1) % 10)); },
    'record signature': (r) => { const s = r.record.signature.value; r.record.signature.value = (s[0] === 'A' ? 'B' : 'A') + s.slice(1); },
    'log_index': (r) => { r.log_index += 1; },
    'tree_size': (r) => { r.tree_size += 1; },
    'proof hash': (r) => { r.inclusion_proof[1] = flipHex(r.inclusion_proof[1], 7); },
    'proof dropped': (r) => { r.inclusion_proof.pop(); },
    'proof extended': (r) => { r.inclusion_proof.push('00'.repeat(32)); },
    'checkpoint root': (r) => { r.checkpoint = r.checkpoint.replace(/\n([A-Za-z0-9+/]{10})/, (m, p) => '\n' + (p[0] === 'A' ? 'B' : 'A') + p.slice(1)); },
    'checkpoint size': (r) => { r.checkpoint = r.checkpoint.replace(/\n(\d+)\n/, (m, n) => `\n${+n + 1}\n`); },
    'checkpoint origin': (r) => { r.checkpoint = 'x' + r.checkpoint; },
    'checkpoint signature': (r) => { r.checkpoint = r.checkpoint.replace(/ (\S)(\S+)\n$/, (m, a, b) => ` ${a === 'A' ? 'B' : 'A'}${b}\n`); },
  };
  for (const [what, mutate] of Object.entries(mutations)) {
    const bad = structuredClone(rc);
    mutate(bad);
    assert.notDeepEqual(bad, rc, `${what} changed something`);
    const v = verifyWithCli(bad);
    assert.equal(v.status, 1, `${what}: ${v.stdout}`);
    assert.match(v.stderr, /^FAIL: /, what);
  }
  const other = createLogKey('log.provd.test/main');
  const v = verifyWithCli(rc, other.vkey);
  assert.equal(v.status, 1);
  assert.match(v.stderr, /no signature by key/);
});

test('consistency proofs across growth', async () => {
  // Each checkpoint is read once the last registration before it is in the log.
  const before = await register(3, 'before');
  await receiptOf(before[2].id);
  const cp1 = parseCheckpoint(await openNote((await http(srv.base, 'GET', '/v1/log/checkpoint')).text, key.vkey));
  const grown = await register(11, 'after');
  await receiptOf(grown[10].id);
  const cp2 = parseCheckpoint(await openNote((await http(srv.base, 'GET', '/v1/log/checkpoint')).text, key.vkey));
  assert.ok(cp2.size > cp1.size);
  const res = await http(srv.base, 'GET', `/v1/log/consistency?from=${cp1.size}&to=${cp2.size}`);
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.from, cp1.size);
  assert.equal(res.body.to, cp2.size);
  assert.ok(verifyConsistency(cp1.size, cp2.size, cp1.root, cp2.root, res.body.proof));
  assert.ok(!verifyConsistency(cp1.size, cp2.size, cp2.root, cp1.root, res.body.proof));
  const same = await http(srv.base, 'GET', `/v1/log/consistency?from=${cp2.size}&to=${cp2.size}`);
  assert.deepEqual(same.body.proof, []);
  for (const [q, field] of [['from=0&to=1', 'from'], [`from=2&to=1`, 'to'], ['from=x&to=1', 'from'],
    [`from=1&to=${cp2.size + 1000}`, 'to'], ['to=1', 'from'], ['from=1', 'to'], ['from=1&to=1&x=2', 'x']]) {
    assertProblem(assert, await http(srv.base, 'GET', '/v1/log/consistency?' + q), 400,
                  'invalid-parameter', field);
  }
});

test('without a worker: receipts are pending (202) and the log is empty', async () => {
  const dbUrl = freshDatabase();
  const tok = createApiKey(dbUrl);
  const s = await startProvd({ dbUrl });
  try {
    const res = await http(s.base, 'POST', '/v1/items', {
      body: await signedItem(signer, { pending: true }), token: tok });
    assert.equal(res.body.status, 'registered');
    assert.equal(res.body.log_index, null);
    const rc = await http(s.base, 'GET', `/v1/items/${res.body.id}/receipt`);
    assert.equal(rc.status, 202);
    assert.equal(rc.headers.get('retry-after'), '1');
    assert.equal(rc.body.status, 'registered');
    assert.equal(rc.body.log_index, null);
    assert.equal(rc.body.record.content_hash, res.body.content_hash);
    const v = verifyWithCli(rc.body);
    assert.equal(v.status, 1);
    assert.match(v.stderr, /not in the log yet/);
    assertProblem(assert, await http(s.base, 'GET', '/v1/log/checkpoint'), 404, 'log-empty');
    assertProblem(assert, await http(s.base, 'GET', '/v1/log/key'), 404, 'log-empty');
    assertProblem(assert, await http(s.base, 'GET', '/v1/items/99999/receipt'), 404, 'item-not-found');
    assertProblem(assert, await http(s.base, 'GET', '/v1/items/abc/receipt'), 400, 'invalid-parameter', 'id');
    // A worker started later logs what was registered before.
    const w = await startProvd({ dbUrl, command: 'worker', logKey: key });
    try {
      let got;
      for (let i = 0; i < 100 && (!got || got.status !== 200); i++) {
        await sleep(50);
        got = await http(s.base, 'GET', `/v1/items/${res.body.id}/receipt`);
      }
      assert.equal(got.status, 200);
      assert.equal(got.body.log_index, 0);
      assert.equal(verifyWithCli(got.body).status, 0);
    } finally {
      await w.stop();
    }
  } finally {
    await s.stop();
  }
});

test('a worker refuses a database that holds another log', async () => {
  const dbUrl = freshDatabase();
  const first = await startProvd({ dbUrl, command: 'worker', logKey: key });
  await waitForLog(first, /leading log/);
  await first.stop();
  const other = createLogKey('another.origin/log');
  const w = await startProvd({ dbUrl, command: 'worker', logKey: other });
  // 'close' rather than 'exit': the log is only complete once stderr is drained.
  const code = await new Promise((resolve) => w.proc.on('close', resolve));
  assert.equal(code, 1);
  assert.match(w.logs(), /refusing to sign it/);
});

test('logkey create refuses to overwrite and writes mode 0600', () => {
  const k = createLogKey('x.example/log');
  assert.equal(fs.statSync(k.keyFile).mode & 0o777, 0o600);
  assert.match(k.vkey, /^x\.example\/log\+[0-9a-f]{8}\+[A-Za-z0-9+/]{44}$/);
  const again = runProvd(['logkey', 'create', '--log-key-file', k.keyFile, '--log-origin', 'x.example/log']);
  assert.equal(again.status, 1);
  assert.match(again.stderr, /refusing to overwrite/);
  const badOrigin = runProvd(['logkey', 'create', '--log-key-file', k.keyFile + '2', '--log-origin', 'has space']);
  assert.equal(badOrigin.status, 2);
  const mismatch = runProvd(['worker', '--log-key-file', k.keyFile, '--log-origin', 'other/log'],
                            { PROVD_DATABASE_URL: srv.dbUrl });
  assert.equal(mismatch.status, 1);
  assert.match(mismatch.stderr, /is for origin x\.example\/log/);
});

// Receipts keep the log context they built (registry/ctxcache.h) while log_state's context tag
// stays (sql/0011); every change to an anchor or a cosignature must show in the next receipt.
test('a receipt shows an anchor and a cosignature as soon as they are stored, and loses them with them', async () => {
  const contexts = async (source) => Number(new RegExp(`^provd_receipt_contexts_total\\{source="${source}"\\} (\\d+)$`, 'm')
    .exec((await http(srv.base, 'GET', '/metrics')).text)[1]);
  const [item] = await register(1, 'context');
  const first = await receiptOf(item.id);
  const kept = await contexts('kept');
  assert.deepEqual(await receiptOf(item.id), first);
  assert.equal(await contexts('kept'), kept + 1, 'the second receipt uses the kept context');
  assert.equal(first.anchor, null);
  const { size, root } = parseCheckpoint(first.checkpoint);
  sql(srv.dbUrl, `INSERT INTO anchors (chain_id, sender, recipient, tree_size, root, calldata, status, nonce,
      tx_hash, block_number, block_hash, confirmations, submitted_at, mined_at, confirmed_at)
    VALUES (31337, decode(repeat('ab', 20), 'hex'), decode(repeat('cd', 20), 'hex'), ${size},
      decode('${root.toString('hex')}', 'hex'), '\\x01', 'confirmed', 0, sha256('ctx'::bytea), 7,
      sha256('block'::bytea), 12, now(), now(), now())`);
  const anchored = await receiptOf(item.id);
  assert.equal(anchored.status, 'anchored');
  assert.equal(anchored.anchor.tree_size, size);
  assert.equal(anchored.anchor.confirmations, 12);
  sql(srv.dbUrl, `UPDATE anchors SET confirmations = 99 WHERE tree_size = ${size}`);
  assert.equal((await receiptOf(item.id)).anchor.confirmations, 99);
  sql(srv.dbUrl, `DELETE FROM anchors WHERE tree_size = ${size}`);
  assert.deepEqual(await receiptOf(item.id), first);
  const sig = Buffer.concat([Buffer.from([1, 2, 3, 4]), Buffer.alloc(72, 7)]).toString('base64');
  const line = `\u2014 witness.provd.test ${sig}\n`; // a key id and a timestamped cosignature
  sql(srv.dbUrl, `INSERT INTO witness_cosignatures (tree_size, name, key_id, signed_at, line)
    VALUES (${size}, 'witness.provd.test', 1, 1, '${line}')`);
  const cosigned = await receiptOf(item.id);
  assert.equal(cosigned.checkpoint, first.checkpoint + line);
  const verified = verifyWithCli(cosigned);
  assert.equal(verified.status, 0, verified.stderr); // a cosignature of an unknown key is ignored
  sql(srv.dbUrl, "DELETE FROM witness_cosignatures WHERE name = 'witness.provd.test'");
  assert.deepEqual(await receiptOf(item.id), first);
  assert.ok(await contexts('looked_up') >= 6, 'each change made the next receipt look its context up');
});
