// SPDX-License-Identifier: Apache-2.0
// Log injection: request paths, query keys, Origin headers and JSON member names carrying
// newlines, carriage returns, ESC sequences, C1 controls and invalid UTF-8 must not reach
// stderr raw. Text logs show them escaped (\xHH), so that no client can forge a log line or
// drive a terminal; with --log-format json every line is one JSON object.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startProvd, createApiKey, freshDatabase } from './lib/harness.mjs';

const FORGED = '2026-01-01T00:00:00.000Z ERROR forged';

// Sends a raw request (Connection: close) and resolves with the reply's text.
function raw(base, bytes) {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const chunks = [];
    const s = net.connect(Number(u.port), u.hostname, () => s.end(bytes));
    s.on('data', (d) => chunks.push(d));
    s.on('error', reject);
    s.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
  });
}

// The request line and headers as bytes (latin1: one byte per character), the body as UTF-8.
function request(line, headers = [], body = '') {
  const b = Buffer.from(body, 'utf8');
  const head = [line, 'Host: x', ...headers, 'Connection: close', `Content-Length: ${b.length}`, '', ''];
  return Buffer.concat([Buffer.from(head.join('\r\n'), 'latin1'), b]);
}

// Hostile requests; each answer is a status line (the server stays up).
async function attack(base, token) {
  const esc = '\x1b[2J\x1b]0;owned\x07';
  const replies = [
    await raw(base, request(`GET /v1/items/1%0A${encodeURIComponent(FORGED)}%0D%1B[31m%C0%AF%00%C2%9B HTTP/1.1`)),
    await raw(base, request('GET /v1/nope/%0A%0D%1B%FF HTTP/1.1')),
    await raw(base, request('GET /v1/items?x%0Ay%1B%C0=1&limit=%0A HTTP/1.1')),
    await raw(base, request(`GET /v1/\x1b[31m\xc0\xaf HTTP/1.1`)),
    await raw(base, request('OPTIONS /v1/items HTTP/1.1', [
      `Origin: https://evil.example${esc}\xc0\xaf\rX`, 'Access-Control-Request-Method: POST'])),
    await raw(base, request('GET /v1/items HTTP/1.1', [`Origin: https://o.example\x1b[1m\xff`,
                                                     `X-Request-Id: a\x1bb`])),
    await raw(base, request('POST /v1/items HTTP/1.1', [`Authorization: Bearer ${token}`,
      'Content-Type: application/json'], JSON.stringify({ ['k\n\u001b[2J\u009b']: 1 }))),
  ];
  for (const r of replies) assert.match(r, /^HTTP\/1\.1 [0-9]{3} /, r);
}

// stderr bytes from now on.
function capture(srv) {
  const chunks = [];
  srv.proc.stderr.on('data', (d) => chunks.push(d));
  return () => Buffer.concat(chunks);
}

// The log is UTF-8 whose only control character is the newline ending each line.
function assertClean(bytes) {
  const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes); // throws on invalid UTF-8
  const bad = [...text].findIndex((c) => /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/.test(c));
  assert.equal(bad, -1, `raw control character in the log:\n${JSON.stringify(text)}`);
  const lines = text.split('\n');
  assert.equal(lines.pop(), '', 'the log ends with a newline');
  return lines;
}

async function run(args, env = {}) {
  const dbUrl = freshDatabase();
  const token = createApiKey(dbUrl);
  const srv = await startProvd({ dbUrl, args: ['--cors-origins', 'https://ok.example', ...args], env });
  const logged = capture(srv);
  await attack(srv.base, token);
  await srv.stop();
  return assertClean(logged());
}

test('text logs escape control characters and invalid UTF-8 in client input', async () => {
  const lines = await run([]);
  assert.ok(lines.length >= 6, lines.join('\n'));
  for (const l of lines) {
    assert.match(l, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (DEBUG|INFO|WARN|ERROR) /, l);
    assert.ok(!l.startsWith(FORGED), `forged line: ${l}`);
  }
  const all = lines.join('\n');
  assert.ok(all.includes(`GET /v1/items/1\\x0a${FORGED}\\x0d\\x1b[31m\\xc0\\xaf\\xff\\xc2\\x9b -> 400`), all);
  assert.ok(all.includes('https://evil.example\\x1b[2J\\x1b]0;owned\\x07\\xc0\\xaf\\x0dX is not allowed'), all);
  assert.ok(all.includes('x\\x0ay\\x1b\\xc0 must be UTF-8 without NUL'), all);
  assert.ok(all.includes('unknown field k\\x0a\\x1b[2J\\xc2\\x9b'), all);
});

test('--log-format json writes one JSON object per line', async () => {
  for (const [args, env] of [[['--log-format', 'json'], {}], [[], { PROVD_LOG_FORMAT: 'json' }]]) {
    const lines = await run(args, env);
    assert.ok(lines.length >= 6, lines.join('\n'));
    const objs = lines.map((l) => JSON.parse(l));
    for (const o of objs) {
      assert.match(o.ts, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      assert.match(o.level, /^(debug|info|warn|error)$/);
      assert.equal(typeof o.msg, 'string');
    }
    const item = objs.find((o) => o.path?.startsWith('/v1/items/1'));
    assert.ok(item, JSON.stringify(objs));
    assert.equal(item.path, `/v1/items/1\n${FORGED}\r\x1b[31m\ufffd\ufffd\ufffd\u009b`);
    assert.equal(item.method, 'GET');
    assert.equal(item.status, 400);
    assert.equal(item.problem, 'urn:provd:problem:invalid-parameter');
    assert.match(item.request_id, /^[0-9a-f]{8}-\d+$/);
    const cors = objs.find((o) => o.problem === 'urn:provd:problem:cors-origin-rejected');
    assert.ok(cors.msg.includes('https://evil.example\x1b[2J\x1b]0;owned\x07\ufffd\ufffd\rX'), cors.msg);
  }
  const bad = await startProvd({ args: ['--log-format', 'yaml'] }).catch((e) => e);
  assert.match(String(bad), /--log-format must be text or json/);
});
