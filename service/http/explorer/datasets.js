// SPDX-License-Identifier: Apache-2.0
// The dataset page (#/dataset/ID): what the curator sealed, the dataset record's receipt
// verified here, the ingestion audit as a chart (and as numbers), and "is my file in this
// dataset?": the file hashed in this browser (never uploaded) and its membership proof checked
// step by step, from the member's leaf to the members root, to the curator's signed record, to
// the log's signed checkpoint. Also the pieces the model page shares.
import { api, problemText } from './api.js';
import { bytesToHex, concat, hexToBytes, sha256, utf8 } from './bytes.js';
import { h, replace } from './dom.js';
import { hashFile } from './hashfile.js';
import { alertBox, page } from './layout.js';
import { verifyInclusion } from './merkle.js';
import { loadSettings } from './settings.js';
import { verifyReceipt } from './verify.js';
import { renderSteps, signerLine, verifyInto } from './views.js';

const HASH = /^sha256:[0-9a-f]{64}$/;
const SVG = 'http://www.w3.org/2000/svg';
const short = (hex) => `${String(hex).slice(0, 16)}…`;

// GET path on this origin: {status, json, text}.
export async function getJSON(path) {
  const res = await fetch(path, { headers: { Accept: 'application/json' } });
  const text = await res.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status, json, text };
}

function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  for (const c of children.flat()) if (c !== null && c !== undefined) el.append(c);
  return el;
}

let uid = 0;
const nextId = (p) => `${p}-${++uid}`;

export function field(label, value) {
  return value === undefined || value === null || value === '' ? null : [h('dt', {}, label), h('dd', {}, value)];
}

export const REASONS = {
  unregistered: 'Not registered', unlogged: 'Not logged', unanchored: 'Not anchored',
  license: 'Licence not allowed', unknown_signer: 'Unknown signer', revoked: 'Signer revoked',
  usage_refused: 'Training refused',
};

export function reasonsText(byReason = {}) {
  const r = Object.entries(byReason).filter(([, n]) => n > 0).map(([k, n]) => `${(REASONS[k] || k).toLowerCase()}: ${n}`);
  return r.length ? r.join(', ') : '';
}

// The audit totals as a horizontal bar chart: passing, failing and each reason, over the
// members; its numbers are in the title (and in the table beside it).
function auditChart(a) {
  const rows = [['Passing', a.passing, 'a-pass'], ['Failing', a.failing, 'a-fail'],
    ...Object.keys(REASONS).map((k) => [REASONS[k], a.by_reason[k] ?? 0, 'a-reason'])];
  const rowH = 22;
  const labelW = 150;
  const barW = 150;
  const height = rows.length * rowH + 4;
  const max = Math.max(1, a.members);
  const titleId = nextId('audit-chart-title');
  const summary = `Audit of ${a.members} member${a.members === 1 ? '' : 's'}: ${a.passing} passing, ${a.failing} failing${a.failing ? ` (${reasonsText(a.by_reason)})` : ''}`;
  return svg('svg', { class: 'audit-chart', id: 'audit-chart', viewBox: `0 0 ${labelW + barW + 44} ${height}`, role: 'img', 'aria-labelledby': titleId },
    svg('title', { id: titleId }, summary),
    rows.map(([label, n, cls], i) => {
      const y = i * rowH + 2;
      const w = (barW * n) / max;
      return svg('g', { 'data-bar': label },
        svg('text', { x: labelW - 6, y: y + 15, 'text-anchor': 'end', class: i > 1 ? 'a-sub' : '' }, label),
        svg('rect', { x: labelW, y: y + 3, width: barW, height: rowH - 8, class: 'a-track' }),
        svg('rect', { x: labelW, y: y + 3, width: n > 0 ? Math.max(w, 1.5) : 0, height: rowH - 8, class: cls }),
        svg('text', { x: labelW + barW + 6, y: y + 15 }, String(n)));
    }));
}

// A small stacked bar, passing then failing, for a list of datasets.
export function passBar(t) {
  const w = 200;
  const pass = t.members ? (w * t.passing) / t.members : 0;
  const titleId = nextId('pass-bar-title');
  return svg('svg', { class: 'pass-bar', viewBox: `0 0 ${w} 12`, preserveAspectRatio: 'none', role: 'img', 'aria-labelledby': titleId },
    svg('title', { id: titleId }, `${t.passing} of ${t.members} members pass, ${t.failing} fail`),
    svg('rect', { x: 0, y: 0, width: w, height: 12, class: t.members ? 'a-fail' : 'a-track' }),
    svg('rect', { x: 0, y: 0, width: pass, height: 12, class: 'a-pass' }));
}

