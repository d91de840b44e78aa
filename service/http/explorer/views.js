// SPDX-License-Identifier: Apache-2.0
// The pieces the pages share: a registration card and a receipt's verification steps.
import { api, problemText } from './api.js';
import { h, replace, safeLink } from './dom.js';
import { loadSettings } from './settings.js';
import { verifyReceipt } from './verify.js';

const MARK = { true: '✓', false: '✗', null: '–' };

export function renderSteps(result, summary = { ok: '✓ The receipt verifies', fail: '✗ The receipt does not verify' }) {
  return h('div', { class: `verdict ${result.ok ? 'ok' : 'fail'}`, 'data-verdict': result.ok ? 'ok' : 'fail' },
    h('p', { class: 'summary', role: 'status' }, result.ok ? summary.ok : summary.fail),
    h('ol', { class: 'steps' }, result.steps.map((s) => h('li', { class: `step s-${String(s.ok)}`, 'data-step': s.id, 'data-ok': String(s.ok) },
      h('span', { class: 'mark', 'aria-hidden': 'true' }, MARK[String(s.ok)]),
      h('span', { class: 'sr' }, s.ok === true ? 'passed: ' : s.ok === false ? 'failed: ' : 'not checked: '),
      h('strong', {}, s.title), ' — ', s.detail))));
}

export async function verifyInto(out, receipt) {
  replace(out, h('p', { role: 'status' }, 'Verifying…'));
  const key = await api.logKey();
  const settings = loadSettings();
  const result = await verifyReceipt(receipt, { serverKey: key.status === 200 ? key.text : '',
    pinnedKey: settings.pinnedKey, rpcUrl: settings.rpcUrl, confirmations: settings.confirmations });
  replace(out, renderSteps(result));
  return result;
}

async function verifyItem(id, out) {
  const r = await api.receipt(id);
  if (r.status === 202) return replace(out, h('p', { role: 'status' }, 'Registered, waiting for the log: try again in a moment.'));
  if (r.status !== 200) return replace(out, h('p', { class: 'error', role: 'alert' }, problemText(r)));
  return verifyInto(out, r.json);
}

export function signerLine(s) {
  const id = s.public_key || s.address || '';
  const name = s.known ? h('strong', {}, s.name) : h('span', { class: 'muted' }, 'unknown signer');
  return h('span', {}, name, ' ', h('a', { href: `#/signer/${encodeURIComponent(id)}`, class: 'mono' }, id),
    ` (${s.scheme})`, s.revoked ? h('span', { class: 'badge revoked' }, 'revoked') : null);
}

const STATUS_TEXT = { registered: 'registered, not yet in the log', logged: 'in the log', anchored: 'in the log and anchored on Ethereum' };

function field(label, value) {
  return value === undefined || value === null || value === '' ? null : [h('dt', {}, label), h('dd', {}, value)];
}

export function registrationCard(item) {
  const m = item.metadata || {};
  const out = h('div', { class: 'verify-out', 'aria-live': 'polite' });
  const known = new Set(['license', 'source_url', 'author', 'created_at', 'modified_at', 'published_at', 'fetched_at']);
  const extra = Object.fromEntries(Object.entries(m).filter(([k]) => !known.has(k)));
  return h('article', { class: 'card registration', 'data-id': item.id },
    h('h3', {}, h('a', { href: `#/item/${item.id}` }, `Registration ${item.id}`), ' ',
      h('span', { class: `badge ${item.status}` }, item.status)),
    h('dl', {},
      field('Content', h('span', { class: 'mono' }, item.content_hash)),
      field('Signer', item.signer ? signerLine(item.signer) : null),
      field('Licence', m.license),
      field('Source', m.source_url ? safeLink(m.source_url) : null),
      field('Author', m.author),
      field('Created', m.created_at), field('Published', m.published_at), field('Fetched', m.fetched_at),
      field('Registered', item.registered_at),
      field('Status', `${STATUS_TEXT[item.status] || item.status}${item.log_index !== null && item.log_index !== undefined ? `, entry ${item.log_index}` : ''}`),
      field('Other metadata', Object.keys(extra).length ? h('pre', {}, JSON.stringify(extra, null, 2)) : null)),
    h('button', { type: 'button', class: 'verify', onclick: () => verifyItem(item.id, out) }, 'Verify in this browser'),
    out);
}
