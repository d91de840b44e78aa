// SPDX-License-Identifier: Apache-2.0
// The explorer: a hash-routed page (#/…) over the provd API of its own origin.
import { api, problemText } from './api.js';
import { h, replace } from './dom.js';
import { dashboardPage } from './dashboard.js';
import { datasetPage } from './datasets.js';
import { hashFile } from './hashfile.js';
import { alertBox, page } from './layout.js';
import { modelPage } from './models.js';
import { loadSettings, saveSettings } from './settings.js';
import { registrationCard, verifyInto } from './views.js';

const HASH = /^sha256:[0-9a-f]{64}$/;

async function showProvenance(hash, out) {
  replace(out, h('p', { role: 'status' }, `Looking up ${hash}…`));
  const r = await api.provenance(hash);
  if (r.status === 404) return replace(out, h('p', { class: 'none', role: 'status' }, `No registration of ${hash}.`));
  if (r.status !== 200) return replace(out, alertBox(problemText(r)));
  const p = r.json;
  const n = p.registrations.length;
  return replace(out,
    h('p', { role: 'status', class: 'found' }, `${n}${p.truncated ? '+' : ''} registration${n === 1 ? '' : 's'} of `, h('span', { class: 'mono' }, hash)),
    p.registrations.map(registrationCard),
    p.datasets && p.datasets.length ? h('section', { class: 'card' }, h('h3', {}, 'In sealed datasets'),
      h('ul', {}, p.datasets.map((d) => h('li', {}, h('a', { href: `#/dataset/${d.id}` }, `${d.name} ${d.version}`), ` (member ${d.position})`)))) : null,
    p.used_in && p.used_in.length ? h('section', { class: 'card' }, h('h3', {}, 'Used to train'),
      h('ul', {}, p.used_in.map((m) => h('li', {}, h('a', { href: `#/model/${m.model_id}` }, `${m.name} ${m.version}`))))) : null);
}

function lookupPage(hash) {
  const out = h('div', { id: 'results' });
  const input = h('input', { id: 'hash', name: 'hash', type: 'text', spellcheck: 'false', autocomplete: 'off',
    placeholder: 'sha256:…', value: hash || '', 'aria-describedby': 'hash-help' });
  const progress = h('progress', { id: 'progress', max: '100', value: '0', hidden: true, 'aria-label': 'Hashing progress' });
  const status = h('p', { id: 'file-status', role: 'status', 'aria-live': 'polite' });
  const fileInput = h('input', { id: 'file', type: 'file', class: 'visually-hidden' });
  const onFile = async (file) => {
    if (!file) return;
    progress.hidden = false;
    progress.value = 0;
    status.textContent = `Hashing ${file.name} in this browser…`;
    const hashOf = await hashFile(file, (done, total) => { progress.value = total ? (100 * done) / total : 100; });
    status.textContent = `${file.name}: ${hashOf} (computed here; the file was not uploaded)`;
    show(hashOf);
  };
  // The results below the form, the address updated without rebuilding the page (the file's
  // status and progress stay); going back and forth re-routes as usual.
  const show = (v) => {
    input.value = v;
    history.pushState(null, '', `#/hash/${v}`);
    showProvenance(v, out);
  };
  fileInput.addEventListener('change', () => onFile(fileInput.files[0]));
  const drop = h('label', { for: 'file', class: 'drop', id: 'drop' },
    h('strong', {}, 'Drop a file here, or choose one'),
    h('span', {}, 'Its SHA-256 is computed in your browser; the file never leaves this machine.'));
  drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => { e.preventDefault(); drop.classList.remove('over'); onFile(e.dataTransfer.files[0]); });
  const form = h('form', { class: 'lookup', role: 'search', onsubmit: (e) => {
    e.preventDefault();
    const v = input.value.trim().toLowerCase();
    if (!HASH.test(v)) return replace(out, alertBox('A content hash is sha256: followed by 64 hex digits.'));
    return show(v);
  } }, h('label', { for: 'hash' }, 'Content hash'), input,
  h('button', { type: 'submit' }, 'Look up'),
  h('p', { id: 'hash-help', class: 'help' }, 'The SHA-256 of the content, as sha256:<64 hex digits>.'));
  page('Where did this come from?', form, drop, fileInput, progress, status, out);
  if (hash) showProvenance(hash, out);
}

