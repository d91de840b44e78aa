// SPDX-License-Identifier: Apache-2.0
// Shutdown: SIGTERM stops accepting connections and answers the requests in flight before the
// process exits (bounded by --shutdown-grace), SIGHUP is ignored, and a worker stopped
// mid-stream leaves every registration either logged or still queued.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import {
  startProvd, createApiKey, createLogKey, freshDatabase, newEd25519Signer, signedItem, http,
  sqlRows, waitForLog,
} from './lib/harness.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const exited = (proc) => new Promise((resolve) => {
  if (proc.exitCode !== null || proc.signalCode !== null) resolve(proc.exitCode);
  else proc.on('close', (code) => resolve(code));
});

// Opens a raw connection to base and sends the request line, headers and the first `head`
// bytes of body; returns {send(rest), reply} where reply resolves to everything the server sent
// until it closed the connection.
async function rawRequest(base, method, pathname, token, body, head) {
  const u = new URL(base);
  const sock = net.connect(Number(u.port), u.hostname);
  await new Promise((resolve, reject) => { sock.once('connect', resolve); sock.once('error', reject); });
  let got = '';
  sock.setEncoding('utf8');
  sock.on('data', (d) => { got += d; });
  const reply = new Promise((resolve) => {
    sock.on('close', () => resolve(got));
    sock.on('error', () => resolve(got));
  });
  sock.write(`${method} ${pathname} HTTP/1.1\r\nHost: ${u.host}\r\nAuthorization: Bearer ${token}\r\n` +
             `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`);
  sock.write(body.subarray(0, head));
  return { send: (from) => sock.write(body.subarray(from)), reply };
}

function parseReply(raw) {
  const at = raw.indexOf('\r\n\r\n');
  assert.ok(at > 0, `a complete HTTP reply, got ${JSON.stringify(raw.slice(0, 200))}`);
  const status = Number(raw.slice(9, 12));
  const headers = raw.slice(0, at).toLowerCase();
  return { status, headers, body: raw.slice(at + 4) };
}

async function batchBody(n) {
  const signer = await newEd25519Signer();
  const items = [];
  for (let i = 0; i < n; i++) items.push(await signedItem(signer, { source_url: `https://shutdown.example/${i}` }));
  return Buffer.from(JSON.stringify({ items }));
}

test('SIGTERM during a 400-element batch: the client gets its whole 200 reply, the rows are stored', async () => {
  const dbUrl = freshDatabase();
  const token = createApiKey(dbUrl);
  const srv = await startProvd({ dbUrl });
  const body = await batchBody(400);
  const half = body.length >> 1;
  const req = await rawRequest(srv.base, 'POST', '/v1/items/batch', token, body, half);
  await sleep(300); // the headers and half the body are in: the request is in flight
  srv.proc.kill('SIGTERM');
  await waitForLog(srv, /received SIGTERM/);
  await sleep(200);
  // New connections are no longer accepted while the old request goes on.
  const late = await Promise.race([
    fetch(srv.base + '/healthz').then(() => 'answered', () => 'failed'), sleep(500).then(() => 'waiting')]);
  assert.notEqual(late, 'answered', 'a connection opened after SIGTERM is not served');
  req.send(half);
  const r = parseReply(await req.reply);
  assert.equal(r.status, 200, r.body.slice(0, 500));
  assert.match(r.headers, /\r\nconnection: close/);
  const reply = JSON.parse(r.body);
  assert.equal(reply.created, 400);
  assert.equal(reply.results.length, 400);
  assert.equal(await exited(srv.proc), 0, srv.logs());
  assert.match(srv.logs(), /stopped accepting connections; waiting up to 10 s for 1 request in flight/);
  assert.match(srv.logs(), /every request in flight was answered/);
  assert.equal(sqlRows(dbUrl, 'SELECT count(*) FROM items')[0], '400');
  const ids = reply.results.map((x) => x.item.id).sort((a, b) => a - b).join(',');
  assert.equal(sqlRows(dbUrl, 'SELECT string_agg(id::text, \',\' ORDER BY id) FROM items')[0], ids);
});

