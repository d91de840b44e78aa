// SPDX-License-Identifier: Apache-2.0
// Datasets: lifecycle, members and their root, sealing with every signature scheme, receipts and
// membership proofs checked by an independent verifier (and rejected after tampering), the
// provenance lookup's datasets, concurrent appends, and bad input on every endpoint.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, webcrypto as crypto } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Wallet, keccak256, toUtf8Bytes } from 'ethers';
import {
  startProvd, createApiKey, createLogKey, newEd25519Signer, signedItem, http, assertProblem,
  freshDatabase, sha256Hex, b64url, runProvd, tempDir, provdBin, sql,
} from './lib/harness.mjs';
import { canonicalize } from './lib/jcs.mjs';
import { datasetStatement, membersRoot, verifyMembershipProof } from './lib/dataset.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let srv, token, otherToken, adminToken, key, curator;

before(async () => {
  const dbUrl = freshDatabase();
  token = createApiKey(dbUrl);
  otherToken = createApiKey(dbUrl);
  adminToken = createApiKey(dbUrl, 'admin');
  key = createLogKey('log.provd.test/datasets');
  srv = await startProvd({ dbUrl, command: 'run', logKey: key });
  curator = await newEd25519Signer();
});
after(async () => {
  await srv.stop();
});

const randomHash = async () => 'sha256:' + (await sha256Hex(randomBytes(32)));
const hashes = (n) => Promise.all(Array.from({ length: n }, randomHash));

async function create(body = {}, t = token) {
  const res = await http(srv.base, 'POST', '/v1/datasets', {
    body: { name: 'corpus', version: '1.0', ...body }, token: t });
  assert.equal(res.status, 201, res.text);
  return res.body;
}

const append = (id, contentHashes, t = token) =>
  http(srv.base, 'POST', `/v1/datasets/${id}/members`, { body: { content_hashes: contentHashes }, token: t });

async function allMembers(id) {
  const out = [];
  let cursor = null;
  do {
    const q = cursor ? `?limit=7&cursor=${cursor}` : '?limit=7';
    const res = await http(srv.base, 'GET', `/v1/datasets/${id}/members${q}`);
    assert.equal(res.status, 200, res.text);
    out.push(...res.body.members);
    cursor = res.body.next_cursor;
  } while (cursor);
  return out;
}

async function sealBody(d, count, root, signer = curator) {
  const value = await signer.sign(datasetStatement(d, count, root));
  return { member_count: count, members_root: root,
           signature: { scheme: 'ed25519', public_key: signer.publicKey, value } };
}

const tmp = tempDir('provd-datasets-');
function verifyWithCli(doc) {
  const file = path.join(tmp, `p-${Math.random().toString(36).slice(2)}.json`);
  fs.writeFileSync(file, JSON.stringify(doc));
  return runProvd(['verify', file, '--log-key', key.vkey]);
}

async function proofOf(id, contentHash) {
  for (let i = 0; i < 200; i++) {
    const r = await http(srv.base, 'GET', `/v1/datasets/${id}/proof?content_hash=${contentHash}`);
    if (r.status === 200) return r.body;
    assert.equal(r.status, 202, r.text);
    assert.equal(r.headers.get('retry-after'), '1');
    await sleep(50);
  }
  throw new Error('the dataset was not logged');
}

