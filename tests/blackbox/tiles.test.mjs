// SPDX-License-Identifier: Apache-2.0
// The log as C2SP tlog-tiles (GET <--tiles-prefix>checkpoint, tile/<L>/<N>[.p/<W>],
// tile/entries/<N>[.p/<W>]), read by an independent client (lib/tiles.mjs) through the
// checkpoint and tiles only: the empty log's checkpoint, roots of several checkpoints across
// more than two full tiles and a partial level-1 tile, consistency and inclusion proofs computed
// from tiles and compared with provd's own proof routes, entry bundles against the level-0
// tiles, headers, malformed paths and widths no checkpoint has (404 tile-not-found), and the
// prefix (custom, off, invalid).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startProvd, createApiKey, createLogKey, newEd25519Signer, signedItem, http, assertProblem,
  freshDatabase, runProvd, sqlRows,
} from './lib/harness.mjs';
import {
  TileClient, sha256, leafHash, verifyInclusion, verifyConsistency, tilePath, encodeIndex,
} from './lib/tiles.mjs';
import { datasetStatement, membersRoot } from './lib/dataset.mjs';
import { modelStatement, filesDigest } from './lib/model.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const EMPTY_ROOT = sha256(Buffer.alloc(0));

let srv, dbUrl, token, key, signer;
before(async () => {
  dbUrl = freshDatabase();
  token = createApiKey(dbUrl);
  key = createLogKey('tiles.provd.test/log');
  srv = await startProvd({ dbUrl, command: 'run', logKey: key });
  signer = await newEd25519Signer();
});
after(async () => {
  await srv.stop();
});

// Registers n items in batches; returns their ids in order.
async function register(n, tag) {
  const ids = [];
  for (let done = 0; done < n;) {
    const k = Math.min(200, n - done);
    const items = [];
    for (let i = 0; i < k; i++) items.push(await signedItem(signer, { tag, i: done + i }));
    const res = await http(srv.base, 'POST', '/v1/items/batch', { body: { items }, token });
    assert.equal(res.status, 200, res.text);
    for (const r of res.body.results) {
      assert.equal(r.status, 201, JSON.stringify(r));
      ids.push(r.item.id);
    }
    done += k;
  }
  return ids;
}

// The verified checkpoint once the tree has at least size entries.
async function checkpointOf(client, size) {
  for (let i = 0; i < 400; i++) {
    const cp = await client.checkpoint();
    if (cp.size >= size) return cp;
    await sleep(50);
  }
  throw new Error(`the log did not reach size ${size}`);
}

const hex = (b) => b.toString('hex');
const fromHex = (list) => list.map((h) => Buffer.from(h, 'hex'));

test('an empty log has a checkpoint: size 0, root SHA-256 of nothing, on both routes', async () => {
  const client = new TileClient(srv.base, '/log/', key.vkey);
  let cp;
  for (let i = 0; i < 200 && !cp; i++) {
    try {
      cp = await client.checkpoint();
    } catch {
      await sleep(50);
    }
  }
  assert.ok(cp, 'the empty log\'s checkpoint is served');
  assert.equal(cp.origin, 'tiles.provd.test/log');
  assert.equal(cp.size, 0);
  assert.ok(cp.root.equals(EMPTY_ROOT));
  const v1 = await http(srv.base, 'GET', '/v1/log/checkpoint');
  assert.equal(v1.status, 200);
  assert.equal(v1.text, cp.note, 'the same signed note as GET /v1/log/checkpoint');
  const k = await http(srv.base, 'GET', '/v1/log/key');
  assert.equal(k.status, 200);
  assert.equal(k.text.trim(), key.vkey);
  assert.ok((await client.root(0)).equals(EMPTY_ROOT));
  // no tile exists in the empty tree
  assertProblem(assert, await http(srv.base, 'GET', '/log/tile/0/000.p/1'), 404, 'tile-not-found');
  assertProblem(assert, await http(srv.base, 'GET', '/log/tile/entries/000.p/1'), 404, 'tile-not-found');
  assert.deepEqual(sqlRows(dbUrl, 'SELECT tree_size FROM log_checkpoints'), ['0']);
});

