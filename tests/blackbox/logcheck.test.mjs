// SPDX-License-Identifier: Apache-2.0
// provd log check: a log of 600 registrations and a sealed dataset passes; a changed record, tile
// byte, checkpoint root or note, anchor root, a gap, an entry past the tree size and a tiles
// directory's changed or extra file are each found and named, with exit status 1.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import {
  startProvd, createApiKey, createLogKey, newEd25519Signer, signedItem, http, freshDatabase,
  runProvd, sql, sqlRows, sha256Hex, tempDir, provdBin,
} from './lib/harness.mjs';
import { membersRoot, datasetStatement } from './lib/dataset.mjs';
import { canonicalize } from './lib/jcs.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let dbUrl, key, srv;
const firstRecords = []; // the records of log indexes 0 to 255, from their receipts
const check = (args = []) => runProvd(['log', 'check', ...args], { PROVD_DATABASE_URL: dbUrl });
const one = (q) => sqlRows(dbUrl, q)[0];

async function registerBatch(token, signer, n, tag) {
  const items = await Promise.all(Array.from({ length: n }, (_, i) => signedItem(signer, { tag, i })));
  const res = await http(srv.base, 'POST', '/v1/items/batch', { body: { items }, token });
  assert.equal(res.status, 200, res.text.slice(0, 300));
  assert.equal(res.body.created, n);
}

async function sealedDataset(token, curator) {
  const base = srv.base;
  const res = await http(base, 'POST', '/v1/datasets', { body: { name: 'corpus', version: '1.0' }, token });
  assert.equal(res.status, 201, res.text);
  const d = res.body;
  const members = await Promise.all(Array.from({ length: 5 },
    async () => 'sha256:' + (await sha256Hex(randomBytes(32)))));
  const add = await http(base, 'POST', `/v1/datasets/${d.id}/members`,
    { body: { content_hashes: members }, token });
  assert.equal(add.status, 200, add.text);
  const root = membersRoot(members);
  const value = await curator.sign(datasetStatement(d, 5, root));
  const seal = await http(base, 'POST', `/v1/datasets/${d.id}/seal`, { token, body: {
    member_count: 5, members_root: root,
    signature: { scheme: 'ed25519', public_key: curator.publicKey, value } } });
  assert.equal(seal.status, 200, seal.text);
}

before(async () => {
  dbUrl = freshDatabase();
  const token = createApiKey(dbUrl);
  key = createLogKey('log.provd.test/logcheck');
  srv = await startProvd({ dbUrl, command: 'run', logKey: key });
  const signer = await newEd25519Signer();
  await registerBatch(token, signer, 300, 'a');
  await sealedDataset(token, await newEd25519Signer());
  await registerBatch(token, signer, 300, 'b');
  for (let i = 0; i < 200 && one('SELECT tree_size FROM log_state') !== '601'; i++) await sleep(50);
  assert.equal(one('SELECT tree_size FROM log_state'), '601', 'the log holds all 601 records');
  for (const id of sqlRows(dbUrl, 'SELECT item_id FROM log_entries WHERE log_index < 256 ORDER BY log_index')) {
    const rc = await http(srv.base, 'GET', `/v1/items/${id}/receipt`);
    assert.equal(rc.status, 200, rc.text);
    firstRecords.push(Buffer.from(canonicalize(rc.body.record)));
  }
  await srv.stop();
  // An anchor of the first checkpoint (no chain needed: log check compares roots only).
  sql(dbUrl, `INSERT INTO anchors (chain_id, sender, recipient, tree_size, root, calldata)
              SELECT 31337, decode(repeat('11', 20), 'hex'), decode(repeat('22', 20), 'hex'),
                     tree_size, root, '\\x' FROM log_checkpoints WHERE tree_size > 0
                     ORDER BY tree_size LIMIT 1`);
});

// The checkpoint note at size (several lines: psql would split them).
const noteAt = (size) => Buffer.from(sqlRows(dbUrl,
  `SELECT encode(convert_to(note, 'UTF8'), 'base64') FROM log_checkpoints WHERE tree_size = ${size}`)
  .join(''), 'base64').toString('utf8');

