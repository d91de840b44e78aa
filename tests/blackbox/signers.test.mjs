// SPDX-License-Identifier: Apache-2.0
// The signer registry and its policies: known signers and their names on registrations,
// revocation, --require-known-signer and --open-registration.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Wallet } from 'ethers';
import {
  startProvd, createApiKey, newEd25519Signer, signedItem, http, assertProblem, freshDatabase,
  sha256Hex,
} from './lib/harness.mjs';
import { statement } from './lib/jcs.mjs';

let srv, dbUrl, admin, reg;
before(async () => {
  dbUrl = freshDatabase();
  admin = createApiKey(dbUrl, 'admin');
  reg = createApiKey(dbUrl, 'register');
  srv = await startProvd({ dbUrl });
});
after(async () => {
  await srv.stop();
});

const addSigner = (base, body, token = admin) => http(base, 'POST', '/v1/signers', { body, token });

test('admins record signers; lookups and lists show them', async () => {
  const s = await newEd25519Signer();
  const std = Buffer.from(s.publicKey, 'base64url').toString('base64');
  const res = await addSigner(srv.base, { scheme: 'ed25519', public_key: std, name: 'Crawler A',
    organization: 'Example Org', url: 'https://crawler.example', notes: 'fetches images' });
  assert.equal(res.status, 201, res.text);
  assert.equal(res.body.identity, s.publicKey, 'normalised to base64url');
  assert.equal(res.body.kind, 'ed25519');
  assert.equal(res.headers.get('location'), `/v1/signers/${s.publicKey}`);
  assert.equal(res.body.revoked_at, null);
  assert.match(res.body.created_at, /Z$/);
  const got = await http(srv.base, 'GET', `/v1/signers/${s.publicKey}`);
  assert.deepEqual(got.body, res.body);
  assertProblem(assert, await addSigner(srv.base, { scheme: 'ed25519', public_key: s.publicKey, name: 'again' }),
                409, 'signer-exists');
  const w = Wallet.createRandom();
  const eth = await addSigner(srv.base, { scheme: 'eip712', address: w.address.toLowerCase(), name: 'Wallet W' });
  assert.equal(eth.status, 201);
  assert.equal(eth.body.identity, w.address);
  assert.equal(eth.body.kind, 'ethereum');
  const lower = await http(srv.base, 'GET', `/v1/signers/${w.address.toLowerCase()}`);
  assert.equal(lower.body.identity, w.address);
  // paging
  const page1 = await http(srv.base, 'GET', '/v1/signers?limit=1');
  assert.equal(page1.body.signers.length, 1);
  const page2 = await http(srv.base, 'GET', `/v1/signers?limit=1&cursor=${page1.body.next_cursor}`);
  assert.equal(page2.body.signers.length, 1);
  assert.notEqual(page2.body.signers[0].identity, page1.body.signers[0].identity);
  assertProblem(assert, await http(srv.base, 'GET', '/v1/signers/nobody'), 404, 'signer-not-found');
});

test('writes need an admin key; bad input is 4xx naming the field', async () => {
  const s = await newEd25519Signer();
  assertProblem(assert, await addSigner(srv.base, { scheme: 'ed25519', public_key: s.publicKey, name: 'x' }, reg),
                403, 'forbidden');
  assertProblem(assert, await addSigner(srv.base, { scheme: 'ed25519', public_key: s.publicKey, name: 'x' }, null),
                401, 'unauthorized');
  assertProblem(assert, await http(srv.base, 'POST', `/v1/signers/${s.publicKey}/revoke`, { token: reg }),
                403, 'forbidden');
  const cases = [
    [{ scheme: 'rsa', public_key: s.publicKey, name: 'x' }, 'scheme'],
    [{ scheme: 'ed25519', public_key: 'AAAA', name: 'x' }, 'public_key'],
    [{ scheme: 'ecdsa-p256', public_key: s.publicKey, name: 'x' }, 'public_key'],
    [{ scheme: 'eip191', address: '0x1234', name: 'x' }, 'address'],
    [{ scheme: 'ed25519', public_key: s.publicKey }, 'name'],
    [{ scheme: 'ed25519', public_key: s.publicKey, name: '' }, 'name'],
    [{ scheme: 'ed25519', public_key: s.publicKey, name: 'x', url: 'ftp://x' }, 'url'],
    [{ scheme: 'ed25519', public_key: s.publicKey, name: 'x', extra: 1 }, 'extra'],
  ];
  for (const [body, field] of cases) {
    assertProblem(assert, await addSigner(srv.base, body), 422, 'invalid-field', field);
  }
  assertProblem(assert, await http(srv.base, 'POST', '/v1/signers', { raw: '{', token: admin,
    headers: { 'content-type': 'application/json' } }), 400, 'malformed-json');
});