let first, second, firstIds, secondIds;
test('roots computed from tiles match two checkpoints across full and partial tiles', async () => {
  const client = new TileClient(srv.base, '/log/', key.vkey);
  firstIds = await register(300, 'a');
  first = await checkpointOf(client, 300);
  assert.equal(first.size, 300);
  secondIds = await register(300, 'b');
  second = await checkpointOf(client, 600);
  assert.equal(second.size, 600);
  for (const cp of [first, second]) {
    const c = new TileClient(srv.base, '/log/', key.vkey);
    assert.ok((await c.root(cp.size)).equals(cp.root), `root of ${cp.size} from tiles`);
  }
  // size 600: level 0 has two full tiles and a partial of 88, level 1 a partial of width 2; the
  // root needs only the two partial ones (MTH(D[0:512]) is the level-1 tile's two hashes')
  const c = new TileClient(srv.base, '/log/', key.vkey);
  await c.root(600);
  assert.deepEqual(c.fetched.sort(), ['tile/0/002.p/88', 'tile/1/000.p/2']);
  const l1 = await c.get('tile/1/000.p/2');
  assert.equal(l1.status, 200);
  assert.equal(l1.body.length, 64);
  // a level-1 hash is the root of the full level-0 tile below it
  const t0 = await c.get('tile/0/000');
  const sub = new TileClient(srv.base, '/log/', key.vkey);
  assert.ok((await sub.mth(0, 256, 600)).equals(l1.body.subarray(0, 32)));
  assert.equal(t0.body.length, 8192);
  // at size 300 the partial level-0 tile 001 had width 44: still served, a prefix of today's
  const p44 = await c.get('tile/0/001.p/44');
  assert.equal(p44.status, 200);
  assert.ok(p44.body.equals((await c.get('tile/0/001')).body.subarray(0, 44 * 32)));
});

test('consistency proofs computed from tiles verify and equal provd\'s', async () => {
  const client = new TileClient(srv.base, '/log/', key.vkey);
  const sizes = sqlRows(dbUrl, 'SELECT tree_size FROM log_checkpoints ORDER BY tree_size').map(Number);
  assert.ok(sizes.includes(first.size) && sizes.includes(second.size));
  const proof = await client.consistencyProof(first.size, second.size);
  assert.ok(verifyConsistency(first.size, second.size, first.root, second.root, proof));
  const theirs = await http(srv.base, 'GET', `/v1/log/consistency?from=${first.size}&to=${second.size}`);
  assert.equal(theirs.status, 200);
  assert.deepEqual(proof.map(hex), theirs.body.proof);
  // a tampered proof does not verify
  const bad = proof.map((p) => Buffer.from(p));
  bad[0][0] ^= 1;
  assert.equal(verifyConsistency(first.size, second.size, first.root, second.root, bad), false);
  // every stored checkpoint is consistent with the latest, the roots of each from tiles
  for (const m of sizes.filter((s) => s > 0 && s < second.size).slice(0, 12)) {
    const rootM = await client.root(m);
    const p = await client.consistencyProof(m, second.size);
    assert.ok(verifyConsistency(m, second.size, rootM, second.root, p), `from ${m}`);
  }
});

test('inclusion proofs from tiles match the receipts', async () => {
  const client = new TileClient(srv.base, '/log/', key.vkey);
  const ids = [firstIds[0], firstIds[255], firstIds[256], firstIds[299], secondIds[0], secondIds[211],
    secondIds[299]];
  for (const id of ids) {
    const rc = await http(srv.base, 'GET', `/v1/items/${id}/receipt`);
    assert.equal(rc.status, 200, rc.text);
    const { log_index: index, tree_size: size } = rc.body;
    const cp = parseCheckpointNote(rc.body.checkpoint);
    assert.equal(cp.size, size);
    const proof = await client.inclusionProof(index, size);
    assert.deepEqual(proof.map(hex), rc.body.inclusion_proof, `item ${id} at ${index} of ${size}`);
    const leaf = Buffer.from(rc.body.leaf_hash, 'hex');
    const t = await client.tile(0, Math.floor(index / 256), size);
    assert.ok(t.subarray((index % 256) * 32, (index % 256 + 1) * 32).equals(leaf), 'leaf in tile');
    assert.ok(verifyInclusion(leaf, index, size, proof, await client.root(size)));
    assert.ok(!verifyInclusion(leaf, index ^ 1, size, proof, await client.root(size)));
  }
});

