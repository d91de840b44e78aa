// SPDX-License-Identifier: Apache-2.0
// The explorer's dataset and model pages, driven in a real headless Chromium (Debian's chromium,
// through puppeteer-core) against provd run: a sealed dataset's details, its audit as a chart
// and as numbers, its receipt verified in the browser, "is my file in this dataset?" (a dropped
// file hashed in the page, its membership proof verified step by step; a non-member; tampered
// proofs caught at the right step), a model's details, receipt and lineage, and "was my file used
// to train this model?". The browser and provd verify agree on every receipt and proof.
// Accessibility (axe-core) at desktop and phone width. Screenshots go to tests/artifacts/explorer/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import {
  startProvd, freshDatabase, createApiKey, createLogKey, newEd25519Signer, signedItem, http,
  runProvd, tempDir,
} from './lib/harness.mjs';
import { datasetStatement, membersRoot } from './lib/dataset.mjs';
import { filesDigest, modelStatement } from './lib/model.mjs';
import {
  skipBrowser as skip, launch, go as goTo, shot as shotAs, verdict, dropText as dropOn,
  assertAccessible, unexpected,
} from './lib/browser.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const sha = (s) => `sha256:${createHash('sha256').update(s).digest('hex')}`;

let srv, token, key, browser, page, problems;
let lastDetails = '';
const contents = Array.from({ length: 5 }, (_, i) => `member file ${i} of the explorer corpus`);
const memberHashes = contents.map(sha);
const nonMember = sha('a file nobody put in the dataset');
let ds, dsReceipt, audit, model, modelReceipt, memberFile;

// Polls GET p until 200 (202 meanwhile).
async function until200(p, ms = 60000) {
  const until = Date.now() + ms;
  for (;;) {
    const r = await http(srv.base, 'GET', p);
    if (r.status === 200) return r.body;
    assert.equal(r.status, 202, `${p}: ${r.text}`);
    if (Date.now() > until) throw new Error(`${p} stayed 202`);
    await sleep(100);
  }
}

function cliVerify(doc) {
  const file = path.join(tempDir('provd-explorer-ds-'), 'doc.json');
  fs.writeFileSync(file, JSON.stringify(doc));
  return runProvd(['verify', file, '--log-key', key.vkey]);
}

const shot = (name, p = page) => shotAs(p, name);
const go = (hash, p = page) => goTo(p, srv.base, hash);

// The steps of the verdict shown in scope: {id: ok}; lastDetails keeps them as shown.
async function verdictSteps(scope, p = page) {
  const v = await verdict(p, scope);
  lastDetails = v.details;
  return v.steps;
}

// Every step ✓ but the anchor's (this log is not anchored: – there, which is not a failure).
function assertAllOk(steps, what) {
  assert.ok(Object.keys(steps).length > 0, what);
  for (const [id, ok] of Object.entries(steps)) {
    if (/(^|-)(anchor|chain)$/.test(id)) assert.equal(ok, 'null', `${what}: ${id}: ${lastDetails}`);
    else assert.equal(ok, 'true', `${what}: ${id}: ${lastDetails}`);
  }
}

const dropText = (id, text, name = 'photo.txt', p = page) => dropOn(p, id, text, name);

