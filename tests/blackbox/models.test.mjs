// SPDX-License-Identifier: Apache-2.0
// Models: registration with every signature scheme (idempotent), the model file manifest, bad
// input and refused datasets, listing and filters, receipts, the provenance lookup's used_in,
// lineage, training-data proofs checked by an independent verifier (and rejected after
// tampering, also by `provd verify`), and the in-toto attestation in a DSSE envelope.
// `provd serve` (with the log key, for attestations) and `provd worker` run as separate
// processes, so that everything is first seen before it is logged.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, webcrypto as crypto } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Wallet } from 'ethers';
import {
  startProvd, createApiKey, createLogKey, newEd25519Signer, signedItem, http, assertProblem,
  freshDatabase, sha256Hex, b64url, runProvd, tempDir, sql,
} from './lib/harness.mjs';
import { canonicalize } from './lib/jcs.mjs';
import { datasetStatement, membersRoot } from './lib/dataset.mjs';
import { openNote, parseCheckpoint } from './lib/tlog.mjs';
import { modelDigest } from './lib/modeldigest.mjs';
import {
  EIP712_DOMAIN, MODEL_TYPES, filesDigest, modelStatement, modelTypedMessage, verifyModelProof,
  verifyModelReceipt,
} from './lib/model.mjs';
import { checkInTotoStatement, pae, verifyEnvelope } from './lib/dsse.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const PREDICATE_TYPE = 'https://provd.dev/attestation/model-lineage/v1';
const RFC3339_US = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;

let api, worker, dbUrl, token, adminToken, key;
let owner, crawler, curator, trainer, wallet, wallet2, p256;
const tmp = tempDir('provd-models-');
const h = {};          // content hashes by name
const items = {};      // registration replies by content-hash name
const ds = {};         // sealed datasets by name (GET /v1/datasets/{id} replies), and the open one
const members = {};    // their member lists
const m = {};          // registered models (POST replies) by name
const allModels = [];  // every model registered, in id order
let modelDir, manifest;

const randomHash = async () => 'sha256:' + (await sha256Hex(randomBytes(32)));
const flipHex = (hex) => hex.slice(0, -1) + (hex.at(-1) === '0' ? '1' : '0');
function flipB64(s, at = 5) {
  const enc = /[+/=]/.test(s) ? 'base64' : 'base64url';
  const b = Buffer.from(s, enc);
  b[at] ^= 1;
  return b.toString(enc);
}
// Flips one byte of the Ed25519 signature (after the 4-byte key id) of a signed note.
function flipNoteSignature(note) {
  const lines = note.split('\n');
  const i = lines.length - 2; // the note ends with '\n': the last line is empty
  const [dash, name, sig] = lines[i].split(' ');
  lines[i] = [dash, name, flipB64(sig, 20)].join(' ');
  return lines.join('\n');
}

async function p256Signer() {
  const kp = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
  const pub = b64url(await crypto.subtle.exportKey('raw', kp.publicKey));
  return {
    publicKey: pub,
    async sign(bytes) {
      return b64url(await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, kp.privateKey, bytes));
    },
  };
}

// A POST /v1/models body for stmt ({model, datasets, metadata?}) signed by signer with scheme.
async function signModel(stmt, signer, scheme = 'ed25519') {
  const bytes = modelStatement(stmt);
  let signature;
  if (scheme === 'ed25519' || scheme === 'ecdsa-p256') {
    signature = { scheme, public_key: signer.publicKey, value: await signer.sign(bytes) };
  } else if (scheme === 'eip191') {
    signature = { scheme, address: signer.address, value: await signer.signMessage(bytes) };
  } else if (scheme === 'eip712') {
    signature = { scheme, address: signer.address,
                  value: await signer.signTypedData(EIP712_DOMAIN, MODEL_TYPES, modelTypedMessage(stmt, bytes)) };
  }
  const body = { model: stmt.model, datasets: stmt.datasets, signature };
  if (stmt.metadata !== undefined) body.metadata = stmt.metadata;
  return body;
}

const postModel = (body, t = token) => http(api.base, 'POST', '/v1/models', { body, token: t });
const ref = (d) => ({ id: d.id, members_root: d.members_root });

async function register(signer, metadata, contentHash) {
  const r = await http(api.base, 'POST', '/v1/items', { body: await signedItem(signer, metadata, contentHash), token });
  assert.equal(r.status, 201, r.text);
  return r.body;
}

async function sealedDataset(name, list, policy = {}) {
  const d = (await http(api.base, 'POST', '/v1/datasets', { body: { name, version: '1', policy }, token })).body;
  const res = await http(api.base, 'POST', `/v1/datasets/${d.id}/members`, { body: { content_hashes: list }, token });
  assert.equal(res.status, 200, res.text);
  const root = membersRoot(list);
  const value = await curator.sign(datasetStatement(d, list.length, root));
  const s = await http(api.base, 'POST', `/v1/datasets/${d.id}/seal`, { token,
    body: { member_count: list.length, members_root: root,
            signature: { scheme: 'ed25519', public_key: curator.publicKey, value } } });
  assert.equal(s.status, 200, s.text);
  members[name] = list;
  return s.body;
}

async function ensureWorker() {
  if (!worker) worker = await startProvd({ dbUrl, command: 'worker', logKey: key });
}

// Polls GET path until it answers 200 (asserting 202 + Retry-After meanwhile).
async function logged(p) {
  await ensureWorker();
  for (let i = 0; i < 400; i++) {
    const r = await http(api.base, 'GET', p);
    if (r.status === 200) return r.body;
    assert.equal(r.status, 202, `${p}: ${r.text}`);
    assert.ok(r.headers.get('retry-after'), 'Retry-After on 202');
    await sleep(50);
  }
  throw new Error(`${p} stayed 202`);
}

function verifyWithCli(doc) {
  const file = path.join(tmp, `p-${Math.random().toString(36).slice(2)}.json`);
  fs.writeFileSync(file, JSON.stringify(doc));
  return runProvd(['verify', '--log-key', key.vkey, file]);
}

async function listAll(query) {
  const out = [];
  let cursor = null;
  for (let pages = 0; pages < 100; pages++) {
    const sep = query ? '&' : '';
    const r = await http(api.base, 'GET', `/v1/models?${query}${sep}limit=1${cursor ? '&cursor=' + encodeURIComponent(cursor) : ''}`);
    assert.equal(r.status, 200, r.text);
    assert.ok(r.body.models.length <= 1);
    out.push(...r.body.models);
    cursor = r.body.next_cursor;
    if (cursor === null) return out;
    assert.equal(typeof cursor, 'string');
  }
  throw new Error('paging did not end');
}

