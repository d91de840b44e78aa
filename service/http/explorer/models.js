// SPDX-License-Identifier: Apache-2.0
// The model page (#/model/ID): the trainer's signed statement (digest, files, metadata), its
// receipt verified here, its lineage (each dataset with its audit totals), and "was my file used
// to train this model?": the training-data proof checked in this browser link by link, model
// record, dataset record, membership, and the content's registrations before the seal.
import { problemText } from './api.js';
import { bytesToHex, concat, hexToBytes, sha256 } from './bytes.js';
import { h, replace } from './dom.js';
import { alertBox, page } from './layout.js';
import {
  attempt, field, getJSON, hashPicker, memberSteps, passBar, reasonsText, receiptSteps, recordRootStep,
  verifyOptions,
} from './datasets.js';
import { renderSteps, signerLine } from './views.js';

const FILES_SHOWN = 100;
const short = (hex) => `${String(hex).slice(0, 16)}…`;

// The weights digest from the statement's file manifest: SHA-256 over the 32-byte file digests
// in their order (the OpenSSF model signing digest).
function manifestStep(rec, id = 'manifest') {
  return attempt({ id, title: 'Weights digest from the file manifest' }, async () => {
    const m = rec && rec.model;
    if (!m) return { ok: false, detail: 'the record has no model' };
    if (!Array.isArray(m.files)) return { ok: null, detail: 'no file manifest in the statement: the digest is as signed' };
    const digest = `sha256:${bytesToHex(await sha256(concat(...m.files.map((f) => hexToBytes(String(f.digest).replace(/^sha256:/, ''))))))}`;
    const ok = digest === m.digest;
    return { ok, detail: ok ? `SHA-256 over ${m.files.length} file digests = ${m.digest.slice(0, 23)}…` : `the files give ${digest}, the statement says ${m.digest}` };
  });
}

async function verifyModelReceipt(rc) {
  const opts = await verifyOptions();
  const steps = await receiptSteps(rc, opts, { signatureTitle: 'The trainer\'s signature over the model statement' });
  const at = steps.findIndex((s) => s.id === 'signature') + 1;
  steps.splice(at, 0, await manifestStep(rc.record));
  return { ok: steps.every((s) => s.ok !== false), steps };
}

// A GET /v1/models/{id}/proof reply checked for the hash the user has, link by link as
// provd verify does: model, dataset, membership, registrations.
async function verifyModelProof(hash, p) {
  const opts = await verifyOptions();
  const mem = p.membership || {};
  const model = p.model || {};
  const ds = p.dataset || {};
  const steps = await receiptSteps(model, opts, { prefix: 'model-', what: 'Model: ',
    signatureTitle: 'Model: the trainer\'s signature over the model statement' });
  steps.push(await manifestStep(model.record, 'model-manifest'));
  steps.push(await attempt({ id: 'model-dataset', title: 'Model: trained on this dataset and root' }, async () => {
    const rec = model.record || {};
    if (rec.type !== 'provd.model.v1') return { ok: false, detail: 'the model receipt\'s record is not a provd.model.v1 record' };
    const e = (rec.datasets || []).filter((x) => x.id === p.dataset_id);
    if (e.length !== 1) return { ok: false, detail: `the model statement does not name dataset ${p.dataset_id}` };
    if (e[0].members_root !== mem.members_root) return { ok: false, detail: `the model statement names dataset ${p.dataset_id} with root ${short(e[0].members_root)}, not ${short(mem.members_root)}` };
    return { ok: true, detail: `the signed statement names dataset ${p.dataset_id} with members root ${short(mem.members_root)}` };
  }));
  steps.push(...await receiptSteps(ds, opts, { prefix: 'dataset-', what: 'Dataset: ', skipKey: true,
    signatureTitle: 'Dataset: the curator\'s signature over the dataset statement' }));
  steps.push(await recordRootStep(ds.record, mem, { id: 'dataset-root' }));
  steps.push(await attempt({ id: 'order', title: 'The dataset was logged before the model' }, async () => {
    const ok = Number.isInteger(ds.log_index) && Number.isInteger(model.log_index) && ds.log_index < model.log_index;
    return { ok, detail: `dataset record at entry ${ds.log_index}, model record at entry ${model.log_index}` };
  }));
  steps.push(...await memberSteps(hash, { content_hash: p.content_hash }, mem));
  const regs = Array.isArray(p.registrations) ? p.registrations : [];
  if (!regs.length) {
    steps.push({ id: 'registrations', title: 'Registrations before the seal', ok: null,
      detail: 'no registration of the content was logged before the dataset was sealed' });
  }
  for (const [i, r] of regs.entries()) {
    steps.push(await attempt({ id: `registration-${i}`, title: `Registration ${r.id ?? i} before the seal` }, async () => {
      if (!r.record || r.record.type !== undefined) return { ok: false, detail: 'not an item record' };
      if (r.record.content_hash !== hash) return { ok: false, detail: `a registration of ${r.record.content_hash}` };
      const sub = await receiptSteps(r, opts, { skipKey: true });
      const bad = sub.find((s) => s.ok === false);
      if (bad) return { ok: false, detail: `${bad.title}: ${bad.detail}` };
      if (!(r.log_index < ds.log_index)) return { ok: false, detail: `logged at entry ${r.log_index}, not before the dataset record (${ds.log_index})` };
      return { ok: true, detail: `signed, in the log at entry ${r.log_index}, before the dataset record (${ds.log_index})` };
    }));
  }
  return { ok: steps.every((s) => s.ok !== false), steps };
}

