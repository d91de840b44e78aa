// SPDX-License-Identifier: Apache-2.0
// An independent Go client reads the log through the C2SP tlog-tiles routes alone:
// tests/interop/tlog-go, built on golang.org/x/mod/sumdb/tlog and /note (Debian's
// golang-golang-x-mod-dev, GOPATH mode, offline), verifies the checkpoint, proves inclusion of
// entries (leaf hashes from the entry bundles) and consistency with an older checkpoint, and
// rebuilds the root from the tiles. Through a proxy that flips one byte of a tile, an entry
// bundle or the checkpoint, it must fail. Without `go` the file is skipped with a message
// (deploy/install-deps.sh --test installs it; under CI it fails instead).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import http_ from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  startProvd, createApiKey, createLogKey, newEd25519Signer, signedItem, http, freshDatabase,
  tempDir,
} from './lib/harness.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const mainGo = path.join(root, 'tests/interop/tlog-go/main.go');
const hasGo = spawnSync('go', ['version']).status === 0;
if (!hasGo) {
  const msg = 'tiles-go: `go` is not installed (deploy/install-deps.sh --test installs golang-go '
    + 'and golang-golang-x-mod-dev)';
  if (process.env.CI) throw new Error(`${msg}: CI must run the Go tlog-tiles client`);
  console.log(`${msg}; skipping the Go tlog-tiles client`);
}

const tmp = tempDir('provd-tiles-go-');
const bin = path.join(tmp, 'tlog-go');
let srv, token, key, signer, proxy;

// Builds the client the way the README says: GOPATH mode against Debian's x/mod, no network.
function buildClient() {
  const r = spawnSync('go', ['build', '-o', bin, mainGo], {
    encoding: 'utf8',
    env: {
      ...process.env, GO111MODULE: 'off', GOPATH: process.env.PROVD_GOPATH || '/usr/share/gocode',
      GOCACHE: path.join(tmp, 'gocache'), GOFLAGS: '', GOPROXY: 'off', CGO_ENABLED: '0',
    },
  });
  assert.equal(r.status, 0, `go build failed:\n${r.stderr}`);
}

