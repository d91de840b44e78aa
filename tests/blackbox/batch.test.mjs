// SPDX-License-Identifier: Apache-2.0
// POST /v1/items/batch: per-element outcomes in order, one transaction for the valid ones,
// idempotent replays, whole-request errors that store nothing, the signer policy, and batch
// registrations sequenced into the log in order with receipts that verify.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Wallet } from 'ethers';
import {
  startProvd, createApiKey, createLogKey, newEd25519Signer, signedItem, http, assertProblem,
  freshDatabase, sqlRows, tempDir,
} from './lib/harness.mjs';
import { statement } from './lib/jcs.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let srv, dbUrl, token, admin;
before(async () => {
  dbUrl = freshDatabase();
  token = createApiKey(dbUrl);
  admin = createApiKey(dbUrl, 'admin');
  srv = await startProvd({ dbUrl, command: 'run', logKey: createLogKey('batch.provd.test/log') });
});
after(async () => {
  assert.equal(await srv.stop(), 0, 'clean shutdown on SIGTERM');
});

const batch = (items, opts = {}) =>
  http(srv.base, 'POST', '/v1/items/batch', { body: { items }, token, ...opts });
const countItems = () => {
  const n = Number(sqlRows(dbUrl, 'SELECT count(*) FROM items')[0]);
  assert.ok(Number.isInteger(n));
  return n;
};

function assertItemProblem(result, index, status, typeSuffix, field) {
  assert.equal(result.index, index);
  assert.equal(result.status, status, JSON.stringify(result));
  assert.equal(result.item, undefined);
  assert.equal(result.problem.type, 'urn:provd:problem:' + typeSuffix, JSON.stringify(result));
  assert.equal(result.problem.status, status);
  assert.equal(result.problem.field, field);
  assert.ok(result.problem.title && result.problem.detail);
}

async function walletItem(wallet, metadata) {
  const content_hash = 'sha256:' + 'ab'.repeat(32);
  const value = await wallet.signMessage(statement(content_hash, metadata));
  return { content_hash, metadata, signature: { scheme: 'eip191', address: wallet.address, value } };
}

test('a mixed batch: each element has its own outcome, in order; only valid ones are stored', async () => {
  const signer = await newEd25519Signer();
  const revoked = await newEd25519Signer();
  const known = await http(srv.base, 'POST', '/v1/signers', {
    body: { scheme: 'ed25519', public_key: revoked.publicKey, name: 'old crawler' }, token: admin });
  assert.equal(known.status, 201, known.text);
  assert.equal((await http(srv.base, 'POST', `/v1/signers/${revoked.publicKey}/revoke`,
                           { token: admin })).status, 200);
  const earlier = await signedItem(signer, { n: 'earlier' });
  const first = await http(srv.base, 'POST', '/v1/items', { body: earlier, token });
  assert.equal(first.status, 201);

  const a = await signedItem(signer, { n: 'a', license: 'MIT' });
  const b = await signedItem(signer, { n: 'b' });
  const badSig = await signedItem(signer, { n: 'c' });
  badSig.metadata = { n: 'c, changed after signing' };
  const badHash = { ...(await signedItem(signer, { n: 'd' })), content_hash: 'sha256:XYZ' };
  const w = Wallet.createRandom();
  const items = [a, earlier, badSig, 'not an object', badHash, b, a,
                 await signedItem(revoked, { n: 'revoked' }), await walletItem(w, { n: 'wallet' })];
  const before = countItems();
  const res = await batch(items);
  assert.equal(res.status, 200, res.text);
  assert.equal(res.headers.get('content-type'), 'application/json');
  const r = res.body.results;
  assert.equal(r.length, items.length);
  assert.deepEqual(r.map((x) => x.index), items.map((_, i) => i));
  assert.deepEqual(r.map((x) => x.status), [201, 200, 422, 422, 422, 201, 200, 422, 201]);
  assert.deepEqual({ created: res.body.created, existing: res.body.existing, failed: res.body.failed },
                   { created: 3, existing: 2, failed: 4 });
  assert.equal(r[1].item.id, first.body.id, 'an earlier registration is found, not duplicated');
  assert.equal(r[6].item.id, r[0].item.id, 'a repeat within the batch is the same registration');
  assert.ok(r[5].item.id > r[0].item.id, 'ids follow the order of the batch');
  assertItemProblem(r[2], 2, 422, 'signature-invalid', 'items[2].signature.value');
  assertItemProblem(r[3], 3, 422, 'invalid-field', 'items[3]');
  assertItemProblem(r[4], 4, 422, 'invalid-field', 'items[4].content_hash');
  assertItemProblem(r[7], 7, 422, 'signer-revoked', 'items[7].signature');
  assert.deepEqual(r[8].item.signer, { scheme: 'eip191', address: w.address, known: false,
                                       name: null, revoked: false });
  assert.equal(countItems(), before + 3, 'exactly the three new registrations were stored');
  for (const i of [0, 5, 8]) {
    assert.equal(r[i].item.status, 'registered');
    const got = await http(srv.base, 'GET', `/v1/items/${r[i].item.id}`);
    assert.equal(got.status, 200);
    assert.deepEqual({ ...got.body, status: 'registered', log_index: null }, r[i].item,
                     'the stored registration is what the batch reply showed');
  }
  assert.deepEqual(r[0].item.metadata, a.metadata);
  assert.equal(r[0].item.signature.value, a.signature.value);
});

