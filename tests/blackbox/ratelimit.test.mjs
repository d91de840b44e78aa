// SPDX-License-Identifier: Apache-2.0
// Rate limits and cheap refusals: per-address token buckets (clients on 127.0.0.x, chosen with
// node's localAddress), per-key buckets, X-Forwarded-For taken only from trusted proxies, the
// negative cache of unknown API keys (PostgreSQL's statements counted on the wire by a proxy),
// /metrics behind a token or on its own listener, and keyless batches of unknown signers refused
// with one statement and no signature check.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import {
  startProvd, createApiKey, newEd25519Signer, signedItem, freshDatabase, waitForLog, runProvd,
} from './lib/harness.mjs';
import { statement } from './lib/jcs.mjs';
import { startPgProxy } from './lib/pgproxy.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const noExempt = ['--rate-limit-exempt', 'none'];

// One request on a new connection from the local address `from`.
function call(base, method, path, { from = '127.0.0.1', headers = {}, body, token } = {}) {
  const u = new URL(base + path);
  const h = { ...headers };
  let payload;
  if (body !== undefined) {
    payload = JSON.stringify(body);
    h['content-type'] = 'application/json';
    h['content-length'] = Buffer.byteLength(payload);
  }
  if (token) h.authorization = `Bearer ${token}`;
  return new Promise((resolve, reject) => {
    const r = http.request({ host: u.hostname, port: u.port, path: u.pathname + u.search, method,
      headers: h, localAddress: from, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { text += d; });
      res.on('end', () => {
        const json = /json/.test(res.headers['content-type'] || '') && text ? JSON.parse(text) : undefined;
        resolve({ status: res.statusCode, headers: res.headers, text, body: json });
      });
    });
    r.on('error', reject);
    r.end(payload);
  });
}

function assertLimited(res, what) {
  assert.equal(res.status, 429, res.text);
  assert.equal(res.headers['content-type'], 'application/problem+json');
  assert.equal(res.body.type, 'urn:provd:problem:rate-limited');
  assert.equal(res.body.status, 429);
  assert.match(res.body.detail, new RegExp(what));
  const after = res.headers['retry-after'];
  assert.match(after, /^[1-9][0-9]*$/, 'Retry-After: whole seconds');
  return Number(after);
}

function metricsOf(text) {
  const m = new Map();
  for (const line of text.split('\n')) {
    const s = line.match(/^([a-z_]+(?:\{[^}]*\})?) (\S+)$/);
    if (s) m.set(s[1], Number(s[2]));
  }
  return m;
}

async function scrape(base, opts = {}) {
  const res = await call(base, 'GET', '/metrics', opts);
  assert.equal(res.status, 200, res.text);
  return metricsOf(res.text);
}

test('per client address: a burst, then 429 with Retry-After; other addresses and /healthz are not affected', async () => {
  // 5 at once, then one every 2 s: slow enough that the test's own pace refills nothing.
  const srv = await startProvd({ args: ['--rate-limit-ip', '0.5:5', ...noExempt] });
  try {
    const a = { from: '127.0.0.2' };
    for (let i = 0; i < 5; i++) {
      assert.equal((await call(srv.base, 'GET', '/v1/items?limit=1', a)).status, 200, `request ${i}`);
    }
    const wait = assertLimited(await call(srv.base, 'GET', '/v1/items?limit=1', a), '127\\.0\\.0\\.2');
    assert.ok(wait >= 1 && wait <= 2, `at one token per 2 s the next is at most 2 s away (${wait})`);
    // Another address has its own bucket; /healthz is never limited.
    for (let i = 0; i < 5; i++) {
      assert.equal((await call(srv.base, 'GET', '/v1/items?limit=1', { from: '127.0.0.3' })).status, 200);
    }
    for (let i = 0; i < 10; i++) assert.equal((await call(srv.base, 'GET', '/healthz', a)).status, 200);
    // Every route is limited, a POST before its body is read.
    assertLimited(await call(srv.base, 'POST', '/v1/items', { ...a, body: { x: 1 } }), 'rate-limit-ip');
    assertLimited(await call(srv.base, 'GET', '/no/such/route', a), 'rate-limit-ip');
    // After Retry-After seconds there is a token again.
    await sleep(wait * 1000);
    assert.equal((await call(srv.base, 'GET', '/v1/items?limit=1', a)).status, 200);
    const m = await scrape(srv.base, { from: '127.0.0.4' });
    assert.ok(m.get('provd_http_rate_limited_total{limit="address"}') >= 3);
    assert.ok(m.get('provd_http_requests_total{route="/v1/items",status="429"}') >= 2);
  } finally {
    await srv.stop();
  }
});