before(async () => {
  if (skip) return;
  const dbUrl = freshDatabase();
  token = createApiKey(dbUrl);
  // A log key whose base64 has a '+' (about every other key): the page must still parse it.
  do key = createLogKey('log.provd.test/explorer-datasets');
  while (key.vkey.split('+').length < 4);
  srv = await startProvd({ dbUrl, command: 'run', logKey: key });
  const owner = await newEd25519Signer();
  const curator = await newEd25519Signer();
  const trainer = await newEd25519Signer();
  // Members 0-2 pass; 3 has a licence the policy does not allow; 4 was never registered.
  for (const [i, h] of memberHashes.slice(0, 4).entries()) {
    const license = i === 3 ? 'GPL-3.0-only' : 'CC-BY-4.0';
    const r = await http(srv.base, 'POST', '/v1/items', { token,
      body: await signedItem(owner, { license, source_url: `https://example.org/${i}.txt` }, h) });
    assert.equal(r.status, 201, r.text);
  }
  let r = await http(srv.base, 'POST', '/v1/datasets', { token, body: { name: 'explorer-corpus',
    version: '2026.1', metadata: { description: 'photos for the explorer test' },
    policy: { licenses: ['CC-BY-4.0', 'MIT'], require_logged: true } } });
  assert.equal(r.status, 201, r.text);
  const created = r.body;
  r = await http(srv.base, 'POST', `/v1/datasets/${created.id}/members`, { token, body: { content_hashes: memberHashes } });
  assert.equal(r.status, 200, r.text);
  const root = membersRoot(memberHashes);
  const value = await curator.sign(datasetStatement(created, memberHashes.length, root));
  r = await http(srv.base, 'POST', `/v1/datasets/${created.id}/seal`, { token, body: {
    member_count: memberHashes.length, members_root: root,
    signature: { scheme: 'ed25519', public_key: curator.publicKey, value } } });
  assert.equal(r.status, 200, r.text);
  dsReceipt = await until200(`/v1/datasets/${created.id}/receipt`);
  ds = (await http(srv.base, 'GET', `/v1/datasets/${created.id}`)).body;
  audit = (await http(srv.base, 'GET', `/v1/datasets/${created.id}/audit`)).body;
  assert.equal(audit.final, true);
  // A model of two files trained on it.
  const files = [{ path: 'config.json', digest: sha('{"layers": 2}') },
    { path: 'model.safetensors', digest: sha('weights') }];
  const stmt = { model: { name: 'tiny-vit', version: '1.0', digest: filesDigest(files), files },
    datasets: [{ id: ds.id, members_root: ds.members_root }], metadata: { framework: 'jax', epochs: 3 } };
  const sig = { scheme: 'ed25519', public_key: trainer.publicKey, value: await trainer.sign(modelStatement(stmt)) };
  r = await http(srv.base, 'POST', '/v1/models', { token, body: { ...stmt, signature: sig } });
  assert.equal(r.status, 201, r.text);
  modelReceipt = await until200(`/v1/models/${r.body.id}/receipt`);
  model = (await http(srv.base, 'GET', `/v1/models/${r.body.id}`)).body;
  await until200(`/v1/models/${model.id}/proof?content_hash=${memberHashes[0]}`);
  memberFile = path.join(tempDir('provd-explorer-ds-'), 'member4.txt');
  fs.writeFileSync(memberFile, contents[4]);

  ({ browser, page, problems } = await launch());
});

after(async () => {
  if (browser) await browser.close();
  if (srv) await srv.stop();
});

