// SPDX-License-Identifier: Apache-2.0
// GET /v1/events: Server-Sent Events of registrations, checkpoints and anchors, fed through
// PostgreSQL LISTEN/NOTIFY, filtered, resumable with Last-Event-ID, bounded, ended on SIGTERM.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  startProvd, createApiKey, createLogKey, newEd25519Signer, signedItem, http, assertProblem,
  freshDatabase,
} from './lib/harness.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const pgctl = process.env.PROVD_TEST_PG_CTL;
const noCluster = !pgctl && !process.env.CI ? 'needs the throwaway cluster from tests/run' : false;

// An SSE client: parses the stream into messages {id, event, data} (comments kept apart).
async function openStream(base, path = '/v1/events', headers = {}) {
  const ac = new AbortController();
  const res = await fetch(base + path, { headers: { accept: 'text/event-stream', ...headers },
                                         signal: ac.signal });
  const s = { res, messages: [], comments: 0, lastId: null, ended: false, text: '' };
  if (res.status !== 200) {
    s.body = await res.json();
    s.close = async () => {};
    return s;
  }
  const reader = res.body.getReader();
  const dec = new TextDecoder();
  let pending = '';
  s.done = (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        const chunk = dec.decode(value, { stream: true });
        s.text += chunk;
        pending += chunk;
        let i;
        while ((i = pending.indexOf('\n\n')) >= 0) {
          const block = pending.slice(0, i);
          pending = pending.slice(i + 2);
          const m = {};
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) { s.comments++; continue; }
            const k = line.indexOf(':');
            const key = k < 0 ? line : line.slice(0, k);
            const val = k < 0 ? '' : line.slice(k + 1).replace(/^ /, '');
            m[key] = val;
          }
          if (m.id !== undefined) s.lastId = m.id;
          if (m.data !== undefined) s.messages.push({ id: m.id, event: m.event, data: JSON.parse(m.data) });
        }
      }
    } catch (e) {
      if (e.name !== 'AbortError') s.error = e;
    }
    s.ended = true;
  })();
  s.close = () => { ac.abort(); return s.done; };
  s.events = (type) => s.messages.filter((m) => m.event === type);
  s.waitFor = async (pred, ms = 10000, what = 'an event') => {
    const until = Date.now() + ms;
    for (;;) {
      const m = s.messages.find(pred);
      if (m) return m;
      if (Date.now() > until || s.ended) {
        throw new Error(`no ${what} within ${ms} ms; got ${JSON.stringify(s.messages)}`);
      }
      await sleep(20);
    }
  };
  // the stream has told its starting position
  const until = Date.now() + 5000;
  while (s.lastId === null && Date.now() < until) await sleep(10);
  assert.ok(s.lastId, 'the stream starts with its position');
  return s;
}

// A new instance's feed takes a moment to read its first position (503 meanwhile).
async function openReady(base, path, headers) {
  const until = Date.now() + 10000;
  for (;;) {
    const s = await openStream(base, path, headers);
    if (s.res.status !== 503 || Date.now() > until) return s;
    await sleep(100);
  }
}

async function register(base, token, signer, metadata = {}) {
  const r = await http(base, 'POST', '/v1/items', { body: await signedItem(signer, metadata), token });
  assert.equal(r.status, 201, r.text);
  return r.body;
}

let srv, token, signer;
before(async () => {
  const dbUrl = freshDatabase();
  token = createApiKey(dbUrl);
  srv = await startProvd({ dbUrl, args: ['--max-event-subscribers', '3'] });
  signer = await newEd25519Signer();
});
after(async () => {
  if (srv) await srv.stop();
});

test('a registration made during the test arrives as a registered event', async () => {
  const s = await openStream(srv.base);
  try {
    assert.equal(s.res.headers.get('content-type'), 'text/event-stream');
    assert.equal(s.res.headers.get('cache-control'), 'no-store');
    const item = await register(srv.base, token, signer, { n: 1 });
    const m = await s.waitFor((e) => e.event === 'registered' && e.data.id === item.id);
    assert.equal(m.data.content_hash, item.content_hash);
    assert.equal(m.data.signer.public_key, signer.publicKey);
    assert.equal(m.data.registered_at, item.registered_at);
    assert.equal(m.data.status, 'registered');
    assert.match(m.id, /^\d+-\d+-\d+$/);
    assert.equal(m.id.split('-')[0], String(item.id), 'the id carries the item id');
  } finally {
    await s.close();
  }
});

