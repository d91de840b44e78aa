// SPDX-License-Identifier: Apache-2.0
// Static publishing (`provd worker --tiles-dir DIR`): the directory holds, at the C2SP
// tlog-tiles paths, byte for byte what provd serves at GET /log/...; Debian's nginx, run as this
// user on deploy/nginx/tiles.conf (listen and alias lines rewritten), serves it with provd's
// headers, and the Go tlog client (when `go` is installed) verifies the log through nginx alone;
// kill -9 of the worker while it publishes never leaves a checkpoint whose tiles are missing or
// differ; a 10,000-entry backlog is published in seconds; a directory holding another log's
// checkpoint, a database that was reset under a directory, and a missing directory are refused.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  startProvd, createApiKey, createLogKey, newEd25519Signer, signedItem, http, freshDatabase,
  tempDir, provdBin,
} from './lib/harness.mjs';
import { openNote, parseCheckpoint } from './lib/tlog.mjs';
import { TileClient, leafHash, verifyInclusion, verifyConsistency } from './lib/tiles.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const tmp = tempDir('provd-publish-');
fs.chmodSync(tmp, 0o755); // nginx's workers may run as another user

let dbUrl, token, key, signer, srv, worker;
let note300; // DIR's checkpoint once it had 300 entries
const dir = path.join(tmp, 'tiles');

// C2SP tlog-tiles path of a tile ({level} or entries) of index and width (256: full).
function tilePath({ entries = false, level = 0, index, width = 256 }) {
  let n = String(index % 1000).padStart(3, '0');
  for (let i = Math.floor(index / 1000); i > 0; i = Math.floor(i / 1000)) {
    n = `x${String(i % 1000).padStart(3, '0')}/${n}`;
  }
  return `tile/${entries ? 'entries' : level}/${n}${width === 256 ? '' : `.p/${width}`}`;
}

// Every tile and entry bundle a client of a tree of size `size` may need.
function neededPaths(size) {
  const out = [];
  const row = (entries, level, nodes) => {
    for (let i = 0; i < Math.floor(nodes / 256); i++) out.push(tilePath({ entries, level, index: i }));
    if (nodes % 256) {
      out.push(tilePath({ entries, level, index: Math.floor(nodes / 256), width: nodes % 256 }));
    }
  };
  row(true, 0, size);
  for (let level = 0, nodes = size; nodes > 0; level++, nodes = Math.floor(nodes / 256)) {
    row(false, level, nodes);
  }
  return out;
}

async function getBytes(base, p) {
  const res = await fetch(`${base}/log/${p}`);
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

// Checks that dir's checkpoint is this log's and that every file it needs exists and equals
// what provd serves; returns its size (-1 when there is no checkpoint yet).
async function checkDir(d = dir) {
  const cpFile = path.join(d, 'checkpoint');
  if (!fs.existsSync(cpFile)) return -1;
  const note = fs.readFileSync(cpFile, 'utf8');
  const cp = parseCheckpoint(await openNote(note, key.vkey));
  assert.equal(cp.origin, key.origin);
  for (const p of neededPaths(cp.size)) {
    const f = path.join(d, p);
    assert.ok(fs.existsSync(f), `${p} is missing for the published size ${cp.size}`);
    const served = await getBytes(srv.base, p);
    assert.equal(served.status, 200, `provd serves ${p}`);
    assert.ok(fs.readFileSync(f).equals(served.body), `${p} differs from what provd serves`);
  }
  return cp.size;
}

const publishedSize = (d = dir) => {
  try {
    return Number(fs.readFileSync(path.join(d, 'checkpoint'), 'utf8').split('\n')[1]);
  } catch {
    return -1;
  }
};

async function headSize() {
  const r = await http(srv.base, 'GET', '/log/checkpoint');
  assert.equal(r.status, 200, r.text);
  return Number(r.text.split('\n')[1]);
}

async function waitFor(what, cond, ms = 30000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return;
    await sleep(50);
  }
  throw new Error(`timed out waiting for ${what}`);
}

// n registrations in batches of up to 1000; `registered` counts them (the log's final size).
let registered = 0;
async function register(n, tag) {
  registered += n;
  for (let i = 0; i < n; i += 1000) {
    const items = [];
    for (let j = i; j < Math.min(n, i + 1000); j++) items.push(await signedItem(signer, { tag, j }));
    const res = await http(srv.base, 'POST', '/v1/items/batch', { body: { items }, token });
    assert.equal(res.status, 200, res.text);
  }
}

const startWorker = (d = dir) =>
  startProvd({ dbUrl, command: 'worker', logKey: key, args: ['--tiles-dir', d] });

