// SPDX-License-Identifier: Apache-2.0
// Secret key files: the log key (worker, run, serve), the Ethereum anchoring key (worker,
// anchor-contract) and a curator's signing key (dataset seal) are refused when group or others
// may use them, when they are symbolic links or not regular files; and the key file's text does
// not stay in the memory of a running provd.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {
  startProvd, createLogKey, freshDatabase, provdBin, tempDir,
} from './lib/harness.mjs';
import { DEV_KEY } from './lib/anvil.mjs';

const DEAD_RPC = 'http://127.0.0.1:9'; // nothing listens: the key is read before any call

// Runs provd to its exit; one that starts serving instead of refusing is stopped after 10 s.
function runProvd(args, env = {}) {
  const r = spawnSync(provdBin, args, { encoding: 'utf8', env: { ...process.env, ...env },
                                        timeout: 10000, killSignal: 'SIGTERM' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function ethKey(mode) {
  const f = path.join(tempDir('provd-eth-'), 'eth.key');
  fs.writeFileSync(f, DEV_KEY.slice(2) + '\n', { mode: 0o600 });
  fs.chmodSync(f, mode);
  return f;
}

// A log key with the given mode (logkey create writes 0600).
function logKey(mode, origin = 'keys.provd.test/log') {
  const k = createLogKey(origin);
  assert.equal(fs.statSync(k.keyFile).mode & 0o777, 0o600, 'logkey create writes 0600');
  fs.chmodSync(k.keyFile, mode);
  return k;
}

const logArgs = (k) => ['--log-key-file', k.keyFile, '--log-origin', k.origin];

test('a log key file group or others may read or write is refused by worker, run and serve', () => {
  const db = freshDatabase();
  for (const mode of [0o644, 0o640, 0o604, 0o620, 0o660]) {
    const k = logKey(mode);
    for (const argv of [['worker', ...logArgs(k)], ['run', '--listen', '127.0.0.1:0', ...logArgs(k)],
                        ['serve', '--listen', '127.0.0.1:0', '--log-key-file', k.keyFile]]) {
      const r = runProvd(argv, { PROVD_DATABASE_URL: db });
      assert.equal(r.status, 1, `${argv[0]} with mode ${mode.toString(8)}: ${r.stderr}`);
      const how = mode & 0o044 ? 'readable' : 'writable';
      assert.match(r.stderr, new RegExp(`the log key file ${k.keyFile} is ${how} by group or others ` +
                                        `\\(mode 0${mode.toString(8)}\\): run chmod 600 ${k.keyFile}`));
      assert.doesNotMatch(r.stderr, /PRIVATE\+KEY/, 'the key is never printed');
    }
  }
});

test('a symbolic link to a log key, a directory and a missing file are refused with their reason', () => {
  const db = freshDatabase();
  const k = logKey(0o600);
  const link = path.join(tempDir('provd-link-'), 'log.key');
  fs.symlinkSync(k.keyFile, link);
  const cases = [
    [link, /the log key file .* is a symbolic link: refusing it/],
    [tempDir('provd-dir-'), /the log key file .* is not a regular file/],
    [path.join(tempDir('provd-none-'), 'nope'), /cannot read the log key file .*: No such file/],
  ];
  for (const [file, re] of cases) {
    const r = runProvd(['worker', '--log-key-file', file, '--log-origin', k.origin], { PROVD_DATABASE_URL: db });
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, re);
  }
});

test('an Ethereum key file group or others may read is refused by worker and anchor-contract', () => {
  const db = freshDatabase();
  const k = logKey(0o600);
  const bad = ethKey(0o644);
  const w = runProvd(['worker', ...logArgs(k), '--eth-rpc-url', DEAD_RPC, '--eth-key-file', bad],
                     { PROVD_DATABASE_URL: db });
  assert.equal(w.status, 1, w.stderr);
  assert.match(w.stderr, new RegExp(`the Ethereum key file ${bad} is readable by group or others ` +
                                    `\\(mode 0644\\): run chmod 600 ${bad}`));
  assert.doesNotMatch(w.stderr, new RegExp(DEV_KEY.slice(2, 20)), 'the key is never printed');
  const c = runProvd(['anchor-contract', '--eth-rpc-url', DEAD_RPC, '--eth-key-file', bad]);
  assert.equal(c.status, 1, c.stderr);
  assert.match(c.stderr, /the Ethereum key file .* is readable by group or others/);
  const link = path.join(tempDir('provd-link-'), 'eth.key');
  fs.symlinkSync(ethKey(0o600), link);
  const l = runProvd(['anchor-contract', '--eth-rpc-url', DEAD_RPC, '--eth-key-file', link]);
  assert.equal(l.status, 1, l.stderr);
  assert.match(l.stderr, /the Ethereum key file .* is a symbolic link/);
});

test('a curator key group or others may read is refused by dataset seal before any request', () => {
  const k = logKey(0o644, 'curator');
  const r = runProvd(['dataset', 'seal', '1', '-', '--signing-key-file', k.keyFile,
                      '--url', 'http://127.0.0.1:9', '--token', 'provd_x']);
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, new RegExp(`the signing key file ${k.keyFile} is readable by group or others`));
  assert.match(r.stderr, /chmod 600/);
  assert.doesNotMatch(r.stderr, /127\.0\.0\.1:9|connect/i, 'refused before contacting the server');
});

// Whether the bytes of needle occur in the writable memory (heap, stacks, anonymous maps, up to
// 1 GiB each) of the process pid, read through /proc/pid/mem (the test started it, so may).
function inMemory(pid, needle) {
  const want = Buffer.from(needle);
  const fd = fs.openSync(`/proc/${pid}/mem`, 'r');
  try {
    for (const line of fs.readFileSync(`/proc/${pid}/maps`, 'utf8').split('\n')) {
      const m = /^([0-9a-f]+)-([0-9a-f]+) rw/.exec(line);
      if (!m) continue;
      const start = parseInt(m[1], 16), end = parseInt(m[2], 16);
      if (end - start > 1 << 30) continue; // a sanitizer's shadow memory, not provd's data
      const chunk = 1 << 20;
      for (let at = start; at < end; at += chunk) { // chunks overlap by the needle's length
        const buf = Buffer.alloc(Math.min(chunk + want.length, end - at));
        let n = 0;
        try { n = fs.readSync(fd, buf, 0, buf.length, at); } catch { continue; }
        if (buf.subarray(0, n).includes(want)) return true;
      }
    }
    return false;
  } finally {
    fs.closeSync(fd);
  }
}

test('a running worker and serve keep no copy of the key files\' text in memory', async () => {
  const dbUrl = freshDatabase();
  const k = logKey(0o600, 'memory.provd.test/log');
  const text = fs.readFileSync(k.keyFile, 'utf8').trim();
  const seed = text.split('+').slice(4).join('+'); // PRIVATE+KEY+name+id+base64 of the seed
  assert.equal(seed.length, 44);
  const eth = ethKey(0o600);
  const hex = DEV_KEY.slice(2);
  const worker = await startProvd({ dbUrl, command: 'worker', logKey: k,
    args: ['--eth-rpc-url', DEAD_RPC, '--eth-key-file', eth] });
  const serve = await startProvd({ dbUrl, args: ['--log-key-file', k.keyFile] });
  try {
    assert.ok(inMemory(worker.proc.pid, 'memory.provd.test/log'), 'the scan sees the key name');
    assert.equal(inMemory(worker.proc.pid, seed), false, 'worker: the log key text is wiped');
    assert.equal(inMemory(worker.proc.pid, hex), false, 'worker: the Ethereum key text is wiped');
    assert.equal(inMemory(serve.proc.pid, seed), false, 'serve: the log key text is wiped');
  } finally {
    await worker.stop();
    await serve.stop();
  }
});
