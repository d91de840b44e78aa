// SPDX-License-Identifier: Apache-2.0
// Hostile clients cannot hold provd's connections or memory: a whole-request deadline closes
// connections that trickle their headers or body, the per-address limit refuses one host's extra
// connections, and request bodies buffered across all connections stay under --max-buffered
// (503 server-busy before the body is read). Raw sockets (node:net), from several loopback
// source addresses. The options are given as PROVD_* variables, so that a binary without them
// starts anyway and fails on its behaviour.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  startProvd, createApiKey, freshDatabase, newEd25519Signer, signedItem,
} from './lib/harness.mjs';

const DEADLINE_S = 3;
const PER_IP = 4;
let deadlineSrv, budgetSrv, token, signer;

before(async () => {
  deadlineSrv = await startProvd({ env: {
    PROVD_REQUEST_TIMEOUT_S: String(DEADLINE_S), PROVD_IDLE_TIMEOUT_S: '10',
    PROVD_MAX_CONNECTIONS_PER_IP: String(PER_IP) } });
  const dbUrl = freshDatabase();
  token = createApiKey(dbUrl);
  budgetSrv = await startProvd({ dbUrl, env: {
    PROVD_MAX_BODY: '64K', PROVD_MAX_BUFFERED: '256K', PROVD_REQUEST_TIMEOUT_S: '30' } });
  signer = await newEd25519Signer();
});
after(async () => {
  await deadlineSrv.stop();
  await budgetSrv.stop();
});

// A raw connection from localAddress: what the server sent, and when it closed (ms after open).
function connect(base, localAddress = '127.0.0.1') {
  const { hostname, port } = new URL(base);
  const sock = net.connect({ host: hostname, port: Number(port), localAddress });
  const c = { sock, data: '', opened: Date.now(), closedAfter: null };
  sock.setNoDelay(true);
  sock.on('data', (d) => { c.data += d; });
  sock.on('error', () => {}); // a reset is a close too
  c.connected = new Promise((resolve) => sock.once('connect', resolve));
  c.closed = new Promise((resolve) => sock.on('close', () => {
    c.closedAfter = Date.now() - c.opened;
    resolve();
  }));
  return c;
}

// Writes text one character every ms milliseconds until the connection closes.
function trickle(c, text, ms) {
  let i = 0;
  const timer = setInterval(() => {
    if (c.sock.destroyed || i === text.length) return clearInterval(timer);
    c.sock.write(text[i++]);
  }, ms);
  c.closed.then(() => clearInterval(timer));
}

const closedWithin = (c, ms) => Promise.race([c.closed.then(() => true), sleep(ms).then(() => false)]);
const status = (c) => Number((/^HTTP\/1\.1 (\d{3})/.exec(c.data) || [])[1]);
const header = (c, name) => (new RegExp(`\r\n${name}: ([^\r]*)\r\n`, 'i').exec(c.data) || [])[1];
const body = (c) => JSON.parse(c.data.slice(c.data.indexOf('\r\n\r\n') + 4));

// One well-behaved request on its own connection: {status, ms, c}.
async function request(base, method, path, { json, localAddress, headers = '' } = {}) {
  const c = connect(base, localAddress);
  const payload = json === undefined ? '' : JSON.stringify(json);
  const t0 = Date.now();
  await c.connected;
  c.sock.write(`${method} ${path} HTTP/1.1\r\nHost: provd\r\nConnection: close\r\n${headers}` +
               (json === undefined ? '' : 'Content-Type: application/json\r\n') +
               `Content-Length: ${Buffer.byteLength(payload)}\r\n\r\n${payload}`);
  await c.closed;
  return { status: status(c), ms: Date.now() - t0, c };
}

const kill = (conns) => conns.forEach((c) => c.sock.destroy());

test('connections trickling their headers are closed at the request deadline; others are served', async () => {
  const base = deadlineSrv.base;
  // 4 connections from each of 8 addresses, a header byte a second: never a complete request.
  const slow = [];
  for (let a = 2; a < 10; a++) {
    for (let k = 0; k < PER_IP; k++) {
      const c = connect(base, `127.0.0.${a}`);
      slow.push(c);
      c.connected.then(() => trickle(c, 'GET /healthz HTTP/1.1\r\nHost: provd\r\nX-Pad: ' +
                                         'a'.repeat(200), 1000));
    }
  }
  await Promise.all(slow.map((c) => c.connected));
  // Meanwhile, well-behaved requests are answered promptly.
  const latencies = [];
  const until = Date.now() + (DEADLINE_S + 1) * 1000;
  while (Date.now() < until) {
    const r = await request(base, 'GET', '/healthz');
    assert.equal(r.status, 200);
    latencies.push(r.ms);
    await sleep(200);
  }
  assert.ok(Math.max(...latencies) < 1000, `healthz latencies ${latencies.join(',')} ms`);
  const closed = await Promise.all(slow.map((c) => closedWithin(c, DEADLINE_S * 1000 + 3000)));
  kill(slow);
  assert.equal(closed.filter(Boolean).length, slow.length, 'every trickling connection was closed');
  for (const c of slow) {
    assert.ok(c.closedAfter >= DEADLINE_S * 1000 - 500 && c.closedAfter <= DEADLINE_S * 1000 + 2500,
              `closed after ${c.closedAfter} ms`);
  }
});