before(async () => {
  dbUrl = freshDatabase();
  token = createApiKey(dbUrl);
  adminToken = createApiKey(dbUrl, 'admin');
  key = createLogKey('log.provd.test/models');
  // serve signs attestations with the log key; the worker (started later) sequences.
  api = await startProvd({ dbUrl, args: ['--log-key-file', key.keyFile] });
  [owner, crawler, curator, trainer] = await Promise.all(Array.from({ length: 4 }, newEd25519Signer));
  wallet = Wallet.createRandom();
  wallet2 = Wallet.createRandom();
  p256 = await p256Signer();
  const r = await http(api.base, 'POST', '/v1/signers',
    { body: { scheme: 'ed25519', public_key: trainer.publicKey, name: 'Trainer Ada' }, token: adminToken });
  assert.equal(r.status, 201, r.text);

  for (const k of ['h0', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'hd', 'hx', 'u']) h[k] = await randomHash();
  for (const k of ['h0', 'h1', 'h2', 'h4', 'h5', 'h6', 'hd', 'hx']) items[k] = await register(owner, { license: 'MIT' }, h[k]);
  items.h1b = await register(crawler, { license: 'MIT', author: 'crawler' }, h.h1);
  items.h3 = await register(owner, { license: 'GPL-3.0-only' }, h.h3);
  // h.u is a member but never registered.
  ds.A = await sealedDataset('set-a', [h.h0, h.h1, h.h2, h.h3, h.u], { licenses: ['MIT'] });
  ds.B = await sealedDataset('set-b', [h.h4, h.h5, h.h1]);
  ds.C = await sealedDataset('set-c', [h.h6]);
  ds.D = await sealedDataset('set-d', [h.hd, await randomHash()]);
  const open = (await http(api.base, 'POST', '/v1/datasets', { body: { name: 'still-open', version: '1' }, token })).body;
  await http(api.base, 'POST', `/v1/datasets/${open.id}/members`, { body: { content_hashes: [h.h0] }, token });
  ds.open = open;

  // A nested model directory, hashed the way the OpenSSF model signing tool does.
  modelDir = path.join(tmp, 'my-model');
  const files = {
    'config.json': '{"layers": 2}', 'a/b.txt': 'nested', 'a-b.txt': 'sibling',
    'tokenizer/vocab.txt': 'a\nb\n', 'weights/part-00001.safetensors': randomBytes(100000),
    'weights/part-00002.safetensors': randomBytes(5000), '.gitignore': '*.tmp', '.git/HEAD': 'ref',
  };
  for (const [rel, data] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(modelDir, rel)), { recursive: true });
    fs.writeFileSync(path.join(modelDir, rel), data);
  }
  manifest = await modelDigest(modelDir);
  // The fixture covers the tool's order ("a/b" before "a-b", unlike bytewise) and ignores git.
  assert.deepEqual(manifest.files.map((f) => f.path), ['a/b.txt', 'a-b.txt', 'config.json',
    'tokenizer/vocab.txt', 'weights/part-00001.safetensors', 'weights/part-00002.safetensors']);
  assert.equal(filesDigest(manifest.files), manifest.digest);
});
after(async () => {
  await worker?.stop();
  await api?.stop();
});

test('the PAE of DSSE is as the spec gives it', () => {
  assert.equal(pae('http://example.com/HelloWorld', Buffer.from('hello world')).toString(),
    'DSSEv1 29 http://example.com/HelloWorld 11 hello world');
  assert.equal(pae('t', Buffer.alloc(0)).toString(), 'DSSEv1 1 t 0 ');
  assert.equal(pae('\u00e9', Buffer.from('\u00e9')).toString(), 'DSSEv1 2 \u00e9 2 \u00e9');
});

test('models are registered with every scheme, naming datasets, idempotently', async () => {
  // Ed25519, with the file manifest of a nested model directory.
  const s1 = { model: { name: 'provd-llm', version: '1.0', digest: manifest.digest, files: manifest.files },
               datasets: [ref(ds.A), ref(ds.B)], metadata: { framework: 'pytorch', epochs: 3 } };
  const b1 = await signModel(s1, trainer);
  let res = await postModel(b1);
  assert.equal(res.status, 201, res.text);
  assert.equal(res.headers.get('location'), `/v1/models/${res.body.id}`);
  m.m1 = res.body;
  assert.deepEqual(Object.keys(m.m1).sort(), ['datasets', 'id', 'log_index', 'metadata', 'model',
    'registered_at', 'signature', 'signer', 'status']);
  assert.ok(Number.isInteger(m.m1.id) && m.m1.id >= 1);
  assert.equal(m.m1.status, 'registered');
  assert.equal(m.m1.log_index, null);
  assert.deepEqual(m.m1.model, s1.model);
  assert.deepEqual(m.m1.datasets, s1.datasets);
  assert.deepEqual(m.m1.metadata, s1.metadata);
  assert.deepEqual(m.m1.signer, { scheme: 'ed25519', public_key: trainer.publicKey, known: true,
                                  name: 'Trainer Ada', revoked: false });
  assert.deepEqual(m.m1.signature, b1.signature);
  assert.match(m.m1.registered_at, RFC3339_US);
  assert.deepEqual((await http(api.base, 'GET', `/v1/models/${m.m1.id}`)).body, m.m1);
  // The same again: 200, the same model.
  res = await postModel(b1);
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(res.body, m.m1);
  allModels.push(m.m1);

  // EIP-712 typed data signed by ethers; datasets listed in descending id order, no files.
  const s2 = { model: { name: 'provd-llm', version: '2.0', digest: await randomHash() },
               datasets: [ref(ds.C), ref(ds.B)], metadata: {} };
  const b2 = await signModel(s2, wallet, 'eip712');
  res = await postModel(b2);
  assert.equal(res.status, 201, res.text);
  m.m2 = res.body;
  assert.ok(!('files' in m.m2.model), 'no files key when the request has none');
  assert.deepEqual(m.m2.datasets, s2.datasets);
  assert.deepEqual(m.m2.signer, { scheme: 'eip712', address: wallet.address, known: false, name: null,
                                  revoked: false });
  assert.equal((await postModel(b2)).status, 200);
  allModels.push(m.m2);

  // ECDSA P-256 through WebCrypto, without metadata (the statement has {}); a fresh signature
  // of the same statement by the same signer is the same model.
  const s3 = { model: { name: 'tiny', version: '0.1', digest: await randomHash() }, datasets: [ref(ds.C)] };
  const b3 = await signModel(s3, p256, 'ecdsa-p256');
  res = await postModel(b3);
  assert.equal(res.status, 201, res.text);
  m.m3 = res.body;
  assert.deepEqual(m.m3.metadata, {});
  assert.equal(m.m3.signer.public_key, p256.publicKey);
  const b3again = await signModel(s3, p256, 'ecdsa-p256');
  assert.notEqual(b3again.signature.value, b3.signature.value);
  res = await postModel(b3again);
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(res.body, m.m3);
  allModels.push(m.m3);

  // The same statement as m1 by another signer (EIP-191) is another model.
  res = await postModel(await signModel(s1, wallet2, 'eip191'));
  assert.equal(res.status, 201, res.text);
  m.m1b = res.body;
  assert.notEqual(m.m1b.id, m.m1.id);
  assert.equal(m.m1b.signer.address, wallet2.address);
  allModels.push(m.m1b);
  const ids = allModels.map((x) => x.id);
  assert.deepEqual(ids, [...ids].sort((a, b) => a - b));
});

