// SPDX-License-Identifier: Apache-2.0
// RFC 8785 (JCS): members sorted by UTF-16 code units, no whitespace, ECMAScript number and
// string serialisation, which is what JSON.stringify does for each primitive.
export function canonicalize(v) {
  if (typeof v === 'number' && !Number.isFinite(v)) throw new Error('JCS has no NaN or Infinity');
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(canonicalize).join(',')}]`;
  const keys = Object.keys(v).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalize(v[k])}`).join(',')}}`;
}