test('keep-alive comments keep a quiet stream open past --idle-timeout and --request-timeout',
  async () => {
    const one = await startProvd({ dbUrl: srv.dbUrl, args: ['--idle-timeout', '2',
                                                            '--request-timeout', '1'] });
    const s = await openReady(one.base);
    try {
      await sleep(4500); // idle timeout 2 s, request timeout 1 s
      assert.ok(!s.ended, 'the stream is still open');
      assert.ok(s.comments >= 3, `keep-alive comments (${s.comments})`);
      const item = await register(one.base, token, signer, { n: 'late' });
      await s.waitFor((e) => e.event === 'registered' && e.data.id === item.id);
    } finally {
      await s.close();
      await one.stop();
    }
  });

test('a stream does not hold its thread: other requests on a one-thread server go on', async () => {
  const one = await startProvd({ dbUrl: srv.dbUrl, args: ['--threads', '1'] });
  const streams = [await openReady(one.base), await openReady(one.base)];
  try {
    for (let i = 0; i < 5; i++) assert.equal((await http(one.base, 'GET', '/healthz')).status, 200);
    const item = await register(one.base, token, signer, { n: 'one thread' });
    for (const s of streams) await s.waitFor((e) => e.data.id === item.id);
  } finally {
    for (const s of streams) await s.close();
    await one.stop();
  }
});

test('signer and types filters; bad parameters are 400 naming them', async () => {
  const other = await newEd25519Signer();
  const mine = await openStream(srv.base, `/v1/events?signer=${encodeURIComponent(signer.publicKey)}`);
  const none = await openStream(srv.base, '/v1/events?types=logged,anchored');
  try {
    const a = await register(srv.base, token, other, { who: 'other' });
    const b = await register(srv.base, token, signer, { who: 'me' });
    await mine.waitFor((e) => e.data.id === b.id);
    assert.deepEqual(mine.events('registered').map((e) => e.data.id), [b.id], 'only the signer\'s');
    await sleep(500);
    assert.equal(none.events('registered').length, 0, 'types excludes registered');
    assert.ok(a.id < b.id);
  } finally {
    await mine.close();
    await none.close();
  }
  for (const [q, field] of [['types=registered,bogus', 'types'], ['types=', 'types'],
                            ['types=logged,logged', 'types'], ['signer=', 'signer'],
                            ['last_event_id=abc', 'last_event_id'], ['last_event_id=1-2', 'last_event_id'],
                            ['bogus=1', 'bogus']]) {
    const r = await http(srv.base, 'GET', '/v1/events?' + q);
    assertProblem(assert, r, 400, 'invalid-parameter', field);
  }
  const h = await http(srv.base, 'GET', '/v1/events', { headers: { 'last-event-id': '01-0-0' } });
  assertProblem(assert, h, 400, 'invalid-parameter', 'Last-Event-ID');
});

test('resume with Last-Event-ID (header or parameter) gets exactly the missed events', async () => {
  // openReady: the earlier tests' closed streams hold their places until their next keep-alive
  const s = await openReady(srv.base);
  const first = await register(srv.base, token, signer, { r: 0 });
  const m = await s.waitFor((e) => e.data.id === first.id);
  await s.close();
  const missed = [];
  for (let i = 1; i <= 3; i++) missed.push((await register(srv.base, token, signer, { r: i })).id);
  for (const how of ['header', 'param']) {
    const r = how === 'header'
      ? await openReady(srv.base, '/v1/events', { 'last-event-id': m.id })
      : await openReady(srv.base, `/v1/events?last_event_id=${m.id}`);
    assert.equal(r.res.status, 200, JSON.stringify(r.body));
    try {
      await r.waitFor((e) => e.data.id === missed[2]);
      await sleep(300);
      assert.deepEqual(r.events('registered').map((e) => e.data.id), missed, how);
    } finally {
      await r.close();
    }
  }
});

test('the subscriber limit gives 503 server-busy with Retry-After', async () => {
  const open = [];
  try {
    for (let i = 0; i < 3; i++) open.push(await openReady(srv.base));
    assert.deepEqual(open.map((s) => s.res.status), [200, 200, 200]);
    const r = await openStream(srv.base);
    assert.equal(r.res.status, 503);
    assert.equal(r.body.type, 'urn:provd:problem:server-busy');
    assert.ok(r.res.headers.get('retry-after'));
  } finally {
    for (const s of open) await s.close();
  }
  // the closed streams give their places back (found at their next keep-alive)
  const until = Date.now() + 5000;
  let ok;
  while (Date.now() < until) {
    ok = await openStream(srv.base);
    if (ok.res.status === 200) break;
    await sleep(200);
  }
  assert.equal(ok.res.status, 200);
  const metrics = await http(srv.base, 'GET', '/metrics');
  assert.match(metrics.text, /^provd_event_subscribers [1-3]$/m);
  assert.match(metrics.text, /^provd_events_sent_total [1-9]\d*$/m);
  await ok.close();
});

