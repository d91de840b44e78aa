// SPDX-License-Identifier: Apache-2.0
// Driving the explorer in headless Chromium (Debian's chromium through puppeteer-core): the
// browser, full navigations, the verdict a page shows, axe-core and screenshots, shared by the
// explorer tests.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import puppeteer from 'puppeteer-core';

const here = path.dirname(fileURLToPath(import.meta.url));
export const chromium = process.env.PROVD_CHROMIUM || '/usr/bin/chromium';
// Without Chromium the tests skip, except in CI, where that is a failure.
export const skipBrowser = !fs.existsSync(chromium) && !process.env.CI ? `no ${chromium}` : false;
const artifacts = path.join(process.env.PROVD_ARTIFACTS || path.join(here, '..', '..', 'artifacts'),
  'explorer');
const axeSource = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

// {browser, page, problems}: problems collects the page's console errors and uncaught errors
// (a CSP violation is one).
export async function launch() {
  const browser = await puppeteer.launch({ executablePath: chromium, headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  const page = await browser.newPage();
  await page.setViewport({ width: 1100, height: 900 });
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
  page.on('pageerror', (e) => problems.push(e.message));
  return { browser, page, problems };
}

// The problems but the 404 loads the page asked for (a hash nobody registered), which Chromium
// logs too.
export const unexpected = (problems) => problems.filter((m) => !/status of 404/.test(m));

// A full load of base/#hash, never a same-document navigation (whose old elements could be
// mistaken for the new page's).
export async function go(page, base, hash) {
  await page.goto('about:blank');
  await page.goto(`${base}/${hash}`);
}

export async function shot(page, name) {
  fs.mkdirSync(artifacts, { recursive: true });
  await page.screenshot({ path: path.join(artifacts, `${name}.png`), fullPage: true });
}

// The verdict shown in scope (a selector), once it is there: {steps: {id: 'true'|'false'|'null'},
// details: the steps as shown, for failure messages}.
export async function verdict(page, scope = '') {
  await page.waitForSelector(`${scope} [data-verdict]`, { timeout: 30000 });
  const rows = await page.$$eval(`${scope} [data-step]`,
    (els) => els.map((e) => [e.dataset.step, e.dataset.ok, e.innerText]));
  return { steps: Object.fromEntries(rows.map(([id, ok]) => [id, ok])),
    details: rows.map((r) => r[2]).join(' | ') };
}

// Drops a file with text as its bytes on the drop zone #id.
export async function dropText(page, id, text, name = 'photo.txt') {
  await page.waitForSelector(`#${id}`);
  await page.evaluate((i, t, n) => {
    const dt = new DataTransfer();
    dt.items.add(new File([t], n, { type: 'text/plain' }));
    document.getElementById(i).dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, id, text, name);
}

// axe-core (WCAG 2 A/AA and best practices) on p as it stands: no serious or critical
// violation, and no sideways scrolling. p must bypass the CSP (p.setBypassCSP) for axe.
export async function assertAccessible(p, what) {
  await p.addScriptTag({ content: axeSource });
  const v = await p.evaluate(async () => (await window.axe.run(document, {
    runOnly: ['wcag2a', 'wcag2aa', 'best-practice'] })).violations
    .filter((x) => x.impact === 'serious' || x.impact === 'critical')
    .map((x) => `${x.id}: ${x.nodes.map((n) => n.target.join(' ')).join(', ')}`));
  assert.deepEqual(v, [], what);
  const overflow = await p.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `${what}: scrolls sideways by ${overflow}px`);
}
