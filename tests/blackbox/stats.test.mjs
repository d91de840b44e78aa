// SPDX-License-Identifier: Apache-2.0
// GET /v1/stats (the explorer dashboard's numbers) and GET /explorer/config.json with
// --explorer-tx-url: exact counts per UTC bucket (registrations moved into earlier hours and
// days with SQL), empty buckets as 0, the backlog of a serve without a worker, checkpoint_at
// once a worker published, 400s naming the parameter, the reply cache's TTL, and the option's
// validation at start-up. A window is read in one of 7 sizes (24, 48, 168 hours; 7, 30, 90, 365
// days) and each size is cached for 5 s, so a check that must see fresh data uses a provd of its
// own, or a size nothing read before, or waits for the TTL.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startProvd, createApiKey, createLogKey, newEd25519Signer, signedItem, http, sqlRows, sql,
  runProvd, freshDatabase, assertProblem,
} from './lib/harness.mjs';

const HOUR = 3600e3;
const DAY = 24 * HOUR;
const TTL_MS = 5000; // STATS_CACHE_TTL_MS
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// provd serve: no worker, so everything registered stays queued
async function serve() {
  const dbUrl = freshDatabase();
  const s = await startProvd({ dbUrl });
  s.token = createApiKey(dbUrl);
  return s;
}

let srv, signer;
before(async () => {
  signer = await newEd25519Signer();
  srv = await serve();
});
after(async () => {
  await srv.stop();
});

async function register(n = 1, s = srv) {
  const ids = [];
  for (let i = 0; i < n; i++) {
    const r = await http(s.base, 'POST', '/v1/items', {
      body: await signedItem(signer, { n: Math.random() }), token: s.token });
    assert.equal(r.status, 201, r.text);
    ids.push(r.body.id);
  }
  return ids;
}

async function stats(base, query = '') {
  const r = await http(base, 'GET', '/v1/stats' + query);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.headers.get('content-type'), 'application/json');
  return r.body;
}

// The reply's shape: n buckets of width ms, aligned to UTC, oldest first, the newest holding now.
function checkWindow(reg, bucket, n, width) {
  assert.equal(reg.bucket, bucket);
  assert.equal(reg.counts.length, n);
  const since = Date.parse(reg.since);
  assert.equal(since % width, 0, `since ${reg.since} is a whole UTC ${bucket}`);
  reg.counts.forEach((c, i) => {
    assert.equal(Date.parse(c.at), since + i * width, `bucket ${i} starts at since + ${i} ${bucket}s`);
    assert.ok(Number.isInteger(c.count) && c.count >= 0);
  });
  const now = Date.now();
  assert.ok(since + (n - 1) * width <= now && now < since + n * width + 1000, 'the newest bucket holds now');
}

// Registrations per bucket of the window, counted here from the stored times.
function expectedCounts(dbUrl, reg, width) {
  const since = Date.parse(reg.since);
  const want = reg.counts.map(() => 0);
  const rows = sqlRows(dbUrl, 'SELECT (extract(epoch FROM registered_at) * 1000)::bigint FROM items');
  for (const ms of rows.map(Number)) {
    const i = Math.floor((ms - since) / width);
    if (i >= 0 && i < want.length) want[i]++;
  }
  return want;
}

test('defaults: 48 hourly buckets, an empty log, nothing queued', async () => {
  const s = await stats(srv.base);
  assert.deepEqual(Object.keys(s).sort(), ['backlog', 'checkpoint_at', 'registrations', 'tree_size']);
  assert.equal(s.tree_size, 0);
  assert.equal(s.checkpoint_at, null);
  assert.equal(s.backlog, 0);
  assert.deepEqual(Object.keys(s.registrations).sort(), ['bucket', 'counts', 'since']);
  checkWindow(s.registrations, 'hour', 48, HOUR);
  assert.ok(s.registrations.counts.every((c) => c.count === 0), 'no registrations yet');
  const d = await stats(srv.base, '?bucket=day');
  checkWindow(d.registrations, 'day', 30, DAY);
  const one = await stats(srv.base, '?bucket=hour&buckets=1');
  checkWindow(one.registrations, 'hour', 1, HOUR);
  checkWindow((await stats(srv.base, '?buckets=168')).registrations, 'hour', 168, HOUR);
  checkWindow((await stats(srv.base, '?bucket=day&buckets=365')).registrations, 'day', 365, DAY);
});