// Runs `provd worker` to its end (at most ms); returns {status, stderr}.
function runWorker(args, env, ms = 30000) {
  const r = spawnSync(provdBin, ['worker', ...args], {
    encoding: 'utf8', timeout: ms, env: { ...process.env, ...env },
  });
  return { status: r.status, signal: r.signal, stderr: r.stderr };
}

before(async () => {
  dbUrl = freshDatabase();
  token = createApiKey(dbUrl);
  key = createLogKey('publish.provd.test/log');
  signer = await newEd25519Signer();
  fs.mkdirSync(dir);
  // HTTP on its own, so that the worker can be killed without losing the reference.
  srv = await startProvd({ dbUrl, command: 'serve' });
  worker = await startWorker();
});
after(async () => {
  if (worker) await worker.stop();
  if (srv) await srv.stop();
});

test('the empty log is published: its size-0 checkpoint, nothing else', async () => {
  await waitFor('the empty checkpoint', () => publishedSize() === 0);
  assert.deepEqual(fs.readdirSync(dir), ['checkpoint']);
  assert.equal(await checkDir(), 0);
  const served = await getBytes(srv.base, 'checkpoint');
  assert.ok(fs.readFileSync(path.join(dir, 'checkpoint')).equals(served.body));
});

test('every file equals what provd serves at the same path, the checkpoint last', async () => {
  await register(300, 'first');
  await waitFor('300 entries published', () => publishedSize() >= 300);
  assert.equal(await checkDir(), 300);
  note300 = fs.readFileSync(path.join(dir, 'checkpoint'), 'utf8');
  await register(230, 'second');
  await waitFor('530 entries published', () => publishedSize() >= 530);
  assert.equal(await checkDir(), 530);
  // The partial tiles of the older size stay (they are immutable and may be cached), and equal
  // what provd still serves for it.
  for (const p of ['tile/0/001.p/44', 'tile/entries/001.p/44', 'tile/1/000.p/1']) {
    assert.ok(fs.readFileSync(path.join(dir, p)).equals((await getBytes(srv.base, p)).body), p);
  }
  assert.ok(fs.readFileSync(path.join(dir, 'checkpoint'))
    .equals((await getBytes(srv.base, 'checkpoint')).body), 'the latest checkpoint');
  // No temporary file is left behind by a worker that was not interrupted.
  const all = spawnSync('find', [dir, '-name', '*.tmp'], { encoding: 'utf8' }).stdout.trim();
  assert.equal(all, '');
});

// nginx on deploy/nginx/tiles.conf with its listen and alias lines pointed at this test.
async function startNginx(d) {
  const nginx = ['nginx', '/usr/sbin/nginx'].find((b) => spawnSync(b, ['-v']).status === 0);
  if (!nginx) {
    if (process.env.CI) throw new Error('nginx is not installed');
    return null;
  }
  const port = await new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
  const ndir = path.join(tmp, 'nginx');
  fs.mkdirSync(ndir, { recursive: true });
  let conf = fs.readFileSync(path.join(root, 'deploy/nginx/tiles.conf'), 'utf8');
  const rewrite = (from, to) => {
    assert.ok(conf.includes(from), `deploy/nginx/tiles.conf has no '${from}'`);
    conf = conf.split(from).join(to);
  };
  rewrite('listen 8081;', `listen 127.0.0.1:${port};`);
  rewrite('alias /var/lib/provd/tiles/', `alias ${d}/`);
  fs.writeFileSync(path.join(ndir, 'tiles.conf'), conf);
  fs.writeFileSync(path.join(ndir, 'nginx.conf'), `worker_processes 1;
pid ${ndir}/nginx.pid;
error_log ${ndir}/error.log notice;
events { worker_connections 256; }
http {
    access_log ${ndir}/access.log;
    client_body_temp_path ${ndir}/body;
    proxy_temp_path ${ndir}/proxy;
    fastcgi_temp_path ${ndir}/fastcgi;
    uwsgi_temp_path ${ndir}/uwsgi;
    scgi_temp_path ${ndir}/scgi;
    include ${ndir}/tiles.conf;
}
`);
  const args = ['-p', ndir, '-e', path.join(ndir, 'error.log'), '-c', path.join(ndir, 'nginx.conf')];
  const t = spawnSync(nginx, ['-t', '-q', ...args], { encoding: 'utf8' });
  assert.equal(t.status, 0, `nginx -t: ${t.stderr}`);
  const proc = spawn(nginx, [...args, '-g', 'daemon off;'], { stdio: 'ignore' });
  const base = `http://127.0.0.1:${port}`;
  await waitFor('nginx', async () => {
    try {
      return (await fetch(`${base}/log/checkpoint`)).status === 200;
    } catch {
      return false;
    }
  }, 10000);
  return {
    base,
    stop: () => new Promise((r) => {
      proc.on('close', r);
      proc.kill('SIGTERM');
    }),
  };
}

