// SPDX-License-Identifier: Apache-2.0
// Ethereum wallets (EIP-191 personal_sign), signed by ethers — an independent client — exactly
// as MetaMask & co. produce them; and the log records them like any other registration.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Wallet, Signature, getAddress, keccak256, toUtf8Bytes, verifyTypedData } from 'ethers';
import {
  startProvd, createApiKey, createLogKey, http, assertProblem, freshDatabase, runProvd, sha256Hex,
  tempDir,
} from './lib/harness.mjs';
import { statement, canonicalize } from './lib/jcs.mjs';
import { openNote, parseCheckpoint, leafHash, verifyInclusion } from './lib/tlog.mjs';

let srv, token, key;
before(async () => {
  const dbUrl = freshDatabase();
  token = createApiKey(dbUrl);
  key = createLogKey('wallets.test/log');
  srv = await startProvd({ dbUrl, command: 'run', logKey: key });
});
after(async () => {
  await srv.stop();
});

async function walletItem(wallet, metadata, contentHash) {
  contentHash = contentHash || 'sha256:' + (await sha256Hex(`${Math.random()}`));
  const value = await wallet.signMessage(statement(contentHash, metadata));
  return { content_hash: contentHash, metadata,
           signature: { scheme: 'eip191', address: wallet.address, value } };
}

const post = (body) => http(srv.base, 'POST', '/v1/items', { body, token });

test('a personal_sign signature from an ethers wallet registers, idempotently', async () => {
  const wallet = Wallet.createRandom();
  const item = await walletItem(wallet, { source_url: 'https://example.org/w', license: 'MIT' });
  const res = await post(item);
  assert.equal(res.status, 201, res.text);
  assert.deepEqual(res.body.signer, { scheme: 'eip191', address: wallet.address, known: false,
                                     name: null, revoked: false });
  assert.deepEqual(res.body.signature, { scheme: 'eip191', address: wallet.address,
                                         value: item.signature.value });
  const again = await post(item);
  assert.equal(again.status, 200);
  assert.equal(again.body.id, res.body.id);
  // A lowercase address is the same signer, shown checksummed.
  const lower = await post({ ...item, signature: { ...item.signature, address: wallet.address.toLowerCase() } });
  assert.equal(lower.status, 200);
  const list = await http(srv.base, 'GET', `/v1/items?signer=${wallet.address.toLowerCase()}`);
  assert.deepEqual(list.body.items.map((r) => r.id), [res.body.id]);
});

test('v as 0/1 is accepted; one changed byte anywhere is refused', async () => {
  const wallet = Wallet.createRandom();
  const item = await walletItem(wallet, { n: 1 });
  const sig = Signature.from(item.signature.value);
  const v01 = sig.r + sig.s.slice(2) + (sig.v - 27).toString(16).padStart(2, '0');
  const ok = await post({ ...item, signature: { ...item.signature, value: v01 } });
  assert.equal(ok.status, 201, ok.text);

  const flip = (hex, i) => hex.slice(0, i) + (hex[i] === '0' ? '1' : '0') + hex.slice(i + 1);
  const other = Wallet.createRandom();
  const bad = [
    { ...item, metadata: { n: 2 } },
    { ...item, content_hash: flip(item.content_hash, 20) },
    { ...item, signature: { ...item.signature, value: flip(item.signature.value, 10) } },
    { ...item, signature: { ...item.signature, value: flip(item.signature.value, 80) } },
    { ...item, signature: { ...item.signature, address: other.address } },
  ];
  for (const body of bad) {
    assertProblem(assert, await post(body), 422, 'signature-invalid', 'signature.value');
  }
  // The malleable twin (high s) of a valid signature is refused (EIP-2).
  const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
  const highS = '0x' + (n - BigInt(sig.s)).toString(16).padStart(64, '0');
  const twin = sig.r + highS.slice(2) + (sig.v === 27 ? '1c' : '1b');
  assertProblem(assert, await post({ ...item, signature: { ...item.signature, value: twin } }),
                422, 'signature-invalid', 'signature.value');
});