test('the dataset page: details, policy, and the audit as a chart and as numbers', { skip }, async () => {
  await go(`#/dataset/${ds.id}`);
  await page.waitForSelector('#audit-numbers');
  assert.equal(await page.$eval('#page-title', (el) => el.textContent), 'Dataset: explorer-corpus 2026.1');
  const card = await page.$eval('article.dataset', (el) => el.innerText);
  assert.match(card, /sealed, in the log at entry/);
  assert.match(card, new RegExp(ds.signer.public_key), 'the curator');
  assert.match(card, /photos for the explorer test/);
  assert.match(card, new RegExp(ds.sealed_at.replace(/\./g, '\\.')));
  assert.equal(await page.$eval('#member-count', (el) => el.textContent), '5');
  assert.equal(await page.$eval('#members-root', (el) => el.textContent), membersRoot(memberHashes));
  assert.equal(await page.$eval('#log-index', (el) => el.textContent), String(dsReceipt.log_index));
  const policy = await page.$eval('#policy', (el) => el.innerText);
  assert.match(policy, /CC-BY-4\.0, MIT/);
  assert.match(policy, /Registered in the log/);
  // The numbers, as the API has them.
  const numbers = await page.$$eval('#audit-numbers tbody tr', (rows) => Object.fromEntries(rows.map((r) => [r.dataset.key, Number(r.querySelector('td').textContent)])));
  assert.deepEqual(numbers, { members: 5, passing: 3, failing: 2, ...audit.by_reason });
  assert.equal(audit.by_reason.unregistered, 1);
  assert.equal(audit.by_reason.license, 1);
  assert.match(await page.$eval('#audit', (el) => el.innerText), /Final: as of the seal/);
  // The chart: an accessible SVG image whose bars are to scale.
  const chart = await page.$eval('#audit-chart', (el) => ({
    ns: el.namespaceURI, role: el.getAttribute('role'),
    name: document.getElementById(el.getAttribute('aria-labelledby')).textContent,
    title: el.querySelector('title').textContent,
    bars: Object.fromEntries([...el.querySelectorAll('g[data-bar]')].map((g) => [g.dataset.bar, Number(g.querySelectorAll('rect')[1].getAttribute('width'))])),
  }));
  assert.equal(chart.ns, 'http://www.w3.org/2000/svg');
  assert.equal(chart.role, 'img');
  assert.equal(chart.name, chart.title);
  assert.match(chart.title, /5 members: 3 passing, 2 failing \(not registered: 1, licence not allowed: 1\)/);
  assert.ok(Math.abs(chart.bars.Passing / chart.bars.Failing - 1.5) < 0.01, JSON.stringify(chart.bars));
  assert.equal(chart.bars['Not logged'], 0);
  // The failing members, linked to their lookups.
  const failures = await page.$$eval('#audit .failures li', (els) => els.map((e) => e.innerText));
  assert.equal(failures.length, 2);
  assert.match(failures[0], new RegExp(`Member 3: ${memberHashes[3]} — licence not allowed`));
  assert.match(failures[1], new RegExp(`Member 4: ${memberHashes[4]} — not registered`));
  await shot('dataset');
});

test('the dataset receipt verifies in the browser to all ✓, and provd verify agrees', { skip }, async () => {
  await go(`#/dataset/${ds.id}`);
  await page.waitForSelector('#verify-dataset');
  await page.click('#verify-dataset');
  const steps = await verdictSteps('#dataset-receipt');
  assert.deepEqual(Object.keys(steps), ['key', 'signature', 'leaf', 'inclusion', 'checkpoint', 'anchor', 'chain']);
  assertAllOk(steps, 'dataset receipt');
  assert.match(lastDetails, /provd\.dataset\.v1 statement/);
  const v = cliVerify(dsReceipt);
  assert.equal(v.status, 0, `provd verify: ${v.stderr}`);
});

const MEMBER_STEPS = ['member-leaf', 'member-inclusion', 'record-root', 'key', 'signature', 'leaf',
  'inclusion', 'checkpoint', 'anchor', 'chain'];

test('is my file in this dataset? a dropped or chosen member file is proven step by step, here',
  { skip }, async () => {
    const sent = [];
    const onRequest = (req) => { if (req.method() !== 'GET') sent.push(req.url()); };
    page.on('request', onRequest);
    try {
      await go(`#/dataset/${ds.id}`);
      await dropText('member-drop', contents[1], 'photo-1.txt');
      let steps = await verdictSteps('#membership');
      assert.deepEqual(Object.keys(steps), MEMBER_STEPS);
      assertAllOk(steps, 'dropped member');
      assert.match(await page.$eval('#member-status', (el) => el.textContent), new RegExp(memberHashes[1]));
      assert.match(await page.$eval('#membership .summary', (el) => el.textContent), /A member: .* is member 1 of this dataset/);
      await shot('dataset-member');
      // A file chosen with the file picker, never registered: still a member, proven.
      await go(`#/dataset/${ds.id}`);
      const input = await page.waitForSelector('#member-file');
      await input.uploadFile(memberFile);
      steps = await verdictSteps('#membership');
      assertAllOk(steps, 'chosen member');
      assert.equal(await page.$eval('#member-progress', (el) => el.value), 100);
      assert.deepEqual(sent, [], 'nothing but GETs: the files stayed here');
    } finally {
      page.off('request', onRequest);
    }
    for (const h of [memberHashes[1], memberHashes[4]]) {
      const proof = (await http(srv.base, 'GET', `/v1/datasets/${ds.id}/proof?content_hash=${h}`)).body;
      const v = cliVerify(proof);
      assert.equal(v.status, 0, `provd verify: ${v.stderr}`);
    }
  });