// The Go client of tests/interop/tlog-go, when `go` is installed.
function buildGoClient() {
  if (spawnSync('go', ['version']).status !== 0) return null;
  const bin = path.join(tmp, 'tlog-go');
  const r = spawnSync('go', ['build', '-o', bin, path.join(root, 'tests/interop/tlog-go/main.go')], {
    encoding: 'utf8',
    env: {
      ...process.env, GO111MODULE: 'off', GOPATH: process.env.PROVD_GOPATH || '/usr/share/gocode',
      GOCACHE: path.join(tmp, 'gocache'), GOFLAGS: '', GOPROXY: 'off', CGO_ENABLED: '0',
    },
  });
  assert.equal(r.status, 0, `go build: ${r.stderr}`);
  return bin;
}

test('nginx serves the directory with provd\'s bytes and headers', async (t) => {
  const ngx = await startNginx(dir);
  if (!ngx) {
    t.skip('nginx is not installed (deploy/install-deps.sh --test installs it)');
    return;
  }
  try {
    const size = publishedSize();
    assert.ok(size >= 530);
    const paths = ['checkpoint', ...neededPaths(size)];
    for (const p of paths) {
      const a = await getBytes(ngx.base, p);
      const b = await getBytes(srv.base, p);
      assert.equal(a.status, 200, `nginx serves ${p}`);
      assert.ok(a.body.equals(b.body), `nginx's ${p} is provd's`);
      for (const h of ['content-type', 'cache-control']) {
        assert.equal(a.headers.get(h), b.headers.get(h), `${p}: ${h}`);
      }
      assert.equal(a.headers.get('access-control-allow-origin'), '*', `${p}: CORS`);
    }
    assert.equal((await getBytes(ngx.base, 'checkpoint')).headers.get('content-type'),
      'text/plain; charset=utf-8');
    assert.match((await getBytes(ngx.base, 'tile/0/000')).headers.get('cache-control'),
      /immutable/);
    // What the log does not have is a 404 that no one caches as immutable.
    const missing = await getBytes(ngx.base, 'tile/0/999');
    assert.equal(missing.status, 404);
    assert.doesNotMatch(missing.headers.get('cache-control') || '', /immutable/);
    // Independent clients read the log through nginx alone: the JavaScript tiles client
    // (tests/blackbox/lib/tiles.mjs) computes the root, inclusion proofs of entries from the
    // bundles and the consistency proof from the size-300 checkpoint, from the tiles...
    const tc = new TileClient(ngx.base, '/log/', key.vkey);
    const cp = await tc.checkpoint();
    assert.equal(cp.size, size);
    assert.ok((await tc.root(cp.size)).equals(cp.root), 'the root from the tiles');
    for (const i of [0, 255, 256, 299, size - 1]) {
      const entries = await tc.bundle(Math.floor(i / 256), cp.size);
      const proof = await tc.inclusionProof(i, cp.size);
      assert.ok(verifyInclusion(leafHash(entries[i % 256]), i, cp.size, proof, cp.root), `entry ${i}`);
    }
    const old = parseCheckpoint(await openNote(note300, key.vkey));
    assert.ok(verifyConsistency(300, cp.size, old.root, cp.root,
      await tc.consistencyProof(300, cp.size)), 'size 300 is a prefix');
    // ... and the Go one (Go's sumdb tlog), when `go` is installed.
    const bin = buildGoClient();
    if (bin) {
      const r = spawnSync(bin, ['-url', `${ngx.base}/log/`, '-vkey', key.vkey, '-index',
        `0,255,256,${size - 1}`], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stdout + r.stderr);
      const out = JSON.parse(r.stdout);
      assert.equal(out.ok, true);
      assert.equal(out.size, size);
      assert.equal(out.tree_hash_ok, true);
    }
  } finally {
    await ngx.stop();
  }
});