function auditTable(a) {
  const row = (key, label, n, sub = false) => h('tr', { 'data-key': key, class: sub ? 'sub' : null },
    h('th', { scope: 'row' }, label), h('td', {}, String(n)));
  return h('table', { class: 'numbers', id: 'audit-numbers' },
    h('caption', {}, 'Audit totals'),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Category'), h('th', { scope: 'col' }, 'Members'))),
    h('tbody', {}, row('members', 'All members', a.members), row('passing', 'Passing', a.passing),
      row('failing', 'Failing', a.failing),
      Object.keys(REASONS).map((k) => row(k, `Failing: ${REASONS[k].toLowerCase()}`, a.by_reason[k] ?? 0, true))));
}

function auditSection(a) {
  const asOf = a.final
    ? `Final: as of the seal${a.as_of && a.as_of.log_index !== null ? ` (only registrations logged before entry ${a.as_of.log_index} count)` : ''}.`
    : 'Not final: on the current state, until the dataset record is logged.';
  const failures = a.failures || [];
  return h('section', { class: 'card', id: 'audit', 'aria-labelledby': 'audit-title' },
    h('h3', { id: 'audit-title' }, 'Ingestion audit'),
    h('p', { class: 'help' }, asOf),
    h('div', { class: 'audit-body' }, auditChart(a), auditTable(a)),
    failures.length ? [h('h4', {}, `Failing members${a.next_cursor ? ` (the first ${failures.length})` : ''}`),
      h('ul', { class: 'failures' }, failures.map((f) => h('li', {},
        `Member ${f.position}: `, h('a', { href: `#/hash/${f.content_hash}`, class: 'mono' }, f.content_hash),
        ` — ${f.reasons.map((r) => (REASONS[r] || r).toLowerCase()).join(', ')}`)))] : null);
}

function policyList(p = {}) {
  const parts = [];
  if (Array.isArray(p.licenses)) parts.push(`Licences allowed: ${p.licenses.join(', ') || 'none'}`);
  if (p.require_known_signer) parts.push('A known signer');
  if (p.require_logged) parts.push('Registered in the log');
  if (p.require_anchored) parts.push('Anchored on Ethereum');
  if (p.respect_content_usage) parts.push(`Content-usage preferences respected${p.generative ? ' (generative training)' : ''}`);
  if (!parts.length) return h('span', { id: 'policy' }, 'None: a registration by a signer not revoked is enough');
  return h('ul', { class: 'plain', id: 'policy' }, parts.map((t) => h('li', {}, t)));
}

// The options verifyReceipt takes: the server's log key, and what the user keeps here.
export async function verifyOptions() {
  const key = await api.logKey();
  const s = loadSettings();
  return { serverKey: key.status === 200 ? key.text : '', pinnedKey: s.pinnedKey, rpcUrl: s.rpcUrl,
    confirmations: s.confirmations };
}

export async function attempt(step, fn) {
  try {
    const { ok, detail } = await fn();
    return { ...step, ok, detail };
  } catch (e) {
    return { ...step, ok: false, detail: e.message };
  }
}

// The member's two steps: its leaf, from the hash the user has (never the server's copy), and
// its RFC 9162 inclusion at position among member_count leaves under members_root.
export async function memberSteps(hash, proof, m) {
  let leaf = null;
  const steps = [await attempt({ id: 'member-leaf', title: 'Member leaf' }, async () => {
    if (proof.content_hash !== hash) return { ok: false, detail: `the proof is about ${proof.content_hash}, not ${hash}` };
    leaf = await sha256(concat(Uint8Array.of(0), utf8(hash)));
    return { ok: true, detail: `SHA-256(0x00 ‖ "${hash.slice(0, 15)}…") = ${short(bytesToHex(leaf))}` };
  })];
  steps.push(await attempt({ id: 'member-inclusion', title: 'Inclusion in the members root' }, async () => {
    if (!leaf) return { ok: false, detail: 'no member leaf' };
    const ok = await verifyInclusion(m.position, m.member_count, leaf, m.inclusion_proof, hexToBytes(m.members_root));
    return { ok, detail: ok ? `member ${m.position} of ${m.member_count}: ${m.inclusion_proof.length} hash${m.inclusion_proof.length === 1 ? '' : 'es'} lead to the members root ${short(m.members_root)}`
      : `the proof does not lead from member ${m.position} of ${m.member_count} to the members root ${short(m.members_root)}` };
  }));
  return steps;
}