test('a dataset is created, filled in order without duplicates, sealed and proven', async () => {
  const d = await create({ metadata: { description: 'test corpus', tags: ['a'] },
                           policy: { licenses: ['MIT', 'CC-BY-4.0'], require_logged: true } });
  assert.equal(d.status, 'open');
  assert.equal(d.member_count, 0);
  assert.equal(d.members_root, null);
  assert.equal(d.signer, null);
  assert.equal(d.log_index, null);
  assert.deepEqual(d.policy, { licenses: ['MIT', 'CC-BY-4.0'], require_logged: true });
  const got = await http(srv.base, 'GET', `/v1/datasets/${d.id}`);
  assert.deepEqual(got.body, d);

  const first = await hashes(10);
  let res = await append(d.id, [...first, first[3]]);
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(res.body, { appended: 10, duplicates: 1, member_count: 10,
                               members_root: membersRoot(first) });
  // A retried request is harmless.
  res = await append(d.id, first);
  assert.deepEqual(res.body, { appended: 0, duplicates: 10, member_count: 10,
                               members_root: membersRoot(first) });
  // text/plain, CRLF and a blank line
  const more = await hashes(5);
  res = await http(srv.base, 'POST', `/v1/datasets/${d.id}/members`, {
    token, raw: `${more[0]}\r\n${more[1]}\n\n${first[0]}\n${more.slice(2).join('\n')}`,
    headers: { 'content-type': 'text/plain; charset=utf-8' } });
  assert.equal(res.status, 200, res.text);
  const all = [...first, ...more];
  assert.deepEqual(res.body, { appended: 5, duplicates: 1, member_count: 15,
                               members_root: membersRoot(all) });
  const listed = await allMembers(d.id);
  assert.deepEqual(listed, all.map((h, i) => ({ position: i, content_hash: h })));

  // The seal states what the curator computed; any difference changes nothing.
  const root = membersRoot(all);
  const wrongCount = await sealBody(d, 14, root);
  assertProblem(assert, await http(srv.base, 'POST', `/v1/datasets/${d.id}/seal`,
    { body: wrongCount, token }), 409, 'dataset-mismatch', 'member_count');
  const wrongRoot = await sealBody(d, 15, membersRoot(all.slice(1)));
  assertProblem(assert, await http(srv.base, 'POST', `/v1/datasets/${d.id}/seal`,
    { body: wrongRoot, token }), 409, 'dataset-mismatch', 'members_root');
  const badSig = await sealBody({ ...d, version: '2.0' }, 15, root);
  assertProblem(assert, await http(srv.base, 'POST', `/v1/datasets/${d.id}/seal`,
    { body: badSig, token }), 422, 'signature-invalid', 'signature.value');
  assert.equal((await http(srv.base, 'GET', `/v1/datasets/${d.id}`)).body.status, 'open');

  const sealed = await http(srv.base, 'POST', `/v1/datasets/${d.id}/seal`,
    { body: await sealBody(d, 15, root), token });
  assert.equal(sealed.status, 200, sealed.text);
  assert.equal(sealed.body.status, 'sealed');
  assert.equal(sealed.body.members_root, root);
  assert.deepEqual(sealed.body.signer, { scheme: 'ed25519', public_key: curator.publicKey,
                                         known: false, name: null, revoked: false });
  assert.ok(sealed.body.sealed_at);
  // Sealed means final.
  assertProblem(assert, await append(d.id, await hashes(1)), 409, 'dataset-sealed');
  assertProblem(assert, await http(srv.base, 'POST', `/v1/datasets/${d.id}/seal`,
    { body: await sealBody(d, 15, root), token }), 409, 'dataset-sealed');
  assertProblem(assert, await http(srv.base, 'DELETE', `/v1/datasets/${d.id}`, { token }),
    409, 'dataset-sealed');

  const proof = await proofOf(d.id, all[7]);
  assert.equal(proof.position, 7);
  assert.equal(proof.member_count, 15);
  assert.equal(proof.members_root, root);
  assert.equal(proof.dataset.status, 'logged');
  assert.equal(proof.dataset.record.type, 'provd.dataset.v1');
  assert.deepEqual(proof.dataset.record.metadata, d.metadata);
  const v = await verifyMembershipProof(proof, key.vkey);
  assert.equal(v.position, 7);
  const shown = (await http(srv.base, 'GET', `/v1/datasets/${d.id}`)).body;
  assert.equal(shown.log_index, proof.dataset.log_index);
  const receipt = await http(srv.base, 'GET', `/v1/datasets/${d.id}/receipt`);
  assert.equal(receipt.status, 200);
  assert.deepEqual(receipt.body, proof.dataset);

  // Every member proves; a non-member does not.
  for (const [i, h] of all.entries()) {
    const p = await proofOf(d.id, h);
    assert.equal(p.position, i);
    await verifyMembershipProof(p, key.vkey);
  }
  assertProblem(assert, await http(srv.base, 'GET',
    `/v1/datasets/${d.id}/proof?content_hash=${await randomHash()}`), 404, 'not-a-member',
    'content_hash');
});