test('malformed addresses and values are 422 naming the field', async () => {
  const wallet = Wallet.createRandom();
  const item = await walletItem(wallet, { n: 3 });
  const a = wallet.address;
  const wrongCase = a.slice(0, 2) + [...a.slice(2)].map((c, i) =>
    i === [...a.slice(2)].findIndex((x) => /[a-fA-F]/.test(x)) ? (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase()) : c).join('');
  assert.notEqual(wrongCase, a);
  assert.throws(() => getAddress(wrongCase), 'ethers agrees the checksum is wrong');
  const v = item.signature.value;
  const cases = [
    [{ address: wrongCase }, 'signature.address', 'invalid-field'],
    [{ address: a.slice(0, -2) }, 'signature.address', 'invalid-field'],
    [{ address: 'not an address' }, 'signature.address', 'invalid-field'],
    [{ address: undefined }, 'signature.address', 'invalid-field'],
    [{ value: v.slice(0, -2) }, 'signature.value', 'invalid-field'],
    [{ value: v + '00' }, 'signature.value', 'invalid-field'],
    [{ value: v.slice(2) }, 'signature.value', 'invalid-field'],
    [{ value: v.slice(0, -2) + '1d' }, 'signature.value', 'signature-invalid'],
    [{ public_key: 'AAAA' }, 'signature.public_key', 'invalid-field'],
  ];
  for (const [patch, field, type] of cases) {
    const body = { ...item, signature: { ...item.signature, ...patch } };
    for (const k of Object.keys(patch)) if (patch[k] === undefined) delete body.signature[k];
    assertProblem(assert, await post(body), 422, type, field);
  }
});

test('wallet registrations are logged and their receipts verify', async () => {
  const wallet = Wallet.createRandom();
  const res = await post(await walletItem(wallet, { logged: true }));
  assert.equal(res.status, 201);
  let rc;
  for (let i = 0; i < 100; i++) {
    rc = await http(srv.base, 'GET', `/v1/items/${res.body.id}/receipt`);
    if (rc.status === 200) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.equal(rc.status, 200);
  assert.deepEqual(rc.body.record.signature, res.body.signature);
  const file = path.join(tempDir('provd-w-'), 'r.json');
  fs.writeFileSync(file, rc.text);
  const v = runProvd(['verify', file, '--log-key', key.vkey]);
  assert.equal(v.status, 0, v.stderr);
  const cp = parseCheckpoint(await openNote(rc.body.checkpoint, key.vkey));
  assert.ok(verifyInclusion(leafHash(rc.body.record), rc.body.log_index, rc.body.tree_size,
                            rc.body.inclusion_proof, cp.root));
  // The record alone lets anyone re-check the wallet signature over the statement.
  const r = rc.body.record;
  const { verifyMessage } = await import('ethers');
  assert.equal(verifyMessage(statement(r.content_hash, r.metadata), r.signature.value), wallet.address);
});

// EIP-712: the domain and type a web frontend uses with eth_signTypedData_v4 (see the README).
const DOMAIN = { name: 'provd', version: '1' };
const TYPES = { ProvdItem: [
  { name: 'statementType', type: 'string' },
  { name: 'contentHash', type: 'string' },
  { name: 'metadataHash', type: 'bytes32' },
] };
const typedMessage = (contentHash, metadata) => ({
  statementType: 'provd.item.v1', contentHash,
  metadataHash: keccak256(toUtf8Bytes(canonicalize(metadata))),
});

async function typedItem(wallet, metadata) {
  const contentHash = 'sha256:' + (await sha256Hex(`${Math.random()}`));
  const value = await wallet.signTypedData(DOMAIN, TYPES, typedMessage(contentHash, metadata));
  return { content_hash: contentHash, metadata,
           signature: { scheme: 'eip712', address: wallet.address, value } };
}

test('eth_signTypedData_v4 (ethers signTypedData) registers; tampering is refused', async () => {
  const wallet = Wallet.createRandom();
  const metadata = { source_url: 'https://example.org/typed', license: 'CC-BY-4.0', score: 0.1 };
  const item = await typedItem(wallet, metadata);
  const res = await post(item);
  assert.equal(res.status, 201, res.text);
  assert.deepEqual(res.body.signer, { scheme: 'eip712', address: wallet.address, known: false,
                                     name: null, revoked: false });
  assert.equal((await post(item)).status, 200);
  // Same key order as sent or not, the metadata hash is over the canonical form.
  const reordered = { ...item, metadata: { score: 0.1, license: 'CC-BY-4.0', source_url: 'https://example.org/typed' } };
  assert.equal((await post(reordered)).status, 200);
  const other = Wallet.createRandom();
  const bad = [
    { ...item, metadata: { ...metadata, score: 0.2 } },
    { ...item, content_hash: item.content_hash.replace(/.$/, (c) => (c === '0' ? '1' : '0')) },
    { ...item, signature: { ...item.signature, address: other.address } },
    // a personal_sign of the statement is not a typed-data signature
    { ...item, signature: { ...item.signature,
      value: await wallet.signMessage(statement(item.content_hash, metadata)) } },
  ];
  for (const body of bad) {
    assertProblem(assert, await post(body), 422, 'signature-invalid', 'signature.value');
  }
  // ethers itself agrees on what was signed.
  assert.equal(verifyTypedData(DOMAIN, TYPES, typedMessage(item.content_hash, metadata),
                               item.signature.value), wallet.address);
});
