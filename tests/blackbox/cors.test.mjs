// SPDX-License-Identifier: Apache-2.0
// CORS for browser frontends (--cors-origins).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startProvd, http, assertProblem } from './lib/harness.mjs';

let srv, open;
before(async () => {
  srv = await startProvd({ args: ['--cors-origins', 'https://app.example.org, http://localhost:3000'] });
});
after(async () => {
  await srv.stop();
  if (open) await open.stop();
});

test('preflight from an allowed origin', async () => {
  const res = await http(srv.base, 'OPTIONS', '/v1/items', { headers: {
    origin: 'https://app.example.org', 'access-control-request-method': 'POST',
    'access-control-request-headers': 'authorization, content-type' } });
  assert.equal(res.status, 204);
  assert.equal(res.headers.get('access-control-allow-origin'), 'https://app.example.org');
  assert.match(res.headers.get('access-control-allow-methods'), /POST/);
  assert.match(res.headers.get('access-control-allow-headers'), /Authorization/);
  assert.match(res.headers.get('access-control-allow-headers'), /Content-Type/);
  assert.equal(res.headers.get('access-control-max-age'), '600');
  assert.equal(res.headers.get('vary'), 'Origin');
});

test('preflight from another origin is refused', async () => {
  const res = await http(srv.base, 'OPTIONS', '/v1/items', { headers: {
    origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
  assertProblem(assert, res, 403, 'cors-origin-rejected');
  assert.equal(res.headers.get('access-control-allow-origin'), null);
});

test('simple responses carry the CORS headers for allowed origins only', async () => {
  const ok = await http(srv.base, 'GET', '/v1/items', { headers: { origin: 'http://localhost:3000' } });
  assert.equal(ok.headers.get('access-control-allow-origin'), 'http://localhost:3000');
  assert.match(ok.headers.get('access-control-expose-headers'), /Location/);
  const err = await http(srv.base, 'GET', '/nope', { headers: { origin: 'https://app.example.org' } });
  assert.equal(err.status, 404);
  assert.equal(err.headers.get('access-control-allow-origin'), 'https://app.example.org');
  const other = await http(srv.base, 'GET', '/v1/items', { headers: { origin: 'https://evil.example' } });
  assert.equal(other.status, 200);
  assert.equal(other.headers.get('access-control-allow-origin'), null);
});

test('with CORS on, every response carries Vary: Origin; with it off, none does', async () => {
  const cases = [
    ['GET', '/v1/items', {}],
    ['GET', '/v1/items', { origin: 'https://evil.example' }],
    ['GET', '/healthz', {}],
    ['GET', '/nope', {}],
    ['POST', '/v1/items', {}], // 401
    ['OPTIONS', '/v1/items', {}],
    ['OPTIONS', '/v1/items', { origin: 'https://evil.example', 'access-control-request-method': 'POST' }],
  ];
  for (const [method, p, headers] of cases) {
    const res = await http(srv.base, method, p, { headers });
    assert.equal(res.headers.get('vary'), 'Origin', `${method} ${p} ${JSON.stringify(headers)} (${res.status})`);
  }
  const plain = await startProvd();
  try {
    for (const [method, p, headers] of cases) {
      const res = await http(plain.base, method, p, { headers });
      assert.equal(res.headers.get('vary'), null, `${method} ${p} without CORS`);
    }
  } finally {
    await plain.stop();
  }
});

test('plain OPTIONS answers with Allow', async () => {
  const res = await http(srv.base, 'OPTIONS', '/v1/items/5');
  assert.equal(res.status, 204);
  assert.equal(res.headers.get('allow'), 'GET, HEAD, OPTIONS');
});

test('* allows any origin; a malformed origin list is refused at start', async () => {
  open = await startProvd({ args: ['--cors-origins', '*'] });
  const res = await http(open.base, 'GET', '/healthz', { headers: { origin: 'https://any.example' } });
  assert.equal(res.headers.get('access-control-allow-origin'), 'https://any.example');
  await assert.rejects(startProvd({ args: ['--cors-origins', 'https://a.example/path'] }),
                       /not an origin/);
});
