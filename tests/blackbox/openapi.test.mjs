// openapi/openapi.yaml describes the API exactly as served: every route and method, and every
// response seen here validates against the schema documented for its status and media type.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import {
  startProvd, createApiKey, createLogKey, newEd25519Signer, signedItem, http, freshDatabase,
} from './lib/harness.mjs';
import { startAnvil } from './lib/anvil.mjs';
import { anchorArgs, ethKeyFile, waitAnchors } from './lib/anchoring.mjs';

const specPath = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../openapi/openapi.yaml');
const spec = YAML.parse(fs.readFileSync(specPath, 'utf8'));

function resolve(node) {
  while (node && node.$ref) {
    node = node.$ref.slice(2).split('/').reduce((o, k) => o[k], spec);
  }
  return node;
}

// A small JSON Schema checker for the keywords the spec uses.
function validate(schema, value, where, errors) {
  schema = resolve(schema);
  if (!schema) return;
  if (schema.oneOf) {
    const fits = schema.oneOf.filter((s) => {
      const e = [];
      validate(s, value, where, e);
      return e.length === 0;
    });
    if (fits.length !== 1) errors.push(`${where}: matches ${fits.length} of oneOf`);
    return;
  }
  const types = schema.type ? [].concat(schema.type) : null;
  const typeOf = (v) => (v === null ? 'null' : Array.isArray(v) ? 'array'
    : Number.isInteger(v) ? 'integer' : typeof v);
  if (types && !types.some((t) => t === typeOf(value) || (t === 'number' && typeof value === 'number'))) {
    errors.push(`${where}: ${typeOf(value)} is not ${types}`);
    return;
  }
  if (schema.const !== undefined && value !== schema.const) errors.push(`${where}: not ${schema.const}`);
  if (schema.enum && !schema.enum.includes(value)) errors.push(`${where}: ${value} not in enum`);
  if (schema.pattern && typeof value === 'string' && !new RegExp(schema.pattern).test(value)) {
    errors.push(`${where}: ${value} does not match ${schema.pattern}`);
  }
  if (schema.minimum !== undefined && typeof value === 'number' && value < schema.minimum) {
    errors.push(`${where}: below minimum`);
  }
  if (typeOf(value) === 'object') {
    for (const r of schema.required || []) if (!(r in value)) errors.push(`${where}: missing ${r}`);
    for (const [k, v] of Object.entries(value)) {
      if (schema.properties && k in schema.properties) {
        validate(schema.properties[k], v, `${where}.${k}`, errors);
      } else if (schema.additionalProperties === false) {
        errors.push(`${where}: undocumented member ${k}`);
      } else if (!schema.additionalProperties && schema.properties && !schema.allowExtra) {
        if (resolve(schema).additionalProperties !== true) errors.push(`${where}: undocumented member ${k}`);
      }
    }
  }
  if (typeOf(value) === 'array' && schema.items) {
    value.forEach((v, i) => validate(schema.items, v, `${where}[${i}]`, errors));
  }
}

function specPathFor(pathname) {
  for (const p of Object.keys(spec.paths)) {
    const re = new RegExp('^' + p.replace(/\{[^}]+\}/g, '[^/]+') + '$');
    if (re.test(pathname)) return p;
  }
  return null;
}

// Checks one live response against the spec.
function conforms(method, pathname, res) {
  const p = specPathFor(pathname.split('?')[0]);
  assert.ok(p, `${pathname} is documented`);
  const op = spec.paths[p][method.toLowerCase()];
  // A method a route does not serve is the documented 405 for every route.
  const doc = op ? resolve(op.responses[String(res.status)])
    : res.status === 405 ? resolve(spec.components.responses.MethodNotAllowed) : null;
  assert.ok(doc, `${method} ${p} documents status ${res.status}`);
  for (const h of Object.keys(doc.headers || {})) {
    if (h === 'X-Request-Id') assert.ok(res.headers.get(h), `${h} header present`);
    if (['Location', 'Allow', 'Retry-After', 'WWW-Authenticate'].includes(h) && res.status !== 200) {
      assert.ok(res.headers.get(h), `${method} ${p} ${res.status}: ${h} header present`);
    }
  }
  if (!doc.content) {
    assert.equal(res.text, '', `${method} ${p} ${res.status} has no body`);
    return;
  }
  const ct = res.headers.get('content-type');
  assert.ok(doc.content[ct], `${method} ${p} ${res.status} documents ${ct}`);
  const errors = [];
  validate(doc.content[ct].schema, ct.includes('json') ? res.body : res.text, 'body', errors);
  assert.deepEqual(errors, [], `${method} ${pathname} ${res.status}`);
}