// Runs the client (asynchronously: the tampering proxy lives in this process); returns
// {status, out (parsed JSON or null), stderr, stdout}.
function client(base, args = [], vkey = key.vkey) {
  return new Promise((resolve, reject) => {
    const proc = spawn(bin, ['-url', base, '-vkey', vkey, ...args],
      { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    proc.stdout.on('data', (d) => { stdout += d; });
    proc.stderr.on('data', (d) => { stderr += d; });
    proc.on('error', reject);
    proc.on('close', (status) => {
      let out = null;
      try {
        out = JSON.parse(stdout);
      } catch {
        // no JSON: a fetch or signature failure, said on stderr
      }
      resolve({ status, out, stderr, stdout });
    });
  });
}

async function register(n, tag) {
  const ids = [];
  for (let i = 0; i < n; i += 100) {
    const items = [];
    for (let j = i; j < Math.min(n, i + 100); j++) {
      items.push(await signedItem(signer, { tag, j, license: 'MIT' }));
    }
    const res = await http(srv.base, 'POST', '/v1/items/batch', { body: { items }, token });
    assert.equal(res.status, 200, res.text);
    for (const r of res.body.results) {
      assert.ok(r.status === 201 || r.status === 200, JSON.stringify(r));
      ids.push(r.item.id);
    }
  }
  return ids;
}

// The size of the C2SP checkpoint provd serves.
async function tileSize() {
  const r = await http(srv.base, 'GET', '/log/checkpoint');
  assert.equal(r.status, 200, r.text);
  return Number(r.text.split('\n')[1]);
}

async function waitForSize(n) {
  for (let i = 0; i < 400; i++) {
    if ((await tileSize()) >= n) return;
    await sleep(50);
  }
  throw new Error(`the log did not reach ${n} entries`);
}

async function receipt(id) {
  for (let i = 0; i < 200; i++) {
    const r = await http(srv.base, 'GET', `/v1/items/${id}/receipt`);
    if (r.status === 200) return r.body;
    assert.equal(r.status, 202, r.text);
    await sleep(50);
  }
  throw new Error(`item ${id} was not logged`);
}

// A proxy to provd that flips one byte of the response to the path `target` (when set).
function startProxy() {
  const upstream = new URL(srv.base);
  const state = { target: null, offset: null, flips: 0 }; // offset null: the middle byte
  const server = http_.createServer((req, res) => {
    const up = http_.request({
      host: upstream.hostname, port: upstream.port, path: req.url, method: req.method,
      headers: { ...req.headers, host: upstream.host },
    }, (ur) => {
      const chunks = [];
      ur.on('data', (c) => chunks.push(c));
      ur.on('end', () => {
        const body = Buffer.concat(chunks);
        if (req.url === state.target && body.length > 0) {
          body[state.offset ?? Math.floor(body.length / 2)] ^= 0x01;
          state.flips++;
        }
        const headers = { ...ur.headers };
        delete headers['content-length'];
        delete headers['transfer-encoding'];
        res.writeHead(ur.statusCode, { ...headers, 'content-length': body.length });
        res.end(body);
      });
    });
    up.on('error', () => {
      res.writeHead(502);
      res.end();
    });
    req.pipe(up);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
    resolve({
      base: `http://127.0.0.1:${server.address().port}`,
      state,
      close: () => new Promise((r) => server.close(r)),
    });
  }));
}

before(async () => {
  if (!hasGo) return;
  buildClient();
  const dbUrl = freshDatabase();
  token = createApiKey(dbUrl);
  key = createLogKey('tiles-go.provd.test/log');
  srv = await startProvd({ dbUrl, command: 'run', logKey: key });
  signer = await newEd25519Signer();
  proxy = await startProxy();
});
after(async () => {
  if (proxy) await proxy.close();
  if (srv) await srv.stop();
});

const opts = { skip: !hasGo && 'go is not installed' };
const oldCp = path.join(tmp, 'old-checkpoint');
let firstIds;

test('the empty log: a size-0 checkpoint the Go client accepts', opts, async () => {
  for (let i = 0; i < 200; i++) { // the worker publishes it once it has started
    if ((await http(srv.base, 'GET', '/log/checkpoint')).status === 200) break;
    await sleep(50);
  }
  const r = await client(`${srv.base}/log/`, ['-save', path.join(tmp, 'empty-checkpoint')]);
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.equal(r.out.size, 0);
  assert.equal(r.out.root, '47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='); // SHA-256("")
  assert.equal(r.out.tree_hash_ok, true);
});

test('inclusion: Go\'s tlog proves and checks entries read from the tiles', opts, async () => {
  firstIds = await register(300, 'first');
  await waitForSize(300);
  const size = await tileSize();
  const idx = [0, 1, 127, 255, 256, 257, size - 1];
  const r = await client(`${srv.base}/log/`, ['-index', idx.join(','), '-save', oldCp]);
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.equal(r.out.ok, true);
  assert.equal(r.out.origin, key.origin);
  assert.equal(r.out.size, size);
  assert.equal(r.out.tree_hash_ok, true, 'tlog.TreeHash over the raw tiles gives the root');
  assert.deepEqual(r.out.inclusion.map((x) => x.index), idx);
  for (const x of r.out.inclusion) {
    assert.equal(x.ok, true, JSON.stringify(x));
    assert.ok(x.proof_len > 0, 'a real proof in a tree of more than one entry');
  }
  // The same root provd's own JSON log route reports, and the same signed note.
  const cp = await http(srv.base, 'GET', '/log/checkpoint');
  assert.equal(cp.text, fs.readFileSync(oldCp, 'utf8'));
  assert.equal(cp.text.split('\n')[2], r.out.root);
  // The entry bundles hold the logged records: the leaf hash the Go client computed from the
  // bundle is the receipt's, at the receipt's index.
  for (const id of [firstIds[0], firstIds[150], firstIds[299]]) {
    const rc = await receipt(id);
    const g = await client(`${srv.base}/log/`, ['-index', String(rc.log_index)]);
    assert.equal(g.status, 0, g.stderr + g.stdout);
    assert.equal(g.out.inclusion[0].leaf_hash, rc.leaf_hash);
  }
});

test('consistency: an older checkpoint is a prefix of the current tree', opts, async () => {
  const oldSize = Number(fs.readFileSync(oldCp, 'utf8').split('\n')[1]);
  await register(230, 'second');
  await waitForSize(oldSize + 230);
  const size = await tileSize();
  const r = await client(`${srv.base}/log/`, ['-old', oldCp, '-index', `0,${oldSize},${size - 1}`]);
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.equal(r.out.ok, true);
  assert.equal(r.out.consistency.old_size, oldSize);
  assert.equal(r.out.consistency.ok, true);
  assert.ok(r.out.consistency.proof_len > 0);
  assert.ok(r.out.inclusion.every((x) => x.ok));
  // From the empty log's checkpoint, too.
  const e = await client(`${srv.base}/log/`, ['-old', path.join(tmp, 'empty-checkpoint')]);
  assert.equal(e.status, 0, e.stderr + e.stdout);
  assert.equal(e.out.consistency.ok, true);
});

test('through the honest proxy the client agrees; a flipped byte makes it fail', opts, async () => {
  const base = `${proxy.base}/log/`;
  const size = await tileSize();
  assert.ok(size >= 512, `two full level-0 tiles (size ${size})`);
  const ok = await client(base, ['-index', '3,300']);
  assert.equal(ok.status, 0, ok.stderr + ok.stdout);
  assert.equal(ok.out.ok, true);

  // A full level-0 tile: the root does not depend on its bytes (its hash is in the level-1
  // tile). TileHashReader is meant to authenticate it against its parent, but x/mod 0.7.0's
  // loop starts at len(stx) (the tree hash's subtrees) rather than at the number of distinct
  // tiles those take, so with two subtrees in one tile it skips the next tile: here 0/000. The
  // proof built from it then fails tlog.CheckRecord against the authenticated root instead.
  for (const target of ['/log/tile/0/000', '/log/tile/0/001']) {
    proxy.state.target = target;
    const flips = proxy.state.flips;
    const r = await client(base, ['-index', '3,300']);
    assert.ok(proxy.state.flips > flips, `the proxy altered ${target}`);
    assert.equal(r.status, 1, `a tampered ${target} is detected:\n${r.stdout}${r.stderr}`);
    assert.equal(r.out.ok, false);
    assert.equal(r.out.tree_hash_ok, true, 'the root rebuilt from the other tiles is right');
    const failed = r.out.inclusion.filter((x) => !x.ok);
    assert.equal(failed.length, 1, JSON.stringify(r.out.inclusion));
    assert.equal(failed[0].index, target.endsWith('000') ? 3 : 300);
    assert.match(failed[0].error, /downloaded inconsistent tile|check: invalid/);
  }

  // The partial level-0 tile at the checkpoint's size: the root rebuilt with TreeHash differs,
  // and TileHashReader refuses every read (it authenticates against the root first).
  proxy.state.target = `/log/tile/0/${String(Math.floor(size / 256)).padStart(3, '0')}.p/${size % 256}`;
  assert.ok(size % 256 !== 0, 'the tree has a partial tile');
  let r = await client(base, ['-index', '3']);
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.equal(r.out.tree_hash_ok, false, 'the rebuilt root differs');
  assert.equal(r.out.inclusion[0].ok, false);

  // An entry bundle, one byte of entry 0's data (after its 2-byte length): its leaf hash no
  // longer proves included.
  proxy.state.target = '/log/tile/entries/000';
  proxy.state.offset = 10;
  r = await client(base, ['-index', '0']);
  proxy.state.offset = null;
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.equal(r.out.tree_hash_ok, true, 'the tiles themselves are intact');
  assert.equal(r.out.inclusion[0].ok, false);

  // The checkpoint: the signature fails.
  proxy.state.target = '/log/checkpoint';
  r = await client(base, []);
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stderr, /signature/);
  proxy.state.target = null;
});

test('a checkpoint read with another log\'s key is refused', opts, async () => {
  const other = createLogKey('other.provd.test/log');
  const r = await client(`${srv.base}/log/`, [], other.vkey);
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stderr, /signature|verifier/);
});