test('the same statement sent concurrently, or with its members reordered, is one model', async () => {
  const stmt = { model: { name: 'race', version: '1', digest: await randomHash() }, datasets: [ref(ds.D)],
                 metadata: { a: 1, b: [1, 2] } };
  const body = await signModel(stmt, trainer);
  const replies = await Promise.all(Array.from({ length: 6 }, () => postModel(body)));
  assert.deepEqual(replies.map((r) => r.status).sort(), [200, 200, 200, 200, 200, 201],
    replies.map((r) => r.text).join('\n'));
  const ids = new Set(replies.map((r) => r.body.id));
  assert.equal(ids.size, 1);
  const first = replies.find((r) => r.status === 201).body;
  // JSON member order is not part of the statement (JCS): the same model again.
  const reordered = { signature: body.signature, metadata: { b: [1, 2], a: 1 },
                      datasets: [{ members_root: ds.D.members_root, id: ds.D.id }],
                      model: { digest: stmt.model.digest, version: '1', name: 'race' } };
  const again = await postModel(reordered);
  assert.equal(again.status, 200, again.text);
  assert.deepEqual(again.body, first);
  allModels.push(first);
  allModels.sort((a, b) => a.id - b.id);
});

test('lengths are in bytes, as for datasets: 200 bytes of two-byte characters are a valid name, 202 are not', async () => {
  const s5 = { model: { name: '\u00e9'.repeat(100), version: '\u00fc'.repeat(50), digest: await randomHash() },
               datasets: [ref(ds.A)] };
  const res = await postModel(await signModel(s5, trainer));
  assert.equal(res.status, 201, res.text);
  m.m5 = res.body;
  allModels.push(m.m5);
  const long = { ...s5, model: { ...s5.model, name: '\u00e9'.repeat(101) } };
  assertProblem(assert, await postModel(await signModel(long, trainer)), 422, 'invalid-field', 'model.name');
  const longer = { ...s5, model: { ...s5.model, version: '\u00fc'.repeat(51) } };
  assertProblem(assert, await postModel(await signModel(longer, trainer)), 422, 'invalid-field', 'model.version');
});

test('before the worker: receipt, proof and attestation are 202 with Retry-After', async () => {
  for (const p of [`/v1/models/${m.m1.id}/receipt`, `/v1/models/${m.m1.id}/attestation`,
                   `/v1/models/${m.m1.id}/proof?content_hash=${h.h0}`]) {
    const r = await http(api.base, 'GET', p);
    assert.equal(r.status, 202, `${p}: ${r.text}`);
    assert.ok(r.headers.get('retry-after'), `${p}: Retry-After`);
  }
  const rc = await http(api.base, 'GET', `/v1/models/${m.m1.id}/receipt`);
  assert.equal(rc.body.status, 'registered');
  assert.equal(rc.body.log_index, null);
  assert.equal(rc.body.record.type, 'provd.model.v1');
  await ensureWorker();
});

test('the model manifest must be the tool\'s: digest and order are checked', async () => {
  const base = { model: { name: 'manifest', version: '1', digest: manifest.digest, files: manifest.files },
                 datasets: [ref(ds.A)] };
  const withFiles = (files, digest = filesDigest(files)) =>
    signModel({ ...base, model: { ...base.model, files, digest } }, trainer);
  const before = (await http(api.base, 'GET', '/v1/models?limit=1000')).body.models.length;
  // The digest of other files.
  assertProblem(assert, await postModel(await withFiles(manifest.files, await randomHash())), 422,
    'invalid-field', 'model.digest');
  // Bytewise order ("a-b.txt" before "a/b.txt") is not the tool's order, even with a matching digest.
  const swapped = [manifest.files[1], manifest.files[0], ...manifest.files.slice(2)];
  assertProblem(assert, await postModel(await withFiles(swapped)), 422, 'invalid-field', 'model.files[1].path');
  const f0 = manifest.files[2];
  const d1 = manifest.files[3].digest;
  // Duplicates, and every bad path.
  assertProblem(assert, await postModel(await withFiles([f0, { path: f0.path, digest: d1 }])), 422,
    'invalid-field', 'model.files[1].path');
  for (const bad of ['/etc/passwd', 'z//x', 'z/./x', 'z/../x', '..', 'z/', '', 'z\u0001x', 'z\u0000x',
                     'z'.repeat(4097), 42]) {
    assertProblem(assert, await postModel(await withFiles([f0, { path: bad, digest: d1 }])), 422,
      'invalid-field', 'model.files[1].path');
  }
  for (const bad of ['sha256:' + 'A'.repeat(64), 'sha256:abc', 'sha1:' + 'a'.repeat(40), null]) {
    const files = [f0, { path: 'zz', digest: bad }];
    assertProblem(assert, await postModel(await withFiles(files, manifest.digest)), 422,
      'invalid-field', 'model.files[1].digest');
  }
  assertProblem(assert, await postModel(await withFiles([f0, { path: 'zz', digest: d1, size: 3 }])), 422,
    'invalid-field', 'model.files[1].size');
  assertProblem(assert, await postModel(await withFiles([f0, 'zz'], manifest.digest)), 422, 'invalid-field', 'model.files[1]');
  assertProblem(assert, await postModel(await withFiles([], manifest.digest)), 422, 'invalid-field', 'model.files');
  assertProblem(assert, await postModel(await withFiles({}, manifest.digest)), 422, 'invalid-field', 'model.files');
  const many = Array.from({ length: 10001 }, (_, i) => ({ path: `f${String(i).padStart(5, '0')}`, digest: d1 }));
  assertProblem(assert, await postModel(await withFiles(many)), 422, 'invalid-field', 'model.files');
  assert.equal((await http(api.base, 'GET', '/v1/models?limit=1000')).body.models.length, before);
});