// Dataset receipts keep their log context too (registry/ctxcache.h): a change shows at once.
test('a dataset receipt and membership proof show a stored anchor at once, and lose it with it', async () => {
  const d = await create({ name: 'anchored-corpus' });
  const members = await hashes(3);
  assert.equal((await append(d.id, members)).status, 200);
  const root = membersRoot(members);
  const sealed = await http(srv.base, 'POST', `/v1/datasets/${d.id}/seal`,
    { body: await sealBody(d, 3, root), token });
  assert.equal(sealed.status, 200, sealed.text);
  const kept = async () => Number(/^provd_receipt_contexts_total\{source="kept"\} (\d+)$/m
    .exec((await http(srv.base, 'GET', '/metrics')).text)[1]);
  const first = await proofOf(d.id, members[1]);
  const kept0 = await kept();
  assert.deepEqual(await proofOf(d.id, members[1]), first);
  assert.equal(await kept(), kept0 + 1, 'the second proof uses the kept context');
  assert.equal(first.dataset.anchor, null);
  const size = Number(first.dataset.checkpoint.split('\n')[1]);
  const rootHex = Buffer.from(first.dataset.checkpoint.split('\n')[2], 'base64').toString('hex');
  sql(srv.dbUrl, `INSERT INTO anchors (chain_id, sender, recipient, tree_size, root, calldata, status, nonce,
      tx_hash, block_number, block_hash, confirmations, submitted_at, mined_at, confirmed_at)
    VALUES (31337, decode(repeat('ab', 20), 'hex'), decode(repeat('cd', 20), 'hex'), ${size},
      decode('${rootHex}', 'hex'), '\\x01', 'confirmed', 0, sha256('dataset-ctx'::bytea), 7,
      sha256('dataset-block'::bytea), 12, now(), now(), now())`);
  const anchored = await proofOf(d.id, members[1]);
  assert.equal(anchored.dataset.status, 'anchored');
  assert.equal(anchored.dataset.anchor.tree_size, size);
  assert.deepEqual((await http(srv.base, 'GET', `/v1/datasets/${d.id}/receipt`)).body, anchored.dataset);
  sql(srv.dbUrl, `DELETE FROM anchors WHERE tree_size = ${size}`);
  assert.deepEqual(await proofOf(d.id, members[1]), first);
});

test('a membership proof fails after any one-byte tamper', async () => {
  const d = await create({ name: 'tamper' });
  const list = await hashes(9);
  await append(d.id, list);
  const root = membersRoot(list);
  assert.equal((await http(srv.base, 'POST', `/v1/datasets/${d.id}/seal`,
    { body: await sealBody(d, 9, root), token })).status, 200);
  const proof = await proofOf(d.id, list[4]);
  await verifyMembershipProof(proof, key.vkey);
  const flip = (hex) => hex.slice(0, -1) + (hex.at(-1) === '0' ? '1' : '0');
  const tampered = [
    (p) => { p.content_hash = 'sha256:' + flip(p.content_hash.slice(7)); },
    (p) => { p.position = 5; },
    (p) => { p.inclusion_proof[0] = flip(p.inclusion_proof[0]); },
    (p) => { p.members_root = flip(p.members_root); },
    (p) => { p.dataset.record.members_root = flip(p.dataset.record.members_root); },
    (p) => { p.dataset.record.name = 'other'; },
    (p) => { p.dataset.record.metadata = { x: 1 }; },
    (p) => { p.dataset.record.sealed_at = p.dataset.record.sealed_at.replace(/(.)Z$/, (_, d) => (d === '9' ? '8' : '9') + 'Z'); },
    (p) => { p.dataset.inclusion_proof.push('00'.repeat(32)); },
    (p) => { p.dataset.log_index += 1; },
  ];
  const ok = verifyWithCli(proof);
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, new RegExp(`${list[4]} is member 4 of 9 under members root ${root}`));
  assert.match(ok.stdout, /the ed25519 signature by \S+ verifies over the statement of dataset tamper 1.0/);
  assert.match(ok.stdout, /the dataset record is entry \d+ of log log.provd.test\/datasets/);
  for (const t of tampered) {
    const copy = structuredClone(proof);
    t(copy);
    await assert.rejects(verifyMembershipProof(copy, key.vkey), `${t}`);
    const r = verifyWithCli(copy);
    assert.equal(r.status, 1, `provd verify accepted ${t}: ${r.stdout}`);
    assert.match(r.stderr, /^FAIL: /);
  }
  // The dataset receipt alone verifies too, and a wrong key is refused.
  assert.equal(verifyWithCli(proof.dataset).status, 0);
  const other = runProvd(['verify', path.join(tmp, 'none.json'), '--log-key', key.vkey]);
  assert.equal(other.status, 1);
});

