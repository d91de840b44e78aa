// SPDX-License-Identifier: Apache-2.0
// clients/js against a real provd run: in Node, registration signed with WebCrypto Ed25519 and
// P-256 keys (not extractable) and with an ethers Wallet (eip191, eip712), a batch, lookup,
// receipts verified by the client's verifier (the explorer's) with provd verify agreeing, a
// tampered receipt failing both, and deploy/examples/client.mjs; in headless Chromium,
// deploy/examples/upload.html served by deploy/examples/serve.mjs (another origin: CORS) with a
// browser key in IndexedDB, registering through --open-registration and verifying in the page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Wallet } from 'ethers';
import { startProvd, createApiKey, createLogKey, http, runProvd, tempDir } from './lib/harness.mjs';
import { launch, skipBrowser, unexpected } from './lib/browser.mjs';
import { Provd, ProvdError, canonicalize, ethersSigner, generateKey, hashBytes, signItem, statement,
  verifyReceipt, webCryptoSigner } from '../../clients/js/src/index.js';
import { serve } from '../../deploy/examples/serve.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
let srv, token, admin, logKey, web, origin, client;
before(async () => {
  web = await serve(0);
  origin = `http://127.0.0.1:${web.address().port}`;
  logKey = createLogKey();
  srv = await startProvd({ command: 'run', logKey, args: ['--cors-origins', origin, '--open-registration'] });
  token = createApiKey(srv.dbUrl);
  admin = createApiKey(srv.dbUrl, 'admin');
  client = new Provd(srv.base, { token });
});
after(async () => {
  web.close();
  await srv.stop();
});

function provdVerify(receipt) {
  const file = path.join(tempDir('provd-client-rc-'), 'receipt.json');
  fs.writeFileSync(file, JSON.stringify(receipt));
  return runProvd(['verify', file, '--log-key', logKey.vkey]);
}

// Verified by the client and by provd verify; a tampered copy fails both.
async function assertVerifies(id, what) {
  const v = await client.verify(id, { pinnedKey: logKey.vkey });
  assert.equal(v.ok, true, `${what}: ${JSON.stringify(v.steps)}`);
  for (const s of ['key', 'signature', 'leaf', 'inclusion', 'checkpoint']) {
    assert.equal(v.steps.find((x) => x.id === s).ok, true, `${what}: step ${s}`);
  }
  const ok = provdVerify(v.receipt);
  assert.equal(ok.status, 0, `${what}: provd verify: ${ok.stderr}`);
  assert.match(ok.stdout, /^OK/);
  const bad = structuredClone(v.receipt);
  bad.record.metadata = { ...bad.record.metadata, license: 'LicenseRef-tampered' };
  const t = await verifyReceipt(bad, { pinnedKey: logKey.vkey, serverKey: logKey.vkey });
  assert.equal(t.ok, false, `${what}: a tampered receipt fails`);
  assert.equal(t.steps.find((x) => x.id === 'signature').ok, false);
  assert.equal(t.steps.find((x) => x.id === 'inclusion').ok, false);
  const no = provdVerify(bad);
  assert.equal(no.status, 1, `${what}: provd verify refuses the tampered receipt`);
  assert.match(no.stderr, /FAIL/);
  const other = structuredClone(v.receipt);
  other.checkpoint = other.checkpoint.replace(/\n([A-Za-z0-9+/]{4})/, (m, c) => `\n${c === 'AAAA' ? 'BBBB' : 'AAAA'}`);
  assert.equal((await verifyReceipt(other, { pinnedKey: logKey.vkey })).ok, false, `${what}: a forged root fails`);
}

test('canonical statement: JCS bytes as README describes', () => {
  assert.equal(canonicalize({ b: [1, 1e21, 0.1, -0, 'é\u2028"\n'], a: null, '\u00e9': true, Z: {} }),
    '{"Z":{},"a":null,"b":[1,1e+21,0.1,0,"é\u2028\\"\\n"],"é":true}');
  assert.equal(new TextDecoder().decode(statement('sha256:ab', { x: 1 })),
    '{"content_hash":"sha256:ab","metadata":{"x":1},"type":"provd.item.v1"}');
  assert.throws(() => canonicalize({ x: NaN }));
});