function parseCheckpointNote(note) {
  const [origin, size, root] = note.split('\n');
  return { origin, size: Number(size), root: Buffer.from(root, 'base64') };
}

test('entry bundles hold each record whose leaf hash the level-0 tile has', async () => {
  const client = new TileClient(srv.base, '/log/', key.vkey);
  let index = 0;
  for (const n of [0, 1, 2]) {
    const entries = await client.bundle(n, second.size);
    assert.equal(entries.length, n < 2 ? 256 : 88);
    const tile = await client.tile(0, n, second.size);
    entries.forEach((e, i) => {
      assert.ok(leafHash(e).equals(tile.subarray(i * 32, i * 32 + 32)), `entry ${n * 256 + i}`);
      index++;
    });
  }
  assert.equal(index, 600);
  // the record of an entry is the receipt's record, byte for byte
  const rc = await http(srv.base, 'GET', `/v1/items/${secondIds[5]}/receipt`);
  const entries = await client.bundle(Math.floor(rc.body.log_index / 256), second.size);
  const entry = entries[rc.body.log_index % 256];
  assert.deepEqual(JSON.parse(entry.toString('utf8')), rc.body.record);
  assert.equal(hex(leafHash(entry)), rc.body.leaf_hash);
  // a bundle of an earlier checkpoint's width is the prefix of the full one
  const part = await client.get('tile/entries/001.p/44');
  assert.equal(part.status, 200);
  const full = await client.get('tile/entries/001');
  assert.ok(full.body.subarray(0, part.body.length).equals(part.body));
});

test('headers: content types, caching, HEAD, 405', async () => {
  const cp = await http(srv.base, 'GET', '/log/checkpoint');
  assert.equal(cp.status, 200);
  assert.equal(cp.headers.get('content-type'), 'text/plain; charset=utf-8');
  assert.match(cp.headers.get('cache-control'), /max-age=[0-9]\b/);
  for (const p of ['/log/tile/0/000', '/log/tile/0/002.p/88', '/log/tile/1/000.p/2',
    '/log/tile/entries/000', '/log/tile/entries/002.p/88']) {
    const r = await http(srv.base, 'GET', p);
    assert.equal(r.status, 200, p);
    assert.equal(r.headers.get('content-type'), 'application/octet-stream', p);
    assert.equal(r.headers.get('cache-control'), 'public, max-age=31536000, immutable', p);
    const h = await fetch(srv.base + p, { method: 'HEAD' });
    assert.equal(h.status, 200);
    assert.equal(h.headers.get('content-length'), r.headers.get('content-length'));
  }
  const missing = await http(srv.base, 'GET', '/log/tile/0/003');
  assert.equal(missing.headers.get('cache-control'), null, 'a 404 is not cached as immutable');
  const post = await http(srv.base, 'POST', '/log/tile/0/000');
  assertProblem(assert, post, 405, 'method-not-allowed');
  assert.equal(post.headers.get('allow'), 'GET, HEAD, OPTIONS');
});

test('malformed paths and tiles no checkpoint has are 404 tile-not-found', async () => {
  const bad = ['', '0', '0/', '0/0', '0/00', '0/0000', '00/000', '01/000', '64/000', '-1/000',
    '0/x000/001', '0/x001', '0/001/002', '0/X001/000', '0/000.p/0', '0/000.p/01', '0/000.p/256',
    '0/000.p/', '0/000.p/5/', '0/000/', '0//000', 'entries', 'entries/', 'entries/0',
    'entries/x000/000', 'entries/000.p/256', 'entry/000', '0/abc', '0/000.p/1x',
    '0/x018/x446/x744/x073/x709/x551/616'];
  for (const p of bad) {
    assertProblem(assert, await http(srv.base, 'GET', '/log/tile/' + p), 404, 'tile-not-found');
  }
  // well-formed, but no checkpoint makes them exist
  const sizes = new Set(sqlRows(dbUrl, 'SELECT tree_size FROM log_checkpoints').map(Number));
  const widthless = [...Array(255).keys()].map((w) => w + 1).find((w) => !sizes.has(512 + w));
  assert.ok(widthless);
  const absent = [`0/002.p/${widthless}`, '0/003', '0/002', '1/000', '1/000.p/3', '1/001.p/1',
    '2/000.p/1', '7/000.p/1', '8/000.p/1', '63/000', '0/x018/x446/x744/x073/x709/x551/615',
    `entries/002.p/${widthless}`, 'entries/003', 'entries/002'];
  for (const p of absent) {
    assertProblem(assert, await http(srv.base, 'GET', '/log/tile/' + p), 404, 'tile-not-found');
  }
  // elsewhere under the prefix: no route
  assertProblem(assert, await http(srv.base, 'GET', '/log/checkpoints'), 404, 'not-found');
  assertProblem(assert, await http(srv.base, 'GET', '/log/'), 404, 'not-found');
  // the client's own path encoding is the spec's
  assert.equal(encodeIndex(1234067), 'x001/x234/067');
  assert.equal(tilePath(1, 5, 17), 'tile/1/005.p/17');
});