// Runs the check after change (SQL), expects exit 1 naming re, then undoes it with undo.
function expectFailure(change, undo, re) {
  sql(dbUrl, change);
  try {
    const r = check();
    assert.equal(r.status, 1, r.stdout + r.stderr);
    const line = r.stdout.split('\n').find((l) => l.startsWith('log check: FAILED: '));
    assert.ok(line, r.stdout);
    const failure = line.slice('log check: FAILED: '.length);
    assert.match(failure, re);
    assert.ok(r.stderr.includes(`provd: log check: ${failure}\n`), 'stderr names it too');
  } finally {
    sql(dbUrl, undo);
  }
  const again = check();
  assert.equal(again.status, 0, 'restored: ' + again.stdout + again.stderr);
}

test('a whole log passes: every record, tile, checkpoint and anchor checked', () => {
  const r = check();
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /tree size 601: 600 items, 1 datasets, 0 models re-derived; \d+ tiles, (\d+) checkpoints \((\d+) consistency proofs\), 1 anchors/);
  const [, cps, proofs] = /(\d+) checkpoints \((\d+) consistency/.exec(r.stdout);
  assert.equal(cps, one('SELECT count(*) FROM log_checkpoints'));
  assert.equal(Number(proofs), Number(cps) - 1);
  assert.match(r.stdout, /^log check: OK$/m);
});

test('usage errors exit 2', () => {
  assert.equal(runProvd(['log']).status, 2);
  assert.equal(runProvd(['log', 'check', '--no-such-option']).status, 2);
  assert.equal(runProvd(['log', 'check'], { PROVD_DATABASE_URL: '' }).status, 2);
  assert.equal(runProvd(['log', 'check', '--help']).status, 0);
});

test('an unreachable database exits 3', () => {
  const r = runProvd(['log', 'check', '--database-url', 'postgresql://127.0.0.1:1/none',
                      '--db-connect-timeout', '2']);
  assert.equal(r.status, 3, r.stdout + r.stderr);
});

test('a changed record is named by its log index and level-0 tile', () => {
  const id = one('SELECT item_id FROM log_entries WHERE log_index = 417');
  const meta = one(`SELECT metadata FROM items WHERE id = ${id}`);
  expectFailure(`UPDATE items SET metadata = '{"tag":"forged"}' WHERE id = ${id}`,
                `UPDATE items SET metadata = '${meta.replace(/'/g, "''")}' WHERE id = ${id}`,
                new RegExp(`^log index 417: leaf hash differs from tile 0/1 \\(its item ${id} `));
});

test('a changed dataset record is named', () => {
  const idx = one('SELECT log_index FROM log_entries WHERE dataset_id IS NOT NULL');
  const id = one(`SELECT dataset_id FROM log_entries WHERE log_index = ${idx}`);
  expectFailure(`UPDATE datasets SET version = '6.6.6' WHERE id = ${id}`,
                `UPDATE datasets SET version = '1.0' WHERE id = ${id}`,
                new RegExp(`^log index ${idx}: leaf hash differs from tile 0/${Math.floor(idx / 256)} \\(its dataset ${id} `));
});

const flip = (table, col, where, byte) =>
  `UPDATE ${table} SET ${col} = set_byte(${col}, ${byte}, get_byte(${col}, ${byte}) # 1) WHERE ${where}`;

test('a changed byte of a level-0 tile names the tile and the index it holds', () => {
  const f = flip('log_tiles', 'hashes', 'level = 0 AND idx = 1', 32 * 5 + 7);
  expectFailure(f, f, /^log index 261: leaf hash differs from tile 0\/1 /);
});

test('a changed byte of a level-1 tile names the tile', () => {
  const f = flip('log_tiles', 'hashes', 'level = 1 AND idx = 0', 33);
  expectFailure(f, f, /^tile 1\/0: differs from the rebuilt tree$/);
});

