// SPDX-License-Identifier: Apache-2.0
// Hostile query and path parameters: every GET route's parameters (and the path parameters of the
// POST routes) get invalid UTF-8, NUL, overlong values, cursors that decode to out-of-range times
// or ids, negative, huge and malformed integers. Each must be refused with 400 invalid-parameter
// naming the parameter (or, where the route says so, 404), never 500, and every reply must be
// valid UTF-8 JSON. Table-driven: route x parameter x bad value.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  startProvd, createApiKey, freshDatabase, newEd25519Signer, signedItem, http, sha256Hex,
} from './lib/harness.mjs';
import { datasetStatement, membersRoot } from './lib/dataset.mjs';
import { modelStatement } from './lib/model.mjs';

let srv, token, adminToken, signer, fx;

const b64 = (s) => Buffer.from(s).toString('base64url');
const randomHash = async () => 'sha256:' + (await sha256Hex(randomBytes(32)));

// One of each record, so that list queries have rows to compare cursors with.
async function fixtures() {
  const hash = await randomHash();
  const item = await http(srv.base, 'POST', '/v1/items', {
    token, body: await signedItem(signer, { source_url: 'https://example.org/p' }, hash) });
  assert.equal(item.status, 201, item.text);
  const d = (await http(srv.base, 'POST', '/v1/datasets', { token, body: { name: 'p', version: '1' } })).body;
  const list = [hash];
  const add = await http(srv.base, 'POST', `/v1/datasets/${d.id}/members`, { token, body: { content_hashes: list } });
  assert.equal(add.status, 200, add.text);
  const root = membersRoot(list);
  const value = await signer.sign(datasetStatement(d, list.length, root));
  const seal = await http(srv.base, 'POST', `/v1/datasets/${d.id}/seal`, { token, body: {
    member_count: 1, members_root: root, signature: { scheme: 'ed25519', public_key: signer.publicKey, value } } });
  assert.equal(seal.status, 200, seal.text);
  const stmt = { model: { name: 'm', version: '1', digest: await randomHash() },
                 datasets: [{ id: d.id, members_root: root }] };
  const model = await http(srv.base, 'POST', '/v1/models', { token, body: {
    ...stmt, signature: { scheme: 'ed25519', public_key: signer.publicKey, value: await signer.sign(modelStatement(stmt)) } } });
  assert.equal(model.status, 201, model.text);
  const sg = await http(srv.base, 'POST', '/v1/signers', { token: adminToken, body: {
    scheme: 'ed25519', public_key: signer.publicKey, name: 'p' } });
  assert.equal(sg.status, 201, sg.text);
  return { hash, item: item.body.id, dataset: d.id, model: model.body.id };
}

before(async () => {
  const dbUrl = freshDatabase();
  token = createApiKey(dbUrl);
  adminToken = createApiKey(dbUrl, 'admin');
  srv = await startProvd({ dbUrl });
  signer = await newEd25519Signer();
  fx = await fixtures();
});
after(async () => {
  await srv.stop();
});

// Text that is not UTF-8 without NUL, or is too long for any parameter (percent-encoded).
const TEXT = [
  ['C0 AF (overlong "/")', '%C0%AF'],
  ['lone continuation byte', 'a%80'],
  ['truncated sequence', '%E2%82'],
  ['UTF-16 surrogate', '%ED%A0%80'],
  ['beyond U+10FFFF', '%F4%90%80%80'],
  ['byte FF', '%FF'],
  ['NUL', 'a%00b'],
  ['NUL only', '%00'],
  ['overlong value', 'a'.repeat(3000)],
];
// Not a decimal integer in range.
const INTEGER = [
  ...TEXT,
  ['negative', '-1'],
  ['above int64', '9223372036854775808'],
  ['above uint64', '18446744073709551616'],
  ['huge', '9'.repeat(40)],
  ['exponent', '1e3'],
  ['hex', '0x10'],
  ['plus sign', '%2B1'],
  ['leading space', '%201'],
  ['leading zero', '01'],
  ['fraction', '1.5'],
  ['empty', ''],
];
const LIMIT = [...INTEGER, ['zero', '0'], ['above the maximum', '100001']];
const ID = [...INTEGER, ['zero', '0']];
// Keyset cursors over (time in microseconds, id), as lists hand them out (base64url).
const TIME_CURSOR = [
  ...TEXT,
  ['not base64', 'not*base64'],
  ['int64 max time', b64('9223372036854775807.1')],
  ['int64 min time', b64('-9223372036854775808.1')],
  ['time overflows int64', b64('99999999999999999999.1')],
  ['time after year 9999', b64('253402300800000000.1')],
  ['time before year 0', b64('-62167219200000001.1')],
  ['id zero', b64('1.0')],
  ['negative id', b64('1.-1')],
  ['id above int64', b64('1.9223372036854775808')],
  ['plus sign', b64('+1.1')],
  ['leading space', b64(' 1.1')],
  ['no id', b64('1')],
  ['no time', b64('.1')],
  ['three parts', b64('1.1.1')],
  ['exponent', b64('1e3.1')],
  ['NUL inside', b64('1\u00001.1')],
  ['empty', ''],
];
const SIGNER_CURSOR = [
  ...TEXT,
  ['not base64', 'not*base64'],
  ['invalid UTF-8 inside', Buffer.from([0xc0, 0xaf]).toString('base64url')],
  ['surrogate inside', Buffer.from([0xed, 0xa0, 0x80]).toString('base64url')],
  ['NUL inside', b64('a\u0000b')],
  ['empty', ''],
];
const TIME = [...TEXT, ['date only', '2026-01-02'], ['year 10000', '10000-01-01T00:00:00Z']];