test('register with WebCrypto Ed25519 and P-256 keys and an ethers wallet (eip191, eip712); receipts verify', async () => {
  const signers = [
    await webCryptoSigner(await generateKey('Ed25519')),
    await webCryptoSigner(await generateKey('P-256')),
    await ethersSigner(Wallet.createRandom(), { scheme: 'eip191' }),
    await ethersSigner(Wallet.createRandom(), { scheme: 'eip712' }),
  ];
  for (const s of signers) {
    const hash = await hashBytes(`content signed by ${s.scheme} ${s.identity}`);
    const metadata = { source_url: 'https://example.org/x.txt', license: 'CC-BY-4.0', author: 'Ada', n: 1.5 };
    const body = await signItem(s, hash, metadata);
    const first = await client.register(body);
    assert.equal(first.status, 201, s.scheme);
    assert.equal(first.item.signature.scheme, s.scheme);
    const again = await client.register(body);
    assert.equal(again.status, 200, `${s.scheme}: idempotent`);
    assert.equal(again.item.id, first.item.id);
    const prov = await client.lookup(hash);
    assert.equal(prov.registrations.length, 1);
    assert.equal(prov.registrations[0].id, first.item.id);
    const who = prov.registrations[0].signer;
    assert.equal(s.scheme.startsWith('eip') ? who.address : who.public_key, s.identity, s.scheme);
    assert.equal((await client.item(first.item.id)).content_hash, hash);
    await assertVerifies(first.item.id, s.scheme);
  }
  assert.equal(await client.lookup(await hashBytes('nobody registered this')), null);
  await assert.rejects(client.register({ content_hash: 'sha256:00', metadata: {}, signature: {} }),
    (e) => e instanceof ProvdError && e.status === 422 && /invalid-field/.test(e.problem.type));
  await assert.rejects(new Provd(srv.base).register(await signItem(signers[0], await hashBytes('anon'), {})),
    (e) => e instanceof ProvdError && e.status === 403 && /signer-unknown/.test(e.problem.type),
    'open registration: an unknown signer without an API key is refused');
});

test('registerBatch: results in order across requests of 1,000; a bad element fails alone', async () => {
  const s = await webCryptoSigner(await generateKey('Ed25519'));
  const bodies = [];
  for (let i = 0; i < 1003; i++) bodies.push(await signItem(s, await hashBytes(`batch ${i}`), { i }));
  bodies[1001] = { ...bodies[1001], metadata: { i: -1 } }; // no longer what was signed
  const r = await client.registerBatch(bodies);
  assert.equal(r.results.length, 1003);
  assert.deepEqual([r.created, r.existing, r.failed], [1002, 0, 1]);
  assert.deepEqual(r.results.map((x) => x.index), bodies.map((_, i) => i));
  assert.equal(r.results[1001].status, 422);
  assert.equal(r.results[1002].status, 201);
  const again = await client.registerBatch(bodies.slice(0, 3));
  assert.deepEqual([again.created, again.existing], [0, 3]);
  assert.equal((await client.lookup(bodies[1002].content_hash)).registrations[0].id, r.results[1002].item.id);
  await assertVerifies(r.results[1002].item.id, 'batch element');
});

test('deploy/examples/client.mjs registers a file and verifies its receipt', () => {
  const dir = tempDir('provd-client-example-');
  fs.writeFileSync(path.join(dir, 'a.txt'), 'client example');
  const r = spawnSync(process.execPath, [path.join(root, 'deploy/examples/client.mjs'), srv.base, token,
    path.join(dir, 'a.txt')], { cwd: dir, encoding: 'utf8', timeout: 60000 });
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.match(r.stdout, /^registered item \d+ \(201\)/m);
  assert.match(r.stdout, /^verified: ✓ key, ✓ signature, ✓ leaf, ✓ inclusion, ✓ checkpoint/m);
});