test('a changed checkpoint root and a changed note are named by the checkpoint', () => {
  const sizes = sqlRows(dbUrl, 'SELECT tree_size FROM log_checkpoints ORDER BY tree_size');
  assert.ok(sizes.length >= 2, 'the log has several checkpoints');
  const size = sizes[1];
  const f = flip('log_checkpoints', 'root', `tree_size = ${size}`, 3);
  expectFailure(f, f, new RegExp(`^checkpoint ${size}: root differs from the tree at that size$`));
  const note = noteAt(size);
  const lines = note.split('\n');
  const forged = [lines[0], lines[1], lines[2], 'extension line', ...lines.slice(3)].join('\n');
  expectFailure(`UPDATE log_checkpoints SET note = '${forged}' WHERE tree_size = ${size}`,
                `UPDATE log_checkpoints SET note = '${note}' WHERE tree_size = ${size}`,
                new RegExp(`^checkpoint ${size}: its note does not verify with log_state's vkey`));
});

test('a changed anchor root is named by the anchor', () => {
  const [id, size] = sqlRows(dbUrl, 'SELECT id, tree_size FROM anchors')[0].split('|');
  const f = flip('anchors', 'root', `id = ${id}`, 31);
  expectFailure(f, f, new RegExp(`^anchor ${id} \\(chain 31337, tree size ${size}, pending\\): root differs from the tree at that size$`));
});

test('a gap in log_index and an entry past log_state tree size are named', () => {
  const row = sqlRows(dbUrl, 'SELECT item_id FROM log_entries WHERE log_index = 5')[0];
  expectFailure('DELETE FROM log_entries WHERE log_index = 5',
                `INSERT INTO log_entries (log_index, item_id) VALUES (5, ${row})`,
                /^log index 5: no entry \(a gap in log_entries\)$/);
  expectFailure('UPDATE log_state SET tree_size = 600', 'UPDATE log_state SET tree_size = 601',
                /^log index 600: an entry beyond log_state's tree size 600$/);
});

// The stored tiles as C2SP tlog-tiles files, with the latest checkpoint.
function writeTilesDir(dir) {
  const name = (n) => {
    const s = String(n).padStart(3 * Math.ceil(String(n).length / 3), '0');
    const parts = s.match(/.{3}/g);
    return parts.map((p, i) => (i < parts.length - 1 ? 'x' + p : p)).join('/');
  };
  const files = [];
  for (const r of sqlRows(dbUrl, "SELECT level, idx, encode(hashes, 'hex') FROM log_tiles")) {
    const [level, idx, hex] = r.split('|');
    const width = hex.length / 64;
    const rel = width === 256 ? `tile/${level}/${name(Number(idx))}`
      : `tile/${level}/${name(Number(idx))}.p/${width}`;
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), Buffer.from(hex, 'hex'));
    files.push(rel);
  }
  // The first entry bundle (C2SP: each entry as a big-endian uint16 length and its bytes), whole
  // and as a partial bundle of its first 10 entries.
  const bundle = (n) => Buffer.concat(firstRecords.slice(0, n).flatMap((r) => {
    const len = Buffer.alloc(2);
    len.writeUInt16BE(r.length);
    return [len, r];
  }));
  fs.mkdirSync(path.join(dir, 'tile/entries/000.p'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'tile/entries/000'), bundle(256));
  fs.writeFileSync(path.join(dir, 'tile/entries/000.p/10'), bundle(10));
  files.push('tile/entries/000', 'tile/entries/000.p/10');
  fs.writeFileSync(path.join(dir, 'checkpoint'), noteAt(one('SELECT max(tree_size) FROM log_checkpoints')));
  return files;
}

