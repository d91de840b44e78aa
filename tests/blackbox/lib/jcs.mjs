// SPDX-License-Identifier: Apache-2.0
// RFC 8785 canonical JSON, the way the RFC's own JavaScript reference does it: ECMAScript
// already serialises numbers and strings canonically, and Array.prototype.sort() compares
// UTF-16 code units. Independent of provd's C implementation on purpose.
export function canonicalize(value) {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return '[' + value.map(canonicalize).join(',') + ']';
  const keys = Object.keys(value).sort();
  return '{' + keys.map((k) => JSON.stringify(k) + ':' + canonicalize(value[k])).join(',') + '}';
}

// The bytes a registration's signature covers.
export function statement(contentHash, metadata) {
  return new TextEncoder().encode(
    canonicalize({ type: 'provd.item.v1', content_hash: contentHash, metadata }));
}
