// SPDX-License-Identifier: Apache-2.0
// The provd API of the origin that served the page.
async function request(path, { accept = 'application/json', method = 'GET', body } = {}) {
  const res = await fetch(path, { method, headers: { Accept: accept, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined });
  const text = await res.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* text/plain or empty */ }
  return { status: res.status, json, text };
}

export const api = {
  provenance: (hash) => request(`/v1/provenance/${encodeURIComponent(hash)}`),
  item: (id) => request(`/v1/items/${encodeURIComponent(id)}`),
  receipt: (id) => request(`/v1/items/${encodeURIComponent(id)}/receipt`),
  logKey: () => request('/v1/log/key', { accept: 'text/plain' }),
  checkpoint: () => request('/v1/log/checkpoint', { accept: 'text/plain' }),
  anchors: (limit = 20) => request(`/v1/anchors?limit=${limit}`),
  items: (query) => request(`/v1/items?${new URLSearchParams(query)}`),
  signer: (id) => request(`/v1/signers/${encodeURIComponent(id)}`),
  stats: () => request('/v1/stats?bucket=hour&buckets=48'),
  config: () => request('/explorer/config.json'),
};

// The problem detail of a failed reply, for the page.
export const problemText = (r) => (r.json && (r.json.detail || r.json.title)) || `HTTP ${r.status}`;