test('malformed limits, ranges and listeners refuse to start (exit 2, naming the option)', () => {
  for (const [flag, value] of [['--rate-limit-ip', 'fast'], ['--rate-limit-ip', '5:0'],
    ['--rate-limit-key', '-1'], ['--trusted-proxy', '10.0.0.0/33'],
    ['--rate-limit-exempt', '127.0.0.1,bogus'], ['--metrics-listen', 'nope']]) {
    const r = runProvd(['serve', flag, value]);
    assert.equal(r.status, 2, `${flag} ${value}: ${r.stderr}`);
    assert.match(r.stderr, new RegExp(flag));
  }
});

test('loopback is exempt by default, so local tools and benchmarks are not limited', async () => {
  const srv = await startProvd({ args: ['--rate-limit-ip', '1:1'] });
  try {
    for (let i = 0; i < 20; i++) {
      assert.equal((await call(srv.base, 'GET', '/v1/items?limit=1', { from: '127.0.0.2' })).status, 200);
    }
  } finally {
    await srv.stop();
  }
});

test('per API key: its requests share one bucket across addresses; other keys are not affected', async () => {
  const dbUrl = freshDatabase();
  const key = createApiKey(dbUrl);
  const other = createApiKey(dbUrl);
  const srv = await startProvd({ dbUrl, args: ['--rate-limit-key', '0.5:3', '--rate-limit-ip', '1000', ...noExempt] });
  try {
    const signer = await newEd25519Signer();
    for (let i = 0; i < 3; i++) {
      const res = await call(srv.base, 'POST', '/v1/items', { from: `127.0.0.${2 + i}`, token: key,
        body: await signedItem(signer, { n: i }) });
      assert.equal(res.status, 201, res.text);
    }
    const res = await call(srv.base, 'POST', '/v1/items', { from: '127.0.0.9', token: key,
      body: await signedItem(signer, { n: 9 }) });
    assert.ok(assertLimited(res, 'rate-limit-key') <= 2);
    assert.equal((await call(srv.base, 'POST', '/v1/items', { from: '127.0.0.9', token: other,
      body: await signedItem(signer, { n: 10 }) })).status, 201, 'another key has its own bucket');
    assert.equal((await call(srv.base, 'GET', '/v1/items?limit=1', { from: '127.0.0.9' })).status, 200);
    const m = await scrape(srv.base);
    assert.equal(m.get('provd_http_rate_limited_total{limit="key"}'), 1);
  } finally {
    await srv.stop();
  }
});

test('X-Forwarded-For counts only from a trusted proxy: the right-most untrusted address is the client', async () => {
  const srv = await startProvd({ args: ['--rate-limit-ip', '0.5:2', ...noExempt,
    '--trusted-proxy', '127.0.0.9, 10.0.0.0/8'] });
  const get = (from, xff) => call(srv.base, 'GET', '/v1/items?limit=1',
    { from, headers: xff === undefined ? {} : { 'x-forwarded-for': xff } });
  try {
    const proxy = '127.0.0.9';
    assert.equal((await get(proxy, '203.0.113.7')).status, 200);
    assert.equal((await get(proxy, '203.0.113.7')).status, 200);
    assertLimited(await get(proxy, '203.0.113.7'), '203\\.0\\.113\\.7');
    // What the client put to the left of its own address changes nothing.
    assertLimited(await get(proxy, '198.51.100.1, 203.0.113.7'), '203\\.0\\.113\\.7');
    // Through a second trusted proxy: the address before it.
    assert.equal((await get(proxy, '203.0.113.7, 203.0.113.8, 10.1.2.3')).status, 200);
    assert.equal((await get(proxy, '203.0.113.8, 10.1.2.3')).status, 200);
    assertLimited(await get(proxy, '203.0.113.8,10.1.2.3'), '203\\.0\\.113\\.8');
    // The proxy's own requests (no header) have its own bucket.
    assert.equal((await get(proxy)).status, 200);
    // From an untrusted address the header is ignored: spoofing a new address each time does
    // not escape the limit, and naming a limited client does not hit its bucket.
    const spoofer = '127.0.0.20';
    assert.equal((await get(spoofer, '192.0.2.1')).status, 200);
    assert.equal((await get(spoofer, '192.0.2.2')).status, 200);
    assertLimited(await get(spoofer, '192.0.2.3'), '127\\.0\\.0\\.20');
    assert.equal((await get('127.0.0.21', '203.0.113.7')).status, 200);
  } finally {
    await srv.stop();
  }
});