// The dataset record states the members root and count the membership proof ends in.
export function recordRootStep(rec, m, { id = 'record-root', shown } = {}) {
  return attempt({ id, title: 'The curator\'s record states this root' }, async () => {
    if (!rec || rec.type !== 'provd.dataset.v1') return { ok: false, detail: 'the receipt\'s record is not a provd.dataset.v1 record' };
    if (rec.members_root !== m.members_root || rec.member_count !== m.member_count) {
      return { ok: false, detail: `the record states ${rec.member_count} members under ${short(rec.members_root)}, the proof ${m.member_count} under ${short(m.members_root)}` };
    }
    if (shown && (shown.members_root !== rec.members_root || shown.member_count !== rec.member_count)) {
      return { ok: false, detail: `the dataset shown here has ${shown.member_count} members under ${short(shown.members_root)}: the server contradicts itself` };
    }
    return { ok: true, detail: `${rec.name} ${rec.version}: ${rec.member_count} members under ${short(rec.members_root)}` };
  });
}

// A receipt's steps (verify.js), their ids prefixed and titles said of what they check.
export async function receiptSteps(rc, opts, { prefix = '', what = '', skipKey = false, signatureTitle } = {}) {
  const r = await verifyReceipt(rc, opts);
  return r.steps.filter((s) => !(skipKey && s.id === 'key')).map((s) => ({ ...s, id: `${prefix}${s.id}`,
    title: s.id === 'signature' && signatureTitle ? signatureTitle : `${what}${what ? s.title[0].toLowerCase() + s.title.slice(1) : s.title}` }));
}

// A GET /v1/datasets/{id}/proof reply checked for the content hash the user has:
// {ok, steps}. shown is the dataset as the page shows it.
export async function verifyMembership(hash, proof, shown, opts) {
  const steps = await memberSteps(hash, proof, proof);
  const rc = proof.dataset || {};
  steps.push(await recordRootStep(rc.record, proof, { shown }));
  steps.push(...await receiptSteps(rc, opts, { signatureTitle: 'The curator\'s signature over the dataset statement' }));
  return { ok: steps.every((s) => s.ok !== false), steps };
}

// Drop or choose a file (hashed here, never uploaded), or paste its hash; onHash(hash).
export function hashPicker(prefix, onHash) {
  const input = h('input', { id: `${prefix}-hash`, name: `${prefix}-hash`, type: 'text', spellcheck: 'false',
    autocomplete: 'off', placeholder: 'sha256:…', 'aria-describedby': `${prefix}-help` });
  const progress = h('progress', { id: `${prefix}-progress`, max: '100', value: '0', hidden: true, 'aria-label': 'Hashing progress' });
  const status = h('p', { id: `${prefix}-status`, role: 'status', 'aria-live': 'polite' });
  const fileInput = h('input', { id: `${prefix}-file`, type: 'file', class: 'visually-hidden' });
  const onFile = async (file) => {
    if (!file) return;
    progress.hidden = false;
    progress.value = 0;
    status.textContent = `Hashing ${file.name} in this browser…`;
    let hash;
    try {
      hash = await hashFile(file, (done, total) => { progress.value = total ? (100 * done) / total : 100; });
    } catch (e) {
      status.textContent = `Could not read ${file.name}: ${e.message}`;
      return;
    }
    progress.value = 100;
    status.textContent = `${file.name}: ${hash} (computed here; the file was not uploaded)`;
    input.value = hash;
    onHash(hash);
  };
  fileInput.addEventListener('change', () => onFile(fileInput.files[0]));
  const drop = h('label', { class: 'drop', id: `${prefix}-drop` }, fileInput,
    h('strong', {}, 'Drop a file here, or choose one'),
    h('span', {}, 'Its SHA-256 is computed in your browser; the file never leaves this machine.'));
  drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => { e.preventDefault(); drop.classList.remove('over'); onFile(e.dataTransfer.files[0]); });
  const form = h('form', { class: 'lookup', onsubmit: (e) => {
    e.preventDefault();
    const v = input.value.trim().toLowerCase();
    if (!HASH.test(v)) {
      status.textContent = '';
      status.append(h('span', { class: 'error' }, 'A content hash is sha256: followed by 64 hex digits.'));
      return;
    }
    status.textContent = '';
    onHash(v);
  } }, h('label', { for: `${prefix}-hash` }, 'Or its content hash'), input,
  h('p', { id: `${prefix}-help`, class: 'help' }, 'The SHA-256 of the content, as sha256:<64 hex digits>.'),
  h('button', { type: 'submit' }, 'Check'));
  return [drop, progress, status, form];
}

