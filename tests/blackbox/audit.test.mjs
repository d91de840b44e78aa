// SPDX-License-Identifier: Apache-2.0
// The ingestion audit on a real chain (anvil): every reason, the as-of-the-seal rule (an item
// registered after the seal stays failing, a usage change after the seal does not count, anchors
// must predate the dataset record), content-usage changes before the seal, paging.
// `provd serve` and `provd worker` run as separate processes so that the worker can be paused.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  startProvd, createApiKey, createLogKey, newEd25519Signer, signedItem, http, assertProblem,
  freshDatabase, sha256Hex,
} from './lib/harness.mjs';
import { startAnvil } from './lib/anvil.mjs';
import { anchorArgs, ethKeyFile, sleep, waitAnchors } from './lib/anchoring.mjs';
import { datasetStatement, membersRoot } from './lib/dataset.mjs';

let anvil, api, worker, dbUrl, token, admin, key, keyFile;
let owner, crawler, revoked, curator;

const startWorker = () => startProvd({ dbUrl, command: 'worker', logKey: key,
  args: anchorArgs(anvil.url, keyFile, ['--anchor-confirmations', '1']) });

before(async () => {
  anvil = await startAnvil(['--block-time', '1']);
  dbUrl = freshDatabase();
  token = createApiKey(dbUrl);
  admin = createApiKey(dbUrl, 'admin');
  key = createLogKey('audit.provd.test/log');
  keyFile = ethKeyFile();
  api = await startProvd({ dbUrl });
  worker = await startWorker();
  [owner, crawler, revoked, curator] = await Promise.all(Array.from({ length: 4 }, newEd25519Signer));
  for (const [s, name] of [[owner, 'Owner'], [revoked, 'Soon revoked']]) {
    const r = await http(api.base, 'POST', '/v1/signers',
      { body: { scheme: 'ed25519', public_key: s.publicKey, name }, token: admin });
    assert.equal(r.status, 201, r.text);
  }
});
after(async () => {
  await worker?.stop();
  await api?.stop();
  await anvil?.stop();
});

const randomHash = async () => 'sha256:' + (await sha256Hex(randomBytes(32)));

async function register(signer, metadata, contentHash) {
  const r = await http(api.base, 'POST', '/v1/items',
    { body: await signedItem(signer, metadata, contentHash), token });
  assert.equal(r.status, 201, r.text);
  return r.body;
}

async function logSize() {
  const r = await http(api.base, 'GET', '/v1/log/checkpoint');
  return r.status === 200 ? Number(r.text.split('\n')[1]) : 0;
}

async function waitLogged(size) {
  for (let i = 0; i < 400 && (await logSize()) < size; i++) await sleep(50);
  assert.ok((await logSize()) >= size, `log reached ${size}`);
}

const POLICY = { licenses: ['MIT', 'CC-BY-4.0'], require_known_signer: true, require_logged: true,
                 require_anchored: true, respect_content_usage: true };

async function dataset(name, members, { seal = false, policy = POLICY } = {}) {
  const d = (await http(api.base, 'POST', '/v1/datasets',
    { body: { name, version: '1', policy }, token })).body;
  const res = await http(api.base, 'POST', `/v1/datasets/${d.id}/members`,
    { body: { content_hashes: members }, token });
  assert.equal(res.status, 200, res.text);
  if (seal) {
    const root = membersRoot(members);
    const value = await curator.sign(datasetStatement(d, members.length, root));
    const s = await http(api.base, 'POST', `/v1/datasets/${d.id}/seal`, { token,
      body: { member_count: members.length, members_root: root,
              signature: { scheme: 'ed25519', public_key: curator.publicKey, value } } });
    assert.equal(s.status, 200, s.text);
  }
  return d;
}

async function audit(id, query = '') {
  const r = await http(api.base, 'GET', `/v1/datasets/${id}/audit${query}`);
  assert.equal(r.status, 200, r.text);
  return r.body;
}

async function allFailures(id) {
  const out = {};
  let cursor = null;
  do {
    const page = await audit(id, `?limit=2${cursor ? '&cursor=' + cursor : ''}`);
    for (const f of page.failures) out[f.content_hash] = f.reasons;
    cursor = page.next_cursor;
  } while (cursor);
  return out;
}