test('the wait for requests in flight is bounded by --shutdown-grace; /readyz says 503 meanwhile', async () => {
  const dbUrl = freshDatabase();
  const token = createApiKey(dbUrl);
  const srv = await startProvd({ dbUrl, args: ['--shutdown-grace', '2', '--metrics-listen', '127.0.0.1:0'] });
  const probe = (await waitForLog(srv, /metrics, health and readiness on (http:\/\/\S+)/))[1];
  assert.equal((await http(probe, 'GET', '/readyz')).status, 200);
  const body = await batchBody(2);
  const req = await rawRequest(srv.base, 'POST', '/v1/items/batch', token, body, 10); // never finished
  await sleep(200);
  const t0 = Date.now();
  srv.proc.kill('SIGTERM');
  await waitForLog(srv, /stopped accepting connections/);
  const ready = await http(probe, 'GET', '/readyz');
  assert.equal(ready.status, 503);
  assert.equal(ready.body.type, 'urn:provd:problem:server-busy');
  assert.match(ready.body.detail, /shutting down/);
  assert.equal(await exited(srv.proc), 0, srv.logs());
  const took = Date.now() - t0;
  assert.ok(took >= 1900 && took < 6000, `exited after ${took} ms`);
  assert.match(srv.logs(), /closing 1 request still in flight/);
  await req.reply; // the connection was closed
  assert.equal(sqlRows(dbUrl, 'SELECT count(*) FROM items')[0], '0');
});

test('a second SIGTERM stops at once', async () => {
  const dbUrl = freshDatabase();
  const token = createApiKey(dbUrl);
  const srv = await startProvd({ dbUrl, args: ['--shutdown-grace', '60'] });
  const req = await rawRequest(srv.base, 'POST', '/v1/items/batch', token, await batchBody(1), 10);
  await sleep(200);
  srv.proc.kill('SIGTERM');
  await waitForLog(srv, /waiting up to 60 s for 1 request/);
  const t0 = Date.now();
  srv.proc.kill('SIGTERM');
  assert.equal(await exited(srv.proc), 0, srv.logs());
  assert.ok(Date.now() - t0 < 5000);
  assert.match(srv.logs(), /a second signal/);
  await req.reply;
});

test('SIGHUP leaves serve, run and worker running', async () => {
  const dbUrl = freshDatabase();
  const key = createLogKey('sighup.provd.test/log');
  for (const command of ['serve', 'run', 'worker']) {
    const p = await startProvd({ dbUrl, command, logKey: command === 'serve' ? undefined : key });
    p.proc.kill('SIGHUP');
    await sleep(300);
    assert.deepEqual([p.proc.exitCode, p.proc.signalCode], [null, null], `${command} still runs`);
    await waitForLog(p, /received SIGHUP: ignored/);
    if (command !== 'worker') assert.equal((await http(p.base, 'GET', '/healthz')).status, 200);
    assert.equal(await p.stop(), 0);
  }
});

test('a worker stopped while sequencing leaves every registration logged once or still queued', async () => {
  const dbUrl = freshDatabase();
  const token = createApiKey(dbUrl);
  const api = await startProvd({ dbUrl });
  const signer = await newEd25519Signer();
  for (let b = 0; b < 5; b++) {
    const items = [];
    for (let i = 0; i < 400; i++) items.push(await signedItem(signer, { n: b * 400 + i }));
    assert.equal((await http(api.base, 'POST', '/v1/items/batch', { body: { items }, token })).status, 200);
  }
  const key = createLogKey('stop.provd.test/log');
  const worker = await startProvd({ dbUrl, command: 'worker', logKey: key });
  await waitForLog(worker, /leading log/);
  assert.equal(await worker.stop(), 0);
  assert.match(worker.logs(), /sequencer: stopping at tree size \d+/);
  const [logged, queued, size] = sqlRows(dbUrl,
    'SELECT (SELECT count(*) FROM log_entries), (SELECT count(*) FROM log_queue), ' +
    '(SELECT tree_size FROM log_state)')[0].split('|').map(Number);
  assert.equal(logged + queued, 2000);
  assert.equal(size, logged);
  const again = await startProvd({ dbUrl, command: 'worker', logKey: key });
  const deadline = Date.now() + 20000;
  while (Number(sqlRows(dbUrl, 'SELECT count(*) FROM log_queue')[0]) > 0 && Date.now() < deadline) await sleep(100);
  assert.equal(sqlRows(dbUrl, 'SELECT count(DISTINCT log_index) || \'|\' || max(log_index) FROM log_entries')[0], '2000|1999');
  await again.stop();
  await api.stop();
});