const H = () => fx.hash;
// route (query parameters appended) -> {parameter: bad values}; base gives the other parameters.
const QUERY_ROUTES = [
  ['/v1/items', { content_hash: TEXT, signer: TEXT, since: TIME, until: TIME,
                  source_url: [...TEXT, ['invalid UTF-8 in a URL', 'https://example.org/%C0%AF'],
                               ['NUL in a URL', 'https://example.org/a%00b']],
                  limit: LIMIT, cursor: TIME_CURSOR }],
  ['/v1/signers', { limit: LIMIT, cursor: SIGNER_CURSOR }],
  ['/v1/log/consistency', { from: ID, to: [...TEXT, ['negative', '-1'], ['zero', '0'], ['fraction', '1.5']] },
   (p) => (p === 'to' ? 'from=1' : 'to=1')],
  ['/v1/anchors', { limit: LIMIT, cursor: ID }],
  ['/v1/datasets', { name: TEXT, signer: TEXT, limit: LIMIT, cursor: TIME_CURSOR }],
  [() => `/v1/datasets/${fx.dataset}/members`, { limit: LIMIT, cursor: INTEGER }],
  [() => `/v1/datasets/${fx.dataset}/audit`, { limit: LIMIT, cursor: INTEGER }],
  [() => `/v1/datasets/${fx.dataset}/proof`, { content_hash: TEXT }],
  ['/v1/models', { digest: TEXT, name: TEXT, signer: TEXT, dataset: ID, limit: LIMIT,
                   cursor: TIME_CURSOR }],
  [() => `/v1/models/${fx.model}/proof`, { content_hash: TEXT }],
];

// route template -> [path parameter, bad values, the statuses allowed besides 400].
const PATH_ROUTES = [
  ['/v1/items/{}', 'id', ID],
  ['/v1/items/{}/receipt', 'id', ID],
  ['/v1/provenance/{}', 'content_hash', [...TEXT, ['NUL after a hash', () => H() + '%00'],
                                         ['invalid UTF-8 after a hash', () => H() + '%C0']]],
  ['/v1/signers/{}', 'identity', TEXT],
  ['/v1/anchors/{}', 'id', ID],
  ['/v1/datasets/{}', 'id', ID],
  ['/v1/datasets/{}/members', 'id', ID],
  ['/v1/datasets/{}/receipt', 'id', ID],
  ['/v1/datasets/{}/proof', 'id', ID, () => `content_hash=${H()}`],
  ['/v1/datasets/{}/audit', 'id', ID],
  ['/v1/models/{}', 'id', ID],
  ['/v1/models/{}/receipt', 'id', ID],
  ['/v1/models/{}/lineage', 'id', ID],
  ['/v1/models/{}/proof', 'id', ID, () => `content_hash=${H()}`],
  ['/v1/models/{}/attestation', 'id', ID],
];

const GET_ROUTES = [
  '/healthz', '/readyz', '/metrics', '/v1/items', '/v1/signers', '/v1/log/checkpoint',
  '/v1/log/key', '/v1/log/consistency', '/v1/anchors', '/v1/datasets', '/v1/models',
  () => `/v1/items/${fx.item}`, () => `/v1/items/${fx.item}/receipt`, () => `/v1/provenance/${H()}`,
  () => `/v1/signers/${signer.publicKey}`, '/v1/anchors/1', () => `/v1/datasets/${fx.dataset}`,
  () => `/v1/datasets/${fx.dataset}/members`, () => `/v1/datasets/${fx.dataset}/receipt`,
  () => `/v1/datasets/${fx.dataset}/audit`, () => `/v1/models/${fx.model}`,
  () => `/v1/models/${fx.model}/receipt`, () => `/v1/models/${fx.model}/lineage`,
  () => `/v1/models/${fx.model}/attestation`, '/log/checkpoint', '/log/tile/0/000.p/1',
];

const value = (v) => (typeof v === 'function' ? v() : v);