test('kill -9 while publishing: after every restart the directory is consistent', async () => {
  let last = publishedSize();
  let cut = 0; // rounds whose kill came before the backlog was published
  for (let round = 0; round < 5; round++) {
    await worker.stop(); // stopped cleanly: a backlog builds
    worker = null;
    await register(1500 + 700 * round, `kill-${round}`);
    const logged = await headSize();
    worker = await startWorker();
    // Into the publisher's window: once the sequencer committed the backlog, the publisher
    // writes a few dozen files and then the checkpoint; kill it 0-40 ms into that (in the
    // first rounds), or at any time (in the last).
    if (round < 3) {
      await waitFor('the backlog sequenced', async () => (await headSize()) > logged, 20000);
      await sleep(Math.floor(Math.random() * 40));
    } else {
      await sleep(Math.floor(Math.random() * 400));
    }
    worker.proc.kill('SIGKILL');
    await new Promise((r) => (worker.proc.exitCode !== null || worker.proc.signalCode !== null
      ? r() : worker.proc.on('close', r)));
    const size = await checkDir();
    const head = await headSize();
    console.log(`round ${round}: killed with ${size} published, the log at ${head} of ${registered}`);
    if (size < registered) cut++;
    assert.ok(size >= last, `the published size never goes back (${last} -> ${size})`);
    last = size;
    worker = await startWorker(); // resumes from the published size
  }
  assert.ok(cut > 0, 'some kill interrupted the worker before it had published everything');
  await waitFor('the backlog published', () => publishedSize() === registered, 60000);
  assert.equal(await headSize(), registered);
  assert.equal(await checkDir(), registered);
});

test('a 10,000-entry backlog is published in seconds', async () => {
  await worker.stop();
  worker = null;
  await register(10000, 'backlog');
  const t0 = Date.now();
  worker = await startWorker();
  await waitFor('10,000 entries published', () => publishedSize() === registered, 60000);
  const ms = Date.now() - t0;
  console.log(`published a 10,000-entry backlog (worker start and sequencing included) in ${ms} ms`);
  assert.ok(ms < 20000, `${ms} ms`);
  assert.equal(await checkDir(), registered);
});

test('a directory of another log, or a reset database under one, is refused', async () => {
  // Another log's checkpoint: refused at start.
  const other = createLogKey('other.provd.test/log');
  const otherDir = path.join(tmp, 'other');
  fs.mkdirSync(otherDir);
  fs.copyFileSync(path.join(dir, 'checkpoint'), path.join(otherDir, 'checkpoint'));
  let r = runWorker(['--tiles-dir', otherDir, '--log-key-file', other.keyFile, '--log-origin',
    other.origin], { PROVD_DATABASE_URL: freshDatabase() });
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /--tiles-dir .*another log/);
  assert.deepEqual(fs.readdirSync(otherDir), ['checkpoint'], 'nothing written');

  // This log's key, but a database that does not have the published tree (reset, or another
  // deployment of the same key): the worker stops for good once it sees the log.
  const resetDir = path.join(tmp, 'reset');
  fs.mkdirSync(resetDir);
  fs.copyFileSync(path.join(dir, 'checkpoint'), path.join(resetDir, 'checkpoint'));
  const before = fs.readFileSync(path.join(resetDir, 'checkpoint'));
  r = runWorker(['--tiles-dir', resetDir, '--log-key-file', key.keyFile, '--log-origin',
    key.origin], { PROVD_DATABASE_URL: freshDatabase() });
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /is not one of this log's/);
  assert.ok(fs.readFileSync(path.join(resetDir, 'checkpoint')).equals(before), 'left alone');

  // A file that is not a checkpoint.
  fs.writeFileSync(path.join(otherDir, 'checkpoint'), 'not a note\n');
  r = runWorker(['--tiles-dir', otherDir, '--log-key-file', key.keyFile, '--log-origin',
    key.origin], { PROVD_DATABASE_URL: dbUrl });
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /--tiles-dir .*not signed by this log's key/);
});

test('a missing directory, or a file, is a startup error', () => {
  const args = ['--log-key-file', key.keyFile, '--log-origin', key.origin];
  let r = runWorker(['--tiles-dir', path.join(tmp, 'nope'), ...args], { PROVD_DATABASE_URL: dbUrl });
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /--tiles-dir .*nope: No such file or directory/);
  const file = path.join(tmp, 'a-file');
  fs.writeFileSync(file, '');
  r = runWorker(['--tiles-dir', file, ...args], { PROVD_DATABASE_URL: dbUrl });
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /--tiles-dir .*Not a directory/);
  // provd run takes the option too, and refuses the same way.
  const run = spawnSync(provdBin, ['run', '--listen', '127.0.0.1:0', '--tiles-dir',
    path.join(tmp, 'nope'), ...args], {
    encoding: 'utf8', timeout: 30000, env: { ...process.env, PROVD_DATABASE_URL: dbUrl },
  });
  assert.equal(run.status, 1, run.stderr);
  assert.match(run.stderr, /--tiles-dir .*No such file or directory/);
});