test('a flood of bad API keys reaches PostgreSQL once per key (negative cache), malformed ones never', async () => {
  const dbUrl = freshDatabase();
  const good = createApiKey(dbUrl);
  const proxy = await startPgProxy(dbUrl);
  const srv = await startProvd({ dbUrl: proxy.url });
  try {
    const bad = 'provd_' + randomBytes(32).toString('base64url'); // well-formed, unknown
    const flood = async (token, n) => {
      for (let i = 0; i < n; i += 25) {
        const res = await Promise.all(Array.from({ length: 25 }, () =>
          call(srv.base, 'POST', '/v1/items', { token, body: {} })));
        for (const r of res) assert.equal(r.status, 401, r.text);
      }
    };
    await flood(bad, 25); // the first lookup
    const before = proxy.counts().statements;
    const t0 = Date.now();
    await flood(bad, 500);
    const lookups = proxy.counts().statements - before;
    const elapsed = Date.now() - t0;
    // At most one lookup per 5 s of flood (the cache's time to live); without the cache, 500.
    assert.ok(lookups <= Math.ceil(elapsed / 5000), `${lookups} statements for 500 requests in ${elapsed} ms`);
    // Tokens that are not of the form provd_ + 43 base64url characters are refused unread.
    const before2 = proxy.counts().statements;
    await flood('provd_wrong', 100);
    await flood('provd_' + '!'.repeat(43), 100);
    await flood('x'.repeat(300), 100);
    assert.equal(proxy.counts().statements - before2, 0, 'malformed tokens: no statement');
    // A valid key still works.
    const signer = await newEd25519Signer();
    assert.equal((await call(srv.base, 'POST', '/v1/items', { token: good,
      body: await signedItem(signer, { ok: true }) })).status, 201);
  } finally {
    await srv.stop();
    await proxy.close();
  }
});