test('in Chromium: upload.html hashes, signs with a key kept in IndexedDB, registers openly and verifies',
  { skip: skipBrowser }, async () => {
    const { browser, page, problems } = await launch();
    try {
      const url = `${origin}/`;
      await page.goto(url);
      await page.waitForFunction(() => document.getElementById('identity').dataset.scheme);
      const [identity, scheme] = await page.$eval('#identity', (e) => [e.textContent, e.dataset.scheme]);
      assert.equal(scheme, 'ed25519');
      const notExtractable = await page.evaluate(() => new Promise((resolve) => {
        const o = indexedDB.open('provd-upload', 1);
        o.onsuccess = () => {
          const g = o.result.transaction('keys').objectStore('keys').get('signer');
          g.onsuccess = () => resolve(g.result.privateKey.extractable === false);
        };
      }));
      assert.ok(notExtractable, 'the private key is not extractable');
      // The key survives a reload.
      await page.reload();
      await page.waitForFunction(() => document.getElementById('identity').dataset.scheme);
      assert.equal(await page.$eval('#identity', (e) => e.textContent), identity);
      assert.match(await page.$eval('#record-cmd', (e) => e.textContent), new RegExp(identity));
      // Open registration: record the signer as the admin would.
      const rec = await http(srv.base, 'POST', '/v1/signers', { token: admin,
        body: { scheme: 'ed25519', public_key: identity, name: 'upload page' } });
      assert.equal(rec.status, 201, rec.text);
      await page.$eval('#base', (e, b) => { e.value = b; }, srv.base);
      const file = path.join(tempDir('provd-upload-'), 'photo.jpg');
      const bytes = Buffer.alloc(3 * 1024 * 1024 + 7, 'provd');
      fs.writeFileSync(file, bytes);
      await (await page.$('#file')).uploadFile(file);
      await page.type('#license', 'CC-BY-4.0');
      await page.click('#register');
      await page.waitForSelector('#steps[data-verdict]', { timeout: 60000 });
      const steps = await page.$$eval('#steps li', (l) => l.map((e) => [e.dataset.step, e.dataset.ok, e.textContent]));
      assert.equal(await page.$eval('#steps', (e) => e.dataset.verdict), 'true', JSON.stringify(steps));
      for (const s of ['key', 'signature', 'leaf', 'inclusion', 'checkpoint']) {
        assert.equal(steps.find((x) => x[0] === s)[1], 'true', JSON.stringify(steps));
      }
      const hash = await hashBytes(bytes);
      const prov = await client.lookup(hash);
      assert.ok(prov, 'registered under the file\'s SHA-256');
      assert.equal(prov.registrations[0].signer.public_key, identity);
      assert.equal(prov.registrations[0].signer.name, 'upload page');
      assert.equal(prov.registrations[0].metadata.license, 'CC-BY-4.0');
      assert.equal(prov.registrations[0].metadata.size, bytes.length);
      const id = Number(await page.$eval('#registration', (e) => e.dataset.id));
      assert.equal(id, prov.registrations[0].id);
      const rc = await client.receipt(id, { wait: 30000 });
      assert.equal(provdVerify(rc).status, 0, 'provd verify agrees');
      // The client loads as plain ES modules in the page, from another origin than provd's.
      const inPage = await page.evaluate(async (b, vkey) => {
        const m = await import('/clients/js/src/index.js');
        const kp = await m.generateKey('P-256');
        const s = await m.webCryptoSigner(kp);
        const body = await m.signItem(s, await m.hashBytes('in the page'), { where: 'browser' });
        try {
          await new m.Provd(b).register(body);
          return 'registered without a key?';
        } catch (e) {
          if (!(e instanceof m.ProvdError) || e.status !== 403) return e.message;
        }
        const lookup = await new m.Provd(b).lookup(body.content_hash);
        return { lookup, ext: kp.privateKey.extractable, vkey: await new m.Provd(b).logKey() === vkey };
      }, srv.base, logKey.vkey);
      assert.deepEqual(inPage, { lookup: null, ext: false, vkey: true });
      assert.deepEqual(unexpected(problems).filter((m) => !/status of 403/.test(m)), [], 'no console errors (CSP included)');
    } finally {
      await browser.close();
    }
  });
