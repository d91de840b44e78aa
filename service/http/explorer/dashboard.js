// SPDX-License-Identifier: Apache-2.0
// The dashboard: the log (size, latest checkpoint and its age, sequencer backlog), registrations
// per hour as a chart, the Ethereum anchors with a block explorer link, and a live feed from
// GET /v1/events.
import { api, problemText } from './api.js';
import { h, replace, safeLink } from './dom.js';
import { alertBox, onLeave, page } from './layout.js';
import { parseCheckpoint } from './note.js';

const SVG = 'http://www.w3.org/2000/svg';
const FEED_MAX = 50;

function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  el.append(...children);
  return el;
}

function age(iso) {
  const s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  if (s < 120) return `${s} s ago`;
  if (s < 7200) return `${Math.round(s / 60)} min ago`;
  return `${Math.round(s / 3600)} h ago`;
}

// Registrations per bucket as bars, with the numbers in a table beside it for anyone who does
// not see the chart.
function chart(reg) {
  const counts = reg.counts;
  const max = Math.max(1, ...counts.map((c) => c.count));
  const total = counts.reduce((n, c) => n + c.count, 0);
  const w = 600;
  const hgt = 120;
  const bw = w / Math.max(1, counts.length);
  const label = `${total} registrations in the last ${counts.length} ${reg.bucket}s, at most ${max} in one`;
  const bars = counts.map((c, i) => {
    const bh = (c.count / max) * (hgt - 10);
    return svg('rect', { x: i * bw + 1, y: hgt - bh, width: Math.max(1, bw - 2), height: bh, class: 'bar' },
      svg('title', {}, `${c.at}: ${c.count}`));
  });
  return h('figure', { class: 'card chart' },
    svg('svg', { viewBox: `0 0 ${w} ${hgt}`, role: 'img', 'aria-label': label, class: 'bars' }, ...bars),
    h('figcaption', {}, label),
    h('details', {}, h('summary', {}, 'The numbers'),
      h('table', {}, h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, reg.bucket === 'day' ? 'Day' : 'Hour (UTC)'), h('th', { scope: 'col' }, 'Registrations'))),
        h('tbody', {}, counts.map((c) => h('tr', {}, h('td', {}, c.at), h('td', {}, String(c.count))))))));
}

function logCard(cp, stats) {
  if (cp.status !== 200) return alertBox(`No checkpoint yet (${problemText(cp)}).`);
  const c = parseCheckpoint(cp.text);
  const s = stats.status === 200 ? stats.json : null;
  return h('dl', { class: 'card', id: 'log' },
    h('dt', {}, 'Log'), h('dd', {}, c.origin),
    h('dt', {}, 'Tree size'), h('dd', { id: 'tree-size' }, String(c.size)),
    s && s.checkpoint_at ? [h('dt', {}, 'Latest checkpoint'), h('dd', { id: 'checkpoint-age' }, `${age(s.checkpoint_at)} (${s.checkpoint_at})`)] : null,
    s ? [h('dt', {}, 'Waiting for the sequencer'), h('dd', { id: 'backlog' }, String(s.backlog))] : null,
    h('dt', {}, 'Checkpoint'), h('dd', {}, h('pre', { id: 'checkpoint' }, cp.text)));
}

function txCell(a, txUrl) {
  if (!a.tx_hash) return h('td', {}, '');
  return h('td', { class: 'mono' }, txUrl ? safeLink(txUrl.replace('{tx}', a.tx_hash), a.tx_hash) : a.tx_hash);
}

function anchorRow(a, txUrl) {
  return h('tr', { 'data-status': a.status, 'data-anchor': a.id }, h('td', {}, String(a.id)), h('td', {}, String(a.tree_size)),
    h('td', {}, a.status), h('td', {}, String(a.confirmations ?? '')), txCell(a, txUrl));
}

function anchorsTable(rows, txUrl) {
  if (!rows.length) return h('p', { class: 'muted', id: 'no-anchors' }, 'No anchors yet.');
  // Scrolls by itself on a narrow screen (focusable, so that a keyboard can scroll it too).
  return h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': 'Ethereum anchors' },
    h('table', { id: 'anchors' },
      h('thead', {}, h('tr', {}, ['Anchor', 'Tree size', 'Status', 'Confirmations', 'Transaction'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, rows.map((a) => anchorRow(a, txUrl)))));
}

function feedItem(type, d) {
  if (type === 'registered') {
    const who = d.signer && d.signer.known ? d.signer.name : 'an unknown signer';
    return h('li', { 'data-event': type, 'data-id': d.id }, h('a', { href: `#/item/${d.id}` }, `Registration ${d.id}`),
      ` of `, h('span', { class: 'mono' }, d.content_hash), ` by ${who}`);
  }
  if (type === 'logged') return h('li', { 'data-event': type }, `Checkpoint at tree size ${d.tree_size} (entries ${d.first_log_index}–${d.last_log_index})`);
  return h('li', { 'data-event': type }, `Anchor ${d.id} ${d.status} at tree size ${d.tree_size}${d.block_number ? ` in block ${d.block_number}` : ''}`);
}

// The live feed: EventSource reconnects (with Last-Event-ID) by itself; closed on leaving.
function liveFeed(list, status, onLogged) {
  const es = new EventSource('/v1/events');
  const add = (type) => (e) => {
    const d = JSON.parse(e.data);
    list.prepend(feedItem(type, d));
    while (list.children.length > FEED_MAX) list.lastChild.remove();
    if (type === 'logged') onLogged(d);
  };
  for (const t of ['registered', 'logged', 'anchored']) es.addEventListener(t, add(t));
  es.addEventListener('resync', () => { status.textContent = 'Some events were missed: reload the page for the full picture.'; });
  es.onopen = () => { status.textContent = 'Live: new registrations, checkpoints and anchors appear here.'; };
  es.onerror = () => { status.textContent = 'The live feed is reconnecting…'; };
  onLeave(() => es.close());
}

export async function dashboardPage() {
  const out = h('div', {});
  const list = h('ol', { id: 'feed', class: 'feed', reversed: true });
  const status = h('p', { id: 'feed-status', role: 'status', class: 'muted' }, 'Connecting to the live feed…');
  page('Dashboard', out, h('section', { class: 'card', 'aria-labelledby': 'feed-title' },
    h('h3', { id: 'feed-title' }, 'Live'), status, h('div', { 'aria-live': 'polite' }, list)));
  liveFeed(list, status, (d) => {
    const size = document.getElementById('tree-size');
    if (size) size.textContent = String(d.tree_size);
  });
  const [cp, anchors, stats, config] = await Promise.all([api.checkpoint(), api.anchors(20),
    api.stats(), api.config()]);
  const txUrl = config.status === 200 ? config.json.explorer_tx_url : null;
  replace(out, logCard(cp, stats),
    stats.status === 200 ? chart(stats.json.registrations) : null,
    h('h3', {}, 'Ethereum anchors'), anchorsTable(anchors.status === 200 ? anchors.json.anchors : [], txUrl));
}
