// Registers one item the way a client would: makes an Ed25519 key with WebCrypto, signs the
// canonical statement (RFC 8785 JCS) and POSTs it, then asks for the content's provenance.
//   node deploy/examples/register.mjs http://127.0.0.1:8080 provd_TOKEN [FILE]
import { webcrypto as crypto } from 'node:crypto';
import fs from 'node:fs';
import { statement } from '../../tests/blackbox/lib/jcs.mjs';

const [base, token, file] = process.argv.slice(2);
if (!base || !token) {
  console.error('usage: node register.mjs BASE_URL API_TOKEN [FILE]');
  process.exit(2);
}
const content = file ? fs.readFileSync(file) : new TextEncoder().encode('hello, provenance\n');
const digest = Buffer.from(await crypto.subtle.digest('SHA-256', content)).toString('hex');
const content_hash = `sha256:${digest}`;
const metadata = {
  source_url: 'https://example.org/hello.txt',
  author: 'example',
  license: 'CC-BY-4.0',
  created_at: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
};
const keys = await crypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify']);
const public_key = Buffer.from(await crypto.subtle.exportKey('raw', keys.publicKey)).toString('base64url');
const value = Buffer.from(await crypto.subtle.sign({ name: 'Ed25519' }, keys.privateKey,
  statement(content_hash, metadata))).toString('base64url');

const res = await fetch(`${base}/v1/items`, {
  method: 'POST',
  headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
  body: JSON.stringify({ content_hash, metadata, signature: { scheme: 'ed25519', public_key, value } }),
});
console.log(`POST /v1/items -> ${res.status}`);
console.log(JSON.stringify(await res.json(), null, 2));
const prov = await fetch(`${base}/v1/provenance/${content_hash}`);
console.log(`GET /v1/provenance/${content_hash} -> ${prov.status}`);
console.log(JSON.stringify(await prov.json(), null, 2));