test('/metrics behind --metrics-token', async () => {
  const srv = await startProvd({ env: { PROVD_METRICS_TOKEN: 'scrape-secret' } });
  try {
    for (const headers of [{}, { authorization: 'Bearer scrape-secre' }, { authorization: 'Bearer scrape-secret2' },
      { authorization: 'Basic c2NyYXBlLXNlY3JldA==' }]) {
      const res = await call(srv.base, 'GET', '/metrics', { headers });
      assert.equal(res.status, 401, JSON.stringify(headers));
      assert.equal(res.body.type, 'urn:provd:problem:unauthorized');
      assert.match(res.headers['www-authenticate'], /^Bearer/);
    }
    const res = await call(srv.base, 'GET', '/metrics', { headers: { authorization: 'Bearer scrape-secret' } });
    assert.equal(res.status, 200);
    assert.match(res.text, /^provd_build_info\{/m);
    assert.equal((await call(srv.base, 'GET', '/healthz')).status, 200, 'probes need no token');
    assert.equal((await call(srv.base, 'GET', '/readyz')).status, 200);
  } finally {
    await srv.stop();
  }
});

test('/metrics on its own listener (--metrics-listen), off the public one', async () => {
  const srv = await startProvd({ args: ['--metrics-listen', '127.0.0.1:0', '--rate-limit-ip', '0.5:2', ...noExempt] });
  try {
    const [, internal] = await waitForLog(srv, /metrics, health and readiness on (http:\/\/\S+)/);
    assert.notEqual(internal, srv.base);
    const pub = await call(srv.base, 'GET', '/metrics', { from: '127.0.0.2' });
    assert.equal(pub.status, 404);
    assert.equal(pub.body.type, 'urn:provd:problem:not-found');
    assert.equal((await call(srv.base, 'GET', '/healthz', { from: '127.0.0.2' })).status, 200);
    assert.equal((await call(srv.base, 'GET', '/readyz', { from: '127.0.0.3' })).status, 200);
    // The metrics listener serves the probes and the scrape only, without rate limits.
    for (let i = 0; i < 5; i++) {
      const res = await call(internal, 'GET', '/metrics', { from: '127.0.0.2' });
      assert.equal(res.status, 200);
      assert.match(res.text, /provd_http_rate_limited_total\{limit="address"\} \d+/);
    }
    assert.equal((await call(internal, 'GET', '/healthz')).status, 200);
    assert.equal((await call(internal, 'GET', '/readyz')).status, 200);
    assert.equal((await call(internal, 'GET', '/v1/items')).status, 404);
    assert.equal((await call(internal, 'POST', '/v1/items', { body: {} })).status, 404);
  } finally {
    await srv.stop();
  }
});

// n registrations, each signed by a key of its own that no registry knows.
function strangerItems(n) {
  return Array.from({ length: n }, (_, i) => {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const contentHash = 'sha256:' + randomBytes(32).toString('hex');
    const metadata = { n: i };
    return { content_hash: contentHash, metadata, signature: { scheme: 'ed25519',
      public_key: publicKey.export({ format: 'jwk' }).x,
      value: sign(null, statement(contentHash, metadata), privateKey).toString('base64url') } };
  });
}

test('keyless batch of 1,000 unknown signers: refused with one statement and no signature check', async () => {
  const dbUrl = freshDatabase();
  const admin = createApiKey(dbUrl, 'admin');
  const proxy = await startPgProxy(dbUrl);
  const srv = await startProvd({ dbUrl: proxy.url, args: ['--open-registration'] });
  try {
    const items = strangerItems(1000);
    const skipped = async () => (await scrape(srv.base)).get('provd_signature_checks_skipped_total');
    const skipped0 = await skipped();
    const before = proxy.counts().statements;
    const t0 = Date.now();
    const res = await call(srv.base, 'POST', '/v1/items/batch', { body: { items } });
    const ms = Date.now() - t0;
    assert.equal(res.status, 200, res.text);
    assert.equal(proxy.counts().statements - before, 1, 'one query for all the signers');
    assert.equal(await skipped() - skipped0, 1000, 'no signature was checked');
    assert.equal(res.body.failed, 1000);
    res.body.results.forEach((r, i) => {
      assert.equal(r.status, 403);
      assert.equal(r.problem.type, 'urn:provd:problem:signer-unknown');
      assert.equal(r.problem.field, `items[${i}].signature`);
    });
    assert.ok(ms < 2000, `answered in ${ms} ms`);
    console.log(`keyless batch of 1000 unknown signers: ${ms} ms, 1 statement`);

    // A known signer among strangers registers; its signature is still checked.
    const known = await newEd25519Signer();
    const added = await call(srv.base, 'POST', '/v1/signers', { token: admin,
      body: { scheme: 'ed25519', public_key: known.publicKey, name: 'K' } });
    assert.equal(added.status, 201, added.text);
    const good = await signedItem(known, { ok: 1 });
    const forged = { ...(await signedItem(known, { ok: 2 })), metadata: { ok: 3 } };
    const mixed = await call(srv.base, 'POST', '/v1/items/batch', { body: { items: [
      strangerItems(1)[0], good, forged] } });
    assert.deepEqual(mixed.body.results.map((r) => r.status), [403, 201, 422]);
    assert.equal(mixed.body.results[2].problem.type, 'urn:provd:problem:signature-invalid');

    // A single keyless registration of an unknown signer: one statement too.
    const before1 = proxy.counts().statements;
    const one = await call(srv.base, 'POST', '/v1/items', { body: strangerItems(1)[0] });
    assert.equal(one.status, 403);
    assert.equal(one.body.type, 'urn:provd:problem:signer-unknown');
    assert.equal(proxy.counts().statements - before1, 1);
    assert.equal((await call(srv.base, 'POST', '/v1/items', { body: await signedItem(known, { ok: 4 }) })).status, 201);
  } finally {
    await srv.stop();
    await proxy.close();
  }
});