test('bad input on every field, bad signatures and bad datasets are refused; nothing changes', async () => {
  const good = { model: { name: 'refused', version: '1', digest: await randomHash() },
                 datasets: [ref(ds.A), ref(ds.B)], metadata: { k: 'v' } };
  const countBefore = (await http(api.base, 'GET', '/v1/models?limit=1000')).body.models.length;
  // Each body is signed over its own (bad) statement, so the field is the only fault.
  const signed = async (patch) => {
    const body = await signModel({ ...good, ...patch }, trainer);
    for (const k of Object.keys(patch)) if (patch[k] === undefined) delete body[k];
    return body;
  };
  const mdl = (p) => ({ model: { ...good.model, ...p } });
  const entry = (p) => ({ datasets: [{ ...ref(ds.A), ...p }] });
  const cases = [
    [{ model: undefined }, 'model'], [{ model: 'x' }, 'model'], [{ model: [] }, 'model'],
    [mdl({ name: undefined }), 'model.name'], [mdl({ name: '' }), 'model.name'],
    [mdl({ name: 'n'.repeat(201) }), 'model.name'], [mdl({ name: 7 }), 'model.name'],
    [mdl({ version: undefined }), 'model.version'], [mdl({ version: '' }), 'model.version'],
    [mdl({ version: 'v'.repeat(101) }), 'model.version'],
    [mdl({ digest: undefined }), 'model.digest'], [mdl({ digest: 'sha256:' + 'A'.repeat(64) }), 'model.digest'],
    [mdl({ digest: 'sha256:abc' }), 'model.digest'], [mdl({ digest: 'sha512:' + 'a'.repeat(128) }), 'model.digest'],
    [mdl({ digest: 'a'.repeat(64) }), 'model.digest'],
    [mdl({ extra: 1 }), 'model.extra'],
    [{ datasets: undefined }, 'datasets'], [{ datasets: [] }, 'datasets'], [{ datasets: {} }, 'datasets'],
    [{ datasets: Array.from({ length: 101 }, (_, i) => ({ id: i + 1, members_root: ds.A.members_root })) }, 'datasets'],
    [{ datasets: [ref(ds.A), ref(ds.B), ref(ds.A)] }, 'datasets[2].id'],
    [{ datasets: [ref(ds.A), 5] }, 'datasets[1]'],
    [entry({ id: 0 }), 'datasets[0].id'], [entry({ id: -1 }), 'datasets[0].id'],
    [entry({ id: 1.5 }), 'datasets[0].id'], [entry({ id: String(ds.A.id) }), 'datasets[0].id'],
    [entry({ id: undefined }), 'datasets[0].id'],
    [entry({ members_root: ds.A.members_root.toUpperCase() }), 'datasets[0].members_root'],
    [entry({ members_root: ds.A.members_root.slice(1) }), 'datasets[0].members_root'],
    [entry({ members_root: 'sha256:' + ds.A.members_root }), 'datasets[0].members_root'],
    [entry({ members_root: undefined }), 'datasets[0].members_root'],
    [entry({ note: 1 }), 'datasets[0].note'],
    [{ metadata: [] }, 'metadata'], [{ metadata: 'x' }, 'metadata'],
  ];
  for (const [patch, field] of cases) {
    const body = await signed(patch);
    // JSON.stringify drops undefined members, which is how a field goes missing.
    assertProblem(assert, await postModel(body), 422, 'invalid-field', field);
  }
  const body = await signModel(good, trainer);
  assertProblem(assert, await postModel({ ...body, extra: true }), 422, 'invalid-field', 'extra');
  for (const [sig, field] of [
    [undefined, 'signature'], ['sig', 'signature'],
    [{ ...body.signature, scheme: 'rsa' }, 'signature.scheme'],
    [{ ...body.signature, public_key: 'AAAA' }, 'signature.public_key'],
    [{ ...body.signature, public_key: undefined }, 'signature.public_key'],
    [{ ...body.signature, value: 'not base64!' }, 'signature.value'],
    [{ ...body.signature, extra: 1 }, 'signature.extra']]) {
    assertProblem(assert, await postModel({ ...body, signature: sig }), 422, 'invalid-field', field);
  }
  // Signatures that do not verify.
  const other = await newEd25519Signer();
  const wrongEip712 = await signModel({ ...good, model: { ...good.model, digest: await randomHash() } },
    wallet, 'eip712');
  for (const bad of [
    { ...body, model: { ...good.model, version: '2' } },
    { ...body, datasets: [ref(ds.B), ref(ds.A)] },
    { ...body, metadata: { k: 'w' } },
    { ...body, signature: { ...body.signature, public_key: other.publicKey } },
    { ...body, signature: { ...body.signature, value: flipB64(body.signature.value, 10) } },
    { ...(await signModel(good, wallet, 'eip712')), model: { ...good.model, name: 'other' } },
    { ...good, signature: wrongEip712.signature },
    { ...(await signModel(good, p256, 'ecdsa-p256')), metadata: {} }]) {
    assertProblem(assert, await postModel(bad), 422, 'signature-invalid', 'signature.value');
  }
  // Datasets that are open, unknown, or named with another root.
  const dsCase = async (datasets, field) => assertProblem(assert,
    await postModel(await signModel({ ...good, datasets }, trainer)), 422, 'model-dataset-invalid', field);
  await dsCase([ref(ds.A), { id: ds.open.id, members_root: membersRoot([h.h0]) }], 'datasets[1].id');
  await dsCase([{ id: 987654, members_root: ds.A.members_root }], 'datasets[0].id');
  await dsCase([ref(ds.C), ref(ds.A), { id: ds.B.id, members_root: ds.A.members_root }], 'datasets[2].members_root');
  // Authentication, media type, JSON.
  for (const t of [null, 'provd_nope']) {
    const r = await postModel(body, t);
    assertProblem(assert, r, 401, 'unauthorized');
    assert.match(r.headers.get('www-authenticate'), /^Bearer/);
  }
  assertProblem(assert, await postModel(body, adminToken), 403, 'forbidden');
  assertProblem(assert, await http(api.base, 'POST', '/v1/models',
    { token, raw: '{"model":', headers: { 'content-type': 'application/json' } }), 400, 'malformed-json');
  assertProblem(assert, await http(api.base, 'POST', '/v1/models',
    { token, raw: JSON.stringify(body), headers: { 'content-type': 'text/plain' } }), 415, 'unsupported-media-type');
  assertProblem(assert, await http(api.base, 'POST', '/v1/models',
    { token, raw: '[1]', headers: { 'content-type': 'application/json' } }), 422, 'invalid-field');
  // Nothing was registered; the good body still is.
  assert.equal((await http(api.base, 'GET', '/v1/models?limit=1000')).body.models.length, countBefore);
  const ok = await postModel(body);
  assert.equal(ok.status, 201, ok.text);
  m.refusedOk = ok.body;
  allModels.push(ok.body);
});