function membershipSection(d) {
  const out = h('div', { id: 'membership', class: 'verify-out', 'aria-live': 'polite' });
  const check = async (hash) => {
    replace(out, h('p', { role: 'status' }, `Asking for the membership proof of ${hash}…`));
    const r = await getJSON(`/v1/datasets/${encodeURIComponent(d.id)}/proof?content_hash=${encodeURIComponent(hash)}`);
    if (r.status === 404 && r.json && /not-a-member$/.test(r.json.type || '')) {
      return replace(out, h('p', { class: 'none not-member', id: 'not-member', role: 'status' },
        h('strong', {}, 'Not a member: '), h('span', { class: 'mono' }, hash), ' is not in this dataset',
        ' (the server says so; the full member list is at ', h('a', { href: `/v1/datasets/${d.id}/members` }, 'the members endpoint'), ').'));
    }
    if (r.status === 202) return replace(out, h('p', { role: 'status' }, 'A member, but the dataset record is not in the log yet: try again in a moment.'));
    if (r.status === 409) return replace(out, h('p', { role: 'status' }, 'The dataset is still open: membership proofs come once the curator seals it.'));
    if (r.status !== 200 || !r.json) return replace(out, alertBox(problemText(r)));
    replace(out, h('p', { role: 'status' }, 'Verifying the proof in this browser…'));
    const result = await verifyMembership(hash, r.json, d, await verifyOptions());
    return replace(out, renderSteps(result, {
      ok: `✓ A member: ${hash} is member ${r.json.position} of this dataset, proven here`,
      fail: '✗ The membership proof does not verify' }));
  };
  return h('section', { class: 'card', id: 'member-check', 'aria-labelledby': 'member-title' },
    h('h3', { id: 'member-title' }, 'Is my file in this dataset?'),
    d.status === 'sealed' ? [...hashPicker('member', check), out]
      : h('p', { class: 'muted' }, 'The dataset is still open: membership can be proven once it is sealed.'));
}

function receiptSection(d) {
  const out = h('div', { class: 'verify-out', id: 'dataset-receipt', 'aria-live': 'polite' });
  const go = async () => {
    const r = await getJSON(`/v1/datasets/${encodeURIComponent(d.id)}/receipt`);
    if (r.status === 202) return replace(out, h('p', { role: 'status' }, 'Sealed, waiting for the log: try again in a moment.'));
    if (r.status !== 200) return replace(out, alertBox(problemText(r)));
    return verifyInto(out, r.json);
  };
  return h('section', { class: 'card', 'aria-labelledby': 'receipt-title' },
    h('h3', { id: 'receipt-title' }, 'The dataset record in the log'),
    d.status === 'sealed'
      ? [h('p', { class: 'help' }, 'The curator\'s signed record of the members, checked against the log\'s signed checkpoint.'),
        h('button', { type: 'button', class: 'verify', id: 'verify-dataset', onclick: go }, 'Verify in this browser'), out]
      : h('p', { class: 'muted' }, 'Not sealed yet: no record in the log.'));
}

const STATUS = (d) => (d.status === 'open' ? 'open: members may still be appended'
  : d.log_index === null ? 'sealed, waiting for the log' : `sealed, in the log at entry ${d.log_index}`);

export async function datasetPage(id) {
  const out = h('div', {});
  page(`Dataset ${id}`, out);
  const r = await getJSON(`/v1/datasets/${encodeURIComponent(id)}`);
  if (r.status !== 200 || !r.json) return replace(out, alertBox(problemText(r)));
  const d = r.json;
  const title = document.getElementById('page-title');
  if (title) title.textContent = `Dataset: ${d.name} ${d.version}`;
  document.title = `Dataset ${d.name} ${d.version} · provd explorer`;
  const audit = h('div', { id: 'audit-slot' }, h('p', { role: 'status' }, 'Auditing…'));
  replace(out,
    h('article', { class: 'card dataset', 'data-id': d.id },
      h('h3', {}, `${d.name} ${d.version} `, h('span', { class: `badge ${d.status}` }, d.status)),
      h('dl', {},
        field('Name', d.name), field('Version', d.version),
        field('Status', STATUS(d)),
        field('Curator', d.signer ? signerLine(d.signer) : null),
        field('Members', h('span', { id: 'member-count' }, String(d.member_count))),
        field('Members root', d.members_root ? h('span', { class: 'mono', id: 'members-root' }, d.members_root) : null),
        field('Policy', policyList(d.policy)),
        field('Metadata', d.metadata && Object.keys(d.metadata).length ? h('pre', {}, JSON.stringify(d.metadata, null, 2)) : null),
        field('Created', d.created_at), field('Sealed', d.sealed_at),
        field('Log index', d.log_index === null ? null : h('span', { id: 'log-index' }, String(d.log_index))))),
    receiptSection(d), audit, membershipSection(d));
  const a = await getJSON(`/v1/datasets/${encodeURIComponent(id)}/audit?limit=50`);
  return replace(audit, a.status === 200 && a.json ? auditSection(a.json) : alertBox(`Audit: ${problemText(a)}`));
}