test('--tiles-dir: every tile, entry bundle and the checkpoint compared, a changed or extra one named', () => {
  const dir = tempDir('provd-logcheck-tiles-');
  const files = writeTilesDir(dir);
  assert.ok(files.includes('tile/0/001') && files.includes('tile/0/002.p/89'), files.join(' '));
  let r = check(['--tiles-dir', dir]);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, new RegExp(`, ${files.length + 1} files checked`));

  const tile = path.join(dir, 'tile/0/001');
  const good = fs.readFileSync(tile);
  const bad = Buffer.from(good);
  bad[100] ^= 1;
  fs.writeFileSync(tile, bad);
  r = check(['--tiles-dir', dir]);
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stdout, new RegExp(`FAILED: ${dir}/tile/0/001: differs from the log$`, 'm'));
  fs.writeFileSync(tile, good);

  const entries = path.join(dir, 'tile/entries/000.p/10');
  const whole = fs.readFileSync(entries);
  fs.writeFileSync(entries, Buffer.concat([whole.subarray(0, 50), Buffer.from('X'), whole.subarray(51)]));
  r = check(['--tiles-dir', dir]);
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stdout, new RegExp(`FAILED: ${dir}/tile/entries/000.p/10: differs from the log$`, 'm'));
  fs.writeFileSync(entries, whole);

  // An older partial tile is fine; one past the tree is not.
  fs.mkdirSync(path.join(dir, 'tile/0/001.p'));
  fs.writeFileSync(path.join(dir, 'tile/0/001.p/7'), good.subarray(0, 7 * 32));
  assert.equal(check(['--tiles-dir', dir]).status, 0);
  fs.writeFileSync(path.join(dir, 'tile/0/003'), good);
  r = check(['--tiles-dir', dir]);
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stdout, new RegExp(`FAILED: ${dir}/tile/0/003: beyond the log's tree size 601$`, 'm'));
  fs.rmSync(path.join(dir, 'tile/0/003'));

  const cp = path.join(dir, 'checkpoint');
  const note = fs.readFileSync(cp, 'utf8');
  fs.writeFileSync(cp, note.replace('\n601\n', '\n600\n'));
  r = check(['--tiles-dir', dir]);
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stdout, new RegExp(`FAILED: ${dir}/checkpoint: does not verify with log_state's vkey`, 'm'));
  fs.writeFileSync(cp, note);
  assert.equal(check(['--tiles-dir', dir]).status, 0);
});

// provd log check without blocking the test's event loop: {status, stdout}.
function checkAsync() {
  return new Promise((resolve) => {
    const p = spawn(provdBin, ['log', 'check'], { env: { ...process.env, PROVD_DATABASE_URL: dbUrl } });
    let stdout = '';
    p.stdout.on('data', (d) => { stdout += d; });
    p.stderr.resume();
    p.on('close', (status) => resolve({ status, stdout }));
  });
}

test('checks while the worker sequences raise no false alarm (one snapshot)', async () => {
  srv = await startProvd({ dbUrl, command: 'run', logKey: key });
  try {
    const token = createApiKey(dbUrl);
    const signer = await newEd25519Signer();
    const start = Number(one('SELECT tree_size FROM log_state'));
    for (let round = 0; round < 4; round++) {
      const [, r] = await Promise.all([registerBatch(token, signer, 250, 'live' + round), checkAsync()]);
      assert.equal(r.status, 0, r.stdout);
      assert.match(r.stdout, /^log check: OK$/m);
    }
    for (let i = 0; i < 200 && Number(one('SELECT tree_size FROM log_state')) < start + 1000; i++) await sleep(50);
    assert.equal(Number(one('SELECT tree_size FROM log_state')), start + 1000);
  } finally {
    await srv.stop();
  }
  const r = check();
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^tree size 1601: 1600 items, 1 datasets/m);
});

test("an empty log: its size-0 checkpoint is checked, and a changed root is named", async () => {
  const emptyUrl = freshDatabase();
  const emptyKey = createLogKey('log.provd.test/logcheck-empty');
  const s = await startProvd({ dbUrl: emptyUrl, command: 'run', logKey: emptyKey });
  const env = { PROVD_DATABASE_URL: emptyUrl };
  try {
    for (let i = 0; i < 100 && sqlRows(emptyUrl, 'SELECT count(*) FROM log_checkpoints')[0] !== '1'; i++) await sleep(50);
  } finally {
    await s.stop();
  }
  const ok = runProvd(['log', 'check'], env);
  assert.equal(ok.status, 0, ok.stdout + ok.stderr);
  assert.match(ok.stdout, /tree size 0: .* 1 checkpoints \(0 consistency proofs\)/);
  sql(emptyUrl, "UPDATE log_checkpoints SET root = decode(repeat('00', 32), 'hex') WHERE tree_size = 0");
  const bad = runProvd(['log', 'check'], env);
  assert.equal(bad.status, 1, bad.stdout + bad.stderr);
  assert.match(bad.stdout, /^log check: FAILED: checkpoint 0: root differs from the tree at that size$/m);
});
