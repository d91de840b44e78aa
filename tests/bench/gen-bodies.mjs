// SPDX-License-Identifier: Apache-2.0
// Writes N distinct registrations, signed with WebCrypto Ed25519 by 16 signers, one JSON body
// per line, for the POST benchmark. Usage: node gen-bodies.mjs N > bodies.jsonl
import { webcrypto as crypto, randomBytes } from 'node:crypto';
import { statement } from '../blackbox/lib/jcs.mjs';

const n = Number(process.argv[2] || 100000);
const signers = [];
for (let i = 0; i < 16; i++) {
  const kp = await crypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify']);
  signers.push({ kp, pub: Buffer.from(await crypto.subtle.exportKey('raw', kp.publicKey)).toString('base64url') });
}
const out = [];
for (let i = 0; i < n; i++) {
  const s = signers[i % signers.length];
  const content_hash = 'sha256:' + randomBytes(32).toString('hex');
  const metadata = { source_url: `https://crawl.example.org/page/${i}`, author: 'bench crawler',
                     license: 'CC-BY-4.0', fetched_at: '2026-11-26T12:00:00Z', size: i };
  const sig = await crypto.subtle.sign({ name: 'Ed25519' }, s.kp.privateKey, statement(content_hash, metadata));
  out.push(JSON.stringify({ content_hash, metadata,
    signature: { scheme: 'ed25519', public_key: s.pub, value: Buffer.from(sig).toString('base64url') } }));
  if (out.length === 10000) { process.stdout.write(out.join('\n') + '\n'); out.length = 0; }
}
if (out.length) process.stdout.write(out.join('\n') + '\n');