// GET (or method) path; the reply must be valid UTF-8 and, when JSON, parse.
async function call(path, { method = 'GET', headers = {} } = {}) {
  const res = await fetch(srv.base + path, { method, headers });
  const bytes = Buffer.from(await res.arrayBuffer());
  let text, utf8 = true;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    [text, utf8] = [bytes.toString('latin1'), false];
  }
  const ct = res.headers.get('content-type') || '';
  return { status: res.status, text, utf8, body: ct.includes('json') && utf8 && text ? JSON.parse(text) : undefined };
}

// Runs every case, collecting failures so that one run shows them all.
async function expectAll(cases) {
  const failures = [];
  for (const c of cases) {
    let res;
    try {
      res = await call(c.path, c);
    } catch (e) {
      failures.push(`${c.path}: ${e.message}`);
      continue;
    }
    const ok400 = res.status === 400 && res.body?.type === 'urn:provd:problem:invalid-parameter' &&
      (c.field === undefined || res.body.field === c.field);
    if (!res.utf8 || !(ok400 || (c.also || []).includes(res.status)))
      failures.push(`${c.what}: ${c.path.slice(0, 120)} -> ${res.status}${res.utf8 ? '' : ' (reply not UTF-8)'} ` +
                    res.text.slice(0, 160));
  }
  assert.deepEqual(failures, [], `${failures.length} of ${cases.length} cases failed`);
}

test('every query parameter refuses invalid UTF-8, NUL, overlong and out-of-range values', async () => {
  const cases = [];
  for (const [route, params, baseOf] of QUERY_ROUTES) {
    const path = value(route);
    for (const [param, bad] of Object.entries(params)) {
      const base = baseOf ? baseOf(param) + '&' : '';
      for (const [what, v] of bad) {
        // consistency: a size beyond the log is 400, or 404 while the log is empty
        const also = path === '/v1/log/consistency' ? [404] : [];
        cases.push({ what: `${path} ${param} ${what}`, path: `${path}?${base}${param}=${value(v)}`,
                     field: param, also });
      }
    }
  }
  await expectAll(cases);
});

test('every path parameter refuses invalid UTF-8, NUL and malformed ids', async () => {
  const cases = [];
  for (const [template, param, bad, query] of PATH_ROUTES) {
    for (const [what, v] of bad) {
      const path = template.replace('{}', value(v)) + (query ? '?' + query() : '');
      // no value, or one longer than any parameter, matches no route: 404 not-found
      const also = what === 'overlong value' || what === 'empty' ? [404] : [];
      cases.push({ what: `${template} ${what}`, path, field: param, also });
    }
  }
  // the POST routes' path parameters are checked the same way
  for (const [what, v] of TEXT.filter(([w]) => w !== 'overlong value'))
    cases.push({ what: `revoke ${what}`, path: `/v1/signers/${v}/revoke`, method: 'POST',
                 headers: { authorization: `Bearer ${adminToken}` }, field: 'identity' });
  for (const [what, v] of ID.filter(([w]) => w !== 'overlong value' && w !== 'empty'))
    cases.push({ what: `members POST ${what}`, path: `/v1/datasets/${v}/members`, method: 'POST',
                 headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
                 field: 'id' });
  await expectAll(cases);
});

test('query keys that are not UTF-8 or hold NUL are refused on every route', async () => {
  const cases = [];
  for (const route of GET_ROUTES)
    for (const key of ['%C0%AF', 'a%00b', '%FF', '%ED%A0%80'])
      cases.push({ what: `${value(route)} key ${key}`, path: `${value(route)}?${key}=1` });
  await expectAll(cases);
});

test('the largest valid values still work: 404 or 200, not 400 or 500', async () => {
  const max = '9223372036854775807';
  for (const p of [`/v1/items/${max}`, `/v1/anchors/${max}`, `/v1/datasets/${max}`, `/v1/models/${max}`])
    assert.equal((await call(p)).status, 404, p);
  const ok = [
    `/v1/items?cursor=${b64('253402300799999999.' + max)}`,
    `/v1/items?cursor=${b64('-62167219200000000.1')}`,
    `/v1/datasets?cursor=${b64('253402300799999999.1')}`,
    `/v1/models?cursor=${b64('-62167219200000000.1')}`,
    `/v1/items?since=0000-01-01T00:00:00Z&until=9999-12-31T23:59:59.999999Z`,
    `/v1/anchors?cursor=${max}`,
    `/v1/datasets/${fx.dataset}/members?cursor=${max}`,
    `/v1/datasets/${fx.dataset}/audit?cursor=${max}`,
    `/v1/items?signer=${encodeURIComponent('ü€😀')}`,
    `/v1/datasets?name=${encodeURIComponent('名前')}`,
    `/v1/signers?cursor=${b64('ü')}`,
  ];
  for (const p of ok) {
    const r = await call(p);
    assert.equal(r.status, 200, `${p}: ${r.text}`);
  }
  assert.equal((await call(`/v1/signers/${encodeURIComponent('ü€')}`)).status, 404);
  const page = await call(`/v1/items?signer=${signer.publicKey}`);
  assert.equal(page.body.items.length, 1);
});