test('items registered by independent clients form a dataset; provenance lists it', async () => {
  const signer = await newEd25519Signer();
  const wallet = Wallet.createRandom();
  const ed = await signedItem(signer, { license: 'MIT' });
  const eth = { content_hash: await randomHash(), metadata: { license: 'MIT' } };
  eth.signature = { scheme: 'eip191', address: wallet.address,
                    value: await wallet.signMessage(canonicalize({ content_hash: eth.content_hash,
                      metadata: eth.metadata, type: 'provd.item.v1' })) };
  for (const item of [ed, eth]) {
    const r = await http(srv.base, 'POST', '/v1/items', { body: item, token });
    assert.equal(r.status, 201, r.text);
  }
  const d = await create({ name: 'clients', version: '2026-12' });
  const list = [ed.content_hash, eth.content_hash];
  await append(d.id, list);
  // Not listed while open.
  let prov = await http(srv.base, 'GET', `/v1/provenance/${ed.content_hash}`);
  assert.deepEqual(prov.body.datasets, []);
  // Sealed with EIP-712 typed data signed by ethers.
  const root = membersRoot(list);
  const policy = {};
  const value = await wallet.signTypedData({ name: 'provd', version: '1' }, {
    ProvdDataset: [
      { name: 'statementType', type: 'string' }, { name: 'name', type: 'string' },
      { name: 'version', type: 'string' }, { name: 'memberCount', type: 'uint256' },
      { name: 'membersRoot', type: 'bytes32' }, { name: 'metadataHash', type: 'bytes32' },
      { name: 'policyHash', type: 'bytes32' }],
  }, { statementType: 'provd.dataset.v1', name: d.name, version: d.version, memberCount: 2,
       membersRoot: '0x' + root, metadataHash: keccak256(toUtf8Bytes('{}')),
       policyHash: keccak256(toUtf8Bytes(canonicalize(policy))) });
  const res = await http(srv.base, 'POST', `/v1/datasets/${d.id}/seal`, { token,
    body: { member_count: 2, members_root: root,
            signature: { scheme: 'eip712', address: wallet.address, value } } });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.signer.address, wallet.address);
  prov = await http(srv.base, 'GET', `/v1/provenance/${eth.content_hash}`);
  assert.deepEqual(prov.body.datasets, [{ id: d.id, name: 'clients', version: '2026-12', position: 1 }]);
  assert.equal(prov.body.datasets_truncated, false);
  const batch = await http(srv.base, 'POST', '/v1/provenance/batch',
    { body: { content_hashes: [ed.content_hash, eth.content_hash] } });
  assert.equal(batch.status, 200, batch.text);
  assert.deepEqual(batch.body.results.map((r) => r.datasets.map((x) => x.position)), [[0], [1]]);
  // A P-256 (WebCrypto) seal of another dataset of the same items.
  const d2 = await create({ name: 'clients-p256' });
  await append(d2.id, list);
  const kp = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign']);
  const sig = await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, kp.privateKey,
    datasetStatement(d2, 2, root));
  const pub = b64url(await crypto.subtle.exportKey('raw', kp.publicKey));
  const res2 = await http(srv.base, 'POST', `/v1/datasets/${d2.id}/seal`, { token,
    body: { member_count: 2, members_root: root,
            signature: { scheme: 'ecdsa-p256', public_key: pub, value: b64url(sig) } } });
  assert.equal(res2.status, 200, res2.text);
  prov = await http(srv.base, 'GET', `/v1/provenance/${ed.content_hash}`);
  assert.deepEqual(prov.body.datasets.map((x) => x.id), [d.id, d2.id]);
});

test('concurrent appends keep positions contiguous and the root right', async () => {
  const d = await create({ name: 'concurrent' });
  const pool = await hashes(60);
  const parts = Array.from({ length: 8 }, (_, k) => pool.slice(k * 5, k * 5 + 20));
  const results = await Promise.all(parts.map((p) => append(d.id, p)));
  for (const r of results) assert.equal(r.status, 200, r.text);
  const unique = new Set(parts.flat());
  assert.equal(results.reduce((s, r) => s + r.body.appended, 0), unique.size);
  const listed = await allMembers(d.id);
  assert.equal(listed.length, unique.size);
  assert.deepEqual(listed.map((m) => m.position), [...listed.keys()]);
  assert.deepEqual(new Set(listed.map((m) => m.content_hash)), unique);
  const shown = (await http(srv.base, 'GET', `/v1/datasets/${d.id}`)).body;
  assert.equal(shown.members_root, membersRoot(listed.map((m) => m.content_hash)));
});

