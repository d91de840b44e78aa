// SPDX-License-Identifier: Apache-2.0
// The explorer, driven in a real headless Chromium (Debian's chromium, through puppeteer-core)
// against provd run anchoring to anvil: look up by hash and by file, verify receipts in the
// browser (every scheme, anchored, on chain), tampered receipts, a pinned key that does not
// match, a lying server, the dashboard, accessibility (axe-core) and a phone-sized screen. The
// browser's verdict and provd verify's agree on every receipt. Screenshots go to
// tests/artifacts/explorer/ (PROVD_ARTIFACTS overrides tests/artifacts).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { webcrypto as crypto, createHash } from 'node:crypto';
import { Wallet, keccak256, toUtf8Bytes } from 'ethers';
import {
  http, runProvd, tempDir, createLogKey, createApiKey, sha256Hex, newEd25519Signer, signedItem,
} from './lib/harness.mjs';
import { startAnvil } from './lib/anvil.mjs';
import { startAnchoring, waitAnchors, sleep } from './lib/anchoring.mjs';
import { canonicalize, statement } from './lib/jcs.mjs';
import {
  skipBrowser as skip, launch, go as goTo, shot as shotAs, verdict, dropText, assertAccessible,
  unexpected,
} from './lib/browser.mjs';

const CONFIRMATIONS = 2;

let anvil, ctx, browser, page, problems;
const regs = {}; // scheme -> registration reply
let fileHash, droppedHash, filePath;
let lastDetails = ''; // the last verdict's steps as shown, for failure messages

async function p256Item(metadata) {
  const kp = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign']);
  const raw = Buffer.from(await crypto.subtle.exportKey('raw', kp.publicKey));
  const contentHash = `sha256:${await sha256Hex(`p256-${Math.random()}`)}`;
  const sig = await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, kp.privateKey,
    statement(contentHash, metadata));
  return { content_hash: contentHash, metadata, signature: { scheme: 'ecdsa-p256',
    public_key: raw.toString('base64url'), value: Buffer.from(sig).toString('base64url') } };
}

async function walletItem(scheme, metadata) {
  const wallet = Wallet.createRandom();
  const contentHash = `sha256:${await sha256Hex(`${scheme}-${Math.random()}`)}`;
  const value = scheme === 'eip191'
    ? await wallet.signMessage(statement(contentHash, metadata))
    : await wallet.signTypedData({ name: 'provd', version: '1' }, { ProvdItem: [
      { name: 'statementType', type: 'string' }, { name: 'contentHash', type: 'string' },
      { name: 'metadataHash', type: 'bytes32' }] }, { statementType: 'provd.item.v1', contentHash,
      metadataHash: keccak256(toUtf8Bytes(canonicalize(metadata))) });
  return { content_hash: contentHash, metadata, signature: { scheme, address: wallet.address, value } };
}

async function post(body) {
  const r = await http(ctx.srv.base, 'POST', '/v1/items', { body, token: ctx.token });
  assert.equal(r.status, 201, r.text);
  return r.body;
}

async function waitStatus(id, status, ms = 60000) {
  const until = Date.now() + ms;
  for (;;) {
    const r = await http(ctx.srv.base, 'GET', `/v1/items/${id}`);
    if (r.body.status === status) return r.body;
    if (Date.now() > until) throw new Error(`item ${id} is ${r.body.status}, not ${status}`);
    await sleep(200);
  }
}

function cliVerify(receipt, extra = []) {
  const file = path.join(tempDir('provd-explorer-'), 'receipt.json');
  fs.writeFileSync(file, JSON.stringify(receipt));
  return runProvd(['verify', file, '--log-key', ctx.key.vkey, ...extra]);
}

const shot = (name, p = page) => shotAs(p, name);
const go = (hash, p = page) => goTo(p, ctx.srv.base, hash);

async function settings(values) {
  await go('#/settings');
  await page.evaluate((v) => {
    localStorage.clear();
    for (const [k, x] of Object.entries(v)) if (x) localStorage.setItem(`provd.${k}`, String(x));
  }, values);
}

// The steps of the verdict the page shows: {id: ok}; lastDetails keeps them as shown.
async function verdictSteps(scope = '') {
  const v = await verdict(page, scope);
  lastDetails = v.details;
  return v.steps;
}