test('signers are refused as for items: revoked, and unknown under --require-known-signer', async () => {
  const gone = await newEd25519Signer();
  let r = await http(api.base, 'POST', '/v1/signers',
    { body: { scheme: 'ed25519', public_key: gone.publicKey, name: 'Gone' }, token: adminToken });
  assert.equal(r.status, 201, r.text);
  r = await http(api.base, 'POST', `/v1/signers/${gone.publicKey}/revoke`, { token: adminToken });
  assert.equal(r.status, 200, r.text);
  const stmt = { model: { name: 'revoked', version: '1', digest: await randomHash() }, datasets: [ref(ds.C)] };
  const item = await http(api.base, 'POST', '/v1/items', { body: await signedItem(gone, {}), token });
  assert.ok(item.status >= 400, item.text);
  assertProblem(assert, await postModel(await signModel(stmt, gone)), item.status,
    item.body.type.replace('urn:provd:problem:', ''), item.body.field);

  const strict = await startProvd({ dbUrl, args: ['--require-known-signer'] });
  try {
    const stranger = await newEd25519Signer();
    const it = await http(strict.base, 'POST', '/v1/items', { body: await signedItem(stranger, {}), token });
    assertProblem(assert, it, 403, 'signer-unknown');
    const res = await http(strict.base, 'POST', '/v1/models',
      { body: await signModel(stmt, stranger), token });
    assertProblem(assert, res, 403, 'signer-unknown', it.body.field);
    // Without --log-key-file, attestations cannot be signed.
    await logged(`/v1/models/${m.m1.id}/attestation`);
    assertProblem(assert, await http(strict.base, 'GET', `/v1/models/${m.m1.id}/attestation`), 503,
      'attestation-unavailable');
  } finally {
    await strict.stop();
  }
});

test('GET /v1/models/{id} and the list: filters by digest, file digest, name, signer, dataset; keyset paging', async () => {
  const ids = (list) => list.map((x) => x.id);
  const expect = (pred) => ids(allModels.filter(pred));
  for (const x of allModels) {
    const got = await http(api.base, 'GET', `/v1/models/${x.id}`);
    assert.equal(got.status, 200, got.text);
    const { status: _s, log_index: _l, ...rest } = got.body;
    const { status: _s2, log_index: _l2, ...want } = x;
    assert.deepEqual(rest, want);
  }
  // Keyset paging, one per page: every model, in id order.
  assert.deepEqual(ids(await listAll('')), ids(allModels));
  const page = await http(api.base, 'GET', '/v1/models');
  assert.equal(page.status, 200);
  assert.deepEqual(ids(page.body.models), ids(allModels));
  assert.equal(page.body.next_cursor, null);
  const q = (s) => listAll(s).then(ids);
  assert.deepEqual(await q(`digest=${m.m1.model.digest}`), expect((x) => x.model.digest === m.m1.model.digest));
  assert.deepEqual(await q(`digest=${m.m1.model.digest}`), [m.m1.id, m.m1b.id]);
  assert.deepEqual(await q(`digest=${manifest.files[4].digest}`), [m.m1.id, m.m1b.id]);
  assert.deepEqual(await q(`digest=${m.m2.model.digest}`), [m.m2.id]);
  assert.deepEqual(await q(`digest=${await randomHash()}`), []);
  assert.deepEqual(await q('name=provd-llm'), [m.m1.id, m.m2.id, m.m1b.id]);
  if (m.m5) assert.deepEqual(await q(`name=${encodeURIComponent(m.m5.model.name)}`), [m.m5.id]);
  assert.deepEqual(await q('name=nothing'), []);
  assert.deepEqual(await q(`signer=${encodeURIComponent(p256.publicKey)}`), [m.m3.id]);
  assert.deepEqual(await q(`signer=${wallet.address}`), [m.m2.id]);
  assert.deepEqual(await q(`signer=${encodeURIComponent(trainer.publicKey)}`),
    expect((x) => x.signer.public_key === trainer.publicKey));
  assert.deepEqual(await q(`dataset=${ds.A.id}`), expect((x) => x.datasets.some((d) => d.id === ds.A.id)));
  assert.deepEqual(await q(`dataset=${ds.C.id}`), [m.m2.id, m.m3.id]);
  assert.deepEqual(await q(`dataset=${ds.open.id}`), []);
  assert.deepEqual(await q(`name=provd-llm&dataset=${ds.C.id}`), [m.m2.id]);
  assert.deepEqual(await q(`name=provd-llm&signer=${wallet2.address}&digest=${manifest.files[0].digest}`), [m.m1b.id]);

  for (const [qs, field] of [['limit=0', 'limit'], ['limit=1001', 'limit'], ['limit=x', 'limit'],
    ['cursor=zz', 'cursor'], ['cursor=-1', 'cursor'], ['digest=sha256:XYZ', 'digest'], ['digest=abc', 'digest'],
    ['dataset=0', 'dataset'], ['dataset=x', 'dataset'], ['color=red', 'color']]) {
    assertProblem(assert, await http(api.base, 'GET', `/v1/models?${qs}`), 400, 'invalid-parameter', field);
  }
  assertProblem(assert, await http(api.base, 'GET', '/v1/models/987654'), 404, 'model-not-found');
  for (const bad of ['x', '0', '-1', '1.5']) {
    assertProblem(assert, await http(api.base, 'GET', `/v1/models/${bad}`), 400, 'invalid-parameter', 'id');
  }
  for (const sub of ['receipt', 'lineage', 'attestation', 'proof?content_hash=' + h.h0]) {
    assertProblem(assert, await http(api.base, 'GET', `/v1/models/987654/${sub}`), 404, 'model-not-found');
    assertProblem(assert, await http(api.base, 'GET', `/v1/models/x/${sub}`), 400, 'invalid-parameter', 'id');
  }
  assertProblem(assert, await http(api.base, 'PUT', `/v1/models/${m.m1.id}`, { token }), 405, 'method-not-allowed');
  assertProblem(assert, await http(api.base, 'DELETE', '/v1/models', { token }), 405, 'method-not-allowed');
});

test('receipts: the model record is logged after its datasets and verifies independently', async () => {
  for (const x of [m.m1, m.m2, m.m3, m.m1b]) {
    const rc = await logged(`/v1/models/${x.id}/receipt`);
    assert.deepEqual(Object.keys(rc).sort(), ['anchor', 'checkpoint', 'id', 'inclusion_proof', 'leaf_hash',
      'log_index', 'record', 'status', 'tree_size']);
    assert.equal(rc.id, x.id);
    assert.equal(rc.status, 'logged');
    assert.equal(rc.record.type, 'provd.model.v1');
    // The record is the statement plus registered_at and the signature.
    const stmt = { model: x.model, datasets: x.datasets, metadata: x.metadata };
    const { registered_at: at, signature, ...rest } = rc.record;
    assert.deepEqual(rest, { type: 'provd.model.v1', ...stmt });
    assert.equal(at, x.registered_at);
    assert.deepEqual(signature, x.signature);
    assert.ok(Buffer.from(canonicalize(rest)).equals(modelStatement(stmt)), 'the record less two members is the statement');
    if (x.id === m.m2.id) assert.ok(!('files' in rc.record.model));
    const v = await verifyModelReceipt(rc, key.vkey);
    assert.equal(v.origin, 'log.provd.test/models');
    assert.match(rc.leaf_hash, /^[0-9a-f]{64}$/);
    assert.equal(rc.anchor, null);
    const shown = (await http(api.base, 'GET', `/v1/models/${x.id}`)).body;
    assert.equal(shown.status, 'logged');
    assert.equal(shown.log_index, rc.log_index);
    for (const d of x.datasets) {
      const dsr = await logged(`/v1/datasets/${d.id}/receipt`);
      assert.ok(rc.log_index > dsr.log_index,
        `model ${x.id} logged at ${rc.log_index}, after dataset ${d.id} at ${dsr.log_index}`);
    }
    // The receipt alone verifies with provd verify too; a tampered one does not.
    const cli = verifyWithCli(rc);
    assert.equal(cli.status, 0, cli.stderr);
    const bad = structuredClone(rc);
    bad.record.model.version += 'x';
    await assert.rejects(verifyModelReceipt(bad, key.vkey));
    assert.equal(verifyWithCli(bad).status, 1);
  }
});