test('a hash that is not in the dataset: not a member', { skip }, async () => {
  await go(`#/dataset/${ds.id}`);
  await page.waitForSelector('#member-hash');
  await page.type('#member-hash', nonMember);
  await page.keyboard.press('Enter');
  await page.waitForSelector('#membership #not-member');
  const text = await page.$eval('#not-member', (el) => el.innerText);
  assert.match(text, /^Not a member:/);
  assert.match(text, new RegExp(nonMember));
  assert.equal(await page.$('#membership [data-verdict]'), null);
  await shot('dataset-not-member');
  // A malformed hash is refused in the page, asking nothing.
  await page.$eval('#member-hash', (el) => { el.value = 'sha256:xyz'; });
  await page.keyboard.press('Enter');
  await page.waitForSelector('#member-status .error');
});

const flipHex = (h, i = 5) => h.slice(0, i) + (h[i] === '0' ? '1' : '0') + h.slice(i + 1);
const flipNote = (note) => note.replace(/ (\S)(\S+)\n$/, (m, a, b) => ` ${a === 'A' ? 'B' : 'A'}${b}\n`);

// Serves GET urlPart altered by mutate while fn runs.
async function lying(urlPart, mutate, fn) {
  const handler = async (req) => {
    if (!req.url().includes(urlPart)) return req.continue();
    const u = new URL(req.url());
    const body = (await http(srv.base, 'GET', u.pathname + u.search)).body;
    mutate(body);
    return req.respond({ status: 200, contentType: 'application/json', body: JSON.stringify(body) });
  };
  await page.setRequestInterception(true);
  page.on('request', handler);
  try {
    return await fn();
  } finally {
    page.off('request', handler);
    await page.setRequestInterception(false);
  }
}

test('a tampered membership proof shows ✗ at the step that catches it; provd verify fails it too',
  { skip }, async () => {
    const good = (await http(srv.base, 'GET', `/v1/datasets/${ds.id}/proof?content_hash=${memberHashes[2]}`)).body;
    assert.ok(good.inclusion_proof.length >= 2 && good.dataset.inclusion_proof.length >= 1);
    const cases = {
      'a member path hash': ['member-inclusion', (p) => { p.inclusion_proof[1] = flipHex(p.inclusion_proof[1]); }],
      'the position': ['member-inclusion', (p) => { p.position = 3; }],
      'another member\'s proof': ['member-leaf', (p) => { p.content_hash = memberHashes[0]; }],
      'the record\'s member count': ['record-root', (p) => { p.dataset.record.member_count = 6; }],
      'the record\'s log path': ['inclusion', (p) => { p.dataset.inclusion_proof[0] = flipHex(p.dataset.inclusion_proof[0]); }],
      'the checkpoint signature': ['checkpoint', (p) => { p.dataset.checkpoint = flipNote(p.dataset.checkpoint); }],
    };
    for (const [what, [step, mutate]] of Object.entries(cases)) {
      const steps = await lying(`/v1/datasets/${ds.id}/proof`, mutate, async () => {
        await go(`#/dataset/${ds.id}`);
        await dropText('member-drop', contents[2]);
        return verdictSteps('#membership');
      });
      const first = Object.keys(steps).find((k) => steps[k] === 'false');
      assert.equal(first, step, `${what}: first ✗ at ${first}, want ${step}: ${lastDetails}`);
      assert.equal(await page.$eval('#membership [data-verdict]', (el) => el.dataset.verdict), 'fail');
      const bad = structuredClone(good);
      mutate(bad);
      assert.equal(cliVerify(bad).status, 1, `${what}: provd verify passed it`);
      if (what === 'a member path hash') await shot('dataset-tampered');
    }
  });