test('registrations show their known signer; revocation refuses new ones and marks old ones', async () => {
  const s = await newEd25519Signer();
  await addSigner(srv.base, { scheme: 'ed25519', public_key: s.publicKey, name: 'Named Crawler' });
  const before = await http(srv.base, 'POST', '/v1/items', { body: await signedItem(s, { n: 'before' }), token: reg });
  assert.equal(before.status, 201);
  assert.deepEqual(before.body.signer, { scheme: 'ed25519', public_key: s.publicKey, known: true,
                                         name: 'Named Crawler', revoked: false });
  const rev = await http(srv.base, 'POST', `/v1/signers/${s.publicKey}/revoke`, { token: admin });
  assert.equal(rev.status, 200, rev.text);
  assert.match(rev.body.revoked_at, /Z$/);
  const again = await http(srv.base, 'POST', `/v1/signers/${s.publicKey}/revoke`, { token: admin });
  assert.equal(again.body.revoked_at, rev.body.revoked_at, 'revoking twice keeps the first time');
  const after = await http(srv.base, 'POST', '/v1/items', { body: await signedItem(s, { n: 'after' }), token: reg });
  assertProblem(assert, after, 422, 'signer-revoked', 'signature');
  const old = await http(srv.base, 'GET', `/v1/items/${before.body.id}`);
  assert.equal(old.body.signer.revoked, true, 'earlier registrations stay, marked revoked');
  assert.equal(old.body.signer.name, 'Named Crawler');
  assertProblem(assert, await http(srv.base, 'POST', '/v1/signers/nobody/revoke', { token: admin }),
                404, 'signer-not-found');
});

test('--require-known-signer and --open-registration', async () => {
  const db = freshDatabase();
  const adm = createApiKey(db, 'admin');
  const tok = createApiKey(db, 'register');
  const s2 = await startProvd({ dbUrl: db, args: ['--require-known-signer', '--open-registration'] });
  try {
    const known = await newEd25519Signer();
    const stranger = await newEd25519Signer();
    await addSigner(s2.base, { scheme: 'ed25519', public_key: known.publicKey, name: 'K' }, adm);
    const wallet = Wallet.createRandom();
    await addSigner(s2.base, { scheme: 'eip191', address: wallet.address, name: 'Browser user' }, adm);
    // With an API key: unknown signers are refused (403), known ones register.
    assertProblem(assert, await http(s2.base, 'POST', '/v1/items', {
      body: await signedItem(stranger, { n: 1 }), token: tok }), 403, 'signer-unknown', 'signature');
    assert.equal((await http(s2.base, 'POST', '/v1/items', {
      body: await signedItem(known, { n: 1 }), token: tok })).status, 201);
    // Without one: the signature of a known signer is the credential (a browser frontend).
    const ch = 'sha256:' + (await sha256Hex('browser'));
    const value = await wallet.signMessage(statement(ch, { via: 'browser' }));
    const open = await http(s2.base, 'POST', '/v1/items', { body: { content_hash: ch,
      metadata: { via: 'browser' }, signature: { scheme: 'eip191', address: wallet.address, value } } });
    assert.equal(open.status, 201, open.text);
    assertProblem(assert, await http(s2.base, 'POST', '/v1/items', {
      body: await signedItem(stranger, { n: 2 }) }), 403, 'signer-unknown');
    // Credentials that are given must still be valid.
    assertProblem(assert, await http(s2.base, 'POST', '/v1/items', {
      body: await signedItem(known, { n: 3 }), token: 'provd_wrong' }), 401, 'unauthorized');
  } finally {
    await s2.stop();
  }
  // Without the flags a keyless request is still 401.
  assertProblem(assert, await http(srv.base, 'POST', '/v1/items', {
    body: await signedItem(await newEd25519Signer(), { n: 4 }) }), 401, 'unauthorized');
});
