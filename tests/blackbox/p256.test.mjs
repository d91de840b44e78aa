// SPDX-License-Identifier: Apache-2.0
// ECDSA P-256 exactly as browsers produce it with WebCrypto: raw r||s signatures over SHA-256 of
// the statement, keys exported "raw" or "spki"; DER signatures (as from OpenSSL) too.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { webcrypto as crypto, createPublicKey, sign as nodeSign, createPrivateKey } from 'node:crypto';
import {
  startProvd, createApiKey, http, assertProblem, freshDatabase, sha256Hex,
} from './lib/harness.mjs';
import { statement } from './lib/jcs.mjs';

const b64url = (b) => Buffer.from(b).toString('base64url');
let srv, token;
before(async () => {
  const dbUrl = freshDatabase();
  token = createApiKey(dbUrl);
  srv = await startProvd({ dbUrl });
});
after(async () => {
  await srv.stop();
});

async function p256Item(metadata) {
  const kp = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true,
                                             ['sign', 'verify']);
  const raw = new Uint8Array(await crypto.subtle.exportKey('raw', kp.publicKey));
  const spki = new Uint8Array(await crypto.subtle.exportKey('spki', kp.publicKey));
  const content_hash = 'sha256:' + (await sha256Hex(`${Math.random()}`));
  const msg = statement(content_hash, metadata);
  const sig = new Uint8Array(await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' },
                                                       kp.privateKey, msg));
  return { kp, raw, spki, msg, body: { content_hash, metadata,
    signature: { scheme: 'ecdsa-p256', public_key: b64url(raw), value: b64url(sig) } } };
}

const post = (body) => http(srv.base, 'POST', '/v1/items', { body, token });

test('WebCrypto P-256: raw key and signature register; spki is the same signer', async () => {
  const it = await p256Item({ license: 'CC0-1.0' });
  const res = await post(it.body);
  assert.equal(res.status, 201, res.text);
  assert.deepEqual(res.body.signer, { scheme: 'ecdsa-p256', public_key: b64url(it.raw), known: false,
                                     name: null, revoked: false });
  // The same key as spki (standard base64, padded) normalises to the same identity: idempotent.
  const spkiBody = { ...it.body, signature: { ...it.body.signature,
    public_key: Buffer.from(it.spki).toString('base64') } };
  const again = await post(spkiBody);
  assert.equal(again.status, 200, again.text);
  assert.equal(again.body.id, res.body.id);
  const list = await http(srv.base, 'GET',
    `/v1/items?signer=${encodeURIComponent(Buffer.from(it.raw).toString('base64'))}`);
  assert.deepEqual(list.body.items.map((r) => r.id), [res.body.id]);
});

test('a DER signature (OpenSSL style) is accepted and shown as r||s', async () => {
  const kp = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
  const pkcs8 = Buffer.from(await crypto.subtle.exportKey('pkcs8', kp.privateKey));
  const priv = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
  const raw = new Uint8Array(await crypto.subtle.exportKey('raw', kp.publicKey));
  const content_hash = 'sha256:' + (await sha256Hex('der'));
  const metadata = { der: true };
  const der = nodeSign('sha256', statement(content_hash, metadata), { key: priv, dsaEncoding: 'der' });
  const res = await post({ content_hash, metadata,
    signature: { scheme: 'ecdsa-p256', public_key: b64url(raw), value: b64url(der) } });
  assert.equal(res.status, 201, res.text);
  const shown = Buffer.from(res.body.signature.value, 'base64url');
  assert.equal(shown.length, 64);
  const ieee = nodeSign('sha256', Buffer.from('x'), { key: priv, dsaEncoding: 'ieee-p1363' });
  assert.equal(ieee.length, 64, 'node agrees on the r||s size');
  assert.ok(createPublicKey({ key: Buffer.from(await crypto.subtle.exportKey('spki', kp.publicKey)), format: 'der', type: 'spki' }));
});

test('one changed byte of metadata, hash, key or signature is refused', async () => {
  const it = await p256Item({ n: 1 });
  const other = await p256Item({ n: 1 });
  const sig = Buffer.from(it.body.signature.value, 'base64url');
  sig[5] ^= 1;
  const cases = [
    { ...it.body, metadata: { n: 2 } },
    { ...it.body, content_hash: it.body.content_hash.replace(/.$/, (c) => (c === '0' ? '1' : '0')) },
    { ...it.body, signature: { ...it.body.signature, value: b64url(sig) } },
    { ...it.body, signature: { ...it.body.signature, public_key: other.body.signature.public_key } },
  ];
  for (const body of cases) {
    assertProblem(assert, await post(body), 422, 'signature-invalid', 'signature.value');
  }
});

test('keys off the curve and malformed signatures are 422 naming the field', async () => {
  const it = await p256Item({ n: 3 });
  const offCurve = Buffer.from(it.raw);
  offCurve[64] ^= 1;
  const sig = Buffer.from(it.body.signature.value, 'base64url');
  const cases = [
    [{ public_key: b64url(offCurve) }, 'signature.public_key'],
    [{ public_key: b64url(it.raw.slice(0, 33)) }, 'signature.public_key'],
    [{ public_key: '!!' }, 'signature.public_key'],
    [{ value: b64url(sig.subarray(0, 63)) }, 'signature.value'],
    [{ value: b64url(Buffer.concat([sig, Buffer.from([0])])) }, 'signature.value'],
    [{ address: '0x0000000000000000000000000000000000000000' }, 'signature.address'],
  ];
  for (const [patch, field] of cases) {
    assertProblem(assert, await post({ ...it.body, signature: { ...it.body.signature, ...patch } }),
                  422, 'invalid-field', field);
  }
});