// Model receipts keep their log context too (registry/ctxcache.h): a change shows at once.
test('a model receipt shows a stored anchor at once, and loses it with it', async () => {
  const first = await logged(`/v1/models/${m.m1.id}/receipt`);
  assert.deepEqual(await logged(`/v1/models/${m.m1.id}/receipt`), first);
  const [, size, root] = first.checkpoint.split('\n');
  sql(dbUrl, `INSERT INTO anchors (chain_id, sender, recipient, tree_size, root, calldata, status, nonce,
      tx_hash, block_number, block_hash, confirmations, submitted_at, mined_at, confirmed_at)
    VALUES (31337, decode(repeat('ab', 20), 'hex'), decode(repeat('cd', 20), 'hex'), ${size},
      decode('${Buffer.from(root, 'base64').toString('hex')}', 'hex'), '\\x01', 'confirmed', 0,
      sha256('model-ctx'::bytea), 7, sha256('model-block'::bytea), 12, now(), now(), now())`);
  const anchored = await logged(`/v1/models/${m.m1.id}/receipt`);
  assert.equal(anchored.status, 'anchored');
  assert.equal(anchored.anchor.tree_size, Number(size));
  sql(dbUrl, `DELETE FROM anchors WHERE tree_size = ${size}`);
  assert.deepEqual(await logged(`/v1/models/${m.m1.id}/receipt`), first);
});

test('provenance lists the models a content hash went into, also in the batch lookup', async () => {
  await logged(`/v1/models/${m.m1.id}/receipt`);
  const use = (x, ...dsIds) => ({ model_id: x.id, name: x.model.name, version: x.model.version,
                                  digest: x.model.digest, dataset_ids: dsIds.sort((a, b) => a - b) });
  const norm = (list) => list.map((u) => ({ ...u, dataset_ids: [...u.dataset_ids].sort((a, b) => a - b) }))
    .sort((a, b) => a.model_id - b.model_id);
  const m5 = (...dsIds) => (m.m5 ? [use(m.m5, ...dsIds)] : []);
  const want = {
    h0: [use(m.m1, ds.A.id), use(m.m1b, ds.A.id), ...m5(ds.A.id), use(m.refusedOk, ds.A.id)],
    h1: [use(m.m1, ds.A.id, ds.B.id), use(m.m2, ds.B.id), use(m.m1b, ds.A.id, ds.B.id), ...m5(ds.A.id),
         use(m.refusedOk, ds.A.id, ds.B.id)],
    h6: [use(m.m2, ds.C.id), use(m.m3, ds.C.id)],
    hx: [],
  };
  for (const [k, expected] of Object.entries(want)) {
    const r = await http(api.base, 'GET', `/v1/provenance/${h[k]}`);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(norm(r.body.used_in), expected, k);
    assert.equal(r.body.used_in_truncated, false);
  }
  const batch = await http(api.base, 'POST', '/v1/provenance/batch',
    { body: { content_hashes: [h.h0, h.hx, h.h6, h.h1] } });
  assert.equal(batch.status, 200, batch.text);
  assert.deepEqual(batch.body.results.map((x) => norm(x.used_in)), [want.h0, want.hx, want.h6, want.h1]);
  for (const x of batch.body.results) assert.equal(x.used_in_truncated, false);
});

test('lineage: the datasets in the model\'s order with their audits, and the totals', async () => {
  const curatorMismatches = [];
  for (const x of [m.m1, m.m2, m.m3]) {
    await logged(`/v1/models/${x.id}/receipt`);
    const r = await http(api.base, 'GET', `/v1/models/${x.id}/lineage`);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.model_id, x.id);
    assert.deepEqual(r.body.model, { name: x.model.name, version: x.model.version, digest: x.model.digest });
    assert.deepEqual(r.body.datasets.map((d) => d.id), x.datasets.map((d) => d.id));
    const totals = { members: 0, passing: 0, failing: 0 };
    for (const d of r.body.datasets) {
      const shown = (await http(api.base, 'GET', `/v1/datasets/${d.id}`)).body;
      const audit = (await http(api.base, 'GET', `/v1/datasets/${d.id}/audit`)).body;
      assert.equal(audit.final, true);
      const { audit: a, curator: c, ...rest } = d;
      assert.deepEqual(rest, { id: shown.id, name: shown.name, version: shown.version,
        member_count: shown.member_count, members_root: shown.members_root, sealed_at: shown.sealed_at,
        log_index: shown.log_index });
      // The curator is the signer object of the dataset JSON (checked last, below).
      try {
        assert.deepEqual(c, shown.signer);
      } catch {
        curatorMismatches.push(`dataset ${d.id}: curator ${JSON.stringify(c)}, dataset signer ${JSON.stringify(shown.signer)}`);
      }
      assert.deepEqual(a, { final: true, members: audit.members, passing: audit.passing,
                            failing: audit.failing, by_reason: audit.by_reason });
      for (const k of Object.keys(totals)) totals[k] += audit[k];
    }
    assert.deepEqual(r.body.totals, totals);
  }
  // Set A: h3 (GPL) and h.u (unregistered) fail its licence policy.
  const l1 = (await http(api.base, 'GET', `/v1/models/${m.m1.id}/lineage`)).body;
  assert.deepEqual(l1.datasets[0].audit.by_reason.license, 1);
  assert.deepEqual(l1.datasets[0].audit.by_reason.unregistered, 1);
  assert.deepEqual(l1.totals, { members: 8, passing: 6, failing: 2 });
  assert.deepEqual(curatorMismatches, []);
});

async function proofOf(model, contentHash) {
  return logged(`/v1/models/${model.id}/proof?content_hash=${contentHash}`);
}

