// SPDX-License-Identifier: Apache-2.0
// Registers every file under a directory the way a crawler would: one Ed25519 key (WebCrypto,
// kept in KEY_FILE as a JWK, created on first use), one signed registration per file (content
// hash, source URL, modification time, size), sent in batches of up to 500 to
// POST /v1/items/batch. Prints one line per batch and every refused file; exits 1 if any was
// refused. Running it again is safe: unchanged files are the same statements from the same key,
// which provd answers as "existing". Self-contained (Node 20+, no packages): copy it anywhere.
// Exits 2 on bad arguments.
//   node crawl.mjs BASE_URL API_TOKEN DIR KEY_FILE [SOURCE_URL_PREFIX]
import { webcrypto as crypto } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

// RFC 8785 canonical JSON: ECMAScript serialises numbers and strings canonically, and sort()
// compares UTF-16 code units. The statement's UTF-8 bytes are what the signature covers.
const canonicalize = (v) => v === null || typeof v !== 'object' ? JSON.stringify(v)
  : Array.isArray(v) ? '[' + v.map(canonicalize).join(',') + ']'
  : '{' + Object.keys(v).sort().map((k) => JSON.stringify(k) + ':' + canonicalize(v[k])).join(',') + '}';
const statement = (content_hash, metadata) =>
  new TextEncoder().encode(canonicalize({ type: 'provd.item.v1', content_hash, metadata }));

const USAGE = 'usage: node crawl.mjs BASE_URL API_TOKEN DIR KEY_FILE [SOURCE_URL_PREFIX]';
function die(message, code = 1) {
  console.error(`crawl.mjs: ${message}`);
  if (code === 2) console.error(USAGE);
  process.exit(code);
}
process.on('uncaughtException', (e) => die(e.message));
process.on('unhandledRejection', (e) => die(e?.message ?? String(e)));

const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  console.log(USAGE);
  process.exit(0);
}
const [base, token, dir, keyFile, prefix = 'https://crawl.example.org/', ...extra] = args;
if (!base || !token || !dir || !keyFile) die('BASE_URL, API_TOKEN, DIR and KEY_FILE are required', 2);
if (extra.length) die(`unexpected argument '${extra[0]}'`, 2);
if (!/^https?:\/\/[^/]/.test(base) || !URL.canParse(base)) die(`BASE_URL '${base}' is not an http(s) URL`, 2);
if (!fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory()) die(`${dir} is not a directory`, 2);
const BATCH = 500;
const files = fs.readdirSync(dir, { recursive: true }).map(String)
  .filter((f) => fs.statSync(path.join(dir, f)).isFile()).sort();

async function loadKey() {
  if (!fs.existsSync(keyFile)) {
    const kp = await crypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify']);
    const jwk = JSON.stringify(await crypto.subtle.exportKey('jwk', kp.privateKey));
    fs.writeFileSync(keyFile, jwk + '\n', { mode: 0o600, flag: 'wx' });
  }
  const jwk = JSON.parse(fs.readFileSync(keyFile, 'utf8'));
  return { privateKey: await crypto.subtle.importKey('jwk', jwk, { name: 'Ed25519' }, false, ['sign']),
           public_key: jwk.x }; // the raw public key, base64url
}
const { privateKey, public_key } = await loadKey();

async function registration(file) {
  const bytes = fs.readFileSync(path.join(dir, file));
  const content_hash = 'sha256:' + Buffer.from(await crypto.subtle.digest('SHA-256', bytes)).toString('hex');
  const modified_at = fs.statSync(path.join(dir, file)).mtime.toISOString().replace(/\.\d+Z$/, 'Z');
  const metadata = { source_url: prefix + file.split(path.sep).map(encodeURIComponent).join('/'),
                     modified_at, size: bytes.length };
  const sig = await crypto.subtle.sign({ name: 'Ed25519' }, privateKey, statement(content_hash, metadata));
  return { content_hash, metadata,
           signature: { scheme: 'ed25519', public_key, value: Buffer.from(sig).toString('base64url') } };
}

let refused = 0;
for (let at = 0; at < files.length; at += BATCH) {
  const names = files.slice(at, at + BATCH);
  const items = await Promise.all(names.map(registration));
  const res = await fetch(`${base.replace(/\/+$/, '')}/v1/items/batch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ items }),
  }).catch((e) => die(`cannot reach ${base}: ${e.cause?.message || e.message}`));
  const body = await res.json();
  if (res.status !== 200) { // nothing of this batch was stored; the whole run can be repeated
    console.error(`batch at ${at}: ${res.status} ${body.type}: ${body.detail}`);
    process.exit(1);
  }
  console.log(`batch at ${at}: ${body.created} created, ${body.existing} existing, ${body.failed} refused`);
  for (const r of body.results.filter((x) => x.problem)) {
    console.log(`  ${names[r.index]}: ${r.problem.type} ${r.problem.detail}`);
  }
  refused += body.failed;
}
console.log(`${files.length} files, signer ${public_key}`);
process.exit(refused ? 1 : 0);