let srv, token, adminToken, anvil;
before(async () => {
  const dbUrl = freshDatabase();
  token = createApiKey(dbUrl);
  adminToken = createApiKey(dbUrl, 'admin');
  anvil = await startAnvil(['--block-time', '1']);
  srv = await startProvd({ dbUrl, command: 'run', logKey: createLogKey(),
    args: ['--cors-origins', 'https://app.example.org', '--max-body', '2K',
      ...anchorArgs(anvil.url, ethKeyFile(), ['--anchor-confirmations', '1'])] });
});
after(async () => {
  await srv.stop();
  await anvil.stop();
});

test('every documented path and method is served, and only those', async () => {
  for (const [p, ops] of Object.entries(spec.paths)) {
    const concrete = p.replace('{id}', '1').replace('{content_hash}', 'sha256:' + '0'.repeat(64));
    const documented = Object.keys(ops).filter((m) => m !== 'parameters').map((m) => m.toUpperCase());
    const res = await http(srv.base, 'PATCH', concrete);
    assert.equal(res.status, 405, `PATCH ${p}`);
    const allow = res.headers.get('allow').split(', ');
    for (const m of documented) assert.ok(allow.includes(m), `${p}: ${m} in Allow ${allow}`);
    for (const m of allow) {
      if (m !== 'HEAD') assert.ok(documented.includes(m), `${p}: served ${m} is documented`);
    }
  }
});