test('only the creating key changes a dataset; an open one can be deleted', async () => {
  const d = await create({ name: 'owned' });
  assertProblem(assert, await append(d.id, await hashes(1), otherToken), 403, 'dataset-forbidden');
  assertProblem(assert, await http(srv.base, 'DELETE', `/v1/datasets/${d.id}`,
    { token: otherToken }), 403, 'dataset-forbidden');
  assertProblem(assert, await append(d.id, await hashes(1), adminToken), 403, 'forbidden');
  assertProblem(assert, await append(d.id, await hashes(1), null), 401, 'unauthorized');
  // A streamed text/plain body is refused before it is read without a valid key.
  const big = (await hashes(1)).join('') + '\n';
  for (const t of [null, 'provd_nope', adminToken]) {
    const r = await http(srv.base, 'POST', `/v1/datasets/${d.id}/members`,
      { token: t, raw: big.repeat(500), headers: { 'content-type': 'text/plain' } });
    assertProblem(assert, r, t === adminToken ? 403 : 401, t === adminToken ? 'forbidden' : 'unauthorized');
  }
  await append(d.id, await hashes(3));
  const del = await http(srv.base, 'DELETE', `/v1/datasets/${d.id}`, { token });
  assert.equal(del.status, 204);
  assertProblem(assert, await http(srv.base, 'GET', `/v1/datasets/${d.id}`), 404, 'dataset-not-found');
  assertProblem(assert, await http(srv.base, 'GET', `/v1/datasets/${d.id}/members`), 404,
    'dataset-not-found');
});

test('datasets are listed by keyset, filtered by name and signer', async () => {
  const names = ['list-a', 'list-b', 'list-a'];
  const made = [];
  for (const name of names) made.push(await create({ name }));
  const byName = await http(srv.base, 'GET', '/v1/datasets?name=list-a');
  assert.deepEqual(byName.body.datasets.map((x) => x.id), [made[0].id, made[2].id]);
  const seen = [];
  let cursor = null;
  do {
    const res = await http(srv.base, 'GET', `/v1/datasets?limit=2${cursor ? '&cursor=' + cursor : ''}`);
    assert.equal(res.status, 200, res.text);
    seen.push(...res.body.datasets.map((x) => x.id));
    cursor = res.body.next_cursor;
  } while (cursor);
  assert.deepEqual(seen, [...seen].sort((a, b) => a - b));
  for (const m of made) assert.ok(seen.includes(m.id));
  const bySigner = await http(srv.base, 'GET',
    `/v1/datasets?signer=${encodeURIComponent(curator.publicKey)}`);
  assert.ok(bySigner.body.datasets.length >= 2);
  for (const x of bySigner.body.datasets) assert.equal(x.signer.public_key, curator.publicKey);
});