test('the backlog counts what waits for the sequencer (serve runs none)', async () => {
  const own = await serve();
  try {
    // three read sizes (24, 48 and 168 hours), so none is cached yet
    assert.equal((await stats(own.base, '?buckets=2')).backlog, 0);
    await register(1, own);
    assert.equal((await stats(own.base, '?buckets=30')).backlog, 1);
    await register(2, own);
    const s = await stats(own.base, '?buckets=100');
    assert.equal(s.backlog, 3);
    assert.equal(Number(sqlRows(own.dbUrl, 'SELECT count(*) FROM log_queue')[0]), 3);
    assert.equal(s.tree_size, 0);
    assert.equal(s.checkpoint_at, null);
    // a dataset sealed, waiting for the sequencer too
    sql(own.dbUrl, 'INSERT INTO log_queue_datasets VALUES (424242)');
    assert.equal((await stats(own.base, '?bucket=day&buckets=7')).backlog, 4);
  } finally {
    await own.stop();
  }
});

test('exact counts per hour and per day, empty buckets 0, nothing outside the window', async () => {
  const own = await serve();
  try {
    await exactCounts(own);
  } finally {
    await own.stop();
  }
});

async function exactCounts(srv) {
  const ids = await register(9, srv);
  // 2 stay in this hour, 3 move 1 h back, 1 moves 3 h back, 2 move 2 days back, 1 moves 40
  // days back (outside every hourly window here and the 31-day one)
  const move = (list, interval) => sql(srv.dbUrl,
    `UPDATE items SET registered_at = registered_at - interval '${interval}' WHERE id IN (${list.join(',')})`);
  move(ids.slice(2, 5), '1 hour');
  move(ids.slice(5, 6), '3 hours');
  move(ids.slice(6, 8), '2 days');
  move(ids.slice(8, 9), '40 days');
  const total = Number(sqlRows(srv.dbUrl, 'SELECT count(*) FROM items')[0]);

  const h = (await stats(srv.base, '?bucket=hour&buckets=24')).registrations;
  checkWindow(h, 'hour', 24, HOUR);
  assert.deepEqual(h.counts.map((c) => c.count), expectedCounts(srv.dbUrl, h, HOUR));
  const hourSum = h.counts.reduce((n, c) => n + c.count, 0);
  assert.equal(hourSum, total - 3, 'the items 2 and 40 days back are outside 24 hours');
  assert.ok(h.counts.filter((c) => c.count === 0).length >= 19, 'empty hours are listed as 0');
  assert.ok(h.counts.filter((c) => c.count > 0).length >= 3, 'now, 1 h and 3 h back');

  // 31 days: the newest 31 of the 90-day read, which holds the 40-day-old one too
  const d = (await stats(srv.base, '?bucket=day&buckets=31')).registrations;
  checkWindow(d, 'day', 31, DAY);
  assert.deepEqual(d.counts.map((c) => c.count), expectedCounts(srv.dbUrl, d, DAY));
  assert.equal(d.counts.reduce((n, c) => n + c.count, 0), total - 1, 'only the 40-day-old one is out');
  assert.ok(d.counts.filter((c) => c.count === 0).length >= 27, 'empty days are listed as 0');

  const d41 = (await stats(srv.base, '?bucket=day&buckets=41')).registrations;
  checkWindow(d41, 'day', 41, DAY);
  assert.deepEqual(d41.counts.map((c) => c.count), expectedCounts(srv.dbUrl, d41, DAY));
  assert.equal(d41.counts.reduce((n, c) => n + c.count, 0), total, '41 days hold them all');
  assert.deepEqual(d41.counts.slice(10), d.counts, 'the same read, sliced');
  const d3 = (await stats(srv.base, '?bucket=day&buckets=3')).registrations;
  assert.deepEqual(d3.counts.map((c) => c.count), expectedCounts(srv.dbUrl, d3, DAY));
  assert.equal(d3.counts.reduce((n, c) => n + c.count, 0), total - 1, '2 days back is in 3 days');
  const h1 = (await stats(srv.base, '?buckets=1')).registrations; // the 24-hour read, sliced
  if (h1.since === h.counts[23].at) assert.deepEqual(h1.counts, h.counts.slice(23));
}