async function verifyPasted(receipt) {
  await go('#/receipt');
  await page.waitForSelector('#receipt');
  await page.$eval('#receipt', (el, text) => { el.value = text; }, JSON.stringify(receipt));
  await page.click('form button[type="submit"]');
  return verdictSteps();
}

before(async () => {
  if (skip) return;
  anvil = await startAnvil(['--block-time', '1']);
  ctx = await startAnchoring(anvil.url, ['--anchor-confirmations', String(CONFIRMATIONS),
    '--explorer-tx-url', 'https://explorer.example/tx/{tx}']);
  const signer = await newEd25519Signer();
  const meta = (n) => ({ license: 'CC-BY-4.0', source_url: `https://example.org/${n}.jpg`,
    author: 'Ada', created_at: '2026-01-02T03:04:05Z', camera: 'X100' });
  regs.ed25519 = await post(await signedItem(signer, meta('ed')));
  regs['ecdsa-p256'] = await post(await p256Item(meta('p256')));
  regs.eip191 = await post(await walletItem('eip191', meta('eip191')));
  regs.eip712 = await post(await walletItem('eip712', meta('eip712')));
  // A file on disk, and bytes dropped from the page, each registered by its SHA-256.
  filePath = path.join(tempDir('provd-explorer-'), 'photo.bin');
  fs.writeFileSync(filePath, Buffer.alloc(3 * 1024 * 1024 + 17, 7));
  fileHash = `sha256:${createHash('sha256').update(fs.readFileSync(filePath)).digest('hex')}`;
  regs.file = await post(await signedItem(signer, meta('file'), fileHash));
  droppedHash = `sha256:${createHash('sha256').update('dropped from the page').digest('hex')}`;
  regs.dropped = await post(await signedItem(signer, meta('dropped'), droppedHash));
  for (const r of Object.values(regs)) await waitStatus(r.id, 'anchored');
  ({ browser, page, problems } = await launch());
});

after(async () => {
  if (browser) await browser.close();
  if (ctx) await ctx.srv.stop();
  if (anvil) await anvil.stop();
});

test('the page and its assets: strict CSP, no inline script, content-hashed and cached for ever',
  { skip }, async () => {
    const index = await http(ctx.srv.base, 'GET', '/');
    assert.equal(index.status, 200);
    assert.equal(index.headers.get('content-type'), 'text/html; charset=utf-8');
    const csp = index.headers.get('content-security-policy');
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    assert.equal(index.headers.get('cache-control'), 'no-cache');
    assert.equal(index.headers.get('x-content-type-options'), 'nosniff');
    assert.doesNotMatch(index.text, /<script(?![^>]*\bsrc=)[^>]*>/, 'no inline script');
    assert.doesNotMatch(index.text, /\sstyle=|<style/, 'no inline style');
    const etag = index.headers.get('etag');
    const again = await http(ctx.srv.base, 'GET', '/', { headers: { 'If-None-Match': etag } });
    assert.equal(again.status, 304);
    const assets = [...index.text.matchAll(/\/explorer\/([a-z0-9_-]+\.([0-9a-f]{12})\.(js|css))/g)];
    assert.equal(assets.length, 2, 'the module and the style sheet, by hashed name');
    for (const [, name] of assets) {
      const a = await http(ctx.srv.base, 'GET', `/explorer/${name}`);
      assert.equal(a.status, 200, name);
      assert.equal(a.headers.get('cache-control'), 'public, max-age=31536000, immutable');
      assert.match(a.headers.get('content-type'), /^(text\/javascript|text\/css); charset=utf-8$/);
    }
    // Modules import each other by hashed name too.
    const app = await http(ctx.srv.base, 'GET', `/explorer/${assets.find((a) => a[3] === 'js')[1]}`);
    assert.match(app.text, /from '\.\/views\.[0-9a-f]{12}\.js'/);
    assert.doesNotMatch(app.text, /from '\.\/[a-z]+\.js'/);
    const missing = await http(ctx.srv.base, 'GET', '/explorer/app.js');
    assert.equal(missing.status, 404);
    assert.equal(missing.body.type, 'urn:provd:problem:not-found');
  });