function filesTable(files) {
  const shown = files.slice(0, FILES_SHOWN);
  return h('div', {},
    h('table', { class: 'files', id: 'model-files' },
      h('caption', { class: 'visually-hidden' }, 'Model files'),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Path'), h('th', { scope: 'col' }, 'SHA-256'))),
      h('tbody', {}, shown.map((f) => h('tr', {}, h('td', { class: 'mono' }, f.path), h('td', { class: 'mono' }, f.digest))))),
    files.length > shown.length ? h('p', { class: 'muted' }, `and ${files.length - shown.length} more`) : null);
}

function lineageItem(d) {
  const a = d.audit;
  const why = reasonsText(a.by_reason);
  return h('li', { class: 'card lineage-dataset', 'data-id': d.id },
    h('h4', {}, h('a', { href: `#/dataset/${d.id}` }, `${d.name} ${d.version}`)),
    h('dl', {},
      field('Curator', d.curator ? signerLine(d.curator) : null),
      field('Members', String(d.member_count)),
      field('Members root', h('span', { class: 'mono' }, d.members_root)),
      field('Sealed', d.sealed_at),
      field('Log index', d.log_index === null ? 'not yet in the log' : String(d.log_index))),
    h('div', { class: 'audit-line' }, passBar(a),
      h('p', { class: 'audit-text' }, `Audit${a.final ? '' : ' (not final)'}: ${a.passing} of ${a.members} passing, ${a.failing} failing${why ? ` (${why})` : ''}`)));
}

async function lineageInto(out, id) {
  const r = await getJSON(`/v1/models/${encodeURIComponent(id)}/lineage`);
  if (r.status !== 200 || !r.json) return replace(out, alertBox(`Lineage: ${problemText(r)}`));
  const l = r.json;
  const t = l.totals;
  return replace(out,
    h('div', { class: 'audit-line', id: 'lineage-totals' }, passBar(t),
      h('p', { class: 'audit-text' }, `Over ${l.datasets.length} dataset${l.datasets.length === 1 ? '' : 's'}: ${t.passing} of ${t.members} members passing, ${t.failing} failing`)),
    h('ol', { class: 'lineage' }, l.datasets.map(lineageItem)));
}

