// SPDX-License-Identifier: Apache-2.0
// Registers one item the way a client would: signs the canonical statement (RFC 8785 JCS) with an
// Ed25519 key (WebCrypto, kept in KEY_FILE as a JWK, created on first use) and POSTs it, then
// asks for the content's provenance. Self-contained (Node 20+, no packages): copy it anywhere.
//   node register.mjs BASE_URL API_TOKEN [FILE] [--source-url URL] [--author NAME]
//        [--license SPDX] [--key-file KEY_FILE]
// Without FILE it registers a demo text. The metadata of a FILE is its size and modification
// time, plus what the options give; the same file and key again is the same statement, which
// provd answers 200 (existing) instead of 201. KEY_FILE defaults to provd-signer.jwk.
// Exits 0 when the item is registered, 1 when provd refuses it or cannot be reached, 2 on bad
// arguments.
import { webcrypto as crypto } from 'node:crypto';
import fs from 'node:fs';
import { parseArgs } from 'node:util';

const USAGE = `usage: node register.mjs BASE_URL API_TOKEN [FILE] [--source-url URL] [--author NAME]
       [--license SPDX] [--key-file KEY_FILE]`;

// RFC 8785 canonical JSON: ECMAScript serialises numbers and strings canonically, and sort()
// compares UTF-16 code units. The statement's UTF-8 bytes are what the signature covers.
const canonicalize = (v) => v === null || typeof v !== 'object' ? JSON.stringify(v)
  : Array.isArray(v) ? '[' + v.map(canonicalize).join(',') + ']'
  : '{' + Object.keys(v).sort().map((k) => JSON.stringify(k) + ':' + canonicalize(v[k])).join(',') + '}';
const statement = (content_hash, metadata) =>
  new TextEncoder().encode(canonicalize({ type: 'provd.item.v1', content_hash, metadata }));

class UsageError extends Error {}

function parse(argv) {
  let args;
  try {
    args = parseArgs({ args: argv, allowPositionals: true, options: {
      'source-url': { type: 'string' }, author: { type: 'string' }, license: { type: 'string' },
      'key-file': { type: 'string', default: 'provd-signer.jwk' }, help: { type: 'boolean', short: 'h' },
    } });
  } catch (e) {
    throw new UsageError(e.message);
  }
  if (args.values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const [base, token, file, ...extra] = args.positionals;
  if (!base || !token) throw new UsageError('BASE_URL and API_TOKEN are required');
  if (extra.length) throw new UsageError(`unexpected argument '${extra[0]}'`);
  if (!/^https?:\/\/[^/]/.test(base) || !URL.canParse(base)) throw new UsageError(`BASE_URL '${base}' is not an http(s) URL`);
  return { base: base.replace(/\/+$/, ''), token, file, ...args.values };
}

async function loadKey(keyFile) {
  let created = false;
  if (!fs.existsSync(keyFile)) {
    const kp = await crypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify']);
    const jwk = JSON.stringify(await crypto.subtle.exportKey('jwk', kp.privateKey));
    fs.writeFileSync(keyFile, jwk + '\n', { mode: 0o600, flag: 'wx' });
    created = true;
  }
  let jwk;
  try {
    jwk = JSON.parse(fs.readFileSync(keyFile, 'utf8'));
  } catch (e) {
    throw new Error(`${keyFile} is not a JWK: ${e.message}`);
  }
  return { created, public_key: jwk.x, // the raw public key, base64url
           privateKey: await crypto.subtle.importKey('jwk', jwk, { name: 'Ed25519' }, false, ['sign']) };
}

async function call(method, url, token, body) {
  let res;
  try {
    res = await fetch(url, { method, body: body && JSON.stringify(body), headers: {
      'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) } });
  } catch (e) {
    throw new Error(`cannot reach ${url}: ${e.cause?.message || e.message}`);
  }
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, body: json };
}

async function main() {
  const opts = parse(process.argv.slice(2));
  let content, metadata;
  if (opts.file) {
    try {
      content = fs.readFileSync(opts.file);
    } catch (e) {
      throw new Error(`cannot read ${opts.file}: ${e.message}`);
    }
    const mtime = fs.statSync(opts.file).mtime;
    metadata = { size: content.length, modified_at: mtime.toISOString().replace(/\.\d+Z$/, 'Z') };
  } else {
    content = new TextEncoder().encode('hello, provenance\n');
    metadata = { source_url: 'https://example.org/hello.txt', license: 'CC-BY-4.0', author: 'example' };
  }
  if (opts['source-url'] !== undefined) metadata.source_url = opts['source-url'];
  if (opts.author !== undefined) metadata.author = opts.author;
  if (opts.license !== undefined) metadata.license = opts.license;

  const { created, public_key, privateKey } = await loadKey(opts['key-file']);
  console.log(`signer ${public_key} (${created ? 'new key written to' : 'key from'} ${opts['key-file']})`);
  const digest = Buffer.from(await crypto.subtle.digest('SHA-256', content)).toString('hex');
  const content_hash = `sha256:${digest}`;
  const value = Buffer.from(await crypto.subtle.sign({ name: 'Ed25519' }, privateKey,
    statement(content_hash, metadata))).toString('base64url');

  const reg = await call('POST', `${opts.base}/v1/items`, opts.token,
    { content_hash, metadata, signature: { scheme: 'ed25519', public_key, value } });
  console.log(`POST /v1/items -> ${reg.status}`);
  console.log(JSON.stringify(reg.body, null, 2));
  if (reg.status !== 201 && reg.status !== 200) return 1;
  const prov = await call('GET', `${opts.base}/v1/provenance/${content_hash}`);
  console.log(`GET /v1/provenance/${content_hash} -> ${prov.status}`);
  console.log(JSON.stringify(prov.body, null, 2));
  return 0;
}

main().then((code) => process.exit(code), (e) => {
  console.error(`register.mjs: ${e.message}`);
  if (e instanceof UsageError) console.error(USAGE);
  process.exit(e instanceof UsageError ? 2 : 1);
});
