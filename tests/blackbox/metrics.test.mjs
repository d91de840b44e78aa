// SPDX-License-Identifier: Apache-2.0
// GET /metrics: request counters and latency histograms per route, and the log and anchor
// gauges read from PostgreSQL, in valid Prometheus text format.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startProvd, createApiKey, createLogKey, newEd25519Signer, signedItem, http, freshDatabase,
  runProvd,
} from './lib/harness.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let srv, token;
before(async () => {
  const dbUrl = freshDatabase();
  token = createApiKey(dbUrl);
  srv = await startProvd({ dbUrl, command: 'run', logKey: createLogKey('metrics.provd.test/log') });
});
after(async () => {
  await srv.stop();
});

// {name{labels}: value} from the text format; every line must be a comment or a sample.
function parse(text) {
  const samples = new Map();
  for (const line of text.split('\n')) {
    if (line === '' || /^# (HELP|TYPE) [a-z_]+ .+$/.test(line)) continue;
    const m = line.match(/^([a-z_]+(?:\{[a-z_]+="[^"]*"(?:,[a-z_]+="[^"]*")*\})?) (\S+)$/);
    assert.ok(m, `not a Prometheus sample line: ${line}`);
    samples.set(m[1], Number(m[2]));
  }
  return samples;
}

async function scrape() {
  const res = await http(srv.base, 'GET', '/metrics');
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
  return parse(res.text);
}

test('requests are counted per route and status, with a consistent latency histogram', async () => {
  const signer = await newEd25519Signer();
  const items = [];
  for (let i = 0; i < 3; i++) items.push(await signedItem(signer, { i }));
  for (const body of items) assert.equal((await http(srv.base, 'POST', '/v1/items', { body, token })).status, 201);
  assert.equal((await http(srv.base, 'POST', '/v1/items', { body: items[0], token })).status, 200);
  assert.equal((await http(srv.base, 'POST', '/v1/items', { body: { ...items[0], content_hash: 'x' }, token })).status, 422);
  assert.equal((await http(srv.base, 'GET', '/no/such/route')).status, 404);
  assert.equal((await http(srv.base, 'GET', '/v1/items/424242')).status, 404);

  const m = await scrape();
  const req = (route, status) => m.get(`provd_http_requests_total{route="${route}",status="${status}"}`);
  assert.equal(req('/v1/items', 201), 3);
  assert.equal(req('/v1/items', 200), 1);
  assert.equal(req('/v1/items', 422), 1);
  assert.equal(req('none', 404), 1);
  assert.equal(req('/v1/items/{id}', 404), 1);
  assert.equal(m.get('provd_build_info{version="' + runProvd(['--version']).stdout.trim().split(' ')[1] + '"}'), 1);
  assert.equal(m.get('provd_database_up'), 1);

  const h = (suffix, le) => m.get(`provd_http_request_duration_seconds_${suffix}{route="/v1/items"${le ? `,le="${le}"` : ''}}`);
  assert.equal(h('count'), 5);
  assert.equal(h('bucket', '+Inf'), 5);
  assert.ok(h('sum') > 0 && h('sum') < 60);
  const les = [...m.keys()].filter((k) => k.startsWith('provd_http_request_duration_seconds_bucket{route="/v1/items",'));
  const counts = les.map((k) => m.get(k));
  assert.equal(les.length, 12);
  assert.deepEqual(counts, [...counts].sort((a, b) => a - b), 'buckets are cumulative');

  // The scrape itself is counted by the next one.
  assert.equal((await scrape()).get('provd_http_requests_total{route="/metrics",status="200"}'), 1);
});

test('log and anchor gauges follow the database', async () => {
  let m;
  for (let i = 0; i < 100; i++) {
    m = await scrape();
    if (m.get('provd_log_tree_size') === 3) break;
    await sleep(100);
  }
  assert.equal(m.get('provd_log_tree_size'), 3, 'the three registrations were sequenced');
  assert.equal(m.get('provd_log_queue_length'), 0);
  const age = m.get('provd_log_checkpoint_age_seconds');
  assert.ok(age >= 0 && age < 60, `checkpoint age ${age}`);
  for (const s of ['pending', 'submitted', 'mined', 'confirmed']) {
    assert.equal(m.get(`provd_anchors{status="${s}"}`), 0);
  }
  assert.equal(m.has('provd_anchor_confirmed_tree_size'), false, 'no anchor: no value');
});
