// SPDX-License-Identifier: Apache-2.0
// Starts the real provd binary against a fresh database on the test PostgreSQL cluster and
// talks to it over HTTP. Needs PROVD_DATABASE_URL (tests/run exports it); PROVD_BIN overrides
// the binary (default build/provd).
import { spawn, spawnSync } from 'node:child_process';
import { webcrypto as crypto, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { statement } from './jcs.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const provdBin = process.env.PROVD_BIN || path.join(root, 'build/provd');

if (!process.env.PROVD_DATABASE_URL) {
  throw new Error('PROVD_DATABASE_URL is not set: run the tests through tests/run');
}

function psql(url, sql, flags = []) {
  const bindir = process.env.PROVD_TEST_PG_BINDIR;
  const bin = bindir ? path.join(bindir, 'psql') : 'psql';
  const r = spawnSync(bin, ['-X', '-q', ...flags, '-v', 'ON_ERROR_STOP=1', '-d', url, '-c', sql], {
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`psql failed: ${r.stderr}`);
  return r.stdout;
}

// A new empty database; returns its URL.
export function freshDatabase() {
  const admin = process.env.PROVD_TEST_PG_ADMIN_URL || process.env.PROVD_DATABASE_URL;
  const name = 'provd_test_' + randomBytes(6).toString('hex');
  psql(admin, `CREATE DATABASE ${name}`);
  const u = new URL(admin);
  u.pathname = '/' + name;
  return u.toString();
}

export function sql(url, text) {
  return psql(url, text);
}

// The rows of a query, each its columns joined by '|' (psql -At).
export function sqlRows(url, text) {
  return psql(url, text, ['-A', '-t']).split('\n').filter((l) => l !== '');
}

// Runs provd synchronously; returns {status, stdout, stderr}.
export function runProvd(args, env = {}) {
  const r = spawnSync(provdBin, args, { encoding: 'utf8', env: { ...process.env, ...env } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export function createApiKey(dbUrl, scope = 'register') {
  const r = runProvd(['apikey', 'create', '--name', 'test-' + scope, '--scope', scope], {
    PROVD_DATABASE_URL: dbUrl,
  });
  if (r.status !== 0) throw new Error('apikey create failed: ' + r.stderr);
  return r.stdout.trim();
}

// A temporary directory, removed when the test process exits.
const tempDirs = [];
process.on('exit', () => {
  for (const d of tempDirs) fs.rmSync(d, { recursive: true, force: true });
});
export function tempDir(prefix = 'provd-test-') {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.push(d);
  return d;
}

// A new log key for origin in a temp file: {keyFile, vkey, origin}.
export function createLogKey(origin = 'test.provd.example/log') {
  const dir = tempDir('provd-key-');
  const keyFile = path.join(dir, 'log.key');
  const r = runProvd(['logkey', 'create', '--log-key-file', keyFile, '--log-origin', origin]);
  if (r.status !== 0) throw new Error('logkey create failed: ' + r.stderr);
  return { keyFile, vkey: r.stdout.trim(), origin };
}

// Resolves when the process's stderr matches re (returns the match), rejects on exit/timeout.
export function waitForLog(handle, re, ms = 20000) {
  return new Promise((resolve, reject) => {
    const check = () => {
      const m = re.exec(handle.logs());
      if (m) {
        clearInterval(timer);
        clearTimeout(limit);
        resolve(m);
      }
    };
    const timer = setInterval(check, 20);
    const limit = setTimeout(() => {
      clearInterval(timer);
      reject(new Error(`no ${re} in:\n${handle.logs()}`));
    }, ms);
    check();
  });
}

// Starts `provd COMMAND` (serve, run or worker); for serve and run, resolves once it logs its
// address. logKey ({keyFile, origin}) adds the log flags.
export async function startProvd({ dbUrl, args = [], env = {}, command = 'serve', logKey } = {}) {
  dbUrl = dbUrl || freshDatabase();
  const argv = [command];
  if (command !== 'worker') argv.push('--listen', '127.0.0.1:0');
  if (logKey) argv.push('--log-key-file', logKey.keyFile, '--log-origin', logKey.origin);
  const proc = spawn(provdBin, [...argv, ...args], {
    env: { ...process.env, PROVD_DATABASE_URL: dbUrl, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const ready = command === 'worker' ? /worker started/ : /listening on (http:\/\/[^ ]+)/;
  const base = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('provd did not start:\n' + log)), 20000);
    proc.stderr.on('data', (d) => {
      log += d;
      const m = ready.exec(log);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    // 'close', not 'exit': stderr is drained by then, so the log is complete.
    proc.on('close', (code) => reject(new Error(`provd exited with ${code}:\n${log}`)));
  });
  return {
    base,
    dbUrl,
    proc,
    logs: () => log,
    // SIGTERM, then the exit status, which must be 0: a sanitizer report or a crash on
    // shutdown fails the test that started the server.
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        const exited = new Promise((resolve) => proc.on('close', resolve));
        proc.kill('SIGTERM');
        await exited;
      }
      if (proc.exitCode !== 0) throw new Error(`provd exited with ${proc.exitCode}:\n${log}`);
      return 0;
    },
  };
}

// The value of the unlabelled metric name on base's /metrics; throws when it is not exported.
export async function metric(base, name) {
  const m = new RegExp(`^${name} (\\d+)$`, 'm').exec((await http(base, 'GET', '/metrics')).text);
  if (!m) throw new Error(`${name} is not exported`);
  return Number(m[1]);
}

// Stops srv (startProvd) and resolves with its exit status, or with 'late' after killing it when
// it has not exited within ms of SIGTERM.
export async function stopWithin(srv, ms = 15000) {
  const exited = srv.stop();
  let timer;
  const late = new Promise((resolve) => {
    timer = setTimeout(() => { srv.proc.kill('SIGKILL'); resolve('late'); }, ms);
  });
  const outcome = await Promise.race([exited.catch((e) => e), late]);
  clearTimeout(timer);
  return outcome;
}

export const b64url = (buf) => Buffer.from(buf).toString('base64url');

export async function sha256Hex(data) {
  const d = await crypto.subtle.digest('SHA-256', typeof data === 'string'
    ? new TextEncoder().encode(data) : data);
  return Buffer.from(d).toString('hex');
}

export async function newEd25519Signer() {
  const kp = await crypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify']);
  const pub = b64url(await crypto.subtle.exportKey('raw', kp.publicKey));
  return {
    publicKey: pub,
    async sign(bytes) {
      return b64url(await crypto.subtle.sign({ name: 'Ed25519' }, kp.privateKey, bytes));
    },
  };
}

// A complete registration body signed by signer (WebCrypto Ed25519 over JCS statement).
export async function signedItem(signer, metadata, contentHash) {
  contentHash = contentHash || 'sha256:' + (await sha256Hex(randomBytes(32)));
  const value = await signer.sign(statement(contentHash, metadata));
  return {
    content_hash: contentHash,
    metadata,
    signature: { scheme: 'ed25519', public_key: signer.publicKey, value },
  };
}

// fetch wrapper returning {status, headers, body (parsed JSON when JSON), text}.
export async function http(base, method, pathname, { body, token, headers = {}, raw } = {}) {
  const h = { ...headers };
  if (token) h.authorization = `Bearer ${token}`;
  let payload = raw;
  if (body !== undefined) {
    payload = JSON.stringify(body);
    h['content-type'] = h['content-type'] || 'application/json';
  }
  const res = await fetch(base + pathname, { method, headers: h, body: payload });
  const text = await res.text();
  let json;
  const ct = res.headers.get('content-type') || '';
  if (ct.includes('json') && text) json = JSON.parse(text);
  return { status: res.status, headers: res.headers, body: json, text };
}

export function assertProblem(assert, res, status, typeSuffix, field) {
  assert.equal(res.status, status, `status (body ${res.text})`);
  assert.equal(res.headers.get('content-type'), 'application/problem+json');
  assert.equal(res.body.status, status);
  assert.equal(res.body.type, 'urn:provd:problem:' + typeSuffix, res.text);
  assert.ok(res.body.title && res.body.detail, 'title and detail present');
  assert.ok(res.body.request_id, 'request_id present');
  if (field !== undefined) assert.equal(res.body.field, field);
  assert.ok(!/\b(SELECT|INSERT|UPDATE) |postgres|SQLSTATE|libpq|PQ[a-z]+\(/.test(res.text),
            'no internals leak');
}