// Polls a receipt route until the record is logged.
async function loggedReceipt(p) {
  for (let i = 0; i < 400; i++) {
    const r = await http(srv.base, 'GET', p);
    if (r.status === 200) return r.body;
    assert.equal(r.status, 202, `${p}: ${r.text}`);
    await sleep(50);
  }
  throw new Error(`${p} was not logged`);
}

test('entry bundles carry dataset and model records as their receipts show them', async () => {
  const curator = await newEd25519Signer();
  const list = [`sha256:${'1'.repeat(64)}`, `sha256:${'2'.repeat(64)}`];
  const d = (await http(srv.base, 'POST', '/v1/datasets', { body: { name: 'tiles-ds', version: '1', policy: {} }, token })).body;
  assert.equal((await http(srv.base, 'POST', `/v1/datasets/${d.id}/members`, { body: { content_hashes: list }, token })).status, 200);
  const root = membersRoot(list);
  const seal = await http(srv.base, 'POST', `/v1/datasets/${d.id}/seal`, { token,
    body: { member_count: 2, members_root: root,
            signature: { scheme: 'ed25519', public_key: curator.publicKey, value: await curator.sign(datasetStatement(d, 2, root)) } } });
  assert.equal(seal.status, 200, seal.text);
  const stmt = { model: { name: 'tiles-model', version: '1', digest: `sha256:${'3'.repeat(64)}` },
    datasets: [{ id: d.id, members_root: root }] };
  const m = await http(srv.base, 'POST', '/v1/models', { token, body: { ...stmt,
    signature: { scheme: 'ed25519', public_key: curator.publicKey, value: await curator.sign(modelStatement(stmt)) } } });
  assert.equal(m.status, 201, m.text);
  await register(3, 'after'); // items too, in the same bundle (a batch logs items, datasets, models)
  const receipts = [await loggedReceipt(`/v1/datasets/${d.id}/receipt`), await loggedReceipt(`/v1/models/${m.body.id}/receipt`)];
  const client = new TileClient(srv.base, '/log/', key.vkey);
  const cp = await checkpointOf(client, Math.max(...receipts.map((r) => r.log_index)) + 1);
  for (const rc of receipts) {
    const entries = await client.bundle(Math.floor(rc.log_index / 256), cp.size);
    const entry = entries[rc.log_index % 256];
    assert.deepEqual(JSON.parse(entry.toString('utf8')), rc.record);
    assert.equal(hex(leafHash(entry)), rc.leaf_hash);
    const tile = await client.tile(0, Math.floor(rc.log_index / 256), cp.size);
    entries.forEach((e, i) => assert.ok(leafHash(e).equals(tile.subarray(i * 32, i * 32 + 32))));
  }
  assert.ok((await client.root(cp.size)).equals(cp.root));
});