test('bad parameters are 400 invalid-parameter naming the parameter', async () => {
  const bad = [
    ['?bucket=week', 'bucket'], ['?bucket=Hour', 'bucket'], ['?bucket=', 'bucket'],
    ['?buckets=0', 'buckets'], ['?buckets=169', 'buckets'], ['?bucket=hour&buckets=200', 'buckets'],
    ['?bucket=day&buckets=366', 'buckets'], ['?buckets=x', 'buckets'], ['?buckets=-1', 'buckets'],
    ['?buckets=048', 'buckets'], ['?buckets=', 'buckets'], ['?buckets=1e2', 'buckets'],
    ['?buckets=99999999999999999999', 'buckets'],
    ['?bucket=hour&bucket=day', 'bucket'], ['?limit=5', 'limit'],
  ];
  for (const [q, field] of bad) {
    const r = await http(srv.base, 'GET', '/v1/stats' + q);
    assertProblem(assert, r, 400, 'invalid-parameter', field);
  }
  // the same number is fine in days
  checkWindow((await stats(srv.base, '?bucket=day&buckets=200')).registrations, 'day', 200, DAY);
  assert.equal((await http(srv.base, 'POST', '/v1/stats')).status, 405);
  const head = await http(srv.base, 'HEAD', '/v1/stats');
  assert.equal(head.status, 200);
  assert.equal(head.text, '');
});

test('the cache serves a window for at most its TTL', async () => {
  const q = '?bucket=day&buckets=5'; // the 7-day read, which nothing read before on srv
  const t0 = Date.now();
  const first = await stats(srv.base, q); // fills the cache
  await register(1);
  const cached = await stats(srv.base, q);
  const six = await stats(srv.base, '?bucket=day&buckets=6'); // the same read size
  const quick = Date.now() - t0 < TTL_MS - 500;
  if (quick) {
    assert.deepEqual(cached, first, 'within the TTL the cached reply is served');
    assert.equal(six.backlog, first.backlog, 'another window of the same size: the same read');
    assert.deepEqual(six.registrations.counts.slice(1), first.registrations.counts);
  }
  let seen;
  for (;;) {
    seen = await stats(srv.base, q);
    if (seen.backlog === first.backlog + 1) break;
    assert.ok(Date.now() - t0 < TTL_MS + 1500, `still stale ${Date.now() - t0} ms after the fill`);
    await sleep(100);
  }
  // (unless a new day began meanwhile, which also refreshes the window)
  if (seen.registrations.since === first.registrations.since) {
    assert.equal(seen.registrations.counts.at(-1).count, first.registrations.counts.at(-1).count + 1);
    assert.ok(!quick || Date.now() - t0 >= TTL_MS - 500, 'fresh only once the TTL passed');
  }
});

test('checkpoint_at and tree_size once a worker published a checkpoint', async () => {
  const dbUrl = freshDatabase();
  const key = createApiKey(dbUrl);
  const run = await startProvd({ dbUrl, command: 'run', logKey: createLogKey() });
  try {
    const s0 = await stats(run.base, '?buckets=1');
    assert.equal(s0.tree_size, 0); // checkpoint_at: null, or the empty log's checkpoint's time
    assert.ok(s0.checkpoint_at === null || /^\d{4}-/.test(s0.checkpoint_at), s0.checkpoint_at);
    const r = await http(run.base, 'POST', '/v1/items', {
      body: await signedItem(signer, { run: 1 }), token: key });
    assert.equal(r.status, 201, r.text);
    let s;
    const t0 = Date.now();
    do { // the sequencer runs within a second, the cache refreshes every 5 s
      await sleep(100);
      s = await stats(run.base, '?buckets=2');
    } while (!(s.checkpoint_at && s.backlog === 0 && s.tree_size === 1) && Date.now() - t0 < TTL_MS + 5000);
    assert.equal(s.tree_size, 1);
    assert.equal(s.backlog, 0);
    assert.match(s.checkpoint_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    const stored = Number(sqlRows(dbUrl,
      'SELECT (extract(epoch FROM created_at) * 1000000)::bigint FROM log_checkpoints WHERE tree_size = 1')[0]);
    assert.equal(Date.parse(s.checkpoint_at), Math.floor(stored / 1000));
    assert.equal(s.checkpoint_at.slice(20, 26), String(stored % 1000000).padStart(6, '0'));
    assert.ok(Math.abs(Date.now() - Date.parse(s.checkpoint_at)) < 60e3);
    assert.equal(s.registrations.counts.reduce((n, c) => n + c.count, 0), 1);
  } finally {
    await run.stop();
  }
});

const SECURITY = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
};

