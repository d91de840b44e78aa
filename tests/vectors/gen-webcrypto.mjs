// SPDX-License-Identifier: Apache-2.0
// Regenerates ed25519-webcrypto.json: registrations signed by Node's WebCrypto (an independent
// Ed25519 implementation), with the statement canonicalised by tests/blackbox/lib/jcs.mjs.
// Usage: node tests/vectors/gen-webcrypto.mjs > tests/vectors/ed25519-webcrypto.json
import { webcrypto as crypto } from 'node:crypto';
import { statement } from '../blackbox/lib/jcs.mjs';

const b64url = (buf) => Buffer.from(buf).toString('base64url');
const metadatas = [
  { source_url: 'https://example.org/cat.jpg', author: 'Ada', license: 'CC-BY-4.0',
    created_at: '2026-01-02T03:04:05Z' },
  { source_url: 'http://example.com/a?b=c#d', license: 'MIT OR Apache-2.0', tags: ['x', 'ü', '😂'],
    score: 0.1, big: 1e21, small: 1e-7, nested: { z: 1, a: [true, false, null] } },
  { '€': 1, '\u000a': 'nl', 'ﬃ': 2, '😂': 3, ö: 4 },
];
const out = [];
for (const metadata of metadatas) {
  const kp = await crypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify']);
  const pub = new Uint8Array(await crypto.subtle.exportKey('raw', kp.publicKey));
  const content_hash = 'sha256:' + Buffer.from(
    await crypto.subtle.digest('SHA-256', new TextEncoder().encode(JSON.stringify(metadata))))
    .toString('hex');
  const msg = statement(content_hash, metadata);
  const sig = new Uint8Array(await crypto.subtle.sign({ name: 'Ed25519' }, kp.privateKey, msg));
  out.push({ request: { content_hash, metadata,
                        signature: { scheme: 'ed25519', public_key: b64url(pub), value: b64url(sig) } },
             statement: Buffer.from(msg).toString('utf8') });
}
console.log(JSON.stringify(out, null, 1));