test('a record too long for a bundle entry (65,535 bytes) is a 500 naming it; its tile is served', async () => {
  // a model listing 20 files of 4 KB paths: its record is about 80 KB
  const files = [...Array(20).keys()].map((i) => ({ path: `d${10 + i}/${'a'.repeat(4000)}`,
    digest: `sha256:${String(i % 10).repeat(64)}` }));
  const curator = await newEd25519Signer();
  const list = [`sha256:${'4'.repeat(64)}`];
  const d = (await http(srv.base, 'POST', '/v1/datasets', { body: { name: 'big-ds', version: '1', policy: {} }, token })).body;
  assert.equal((await http(srv.base, 'POST', `/v1/datasets/${d.id}/members`, { body: { content_hashes: list }, token })).status, 200);
  const root = membersRoot(list);
  assert.equal((await http(srv.base, 'POST', `/v1/datasets/${d.id}/seal`, { token,
    body: { member_count: 1, members_root: root,
            signature: { scheme: 'ed25519', public_key: curator.publicKey, value: await curator.sign(datasetStatement(d, 1, root)) } } })).status, 200);
  const stmt = { model: { name: 'big', version: '1', digest: filesDigest(files), files },
    datasets: [{ id: d.id, members_root: root }] };
  const m = await http(srv.base, 'POST', '/v1/models', { token, body: { ...stmt,
    signature: { scheme: 'ed25519', public_key: curator.publicKey, value: await curator.sign(modelStatement(stmt)) } } });
  assert.equal(m.status, 201, m.text);
  const rc = await loggedReceipt(`/v1/models/${m.body.id}/receipt`);
  assert.ok(JSON.stringify(rc.record).length > 65535);
  const client = new TileClient(srv.base, '/log/', key.vkey);
  const cp = await checkpointOf(client, rc.log_index + 1);
  const n = Math.floor(rc.log_index / 256), w = cp.size - n * 256;
  const path = `/log/${tilePath(0, n, Math.min(w, 256)).replace('tile/0/', 'tile/entries/')}`;
  const res = await http(srv.base, 'GET', path);
  assertProblem(assert, res, 500, 'internal');
  assert.match(res.body.detail, new RegExp(`log entry ${rc.log_index} is \\d+ bytes`));
  // the tree is whole: its tile and root are served and check out
  assert.ok((await client.root(cp.size)).equals(cp.root));
  const tile = await client.tile(0, n, cp.size);
  assert.equal(tile.subarray((rc.log_index % 256) * 32, (rc.log_index % 256 + 1) * 32).toString('hex'), rc.leaf_hash);
});

test('--tiles-prefix: a custom prefix, off, and invalid ones', async () => {
  const custom = await startProvd({ dbUrl, args: ['--tiles-prefix', '/tlog/v0/',
    '--cors-origins', 'https://monitor.example'] });
  try {
    const client = new TileClient(custom.base, '/tlog/v0/', key.vkey);
    const cp = await client.checkpoint();
    assert.ok(cp.size >= 600);
    assert.ok((await client.root(cp.size)).equals(cp.root));
    // CORS as on the other reads: a browser monitor may fetch tiles
    for (const p of ['checkpoint', 'tile/0/000']) {
      const r = await http(custom.base, 'GET', '/tlog/v0/' + p, { headers: { origin: 'https://monitor.example' } });
      assert.equal(r.status, 200);
      assert.equal(r.headers.get('access-control-allow-origin'), 'https://monitor.example');
    }
    assertProblem(assert, await http(custom.base, 'GET', '/log/checkpoint'), 404, 'not-found');
  } finally {
    await custom.stop();
  }
  const off = await startProvd({ dbUrl, env: { PROVD_TILES_PREFIX: 'off' } });
  try {
    assertProblem(assert, await http(off.base, 'GET', '/log/checkpoint'), 404, 'not-found');
    assertProblem(assert, await http(off.base, 'GET', '/log/tile/0/000'), 404, 'not-found');
    assert.equal((await http(off.base, 'GET', '/v1/log/checkpoint')).status, 200);
  } finally {
    await off.stop();
  }
  for (const p of ['log/', '/log', '/v1/', '/v1/tiles/', '/explorer/', '/metrics/', '/healthz/',
    '/readyz/', '//', '/a//b/', '/a/../', '/./', '/a b/', '/a?b/', '']) {
    const r = runProvd(['serve', '--listen', '127.0.0.1:0', '--tiles-prefix', p],
      { PROVD_DATABASE_URL: dbUrl });
    assert.equal(r.status, 2, `--tiles-prefix '${p}': ${r.stderr}`);
    assert.match(r.stderr, /--tiles-prefix/);
  }
});