test('GET /explorer/config.json without --explorer-tx-url: null', async () => {
  for (const method of ['GET', 'HEAD']) {
    const r = await http(srv.base, method, '/explorer/config.json');
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), 'application/json');
    assert.equal(r.headers.get('cache-control'), 'no-cache');
    assert.match(r.headers.get('content-security-policy'), /default-src 'none'/);
    assert.match(r.headers.get('content-security-policy'), /frame-ancestors 'none'/);
    for (const [h, v] of Object.entries(SECURITY)) assert.equal(r.headers.get(h), v, h);
    if (method === 'GET') assert.deepEqual(JSON.parse(r.text), { explorer_tx_url: null });
  }
});

test('--explorer-tx-url and PROVD_EXPLORER_TX_URL: served as given', async () => {
  const url = 'https://sepolia.etherscan.io/tx/{tx}';
  const a = await startProvd({ args: ['--explorer-tx-url', url] });
  const b = await startProvd({ command: 'run', logKey: createLogKey(),
    env: { PROVD_EXPLORER_TX_URL: 'http://127.0.0.1:4000/#/tx/{tx}?x="y"' } });
  try {
    const ra = await http(a.base, 'GET', '/explorer/config.json');
    assert.equal(ra.status, 200);
    assert.deepEqual(ra.body, { explorer_tx_url: url });
    assert.equal(ra.headers.get('cache-control'), 'no-cache');
    for (const [h, v] of Object.entries(SECURITY)) assert.equal(ra.headers.get(h), v, h);
    const rb = await http(b.base, 'GET', '/explorer/config.json');
    assert.deepEqual(rb.body, { explorer_tx_url: 'http://127.0.0.1:4000/#/tx/{tx}?x="y"' });
  } finally {
    await a.stop();
    await b.stop();
  }
});

test('a bad --explorer-tx-url stops provd at start-up, naming the option', () => {
  for (const bad of ['https://sepolia.etherscan.io/tx/', 'https://e.io/{tx}/{tx}', '/tx/{tx}',
    'ftp://e.io/{tx}', 'javascript:alert("{tx}")', 'https://e.io/tx /{tx}', 'https:///{tx}']) {
    for (const command of ['serve', 'run']) {
      const log = command === 'run' ? ['--log-key-file', '/nonexistent', '--log-origin', 'o'] : [];
      const r = runProvd([command, '--listen', '127.0.0.1:0', ...log, '--explorer-tx-url', bad],
        { PROVD_DATABASE_URL: 'postgresql://127.0.0.1:1/x' });
      assert.equal(r.status, 2, `${command} ${bad}: ${r.stderr}`);
      assert.match(r.stderr, /--explorer-tx-url/);
      assert.match(r.stderr, /\{tx\} exactly once/);
    }
    const env = runProvd(['serve'], { PROVD_DATABASE_URL: 'postgresql://127.0.0.1:1/x',
      PROVD_EXPLORER_TX_URL: bad });
    assert.equal(env.status, 2, env.stderr);
    assert.match(env.stderr, /--explorer-tx-url \(or PROVD_EXPLORER_TX_URL\)/);
  }
  const worker = runProvd(['worker', '--explorer-tx-url', 'https://e.io/{tx}']);
  assert.notEqual(worker.status, 0, 'worker has no such option');
  assert.match(worker.stderr, /unknown option '--explorer-tx-url'/);
});