test('each reason, as of the seal, for ever', async () => {
  const h = {};
  for (const k of ['ok', 'unreg', 'gpl', 'nolicense', 'unknown', 'revoked', 'refused', 'changed',
                   'or', 'late', 'x']) h[k] = await randomHash();
  await register(owner, { license: 'MIT' }, h.ok);
  await register(owner, { license: 'GPL-3.0-only' }, h.gpl);
  await register(owner, { author: 'nobody' }, h.nolicense);
  await register(crawler, { license: 'MIT' }, h.unknown);
  await register(revoked, { license: 'MIT' }, h.revoked);
  await register(owner, { license: 'MIT', content_usage: 'train-ai=n' }, h.refused);
  await register(owner, { license: 'MIT', content_usage: 'train-ai=n' }, h.changed);
  await register(owner, { license: 'MIT', content_usage: 'train-ai=y, search=n' }, h.changed);
  await register(crawler, { license: 'GPL-3.0-only' }, h.or); // does not qualify: unknown signer
  await register(owner, { license: 'MIT OR GPL-3.0-only' }, h.or);
  await register(owner, { license: 'CC-BY-4.0', content_usage: 'train-ai=y' }, h.late);
  const r = await http(api.base, 'POST', `/v1/signers/${revoked.publicKey}/revoke`, { token: admin });
  assert.equal(r.status, 200, r.text);
  const size = await logSize().then(async (s) => { await waitLogged(11); return Math.max(s, 11); });
  await waitAnchors(api.base, (list) => list.find((a) => a.status === 'confirmed' && a.tree_size >= size),
    60000, 'a confirmed anchor of every registration');

  // Paused worker: x and the dataset record are logged in one batch, so no anchor can cover x
  // without covering the record: x stays unanchored for ever.
  await worker.stop();
  await register(owner, { license: 'MIT' }, h.x);
  const y = await randomHash();
  await register(owner, { license: 'MIT' }, y);
  const open = await dataset('open', [h.ok, y]);
  const openAudit = await audit(open.id);
  assert.equal(openAudit.final, false);
  assert.equal(openAudit.as_of, null);
  assert.deepEqual(openAudit.failures.map((f) => [f.content_hash, f.reasons]),
    [[y, ['unlogged', 'unanchored']]]);
  const members = Object.values(h);
  const d = await dataset('audited', members, { seal: true });
  const pending = await audit(d.id);
  assert.equal(pending.final, false, 'not final before the record is logged');
  assert.equal(pending.as_of.log_index, null);
  worker = await startWorker();
  let first;
  for (let i = 0; i < 200; i++) {
    first = await audit(d.id);
    if (first.final) break;
    await sleep(50);
  }
  assert.equal(first.final, true);
  const shown = (await http(api.base, 'GET', `/v1/datasets/${d.id}`)).body;
  assert.equal(first.as_of.log_index, shown.log_index);
  assert.equal(first.as_of.sealed_at, shown.sealed_at);
  assert.deepEqual(first.policy, POLICY);
  const expect = {
    [h.unreg]: ['unregistered'], [h.gpl]: ['license'], [h.nolicense]: ['license'],
    [h.unknown]: ['unknown_signer'], [h.revoked]: ['revoked'], [h.refused]: ['usage_refused'],
    [h.x]: ['unanchored'],
  };
  assert.deepEqual(await allFailures(d.id), expect);
  assert.equal(first.members, 11);
  assert.equal(first.passing, 4);
  assert.equal(first.failing, 7);
  assert.deepEqual(first.by_reason, { unregistered: 1, unlogged: 0, unanchored: 1, license: 2,
                                      unknown_signer: 1, revoked: 1, usage_refused: 1 });
  const gpl = first.failures.find((f) => f.content_hash === h.gpl);
  assert.equal(gpl.registrations_considered, 1);
  assert.equal(gpl.registrations[0].license, 'GPL-3.0-only');
  assert.deepEqual(gpl.registrations[0].reasons, ['license']);
  assert.equal(gpl.registrations[0].signer, owner.publicKey);

  // After the seal: registering the missing item and refusing training change nothing.
  await register(owner, { license: 'MIT' }, h.unreg);
  await register(owner, { license: 'CC-BY-4.0', content_usage: 'train-ai=n' }, h.late);
  await waitLogged(shown.log_index + 3);
  await waitAnchors(api.base, (list) => list.find((a) => a.status === 'confirmed' &&
    a.tree_size >= shown.log_index + 3), 60000, 'an anchor of the late registrations');
  const again = await audit(d.id);
  assert.deepEqual({ ...again, failures: again.failures.length },
                   { ...first, failures: first.failures.length });
  assert.deepEqual(await allFailures(d.id), expect);
  // The current state, in a new dataset: h.unreg passes now, h.late is refused.
  const now = await dataset('now', [h.unreg, h.late, h.x]);
  assert.deepEqual((await audit(now.id)).failures.map((f) => [f.content_hash, f.reasons]),
    [[h.late, ['usage_refused']]]);
});

test('a generative policy and an empty policy', async () => {
  const a = await randomHash();
  const b = await randomHash();
  await register(owner, { license: 'MIT', content_usage: 'train-genai=n' }, a);
  await register(crawler, {}, b);
  const gen = await dataset('gen', [a, b], { policy: { generative: true, respect_content_usage: true } });
  assert.deepEqual((await audit(gen.id)).failures.map((f) => [f.content_hash, f.reasons]),
    [[a, ['usage_refused']]]);
  const plain = await dataset('plain', [a, b], { policy: { respect_content_usage: true } });
  assert.equal((await audit(plain.id)).failing, 0);
  const none = await dataset('none', [a, b, await randomHash()], { policy: {} });
  const res = await audit(none.id);
  assert.equal(res.passing, 2);
  assert.deepEqual(res.failures.map((f) => f.reasons), [['unregistered']]);
});

test('bad audit requests get problems', async () => {
  assertProblem(assert, await http(api.base, 'GET', '/v1/datasets/987654/audit'), 404, 'dataset-not-found');
  assertProblem(assert, await http(api.base, 'GET', '/v1/datasets/x/audit'), 400, 'invalid-parameter', 'id');
  const d = await dataset('bad', [await randomHash()]);
  for (const [q, field] of [['?limit=0', 'limit'], ['?limit=1001', 'limit'], ['?cursor=-1', 'cursor'],
                            ['?cursor=a', 'cursor'], ['?other=1', 'other']]) {
    assertProblem(assert, await http(api.base, 'GET', `/v1/datasets/${d.id}/audit${q}`), 400,
      'invalid-parameter', field);
  }
  assertProblem(assert, await http(api.base, 'POST', '/v1/items', { token,
    body: await signedItem(owner, { content_usage: 'train-ai=maybe' }) }), 422, 'invalid-field',
    'metadata.content_usage');
  assertProblem(assert, await http(api.base, 'POST', '/v1/items', { token,
    body: await signedItem(owner, { content_usage: 7 }) }), 422, 'invalid-field', 'metadata.content_usage');
});