test('bad input on every endpoint gets a problem and changes nothing', async () => {
  const d = await create({ name: 'bad-input' });
  const good = await hashes(2);
  await append(d.id, good);
  const post = (path, body, extra = {}) => http(srv.base, 'POST', path, { body, token, ...extra });
  const creates = [
    [{ version: '1' }, 'name'], [{ name: '', version: '1' }, 'name'],
    [{ name: 'x'.repeat(201), version: '1' }, 'name'], [{ name: 'n' }, 'version'],
    [{ name: 'n', version: '1', extra: 1 }, 'extra'], [{ name: 'n', version: '1', metadata: [] }, 'metadata'],
    [{ name: 'n', version: '1', policy: { licenses: [] } }, 'policy.licenses'],
    [{ name: 'n', version: '1', policy: { licenses: ['MIT', 'not a licence'] } }, 'policy.licenses[1]'],
    [{ name: 'n', version: '1', policy: { require_logged: 'yes' } }, 'policy.require_logged'],
    [{ name: 'n', version: '1', policy: { surprise: true } }, 'policy.surprise'],
  ];
  for (const [body, field] of creates) {
    assertProblem(assert, await post('/v1/datasets', body), 422, 'invalid-field', field);
  }
  assertProblem(assert, await http(srv.base, 'POST', '/v1/datasets',
    { raw: '{"name":', token, headers: { 'content-type': 'application/json' } }), 400, 'malformed-json');
  assertProblem(assert, await http(srv.base, 'POST', '/v1/datasets',
    { raw: 'name=x', token, headers: { 'content-type': 'text/plain' } }), 415, 'unsupported-media-type');

  const members = `/v1/datasets/${d.id}/members`;
  const extra = await hashes(3);
  assertProblem(assert, await post(members, { content_hashes: [extra[0], 'sha256:XYZ', extra[1]] }),
    422, 'invalid-field', 'content_hashes[1]');
  assertProblem(assert, await post(members, { content_hashes: [] }), 422, 'invalid-field', 'content_hashes');
  assertProblem(assert, await post(members, { content_hashes: [extra[0]], more: 1 }), 422,
    'invalid-field', 'more');
  assertProblem(assert, await post(members, { content_hashes: Array(10001).fill(extra[0]) }), 422,
    'invalid-field', 'content_hashes');
  const lines = await http(srv.base, 'POST', members, { token,
    raw: `${extra[0]}\n${extra[1]}\nsha256:${'0'.repeat(63)}\n${extra[2]}\n`,
    headers: { 'content-type': 'text/plain' } });
  assertProblem(assert, lines, 422, 'invalid-field', 'line 3');
  assertProblem(assert, await http(srv.base, 'POST', members, { token, raw: '\n\n',
    headers: { 'content-type': 'text/plain' } }), 422, 'invalid-field');
  assertProblem(assert, await http(srv.base, 'POST', members, { token, raw: 'x',
    headers: { 'content-type': 'application/octet-stream' } }), 415, 'unsupported-media-type');
  assertProblem(assert, await post('/v1/datasets/999999/members', { content_hashes: extra }), 404,
    'dataset-not-found');
  assertProblem(assert, await post('/v1/datasets/0/members', { content_hashes: extra }), 400,
    'invalid-parameter', 'id');

  const seal = `/v1/datasets/${d.id}/seal`;
  const root = membersRoot(good);
  const body = await sealBody(d, 2, root);
  for (const [b, field] of [
    [{ ...body, member_count: -1 }, 'member_count'], [{ ...body, member_count: 1.5 }, 'member_count'],
    [{ ...body, members_root: root.toUpperCase() }, 'members_root'],
    [{ ...body, members_root: undefined }, 'members_root'],
    [{ ...body, signature: { ...body.signature, scheme: 'rsa' } }, 'signature.scheme'],
    [{ ...body, signature: undefined }, 'signature'], [{ ...body, note: 1 }, 'note']]) {
    assertProblem(assert, await post(seal, b), 422, 'invalid-field', field);
  }
  const empty = await create({ name: 'empty' });
  assertProblem(assert, await post(`/v1/datasets/${empty.id}/seal`,
    await sealBody(empty, 0, '00'.repeat(32))), 409, 'dataset-empty');
  assertProblem(assert, await http(srv.base, 'GET', `/v1/datasets/${d.id}/receipt`), 409, 'dataset-open');
  assertProblem(assert, await http(srv.base, 'GET', `/v1/datasets/${d.id}/proof?content_hash=${good[0]}`),
    409, 'dataset-open');
  assertProblem(assert, await http(srv.base, 'GET', `/v1/datasets/${d.id}/proof`), 400,
    'invalid-parameter', 'content_hash');
  assertProblem(assert, await http(srv.base, 'GET', `/v1/datasets/${d.id}/members?cursor=x`), 400,
    'invalid-parameter', 'cursor');
  assertProblem(assert, await http(srv.base, 'GET', `/v1/datasets/${d.id}/members?limit=10001`), 400,
    'invalid-parameter', 'limit');
  assertProblem(assert, await http(srv.base, 'GET', '/v1/datasets?cursor=zz'), 400, 'invalid-parameter',
    'cursor');
  assertProblem(assert, await http(srv.base, 'GET', '/v1/datasets?color=red'), 400, 'invalid-parameter');
  assertProblem(assert, await http(srv.base, 'PUT', `/v1/datasets/${d.id}`, { token }), 405,
    'method-not-allowed');
  // Nothing changed.
  const after = (await http(srv.base, 'GET', `/v1/datasets/${d.id}`)).body;
  assert.equal(after.member_count, 2);
  assert.equal(after.members_root, root);
  assert.equal(after.status, 'open');
});