test('two provd serve instances on one database both see each other\'s registrations', async () => {
  const a = await startProvd({ dbUrl: srv.dbUrl });
  const b = await startProvd({ dbUrl: srv.dbUrl });
  const sa = await openReady(a.base);
  const sb = await openReady(b.base);
  try {
    const viaB = await register(b.base, token, signer, { via: 'b' });
    const viaA = await register(a.base, token, signer, { via: 'a' });
    for (const s of [sa, sb]) {
      await s.waitFor((e) => e.data.id === viaB.id);
      await s.waitFor((e) => e.data.id === viaA.id);
    }
    // an id from one instance resumes on the other
    const idA = sa.messages.find((e) => e.data.id === viaB.id).id;
    const rb = await openStream(b.base, '/v1/events', { 'last-event-id': idA });
    await rb.waitFor((e) => e.data.id === viaA.id);
    assert.deepEqual(rb.events('registered').map((e) => e.data.id), [viaA.id]);
    await rb.close();
  } finally {
    await sa.close();
    await sb.close();
    await a.stop();
    await b.stop();
  }
});

test('the worker\'s checkpoints arrive as logged, after the registrations they log', async () => {
  const key = createLogKey();
  const dbUrl = freshDatabase();
  const tok = createApiKey(dbUrl);
  const run = await startProvd({ dbUrl, command: 'run', logKey: key });
  const s = await openReady(run.base);
  try {
    const item = await register(run.base, tok, signer, { logged: true });
    const reg = await s.waitFor((e) => e.event === 'registered' && e.data.id === item.id);
    const m = await s.waitFor((e) => e.event === 'logged' && e.data.tree_size >= 1, 15000, 'logged');
    assert.equal(m.data.first_log_index, 0);
    assert.equal(m.data.last_log_index, m.data.tree_size - 1);
    assert.ok(m.data.checkpoint.startsWith(key.origin + '\n' + m.data.tree_size + '\n'));
    assert.equal(m.id.split('-')[1], String(m.data.tree_size));
    assert.ok(s.messages.indexOf(reg) < s.messages.indexOf(m));
    // Under load, nothing is skipped and the order is causal: every checkpoint comes after the
    // registrations it logs (this log holds registrations only, so a checkpoint of size N
    // follows at least N registered events; ids drawn out of commit order once lost some).
    const n = 60;
    await Promise.all(Array.from({ length: n }, (_, i) => register(run.base, tok, signer, { i })));
    await s.waitFor((e) => e.event === 'logged' && e.data.tree_size >= n + 1, 15000, 'all logged');
    let told = 0;
    for (const e of s.messages) {
      if (e.event === 'registered') told++;
      if (e.event === 'logged') {
        const seen = s.messages.map((x) => x.event[0] + x.id).join(' ');
        assert.ok(told >= e.data.tree_size, `${e.id} after ${told} registrations: ${seen}`);
      }
    }
    assert.equal(told, n + 1);
    const cp = await http(run.base, 'GET', '/v1/log/checkpoint');
    assert.ok(cp.text.startsWith(key.origin + '\n'));
  } finally {
    await s.close();
    await run.stop();
  }
});

test('SIGTERM ends a stream promptly', async () => {
  const one = await startProvd({ dbUrl: srv.dbUrl, args: ['--shutdown-grace', '20'] });
  const s = await openReady(one.base);
  const t0 = Date.now();
  await one.stop();
  const took = Date.now() - t0;
  await s.done;
  assert.ok(s.ended, 'the stream ended');
  assert.ok(took < 5000, `stopped in ${took} ms, not the 20 s grace`);
});

test('a PostgreSQL restart loses no event for a subscriber that stays connected',
  { skip: noCluster }, async () => {
    const pg = (action) => {
      const r = spawnSync(pgctl, [action], { encoding: 'utf8' });
      assert.equal(r.status, 0, `pg-ctl ${action}: ${r.stderr}`);
    };
    const s = await openStream(srv.base);
    const ids = [];
    try {
      pg('stop');
      try {
        await sleep(500);
      } finally {
        pg('start');
      }
      // registrations as soon as the API's pool is back, likely before the feed LISTENs again
      const until = Date.now() + 15000;
      while (ids.length < 3 && Date.now() < until) {
        const r = await http(srv.base, 'POST', '/v1/items',
          { body: await signedItem(signer, { after: ids.length }), token });
        if (r.status === 201) ids.push(r.body.id);
        else await sleep(100);
      }
      assert.equal(ids.length, 3, 'registrations after the restart');
      await s.waitFor((e) => e.data.id === ids[2], 15000, 'the last registration');
      assert.deepEqual(s.events('registered').map((e) => e.data.id), ids);
      assert.ok(!s.ended, 'the stream stayed open');
    } finally {
      await s.close();
    }
  });