function proofSection(m) {
  const out = h('div', { id: 'model-proof', class: 'verify-out', 'aria-live': 'polite' });
  const check = async (hash) => {
    replace(out, h('p', { role: 'status' }, `Asking for the training-data proof of ${hash}…`));
    const r = await getJSON(`/v1/models/${encodeURIComponent(m.id)}/proof?content_hash=${encodeURIComponent(hash)}`);
    if (r.status === 404 && r.json && /not-a-member$/.test(r.json.type || '')) {
      return replace(out, h('p', { class: 'none not-member', id: 'not-member', role: 'status' },
        h('strong', {}, 'Not used: '), h('span', { class: 'mono' }, hash), ' is in none of this model\'s datasets (the server says so).'));
    }
    if (r.status === 202) return replace(out, h('p', { role: 'status' }, 'A member, but not every record is in the log yet: try again in a moment.'));
    if (r.status !== 200 || !r.json) return replace(out, alertBox(problemText(r)));
    replace(out, h('p', { role: 'status' }, 'Verifying the proof in this browser…'));
    const result = await verifyModelProof(hash, r.json);
    return replace(out, renderSteps(result, {
      ok: `✓ Used: ${hash} is member ${r.json.membership && r.json.membership.position} of dataset ${r.json.dataset_id}, which this model was trained on, proven here`,
      fail: '✗ The training-data proof does not verify' }));
  };
  return h('section', { class: 'card', id: 'model-check', 'aria-labelledby': 'model-check-title' },
    h('h3', { id: 'model-check-title' }, 'Was my file used to train this model?'), hashPicker('used', check), out);
}

function receiptSection(m) {
  const out = h('div', { class: 'verify-out', id: 'model-receipt', 'aria-live': 'polite' });
  const go = async () => {
    replace(out, h('p', { role: 'status' }, 'Verifying…'));
    const r = await getJSON(`/v1/models/${encodeURIComponent(m.id)}/receipt`);
    if (r.status === 202) return replace(out, h('p', { role: 'status' }, 'Registered, waiting for the log: try again in a moment.'));
    if (r.status !== 200 || !r.json) return replace(out, alertBox(problemText(r)));
    return replace(out, renderSteps(await verifyModelReceipt(r.json)));
  };
  return h('section', { class: 'card', 'aria-labelledby': 'model-receipt-title' },
    h('h3', { id: 'model-receipt-title' }, 'The model record in the log'),
    h('p', { class: 'help' }, 'The trainer\'s signed statement, checked against the log\'s signed checkpoint.'),
    h('button', { type: 'button', class: 'verify', id: 'verify-model', onclick: go }, 'Verify in this browser'), out);
}

const STATUS_TEXT = { registered: 'registered, not yet in the log', logged: 'in the log', anchored: 'in the log and anchored on Ethereum' };

export async function modelPage(id) {
  const out = h('div', {});
  page(`Model ${id}`, out);
  const r = await getJSON(`/v1/models/${encodeURIComponent(id)}`);
  if (r.status !== 200 || !r.json) return replace(out, alertBox(problemText(r)));
  const m = r.json;
  const title = document.getElementById('page-title');
  if (title) title.textContent = `Model: ${m.model.name} ${m.model.version}`;
  document.title = `Model ${m.model.name} ${m.model.version} · provd explorer`;
  const lineage = h('div', { id: 'lineage' }, h('p', { role: 'status' }, 'Loading the lineage…'));
  replace(out,
    h('article', { class: 'card model', 'data-id': m.id },
      h('h3', {}, `${m.model.name} ${m.model.version} `, h('span', { class: `badge ${m.status}` }, m.status)),
      h('dl', {},
        field('Name', m.model.name), field('Version', m.model.version),
        field('Digest', h('span', { class: 'mono', id: 'model-digest' }, m.model.digest)),
        field('Signer', m.signer ? signerLine(m.signer) : null),
        field('Registered', m.registered_at),
        field('Status', `${STATUS_TEXT[m.status] || m.status}${m.log_index === null ? '' : `, entry ${m.log_index}`}`),
        field('Metadata', m.metadata && Object.keys(m.metadata).length ? h('pre', {}, JSON.stringify(m.metadata, null, 2)) : null),
        field('Files', Array.isArray(m.model.files) ? filesTable(m.model.files) : null))),
    receiptSection(m),
    h('section', { class: 'card', 'aria-labelledby': 'lineage-title' }, h('h3', { id: 'lineage-title' }, 'Lineage: trained on'), lineage),
    proofSection(m));
  return lineageInto(lineage, id);
}