test('the per-address limit refuses one more connection; another address still gets in', async () => {
  const base = deadlineSrv.base;
  const held = Array.from({ length: PER_IP }, () => connect(base, '127.0.0.20'));
  await Promise.all(held.map((c) => c.connected));
  await sleep(200); // accepted by the server, not only by the kernel
  const extra = connect(base, '127.0.0.20');
  await extra.connected;
  extra.sock.write('GET /healthz HTTP/1.1\r\nHost: provd\r\nConnection: close\r\n\r\n');
  assert.ok(await closedWithin(extra, 1500), 'the extra connection was refused');
  assert.equal(extra.data, '', 'and got no answer');
  const other = await request(base, 'GET', '/healthz', { localAddress: '127.0.0.21' });
  assert.equal(other.status, 200);
  // A held connection still works (it was not the one refused).
  held[0].sock.write('GET /healthz HTTP/1.1\r\nHost: provd\r\nConnection: close\r\n\r\n');
  await closedWithin(held[0], 1500);
  assert.equal(status(held[0]), 200);
  kill(held);
});

test('concurrent large uploads past --max-buffered get 503 server-busy; small requests succeed', async () => {
  const base = budgetSrv.base;
  const big = 64 * 1024; // --max-body; each holds big + 1 bytes, so 3 fit in 256 KiB
  const uploads = Array.from({ length: 8 }, (_, i) => connect(base, `127.0.1.${i + 1}`));
  await Promise.all(uploads.map((c) => c.connected));
  for (const c of uploads) {
    c.sock.write(`POST /v1/items HTTP/1.1\r\nHost: provd\r\nAuthorization: Bearer ${token}\r\n` +
                 `Content-Type: application/json\r\nContent-Length: ${big}\r\n\r\n[`);
    trickle(c, ' '.repeat(100), 500);
  }
  await Promise.all(uploads.map((c) => closedWithin(c, 1500)));
  const busy = uploads.filter((c) => status(c) === 503);
  assert.equal(busy.length, 5, `statuses ${uploads.map(status).join(',')}`);
  for (const c of busy) {
    assert.equal(body(c).type, 'urn:provd:problem:server-busy');
    assert.equal(header(c, 'Content-Type'), 'application/problem+json');
    assert.equal(header(c, 'Retry-After'), '1');
  }
  assert.equal(uploads.filter((c) => c.closedAfter === null).length, 3, 'three uploads go on');
  // Small requests still get through while the three hold their bytes.
  const item = await signedItem(signer, { author: 'small' });
  const small = await request(base, 'POST', '/v1/items', {
    json: item, headers: `Authorization: Bearer ${token}\r\n` });
  assert.equal(small.status, 201, small.c.data);
  assert.equal((await request(base, 'GET', '/healthz')).status, 200);
  // The bytes come back when the uploads end: a large body is read again.
  kill(uploads);
  await sleep(300);
  const whole = await request(base, 'POST', '/v1/items', {
    json: { pad: 'x'.repeat(big - 100) }, headers: `Authorization: Bearer ${token}\r\n` });
  assert.equal(whole.status, 422, whole.c.data); // read and checked, not refused
});

test('a body trickled past the request deadline is cut off', async () => {
  const c = connect(deadlineSrv.base, '127.0.0.30');
  await c.connected;
  c.sock.write('POST /v1/items HTTP/1.1\r\nHost: provd\r\nContent-Type: application/json\r\n' +
               'Content-Length: 1000\r\n\r\n{');
  trickle(c, ' '.repeat(999), 250);
  const closed = await closedWithin(c, DEADLINE_S * 1000 + 3000);
  kill([c]);
  assert.ok(closed, 'the connection was closed');
  assert.ok(c.closedAfter >= DEADLINE_S * 1000 - 500 && c.closedAfter <= DEADLINE_S * 1000 + 2500,
            `closed after ${c.closedAfter} ms`);
  // If the server could still answer, the answer is 408 request-timeout.
  if (c.data) {
    assert.equal(status(c), 408, c.data);
    assert.equal(body(c).type, 'urn:provd:problem:request-timeout');
  }
});
