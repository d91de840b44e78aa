// SPDX-License-Identifier: Apache-2.0
// provd health: the container health check (the image has no curl). GET /readyz or, with
// --live, /healthz of a running provd; exit 0 on 200, 1 otherwise, one line either way.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import net from 'node:net';
import { startProvd, freshDatabase, provdBin } from './lib/harness.mjs';
import { startPgProxy } from './lib/pgproxy.mjs';

// Runs provd health asynchronously (the server under test lives in this process's event loop).
function health(args, env = {}) {
  return new Promise((resolve) => {
    const env0 = { ...process.env };
    for (const k of ['PROVD_LISTEN', 'PROVD_METRICS_LISTEN', 'PROVD_HEALTH_URL']) delete env0[k];
    const p = spawn(provdBin, ['health', ...args], { env: { ...env0, ...env } });
    let stdout = '', stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

const lines = (s) => s.split('\n').filter((l) => l !== '');

// A port free a moment ago (the metrics listener does not log the port it picked).
function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

let proxy, srv, port, mport;
before(async () => {
  proxy = await startPgProxy(freshDatabase());
  mport = await freePort();
  srv = await startProvd({ dbUrl: proxy.url, args: ['--metrics-listen', `127.0.0.1:${mport}`] });
  port = new URL(srv.base).port;
});
after(async () => {
  await srv.stop();
});

test('ready: exit 0 and one line on stdout, by --url, by PROVD_LISTEN (wildcard host) and --live', async () => {
  let r = await health(['--url', srv.base]);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(lines(r.stdout), [`provd health: ok: GET ${srv.base}/readyz: 200 ready`]);
  assert.equal(r.stderr, '');

  r = await health([], { PROVD_LISTEN: `0.0.0.0:${port}` });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`GET http://127\\.0\\.0\\.1:${port}/readyz: 200 ready`));

  r = await health(['--listen', `127.0.0.1:${port}`, '--live']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /\/healthz: 200 ok\n$/);
});

test('--metrics-listen (the probe listener) is preferred to --listen', async () => {
  const r = await health(['--listen', '127.0.0.1:1'], { PROVD_METRICS_LISTEN: `0.0.0.0:${mport}` });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`127\\.0\\.0\\.1:${mport}/readyz: 200`));
});

test('nothing listening: exit 1 with the reason on stderr', async () => {
  const r = await health(['--listen', '127.0.0.1:1', '--timeout', '1000']);
  assert.equal(r.status, 1);
  assert.equal(r.stdout, '');
  assert.deepEqual(lines(r.stderr), ['provd health: GET http://127.0.0.1:1/readyz: Couldn\'t connect to server']);
});

test('usage errors exit 2', async () => {
  assert.equal((await health(['--listen', 'nonsense'])).status, 2);
  assert.equal((await health(['--bogus'])).status, 2);
  assert.equal((await health(['--timeout', '5'])).status, 2);
  assert.equal((await health(['--url', 'ftp://x'])).status, 2);
});

// Last: cuts the database.
test('database unreachable: /readyz is 503, so exit 1, while --live still passes', async () => {
  await proxy.close();
  let r;
  for (let i = 0; i < 50; i++) {
    r = await health(['--url', srv.base, '--timeout', '5000']);
    if (r.status !== 0) break;
    await new Promise((res) => setTimeout(res, 100));
  }
  assert.equal(r.status, 1, r.stdout);
  assert.equal(lines(r.stderr).length, 1);
  assert.match(r.stderr, /^provd health: GET http:\/\/127\.0\.0\.1:\d+\/readyz: .*\(503 [a-z-]+\)\n$/);
  r = await health(['--url', srv.base, '--live']);
  assert.equal(r.status, 0, r.stderr);
});