test('a replayed batch is idempotent: the same ids, nothing created', async () => {
  const signer = await newEd25519Signer();
  const items = [];
  for (let i = 0; i < 5; i++) items.push(await signedItem(signer, { i }));
  const one = await batch(items);
  assert.equal(one.status, 200, one.text);
  assert.equal(one.body.created, 5);
  const before = countItems();
  const two = await batch(items);
  assert.equal(two.status, 200);
  assert.deepEqual({ c: two.body.created, e: two.body.existing, f: two.body.failed }, { c: 0, e: 5, f: 0 });
  assert.deepEqual(two.body.results.map((x) => x.item.id), one.body.results.map((x) => x.item.id));
  assert.ok(two.body.results.every((x) => x.status === 200));
  assert.equal(countItems(), before);
});

test('1,000 registrations in one request are all stored and sequenced in batch order', async () => {
  const signer = await newEd25519Signer();
  const items = await Promise.all(Array.from({ length: 1000 }, (_, i) => signedItem(signer, { i })));
  const res = await batch(items);
  assert.equal(res.status, 200, res.text.slice(0, 500));
  assert.equal(res.body.created, 1000);
  const ids = res.body.results.map((x) => x.item.id);
  assert.deepEqual(ids, [...ids].sort((x, y) => x - y));
  let last;
  for (let i = 0; i < 100; i++) {
    last = await http(srv.base, 'GET', `/v1/items/${ids[999]}/receipt`);
    if (last.status === 200) break;
    await sleep(100);
  }
  assert.equal(last.status, 200, 'the batch reaches the log');
  const firstReceipt = await http(srv.base, 'GET', `/v1/items/${ids[0]}/receipt`);
  assert.equal(last.body.log_index - firstReceipt.body.log_index, 999,
               'one contiguous run of log entries, in the order of the batch');
});