test('look up by hash: every registration with signer, licence, source, dates and status',
  { skip }, async () => {
    await settings({});
    await go('');
    await page.waitForSelector('#hash');
    await page.type('#hash', regs.ed25519.content_hash);
    await page.keyboard.press('Enter');
    await page.waitForSelector(`.registration[data-id="${regs.ed25519.id}"]`);
    const text = await page.$eval('#results', (el) => el.innerText);
    assert.match(text, /1 registration of/);
    assert.match(text, /CC-BY-4\.0/);
    assert.match(text, /https:\/\/example\.org\/ed\.jpg/);
    assert.match(text, /Ada/);
    assert.match(text, /in the log and anchored on Ethereum/);
    assert.match(text, /camera/, 'free-form metadata is shown');
    assert.match(text, new RegExp(regs.ed25519.signer.public_key));
    assert.equal(new URL(page.url()).hash, `#/hash/${regs.ed25519.content_hash}`);
    await shot('lookup');
    // Nothing registered: said so, not an error.
    await go(`#/hash/sha256:${'ab'.repeat(32)}`);
    await page.waitForSelector('.none');
    // A malformed hash is refused in the page.
    await go('');
    await page.waitForSelector('#hash');
    await page.type('#hash', 'sha256:xyz');
    await page.keyboard.press('Enter');
    await page.waitForSelector('[role="alert"]');
  });

test('choose or drop a file: hashed in the browser (streaming, with progress), never uploaded',
  { skip }, async () => {
    const uploads = [];
    page.on('request', (r) => { if (r.method() !== 'GET') uploads.push(r.url()); });
    await go('');
    const input = await page.waitForSelector('#file');
    await input.uploadFile(filePath);
    await page.waitForSelector(`.registration[data-id="${regs.file.id}"]`, { timeout: 30000 });
    assert.match(await page.$eval('#file-status', (el) => el.textContent), new RegExp(fileHash));
    assert.equal(await page.$eval('#progress', (el) => el.value), 100);
    await shot('file');
    await go('');
    await page.waitForSelector('#drop');
    await dropText(page, 'drop', 'dropped from the page', 'note.txt');
    await page.waitForSelector(`.registration[data-id="${regs.dropped.id}"]`);
    assert.match(await page.$eval('#file-status', (el) => el.textContent), new RegExp(droppedHash));
    assert.deepEqual(uploads, [], 'no request but GETs: the file stayed here');
  });

test('verify in the browser: every scheme to all ✓, on chain included; provd verify agrees',
  { skip }, async () => {
    await settings({ rpcUrl: anvil.url, confirmations: CONFIRMATIONS });
    for (const [scheme, reg] of Object.entries(regs)) {
      await go(`#/item/${reg.id}`);
      await page.waitForSelector('button.verify');
      await page.click('button.verify');
      const steps = await verdictSteps();
      assert.deepEqual(steps, { key: 'true', signature: 'true', leaf: 'true', inclusion: 'true',
        checkpoint: 'true', anchor: 'true', chain: 'true' }, `${scheme}: ${lastDetails}`);
      const rc = await http(ctx.srv.base, 'GET', `/v1/items/${reg.id}/receipt`);
      const v = cliVerify(rc.body, ['--rpc', anvil.url, '--anchor-confirmations', String(CONFIRMATIONS)]);
      assert.equal(v.status, 0, `${scheme}: provd verify: ${v.stderr}`);
      if (scheme === 'eip712') await shot('verify');
    }
    // Without an RPC URL the chain is not consulted (–), and that is not a failure.
    await settings({});
    await go(`#/item/${regs.ed25519.id}`);
    await page.waitForSelector('button.verify');
    await page.click('button.verify');
    const steps = await verdictSteps();
    assert.equal(steps.chain, 'null');
    assert.equal(await page.$eval('[data-verdict]', (el) => el.dataset.verdict), 'ok');
  });

const flipHex = (h, i) => h.slice(0, i) + (h[i] === '0' ? '1' : '0') + h.slice(i + 1);