async function itemPage(id) {
  const out = h('div', {});
  page(`Registration ${id}`, out);
  const r = await api.item(id);
  if (r.status !== 200) return replace(out, alertBox(problemText(r)));
  return replace(out, registrationCard(r.json));
}

function receiptPage() {
  const text = h('textarea', { id: 'receipt', rows: '12', spellcheck: 'false', 'aria-describedby': 'receipt-help' });
  const out = h('div', { class: 'verify-out', 'aria-live': 'polite' });
  const form = h('form', { onsubmit: async (e) => {
    e.preventDefault();
    let rc;
    try { rc = JSON.parse(text.value); } catch (err) { return replace(out, alertBox(`Not JSON: ${err.message}`)); }
    return verifyInto(out, rc);
  } }, h('label', { for: 'receipt' }, 'Receipt (JSON)'), text,
  h('p', { id: 'receipt-help', class: 'help' }, 'A receipt from GET /v1/items/{id}/receipt, kept offline; it is checked here, nothing is sent.'),
  h('button', { type: 'submit' }, 'Verify'));
  page('Verify a receipt', form, out);
}

async function signerPage(id) {
  const out = h('div', {});
  page('Signer', out);
  const [s, items] = await Promise.all([api.signer(id), api.items({ signer: id, limit: 50 })]);
  if (items.status !== 200) return replace(out, alertBox(problemText(items)));
  return replace(out,
    h('p', { class: 'mono' }, id),
    s.status === 200 ? h('p', {}, h('strong', {}, s.json.name), s.json.revoked_at ? h('span', { class: 'badge revoked' }, `revoked ${s.json.revoked_at}`) : null) : h('p', { class: 'muted' }, 'Not a known signer.'),
    h('h3', {}, `Registrations${items.json.next_cursor ? ' (latest 50)' : ''}`),
    items.json.items.map(registrationCard));
}

function settingsPage() {
  const s = loadSettings();
  const key = h('textarea', { id: 'pinned-key', rows: '2', spellcheck: 'false' }, s.pinnedKey);
  const rpc = h('input', { id: 'rpc-url', type: 'url', value: s.rpcUrl, placeholder: 'https://…' });
  const conf = h('input', { id: 'confirmations', type: 'number', min: '1', value: String(s.confirmations) });
  const saved = h('p', { role: 'status', 'aria-live': 'polite' });
  const form = h('form', { onsubmit: (e) => {
    e.preventDefault();
    saveSettings({ pinnedKey: key.value, rpcUrl: rpc.value, confirmations: Number(conf.value) || 12 });
    saved.textContent = 'Saved in this browser.';
  } },
  h('label', { for: 'pinned-key' }, 'Pinned log key'), key,
  h('p', { class: 'help' }, 'The log\'s verifier key, obtained out of band. Receipts are checked against it, and a server serving another key is caught.'),
  h('label', { for: 'rpc-url' }, 'Ethereum JSON-RPC URL'), rpc,
  h('p', { class: 'help' }, 'Any Ethereum node; the page asks it for the anchor transactions directly.'),
  h('label', { for: 'confirmations' }, 'Confirmations required'), conf,
  h('button', { type: 'submit' }, 'Save'), saved);
  page('Settings', form);
}

function route() {
  const parts = location.hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  const [what, arg] = parts;
  for (const a of document.querySelectorAll('nav a')) a.removeAttribute('aria-current');
  const nav = document.querySelector(`nav a[data-nav="${what || 'lookup'}"]`);
  if (nav) nav.setAttribute('aria-current', 'page');
  if (what === 'hash' && HASH.test(arg || '')) return lookupPage(arg);
  if (what === 'item' && /^[0-9]+$/.test(arg || '')) return itemPage(arg);
  if (what === 'signer' && arg) return signerPage(arg);
  if (what === 'dataset' && /^[0-9]+$/.test(arg || '')) return datasetPage(arg);
  if (what === 'model' && /^[0-9]+$/.test(arg || '')) return modelPage(arg);
  if (what === 'receipt') return receiptPage();
  if (what === 'dashboard') return dashboardPage();
  if (what === 'settings') return settingsPage();
  return lookupPage('');
}

// popstate: links to #/… (Chromium fires it for fragment navigations), back and forward.
window.addEventListener('popstate', route);
route();