test('the trainer CLI: create, add a directory (resumable), seal locally, audit gate, proof', async () => {
  const cli = (args, input) => {
    const r = spawnSync(provdBin, ['dataset', ...args, '--url', srv.base, '--token', token],
      { encoding: 'utf8', input });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const made = cli(['create', '--name', 'cli-set', '--version', '3', '--policy', '{"licenses":["MIT"]}']);
  assert.equal(made.status, 0, made.stderr);
  const d = JSON.parse(made.stdout);
  assert.equal(d.name, 'cli-set');
  assert.deepEqual(d.policy, { licenses: ['MIT'] });
  // A nested tree; the order is depth-first, each directory's names in bytewise order.
  const dir = path.join(tmp, 'tree');
  const files = { 'a/b.txt': 'one', 'a-c.txt': 'two', 'z/deep/x.bin': randomBytes(300000),
                  'B.txt': 'upper', 'empty': '', 'dup.txt': 'one' };
  for (const [rel, data] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), data);
  }
  fs.symlinkSync(path.join(dir, 'a-c.txt'), path.join(dir, 'link'));
  const order = ['B.txt', 'a/b.txt', 'a-c.txt', 'dup.txt', 'empty', 'z/deep/x.bin'];
  const hashed = [];
  for (const rel of order) {
    const h = 'sha256:' + (await sha256Hex(fs.readFileSync(path.join(dir, rel))));
    if (!hashed.includes(h)) hashed.push(h);
  }
  const add = cli(['add', String(d.id), '--dir', dir]);
  assert.equal(add.status, 0, add.stderr);
  assert.match(add.stdout, new RegExp(`appended 5, already there 0, member_count 5, members_root ${membersRoot(hashed)}`));
  const again = cli(['add', String(d.id), '--dir', dir]);
  assert.match(again.stdout, /appended 0, already there 5, member_count 5/);
  assert.deepEqual((await allMembers(d.id)).map((m) => m.content_hash), hashed);

  const keyFile = path.join(tmp, 'curator.key');
  assert.equal(runProvd(['logkey', 'create', '--log-key-file', keyFile, '--log-origin', 'curator']).status, 0);
  // A list that differs from what the server holds is refused: the root is computed here.
  const wrong = cli(['seal', String(d.id), '-', '--signing-key-file', keyFile], hashed.slice(1).join('\n'));
  assert.equal(wrong.status, 1);
  assert.match(wrong.stderr, /dataset-mismatch/);
  const seal = cli(['seal', String(d.id), '--dir', dir, '--signing-key-file', keyFile]);
  assert.equal(seal.status, 0, seal.stderr);
  assert.match(seal.stdout, new RegExp(`sealed: 5 members, members root ${membersRoot(hashed)}`));

  // Nothing is registered: the gate fails.
  const audit = cli(['audit', String(d.id)]);
  assert.equal(audit.status, 1, audit.stdout + audit.stderr);
  assert.match(audit.stdout, /5 members, 0 passing, 5 failing/);
  assert.match(audit.stdout, /unregistered: 5/);
  const proof = cli(['proof', String(d.id), hashed[2]]);
  assert.equal(proof.status, 0, proof.stderr);
  const p = JSON.parse(proof.stdout);
  assert.equal(p.position, 2);
  assert.equal(verifyWithCli(p).status, 0);
  await verifyMembershipProof(p, key.vkey);

  // Registered members pass the gate.
  const item = await signedItem(curator, { license: 'MIT' });
  assert.equal((await http(srv.base, 'POST', '/v1/items', { body: item, token })).status, 201);
  const ok = JSON.parse(cli(['create', '--name', 'cli-ok', '--version', '1']).stdout);
  assert.equal(cli(['add', String(ok.id), '-'], item.content_hash + '\n').status, 0);
  const pass = cli(['audit', String(ok.id)]);
  assert.equal(pass.status, 0, pass.stdout + pass.stderr);
  assert.match(pass.stdout, /1 members, 1 passing, 0 failing/);
  // Usage errors.
  assert.equal(cli(['add', String(ok.id)]).status, 1);
  assert.equal(cli(['frobnicate', '1']).status, 2);
  assert.match(cli(['add', 'x', '-']).stderr, /needs a dataset ID/);
  const noAuth = spawnSync(provdBin, ['dataset', 'add', String(ok.id), '-', '--url', srv.base],
    { encoding: 'utf8', input: item.content_hash });
  assert.equal(noAuth.status, 1);
  assert.match(noAuth.stderr, /unauthorized/);
});
