// SPDX-License-Identifier: Apache-2.0
// The HTTP API: register, registerBatch, lookup (provenance), item, receipt, logKey, and
// verify (a receipt checked with the explorer's verifier). Uses the global fetch; errors of the
// API are thrown as ProvdError with provd's RFC 9457 problem.
import { verifyReceipt } from './shared/verify.js';

export class ProvdError extends Error {
  constructor(status, problem, what) {
    super(`${what}: ${status} ${(problem && (problem.detail || problem.title)) || ''}`.trim());
    this.name = 'ProvdError';
    this.status = status;
    this.problem = problem; // {type, title, status, detail, field, …} or null
  }
}

const BATCH = 1000; // provd's limit per POST /v1/items/batch
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export class Provd {
  // base: provd's URL (http://127.0.0.1:8080); token: an API key with scope `register`, or none
  // for a browser page against --open-registration (the signer must then be known).
  constructor(base, { token, fetch: f } = {}) {
    this.base = String(base).replace(/\/+$/, '');
    this.token = token;
    this.fetch = f || globalThis.fetch.bind(globalThis);
  }

  async request(method, path, body, { ok = [200, 201] } = {}) {
    const headers = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    const res = await this.fetch(this.base + path, { method, headers,
      body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    let json = null;
    try { json = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
    if (!ok.includes(res.status)) throw new ProvdError(res.status, json, `${method} ${path}`);
    return { status: res.status, json, text };
  }

  // POST /v1/items: {status: 201 created | 200 already registered, item}.
  async register(body) {
    const r = await this.request('POST', '/v1/items', body);
    return { status: r.status, item: r.json };
  }

  // POST /v1/items/batch, 1,000 per request: {results: [{index, status, item | problem}] in the
  // order given, created, existing, failed}.
  async registerBatch(bodies) {
    const out = { results: [], created: 0, existing: 0, failed: 0 };
    for (let at = 0; at < bodies.length; at += BATCH) {
      const { json } = await this.request('POST', '/v1/items/batch', { items: bodies.slice(at, at + BATCH) }, { ok: [200] });
      for (const r of json.results) out.results.push({ ...r, index: r.index + at });
      out.created += json.created;
      out.existing += json.existing;
      out.failed += json.failed;
    }
    return out;
  }

  // GET /v1/provenance/{hash}: {content_hash, registrations, datasets, used_in, …}, or null when
  // nobody registered it.
  async lookup(contentHash) {
    const r = await this.request('GET', `/v1/provenance/${encodeURIComponent(contentHash)}`, undefined, { ok: [200, 404] });
    return r.status === 404 ? null : r.json;
  }

  async item(id) {
    return (await this.request('GET', `/v1/items/${encodeURIComponent(id)}`)).json;
  }

  // GET /v1/items/{id}/receipt; with wait (ms), polls while the sequencer has not logged it yet
  // (202), else returns null for a 202.
  async receipt(id, { wait = 0, interval = 250 } = {}) {
    const until = Date.now() + wait;
    for (;;) {
      const r = await this.request('GET', `/v1/items/${encodeURIComponent(id)}/receipt`, undefined, { ok: [200, 202] });
      if (r.status === 200) return r.json;
      if (Date.now() >= until) return null;
      await sleep(interval);
    }
  }

  // GET /v1/log/key: the log's verifier key (C2SP vkey). Pin it out of band for real trust.
  async logKey() {
    return (await this.request('GET', '/v1/log/key', undefined, { ok: [200] })).text.trim();
  }

  // Fetches item id's receipt (waiting up to wait ms) and verifies it; options as verify().
  async verify(id, { wait = 30000, ...options } = {}) {
    const rc = await this.receipt(id, { wait });
    if (!rc) throw new Error(`item ${id} is not logged yet`);
    const serverKey = options.serverKey || await this.logKey();
    return { receipt: rc, ...(await verify(rc, { ...options, serverKey })) };
  }
}

// The explorer's verifier (clients/js/src/shared/verify.js): {ok, steps: [{id, title, ok, detail}]},
// ok false when a step fails (a step not checked, ok null, does not fail it). options: pinnedKey
// (the log key you trust), serverKey (the one the server serves), rpcUrl and confirmations (to
// check the anchor transaction on chain).
export function verify(receipt, options = {}) {
  return verifyReceipt(receipt, options);
}