test('live responses match their documented schemas', async () => {
  const signer = await newEd25519Signer();
  const item = await signedItem(signer, { source_url: 'https://example.org/x', license: 'MIT', n: 1.5 });
  const fresh = await signedItem(await newEd25519Signer(), { n: 2 });
  const late = await signedItem(signer, { n: 3 }); // its signer is revoked before the batch
  const mixed = { items: [fresh, item, { ...fresh, content_hash: 'x' }, late, 7] };
  assert.ok(JSON.stringify(mixed).length < 2048, 'the mixed batch fits --max-body 2K');
  const calls = [
    ['POST', '/v1/items', { body: item, token }],
    ['POST', '/v1/items', { body: item, token }],
    ['POST', '/v1/items', { body: item }],
    ['POST', '/v1/items', { body: item, token: adminToken }],
    ['POST', '/v1/items', { raw: '{', token, headers: { 'content-type': 'application/json' } }],
    ['POST', '/v1/items', { raw: '{}', token, headers: { 'content-type': 'text/plain' } }],
    ['POST', '/v1/items', { body: { ...item, metadata: { pad: 'x'.repeat(3000) } }, token }],
    ['POST', '/v1/items', { body: { ...item, content_hash: 'x' }, token }],
    ['POST', '/v1/items', { body: { ...item, metadata: { other: 1 } }, token }],
    ['DELETE', '/v1/items', {}],
    ['GET', '/v1/items', {}],
    ['GET', '/v1/items?limit=1', {}],
    ['GET', '/v1/items?limit=0', {}],
    ['GET', '/v1/items/1', {}],
    ['GET', '/v1/items/424242', {}],
    ['GET', '/v1/items/x', {}],
    ['GET', `/v1/provenance/${item.content_hash}`, {}],
    ['GET', `/v1/provenance/sha256:${'9'.repeat(64)}`, {}],
    ['GET', '/v1/provenance/nope', {}],
    ['POST', '/v1/provenance/batch', { body: { content_hashes: [item.content_hash, `sha256:${'9'.repeat(64)}`] } }],
    ['POST', '/v1/provenance/batch', { body: { content_hashes: ['nope'] } }],
    ['POST', '/v1/provenance/batch', { raw: '{', headers: { 'content-type': 'application/json' } }],
    ['POST', '/v1/provenance/batch', { raw: '{}', headers: { 'content-type': 'text/plain' } }],
    ['OPTIONS', '/v1/items', { headers: { origin: 'https://app.example.org', 'access-control-request-method': 'POST' } }],
    ['OPTIONS', '/v1/items', { headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } }],
    ['OPTIONS', '/v1/items/1', {}],
    ['GET', '/healthz', {}],
    ['GET', '/metrics', {}],
    ['GET', '/readyz', {}],
    ['GET', '/v1/items/1/receipt', {}], // 202 or 200, depending on the worker's timing
    ['WAIT'],
    ['GET', '/v1/items/1/receipt', {}],
    ['GET', '/v1/items/999/receipt', {}],
    ['GET', '/v1/log/checkpoint', {}],
    ['GET', '/v1/log/key', {}],
    ['GET', '/v1/log/consistency?from=1&to=1', {}],
    ['GET', '/v1/log/consistency?from=0&to=1', {}],
    ['ANCHORED'],
    ['GET', '/v1/anchors', {}],
    ['GET', '/v1/anchors?limit=1', {}],
    ['GET', '/v1/anchors?limit=x', {}],
    ['GET', '/v1/anchors/1', {}],
    ['GET', '/v1/anchors/999', {}],
    ['GET', '/v1/anchors/x', {}],
    ['GET', '/v1/items/1/receipt', {}],
    ['GET', '/v1/items/1', {}],
    ['POST', '/v1/signers', { body: { scheme: 'ed25519', public_key: item.signature.public_key, name: 'S' }, token: adminToken }],
    ['POST', '/v1/signers', { body: { scheme: 'ed25519', public_key: item.signature.public_key, name: 'S' }, token: adminToken }],
    ['POST', '/v1/signers', { body: { scheme: 'ed25519', public_key: 'x', name: 'S' }, token: adminToken }],
    ['POST', '/v1/signers', { body: { scheme: 'ed25519', public_key: 'x', name: 'S' }, token }],
    ['GET', '/v1/signers', {}],
    ['GET', `/v1/signers/${item.signature.public_key}`, {}],
    ['GET', '/v1/signers/unknown', {}],
    ['GET', `/v1/provenance/${item.content_hash}`, {}],
    ['POST', `/v1/signers/${item.signature.public_key}/revoke`, { token: adminToken }],
    ['POST', '/v1/signers/unknown/revoke', { token: adminToken }],
    ['POST', '/v1/items', { body: { ...item, metadata: { after: 'revocation' } }, token }],
    ['POST', '/v1/items/batch', { body: mixed, token }],
    ['POST', '/v1/items/batch', { body: mixed }],
    ['POST', '/v1/items/batch', { body: mixed, token: adminToken }],
    ['POST', '/v1/items/batch', { body: { items: [] }, token }],
    ['POST', '/v1/items/batch', { raw: '{"items": [', token, headers: { 'content-type': 'application/json' } }],
    ['POST', '/v1/items/batch', { raw: '{}', token, headers: { 'content-type': 'text/plain' } }],
    ['POST', '/v1/items/batch', { body: { items: ['x'.repeat(3000)] }, token }],
    ['GET', '/v1/items/batch', {}],
    ['OPTIONS', '/v1/items/batch', { headers: { origin: 'https://app.example.org', 'access-control-request-method': 'POST' } }],
  ];
  const seen = new Set();
  for (const [method, pathname, opts] of calls) {
    if (method === 'WAIT') {
      // Let the worker sequence the registration so that the log routes answer 200.
      for (let i = 0; i < 100; i++) {
        if ((await http(srv.base, 'GET', '/v1/log/checkpoint')).status === 200) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      continue;
    }
    if (method === 'ANCHORED') {
      await waitAnchors(srv.base, (l) => l.find((a) => a.status === 'confirmed'));
      continue;
    }
    const res = await http(srv.base, method, pathname, opts);
    conforms(method, pathname, res);
    seen.add(`${method} ${res.status}`);
    if (pathname === '/v1/items/batch') seen.add(`batch ${method} ${res.status}`);
    if (pathname === '/v1/items/batch' && res.status === 200) {
      assert.deepEqual(res.body.results.map((r) => r.status), [201, 200, 422, 422, 422]);
      assert.equal(res.body.results[3].problem.type, 'urn:provd:problem:signer-revoked');
    }
  }
  for (const s of ['POST 200', 'POST 401', 'POST 403', 'POST 422', 'POST 400', 'POST 415',
    'POST 413', 'GET 405', 'OPTIONS 204']) {
    assert.ok(seen.has(`batch ${s}`), `exercised batch ${s}`);
  }
  for (const s of ['POST 201', 'POST 200', 'POST 401', 'POST 403', 'POST 400', 'POST 415',
    'POST 413', 'POST 422', 'GET 404', 'GET 400', 'OPTIONS 204', 'OPTIONS 403', 'DELETE 405',
    'GET 200', 'POST 409']) {
    assert.ok(seen.has(s), `exercised ${s}`);
  }
});