test('the model page: digest, signer, files, metadata, its receipt to all ✓ (provd verify agrees) and its lineage',
  { skip }, async () => {
    await go(`#/model/${model.id}`);
    await page.waitForSelector('#lineage .lineage-dataset');
    assert.equal(await page.$eval('#page-title', (el) => el.textContent), 'Model: tiny-vit 1.0');
    assert.equal(await page.$eval('#model-digest', (el) => el.textContent), model.model.digest);
    const card = await page.$eval('article.model', (el) => el.innerText);
    assert.match(card, new RegExp(model.signer.public_key));
    assert.match(card, /"framework": "jax"/);
    assert.match(card, new RegExp(`in the log, entry ${modelReceipt.log_index}`));
    const files = await page.$$eval('#model-files tbody tr', (rows) => rows.map((r) => [...r.cells].map((c) => c.textContent)));
    assert.deepEqual(files, model.model.files.map((f) => [f.path, f.digest]));
    // The lineage: the dataset, linked, with its audit totals.
    const item = await page.$eval(`#lineage .lineage-dataset[data-id="${ds.id}"]`, (el) => ({
      text: el.innerText, href: el.querySelector('a').getAttribute('href'),
      bar: el.querySelector('svg.pass-bar[role="img"] title').textContent }));
    assert.equal(item.href, `#/dataset/${ds.id}`);
    assert.match(item.text, /explorer-corpus 2026\.1/);
    assert.match(item.text, /Audit: 3 of 5 passing, 2 failing \(not registered: 1, licence not allowed: 1\)/);
    assert.match(item.text, new RegExp(ds.signer.public_key), 'the curator');
    assert.equal(item.bar, '3 of 5 members pass, 2 fail');
    assert.match(await page.$eval('#lineage-totals', (el) => el.innerText), /Over 1 dataset: 3 of 5 members passing, 2 failing/);
    await page.click('#verify-model');
    const steps = await verdictSteps('#model-receipt');
    assert.deepEqual(Object.keys(steps), ['key', 'signature', 'manifest', 'leaf', 'inclusion', 'checkpoint', 'anchor', 'chain']);
    assertAllOk(steps, 'model receipt');
    const v = cliVerify(modelReceipt);
    assert.equal(v.status, 0, `provd verify: ${v.stderr}`);
    await shot('model');
    // The lineage link leads to the dataset's page.
    await page.click(`#lineage a[href="#/dataset/${ds.id}"]`);
    await page.waitForSelector('#audit-numbers');
    assert.equal(await page.$eval('#page-title', (el) => el.textContent), 'Dataset: explorer-corpus 2026.1');
  });