test('training-data proofs verify independently, registrations before the dataset only', async () => {
  // A registration of h0 after the dataset record: never part of the proof.
  const late = await register(crawler, { license: 'MIT', late: true }, h.h0);
  const lateRc = await logged(`/v1/items/${late.id}/receipt`);
  const dsA = await logged(`/v1/datasets/${ds.A.id}/receipt`);
  assert.ok(lateRc.log_index > dsA.log_index);

  let p = await proofOf(m.m1, h.h0);
  assert.deepEqual(Object.keys(p).sort(), ['content_hash', 'dataset', 'dataset_id', 'membership', 'model',
    'model_id', 'registrations']);
  assert.equal(p.model_id, m.m1.id);
  assert.equal(p.content_hash, h.h0);
  assert.equal(p.dataset_id, ds.A.id);
  assert.deepEqual({ ...p.membership, inclusion_proof: undefined },
    { position: 0, member_count: 5, members_root: ds.A.members_root, inclusion_proof: undefined });
  const m1rc = await logged(`/v1/models/${m.m1.id}/receipt`);
  for (const k of ['id', 'status', 'record', 'leaf_hash', 'log_index']) assert.deepEqual(p.model[k], m1rc[k], k);
  assert.deepEqual(p.dataset.record, dsA.record);
  assert.deepEqual(p.registrations.map((r) => r.id), [items.h0.id]);
  let v = await verifyModelProof(p, key.vkey);
  assert.equal(v.position, 0);
  assert.equal(v.datasetId, ds.A.id);

  // h1 is in A and B and registered twice.
  p = await proofOf(m.m1, h.h1);
  assert.ok([ds.A.id, ds.B.id].includes(p.dataset_id));
  assert.deepEqual(p.registrations.map((r) => r.id).sort((a, b) => a - b), [items.h1.id, items.h1b.id]);
  v = await verifyModelProof(p, key.vkey);
  assert.equal(v.registrationLogIndexes.length, 2);
  // An unregistered member: proven, with no registrations.
  p = await proofOf(m.m1, h.u);
  assert.deepEqual(p.registrations, []);
  assert.equal((await verifyModelProof(p, key.vkey)).position, 4);
  // The EIP-712 model (datasets C, B): h1 through B; the P-256 model: h6 through C.
  p = await proofOf(m.m2, h.h1);
  assert.equal(p.dataset_id, ds.B.id);
  assert.equal((await verifyModelProof(p, key.vkey)).position, 2);
  p = await proofOf(m.m3, h.h6);
  assert.equal(p.dataset_id, ds.C.id);
  assert.deepEqual(p.membership.inclusion_proof, []);
  await verifyModelProof(p, key.vkey);

  // Not in any dataset of the model; bad content hashes.
  for (const ch of [h.h6, h.hx, await randomHash()]) {
    assertProblem(assert, await http(api.base, 'GET', `/v1/models/${m.m1.id}/proof?content_hash=${ch}`),
      404, 'not-a-member', 'content_hash');
  }
  for (const q of ['', '?content_hash=sha256:XYZ', `?content_hash=${h.h0.toUpperCase()}`,
                   `?content_hash=${h.h0.slice(7)}`, `?content_hash=${h.h0}&x=1`]) {
    const field = q.includes('&x=1') ? 'x' : 'content_hash';
    assertProblem(assert, await http(api.base, 'GET', `/v1/models/${m.m1.id}/proof${q}`), 400,
      'invalid-parameter', field);
  }
});

test('a training-data proof fails after any one-byte tamper, in the verifier and in provd verify', async () => {
  // A late registration of h1: a genuine receipt of this content, logged after the dataset.
  const late = await register(curator, { license: 'MIT' }, h.h1);
  const lateRc = await logged(`/v1/items/${late.id}/receipt`);
  const otherRc = await logged(`/v1/items/${items.h2.id}/receipt`);
  const dsC = await logged(`/v1/datasets/${ds.C.id}/receipt`);
  const proof = await proofOf(m.m1, h.h1);
  await verifyModelProof(proof, key.vkey);
  const otherDs = proof.dataset_id === ds.A.id ? ds.B.id : ds.A.id;
  assert.ok(proof.membership.inclusion_proof.length > 0);
  const ok = verifyWithCli(proof);
  assert.equal(ok.status, 0, `provd verify of a model proof: ${ok.stdout}${ok.stderr}`);
  assert.match(ok.stdout, /^OK/m);

  const MODEL = /model/i, DATASET = /dataset/i, MEMBER = /member/i, REG = /registration/i;
  const tampers = [
    ['model name', MODEL, (p) => { p.model.record.model.name += 'x'; }],
    ['model digest', MODEL, (p) => { p.model.record.model.digest = 'sha256:' + flipHex(p.model.record.model.digest.slice(7)); }],
    ['model file digest', MODEL, (p) => { const f = p.model.record.model.files[0]; f.digest = 'sha256:' + flipHex(f.digest.slice(7)); }],
    ['model dataset root', MODEL, (p) => { const d = p.model.record.datasets.find((x) => x.id === p.dataset_id); d.members_root = flipHex(d.members_root); }],
    ['model metadata', MODEL, (p) => { p.model.record.metadata.epochs = 4; }],
    ['model registered_at', MODEL, (p) => { p.model.record.registered_at = p.model.record.registered_at.replace(/(\d)Z$/, (_, d) => (d === '9' ? '8' : '9') + 'Z'); }],
    ['model signature', MODEL, (p) => { p.model.record.signature.value = flipB64(p.model.record.signature.value); }],
    ['model inclusion proof', MODEL, (p) => { if (p.model.inclusion_proof.length) p.model.inclusion_proof[0] = flipHex(p.model.inclusion_proof[0]); else p.model.inclusion_proof.push('00'.repeat(32)); }],
    ['model log index', MODEL, (p) => { p.model.log_index += 1; }],
    ['model checkpoint signature', MODEL, (p) => { p.model.checkpoint = flipNoteSignature(p.model.checkpoint); }],
    ['content hash', MEMBER, (p) => { p.content_hash = 'sha256:' + flipHex(p.content_hash.slice(7)); }],
    ['dataset id', /model|dataset/i, (p) => { p.dataset_id = otherDs; }],
    ['membership position', MEMBER, (p) => { p.membership.position ^= 1; }],
    ['membership count', /member|dataset/i, (p) => { p.membership.member_count += 1; }],
    ['membership root', /member|dataset|model/i, (p) => { p.membership.members_root = flipHex(p.membership.members_root); }],
    ['membership proof hash', MEMBER, (p) => { p.membership.inclusion_proof[0] = flipHex(p.membership.inclusion_proof[0]); }],
    ['dataset name', DATASET, (p) => { p.dataset.record.name += 'x'; }],
    ['dataset root', /dataset|member/i, (p) => { p.dataset.record.members_root = flipHex(p.dataset.record.members_root); }],
    ['dataset sealed_at', DATASET, (p) => { p.dataset.record.sealed_at = p.dataset.record.sealed_at.replace(/(\d)Z$/, (_, d) => (d === '9' ? '8' : '9') + 'Z'); }],
    ['dataset signature', DATASET, (p) => { p.dataset.record.signature.value = flipB64(p.dataset.record.signature.value); }],
    ['dataset inclusion proof', DATASET, (p) => { if (p.dataset.inclusion_proof.length) p.dataset.inclusion_proof[0] = flipHex(p.dataset.inclusion_proof[0]); else p.dataset.inclusion_proof.push('00'.repeat(32)); }],
    ['dataset log index', DATASET, (p) => { p.dataset.log_index += 1; }],
    ['dataset checkpoint signature', DATASET, (p) => { p.dataset.checkpoint = flipNoteSignature(p.dataset.checkpoint); }],
    ['another dataset record', /dataset|member|model/i, (p) => { p.dataset = structuredClone(dsC); }],
    ['registration metadata', REG, (p) => { p.registrations[0].record.metadata.license = 'GPL-3.0-only'; }],
    ['registration content hash', REG, (p) => { const r = p.registrations[1].record; r.content_hash = 'sha256:' + flipHex(r.content_hash.slice(7)); }],
    ['registration signature', REG, (p) => { p.registrations[0].record.signature.value = flipB64(p.registrations[0].record.signature.value); }],
    ['registration inclusion proof', REG, (p) => { const r = p.registrations[0]; if (r.inclusion_proof.length) r.inclusion_proof[0] = flipHex(r.inclusion_proof[0]); else r.inclusion_proof.push('00'.repeat(32)); }],
    ['registration checkpoint signature', REG, (p) => { p.registrations[1].checkpoint = flipNoteSignature(p.registrations[1].checkpoint); }],
    ['registration of other content', REG, (p) => { p.registrations[0] = structuredClone(otherRc); }],
    ['registration after the dataset', REG, (p) => { p.registrations.push(structuredClone(lateRc)); }],
  ];
  const cliMisses = [];
  for (const [name, link, t] of tampers) {
    const copy = structuredClone(proof);
    t(copy);
    assert.notDeepEqual(copy, proof, name);
    await assert.rejects(verifyModelProof(copy, key.vkey), (e) => {
      assert.match(e.message, link, `${name}: ${e.message}`);
      return true;
    }, name);
    const r = verifyWithCli(copy);
    assert.equal(r.status, 1, `provd verify accepted the tamper "${name}": ${r.stdout}`);
    assert.match(r.stderr, /^FAIL: /, name);
    // The link must be named in the reason itself, not only in the document's name.
    if (!link.test(r.stderr.replace(/model proof/gi, ''))) cliMisses.push(`${name}: ${r.stderr.trim()}`);
  }
  assert.deepEqual(cliMisses, [], 'provd verify names the failing link');
});