test('tampered receipts show ✗ at the step that catches them, and provd verify fails them too',
  { skip }, async () => {
    await settings({ rpcUrl: anvil.url, confirmations: CONFIRMATIONS });
    const good = (await http(ctx.srv.base, 'GET', `/v1/items/${regs.ed25519.id}/receipt`)).body;
    assert.ok(good.inclusion_proof.length >= 1 && good.anchor);
    const cases = {
      'record metadata': ['signature', (r) => { r.record.metadata.license = 'MIT'; }],
      'record signature': ['signature', (r) => { r.record.signature.value = flipHex(Buffer.from(r.record.signature.value, 'base64url').toString('hex'), 4); r.record.signature.value = Buffer.from(r.record.signature.value, 'hex').toString('base64url'); }],
      'registration time': ['inclusion', (r) => { r.record.registered_at = r.record.registered_at.replace(/\d(?=Z$)/, (d) => String((+d + 1) % 10)); }],
      'inclusion proof': ['inclusion', (r) => { r.inclusion_proof[0] = flipHex(r.inclusion_proof[0], 5); }],
      'log index': ['inclusion', (r) => { r.log_index = (r.log_index + 1) % r.tree_size; }],
      'checkpoint signature': ['checkpoint', (r) => { r.checkpoint = r.checkpoint.replace(/ (\S)(\S+)\n$/, (m, a, b) => ` ${a === 'A' ? 'B' : 'A'}${b}\n`); }],
      'anchor root': ['anchor', (r) => { r.anchor.root = flipHex(r.anchor.root, 9); }],
      'anchor calldata': ['anchor', (r) => { r.anchor.calldata = flipHex(r.anchor.calldata, 30); }],
      'anchor transaction': ['chain', (r) => { r.anchor.tx_hash = `0x${'12'.repeat(32)}`; }],
    };
    for (const [what, [step, mutate]] of Object.entries(cases)) {
      const bad = structuredClone(good);
      mutate(bad);
      const steps = await verifyPasted(bad);
      const first = Object.keys(steps).find((k) => steps[k] === 'false');
      assert.equal(first, step, `${what}: first ✗ at ${first}, want ${step}: ${lastDetails}`);
      const v = cliVerify(bad, ['--rpc', anvil.url, '--anchor-confirmations', String(CONFIRMATIONS)]);
      assert.equal(v.status, 1, `${what}: provd verify passed it`);
      if (what === 'inclusion proof') await shot('tampered');
    }
    const steps = await verifyPasted(good);
    assert.ok(Object.values(steps).every((s) => s === 'true'), JSON.stringify(steps));
  });

test('a known signer\'s page: its name and registrations; a revoked signer is marked', { skip },
  async () => {
    const admin = createApiKey(ctx.dbUrl, 'admin');
    const id = regs['ecdsa-p256'].signer.public_key;
    const r = await http(ctx.srv.base, 'POST', '/v1/signers', { token: admin,
      body: { scheme: 'ecdsa-p256', public_key: id, name: 'Camera Co. field unit' } });
    assert.equal(r.status, 201, r.text);
    await go(`#/signer/${encodeURIComponent(id)}`);
    await page.waitForSelector(`.registration[data-id="${regs['ecdsa-p256'].id}"]`);
    const text = await page.$eval('#main', (el) => el.innerText);
    assert.match(text, /Camera Co\. field unit/);
    assert.doesNotMatch(text, /revoked/);
    const rv = await http(ctx.srv.base, 'POST', `/v1/signers/${encodeURIComponent(id)}/revoke`, { token: admin });
    assert.equal(rv.status, 200, rv.text);
    await go(`#/signer/${encodeURIComponent(id)}`);
    await page.waitForSelector(`.registration[data-id="${regs['ecdsa-p256'].id}"] .badge.revoked`);
    assert.match(await page.$eval('#main', (el) => el.innerText), /revoked 20\d\d-/);
    await shot('signer');
  });

test('a pinned log key that is not the server\'s shows ✗ at the key and the checkpoint', { skip },
  async () => {
    const other = createLogKey('anchor.provd.test/log');
    await settings({ pinnedKey: other.vkey });
    await go(`#/item/${regs.ed25519.id}`);
    await page.waitForSelector('button.verify');
    await page.click('button.verify');
    const steps = await verdictSteps();
    assert.equal(steps.key, 'false');
    assert.equal(steps.checkpoint, 'false');
    assert.equal(steps.signature, 'true', `what does not depend on the key still checks: ${lastDetails}`);
    await shot('pinned-key');
    // The right key pinned: all ✓ (the chain not consulted).
    await settings({ pinnedKey: ctx.key.vkey });
    await go(`#/item/${regs.ed25519.id}`);
    await page.waitForSelector('button.verify');
    await page.click('button.verify');
    assert.equal((await verdictSteps()).key, 'true');
  });