test('was my file used to train this model? proven link by link; a non-member was not used; a lie is caught',
  { skip }, async () => {
    await go(`#/model/${model.id}`);
    await dropText('used-drop', contents[0]);
    const steps = await verdictSteps('#model-proof');
    assertAllOk(steps, 'model proof');
    for (const id of ['model-signature', 'model-manifest', 'model-dataset', 'dataset-signature', 'dataset-root',
      'order', 'member-leaf', 'member-inclusion', 'registration-0']) assert.ok(id in steps, id);
    await shot('model-used');
    const proof = (await http(srv.base, 'GET', `/v1/models/${model.id}/proof?content_hash=${memberHashes[0]}`)).body;
    const v = cliVerify(proof);
    assert.equal(v.status, 0, `provd verify: ${v.stderr}`);
    // Member 4 was never registered: the chain holds, with no registration to show (–).
    await go(`#/model/${model.id}`);
    await dropText('used-drop', contents[4]);
    const unreg = await verdictSteps('#model-proof');
    assert.equal(unreg.registrations, 'null', lastDetails);
    assert.equal(await page.$eval('#model-proof [data-verdict]', (el) => el.dataset.verdict), 'ok');
    // Not in any of its datasets.
    await go(`#/model/${model.id}`);
    await page.waitForSelector('#used-hash');
    await page.type('#used-hash', nonMember);
    await page.keyboard.press('Enter');
    await page.waitForSelector('#model-proof #not-member');
    // A server that names another root in the model link is caught there.
    const lieSteps = await lying(`/v1/models/${model.id}/proof`, (p) => { p.membership.members_root = flipHex(p.membership.members_root); }, async () => {
      await go(`#/model/${model.id}`);
      await dropText('used-drop', contents[0]);
      return verdictSteps('#model-proof');
    });
    const first = Object.keys(lieSteps).find((k) => lieSteps[k] === 'false');
    assert.equal(first, 'model-dataset', lastDetails);
    const bad = structuredClone(proof);
    bad.membership.members_root = flipHex(bad.membership.members_root);
    assert.equal(cliVerify(bad).status, 1, 'provd verify passed it');
  });

test('the lookup page links a member to its dataset and to the model trained on it', { skip }, async () => {
  await go(`#/hash/${memberHashes[0]}`);
  await page.waitForSelector(`#results a[href="#/model/${model.id}"]`);
  await page.waitForSelector(`#results a[href="#/dataset/${ds.id}"]`);
});

test('accessible: no serious axe-core violations on the dataset and model pages; usable at phone size',
  { skip }, async () => {
    const p = await browser.newPage();
    p.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
    p.on('pageerror', (e) => problems.push(e.message));
    await p.setBypassCSP(true); // only so that axe itself can be injected
    const pages = {
      dataset: [`#/dataset/${ds.id}`, async () => {
        await p.waitForSelector('#audit-numbers');
        await p.click('#verify-dataset');
        await p.waitForSelector('#dataset-receipt [data-verdict]');
        await dropText('member-drop', contents[1], 'photo.txt', p);
        await p.waitForSelector('#membership [data-verdict]', { timeout: 30000 });
      }],
      model: [`#/model/${model.id}`, async () => {
        await p.waitForSelector('#lineage .lineage-dataset');
        await p.click('#verify-model');
        await p.waitForSelector('#model-receipt [data-verdict]');
        await dropText('used-drop', contents[0], 'photo.txt', p);
        await p.waitForSelector('#model-proof [data-verdict]', { timeout: 30000 });
      }],
    };
    for (const [name, [hash, fill]] of Object.entries(pages)) {
      for (const [w, hgt] of [[1100, 900], [375, 740]]) {
        await p.setViewport({ width: w, height: hgt });
        await go(hash, p);
        await p.waitForSelector('#page-title');
        await fill();
        await assertAccessible(p, `${name} at ${w}px`);
        if (w === 375) await shot(`${name}-phone`, p);
      }
    }
    // The member check works from the keyboard: type the hash in its field, Enter.
    await go(`#/dataset/${ds.id}`, p);
    await p.waitForSelector('#member-hash');
    await p.focus('#member-hash');
    await p.keyboard.type(memberHashes[3]);
    await p.keyboard.press('Enter');
    await p.waitForSelector('#membership [data-verdict="ok"]', { timeout: 30000 });
    await p.close();
  });

test('the pages logged no error (a CSP violation would be one)', { skip }, () => {
  assert.deepEqual(unexpected(problems), []);
});