test('the attestation: a DSSE envelope over an in-toto statement, signed with the log key', async () => {
  const vkey = (await http(api.base, 'GET', '/v1/log/key')).text.trim();
  assert.equal(vkey, key.vkey);
  for (const x of [m.m1, m.m2]) {
    const env = await logged(`/v1/models/${x.id}/attestation`);
    assert.equal(env.payloadType, 'application/vnd.in-toto+json');
    assert.equal(env.signatures.length, 1);
    assert.match(env.signatures[0].keyid, /^[0-9a-f]{8}$/);
    assert.equal(env.signatures[0].keyid, vkey.split('+')[1]);
    const { json: st } = await verifyEnvelope(env, vkey);
    checkInTotoStatement(st);
    assert.deepEqual(st.subject, [{ name: x.model.name, digest: { sha256: x.model.digest.slice(7) } }]);
    assert.equal(st.predicateType, PREDICATE_TYPE);
    const lineage = (await http(api.base, 'GET', `/v1/models/${x.id}/lineage`)).body;
    const rc = await logged(`/v1/models/${x.id}/receipt`);
    const pr = st.predicate;
    assert.ok(Array.isArray(pr.datasets), 'predicate.datasets');
    assert.deepEqual(pr.datasets.map((d) => d.id), x.datasets.map((d) => d.id));
    for (const [i, d] of pr.datasets.entries()) {
      const l = lineage.datasets[i];
      for (const k of ['id', 'name', 'version', 'members_root', 'member_count', 'log_index']) {
        assert.deepEqual(d[k], l[k], `predicate.datasets[${i}].${k}`);
      }
      assert.deepEqual(d.curator, l.curator);
      const audit = d.audit ?? d;
      for (const k of ['members', 'passing', 'failing']) {
        assert.equal(audit[k], l.audit[k], `predicate.datasets[${i}] audit ${k}`);
      }
    }
    // The model record's log index, and a checkpoint note (signed by the log) covering it.
    const logIndex = pr.model?.log_index ?? pr.log_index ?? pr.model_log_index;
    assert.equal(logIndex, rc.log_index, 'the predicate names the model record\'s log index');
    // (The design does not name the member: it is looked for where a reader would.)
    const note = pr.checkpoint ?? pr.model?.checkpoint ?? pr.log?.checkpoint;
    assert.equal(typeof note, 'string', 'the predicate carries the checkpoint');
    const cp = parseCheckpoint(await openNote(note, vkey));
    assert.ok(cp.size > rc.log_index, 'the checkpoint covers the model record');
    if (pr.log?.tree_size !== undefined) assert.equal(pr.log.tree_size, cp.size);
    if (pr.log?.origin !== undefined) assert.equal(pr.log.origin, cp.origin);
    if (pr.model?.id !== undefined) assert.equal(pr.model.id, x.id);

    // Tampers: payload bytes, type, key id, signature; another key.
    const body = Buffer.from(env.payload, 'base64');
    const flipped = Buffer.from(body);
    flipped[Math.floor(body.length / 2)] ^= 1;
    const bad = [
      { ...env, payload: flipped.toString('base64') },
      { ...env, payload: Buffer.from(JSON.stringify({ ...st, subject: [{ name: x.model.name,
        digest: { sha256: flipHex(x.model.digest.slice(7)) } }] })).toString('base64') },
      { ...env, payloadType: 'application/json' },
      { ...env, signatures: [{ ...env.signatures[0], keyid: '00000000' }] },
      { ...env, signatures: [{ ...env.signatures[0], sig: flipB64(env.signatures[0].sig, 7) }] },
      { ...env, signatures: [] },
      { ...env, payload: env.payload + '!' },
    ];
    for (const e of bad) await assert.rejects(verifyEnvelope(e, vkey));
    await assert.rejects(verifyEnvelope(env, createLogKey('log.provd.test/models').vkey));
    // URL-safe base64 is as good as standard base64 (the spec requires accepting both).
    const urlSafe = { ...env, payload: body.toString('base64url'),
                      signatures: [{ ...env.signatures[0], sig: Buffer.from(env.signatures[0].sig, 'base64').toString('base64url') }] };
    await verifyEnvelope(urlSafe, vkey);
  }
});