test('a lying server (its receipt altered on the way) is caught in the browser', { skip },
  async () => {
    await settings({ pinnedKey: ctx.key.vkey });
    await page.setRequestInterception(true);
    const lie = async (req) => {
      if (!req.url().endsWith(`/v1/items/${regs.eip191.id}/receipt`)) return req.continue();
      const rc = (await http(ctx.srv.base, 'GET', `/v1/items/${regs.eip191.id}/receipt`)).body;
      rc.record.metadata.author = 'Mallory';
      rc.leaf_hash = createHash('sha256').update(Buffer.concat([Buffer.from([0]), Buffer.from(canonicalize(rc.record))])).digest('hex');
      return req.respond({ status: 200, contentType: 'application/json', body: JSON.stringify(rc) });
    };
    page.on('request', lie);
    try {
      await go(`#/item/${regs.eip191.id}`);
      await page.waitForSelector('button.verify');
      await page.click('button.verify');
      const steps = await verdictSteps();
      assert.equal(steps.signature, 'false', JSON.stringify(steps));
      assert.equal(steps.leaf, 'true', 'the liar recomputed the leaf');
      assert.equal(steps.inclusion, 'false', 'but it is not in the log');
    } finally {
      page.off('request', lie);
      await page.setRequestInterception(false);
    }
  });

test('the dashboard: the log, its backlog and checkpoint age, a chart, the anchors of the real '
  + 'anvil chain linked to a block explorer, and a live feed', { skip }, async () => {
  const confirmed = await waitAnchors(ctx.srv.base, (a) => a.filter((x) => x.status === 'confirmed'));
  await go('#/dashboard');
  await page.waitForSelector('#anchors tr[data-status="confirmed"]');
  const link = await page.$eval(`#anchors tr[data-anchor="${confirmed[0].id}"] a`, (a) => a.href);
  assert.equal(link, `https://explorer.example/tx/${confirmed[0].tx_hash}`);
  const size = await page.$eval('#tree-size', (el) => Number(el.textContent));
  assert.ok(size >= Object.keys(regs).length);
  assert.match(await page.$eval('#checkpoint-age', (el) => el.textContent), /ago/);
  assert.match(await page.$eval('#backlog', (el) => el.textContent), /^\d+$/);
  assert.equal(await page.$$eval('.chart rect', (r) => r.length), 48);
  assert.match(await page.$eval('.chart svg', (el) => el.getAttribute('aria-label')), /registrations in the last 48 hours/);
  // A registration made now appears in the live feed, then the checkpoint that logs it.
  await page.waitForFunction(() => /^Live/.test(document.getElementById('feed-status').textContent));
  const signer = await newEd25519Signer();
  const fresh = await post(await signedItem(signer, { license: 'MIT', n: 'live' }));
  await page.waitForSelector(`#feed li[data-event="registered"][data-id="${fresh.id}"]`, { timeout: 15000 });
  await page.waitForSelector('#feed li[data-event="logged"]', { timeout: 15000 });
  await page.waitForFunction((n) => Number(document.getElementById('tree-size').textContent) > n, {}, size);
  await shot('dashboard');
});

test('accessible: no serious axe-core violations on any page; usable at phone size', { skip },
  async () => {
    const p = await browser.newPage();
    await p.setBypassCSP(true); // only so that axe itself can be injected
    const pages = { lookup: `#/hash/${regs.ed25519.content_hash}`, item: `#/item/${regs.eip712.id}`,
      receipt: '#/receipt', dashboard: '#/dashboard', settings: '#/settings' };
    for (const [name, hash] of Object.entries(pages)) {
      for (const [w, hgt] of [[1100, 900], [375, 740]]) {
        await p.setViewport({ width: w, height: hgt });
        await go(hash, p);
        await p.waitForSelector('#page-title');
        await sleep(300);
        if (name === 'item') {
          await p.click('button.verify');
          await p.waitForSelector('[data-verdict]');
        }
        await assertAccessible(p, `${name} at ${w}px`);
        if (w === 375) await shot(`${name}-phone`, p);
      }
    }
    await p.close();
  });

test('the page logged no error (a CSP violation would be one)', { skip }, () => {
  assert.deepEqual(unexpected(problems), []);
});