test('errors of the request as a whole are problems and store nothing', async () => {
  const signer = await newEd25519Signer();
  const ok = await signedItem(signer, { n: 1 });
  const before = countItems();
  const post = (opts) => http(srv.base, 'POST', '/v1/items/batch', opts);
  assertProblem(assert, await post({ body: { items: [ok] } }), 401, 'unauthorized');
  assertProblem(assert, await post({ body: { items: [ok] }, token: admin }), 403, 'forbidden');
  assertProblem(assert, await post({ raw: JSON.stringify({ items: [ok] }), token,
                                     headers: { 'content-type': 'text/plain' } }),
                415, 'unsupported-media-type');
  assertProblem(assert, await post({ raw: '{"items": [', token,
                                     headers: { 'content-type': 'application/json' } }),
                400, 'malformed-json');
  assertProblem(assert, await post({ raw: '{"items": [], "items": []}', token,
                                     headers: { 'content-type': 'application/json' } }),
                400, 'malformed-json');
  const many = Array.from({ length: 1001 }, () => ok);
  for (const body of [{}, [ok], { items: ok }, { items: [] }, { items: many },
                      { items: [ok], atomic: true }]) {
    assertProblem(assert, await post({ body, token }), 422, 'invalid-field', 'items');
  }
  const get = await http(srv.base, 'GET', '/v1/items/batch');
  assertProblem(assert, get, 405, 'method-not-allowed');
  assert.equal(get.headers.get('allow'), 'POST, OPTIONS');
  assert.equal(countItems(), before);
});

test('--require-known-signer: unknown signers fail per element, known ones register', async () => {
  const db = freshDatabase();
  const reg = createApiKey(db);
  const adm = createApiKey(db, 'admin');
  const s2 = await startProvd({ dbUrl: db, args: ['--require-known-signer'] });
  try {
    const known = await newEd25519Signer();
    const stranger = await newEd25519Signer();
    assert.equal((await http(s2.base, 'POST', '/v1/signers', {
      body: { scheme: 'ed25519', public_key: known.publicKey, name: 'k' }, token: adm })).status, 201);
    const res = await http(s2.base, 'POST', '/v1/items/batch', { token: reg, body: { items: [
      await signedItem(stranger, { n: 1 }), await signedItem(known, { n: 2 })] } });
    assert.equal(res.status, 200, res.text);
    assertItemProblem(res.body.results[0], 0, 403, 'signer-unknown', 'items[0].signature');
    assert.equal(res.body.results[1].status, 201);
    assert.deepEqual(res.body.results[1].item.signer,
                     { scheme: 'ed25519', public_key: known.publicKey, known: true, name: 'k', revoked: false });
  } finally {
    await s2.stop();
  }
});

test('deploy/examples/crawl.mjs registers a directory in batches, and again idempotently', async () => {
  const example = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../deploy/examples/crawl.mjs');
  const dir = tempDir('provd-crawl-');
  const keyFile = path.join(tempDir('provd-crawl-key-'), 'crawler.jwk');
  fs.mkdirSync(path.join(dir, 'sub dir'));
  for (let i = 0; i < 600; i++) {
    fs.writeFileSync(path.join(dir, i % 2 ? 'sub dir' : '', `page-${i}.html`), `<p>page ${i}</p>`);
  }
  const run = () => new Promise((resolve) => {
    const p = spawn(process.execPath, [example, srv.base, token, dir, keyFile, 'https://crawl.test/'],
                    { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { out += d; });
    p.on('exit', (code) => resolve({ code, out }));
  });
  const first = await run();
  assert.equal(first.code, 0, first.out);
  assert.match(first.out, /^batch at 0: 500 created, 0 existing, 0 refused$/m);
  assert.match(first.out, /^batch at 500: 100 created, 0 existing, 0 refused$/m);
  const hash = 'sha256:' + createHash('sha256').update('<p>page 7</p>').digest('hex');
  const prov = await http(srv.base, 'GET', `/v1/provenance/${hash}`);
  assert.equal(prov.status, 200);
  assert.equal(prov.body.registrations.length, 1);
  assert.equal(prov.body.registrations[0].metadata.source_url, 'https://crawl.test/sub%20dir/page-7.html');
  const again = await run();
  assert.equal(again.code, 0, again.out);
  assert.match(again.out, /^batch at 0: 0 created, 500 existing, 0 refused$/m);
  assert.match(again.out, /^batch at 500: 0 created, 100 existing, 0 refused$/m);
  assert.equal(fs.statSync(keyFile).mode & 0o777, 0o600, 'the key file is private');
  const signer = again.out.match(/signer (\S+)$/m)[1];
  assert.equal(prov.body.registrations[0].signer.public_key, signer);
});
