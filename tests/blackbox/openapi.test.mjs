// SPDX-License-Identifier: Apache-2.0
// openapi/openapi.yaml describes the API exactly as served: every route and method, and every
// response seen here validates against the schema documented for its status and media type
// (and every request that succeeded against the documented request body). Every documented
// operation is called at least once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, createHash, webcrypto } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import {
  startProvd, createApiKey, createLogKey, newEd25519Signer, signedItem, http, freshDatabase,
  sha256Hex,
} from './lib/harness.mjs';
import { startAnvil } from './lib/anvil.mjs';
import { anchorArgs, ethKeyFile, waitAnchors } from './lib/anchoring.mjs';
import { datasetStatement, membersRoot } from './lib/dataset.mjs';
import { canonicalize } from './lib/jcs.mjs';
import { parseVkey } from './lib/tlog.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const spec = YAML.parse(fs.readFileSync(path.resolve(here, '../../openapi/openapi.yaml'), 'utf8'));
// The route table's path templates (the metrics labels), to find a served route the spec lacks.
const routeNames = [...fs.readFileSync(path.resolve(here, '../../service/http/route.c'), 'utf8')
  .matchAll(/^\s*\{"(\/[^"]*)",/gm)].map((m) => m[1]);

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

const exercised = new Set(); // "METHOD /template" of every documented operation called

// Checks one live response (and, when it succeeded, the request's body) against the spec.
function conforms(method, pathname, res, opts = {}) {
  const p = specPathFor(pathname.split('?')[0]);
  assert.ok(p, `${pathname} is documented`);
  // HEAD is served wherever GET is: GET's status and headers, without a body.
  const op = spec.paths[p][method === 'HEAD' ? 'get' : method.toLowerCase()];
  if (op) exercised.add(`${method} ${p}`);
  if (op && res.status < 300 && (opts.body !== undefined || opts.raw !== undefined)) {
    const sent = opts.headers?.['content-type'] || 'application/json';
    const media = resolve(op.requestBody)?.content?.[sent.split(';')[0]];
    assert.ok(media, `${method} ${p} documents a ${sent} request body`);
    const errors = [];
    validate(media.schema, opts.body !== undefined ? opts.body : opts.raw, 'request', errors);
    assert.deepEqual(errors, [], `${method} ${pathname} request`);
  }
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
  if (!doc.content || method === 'HEAD') {
    assert.equal(res.text, '', `${method} ${p} ${res.status} has no body`);
    return;
  }
  const ct = res.headers.get('content-type');
  assert.ok(doc.content[ct], `${method} ${p} ${res.status} documents ${ct}`);
  const errors = [];
  validate(doc.content[ct].schema, ct.includes('json') ? res.body : res.text, 'body', errors);
  assert.deepEqual(errors, [], `${method} ${pathname} ${res.status}`);
}

// Every key of a schema object is a JSON Schema 2020-12 or OpenAPI 3.1 keyword (or x-*): a
// comma in a one-line YAML description (`description: a, b: c`) silently makes `b` a key.
const SCHEMA_KEYWORDS = new Set([
  '$schema', '$id', '$ref', '$anchor', '$dynamicRef', '$dynamicAnchor', '$vocabulary', '$comment',
  '$defs', 'allOf', 'anyOf', 'oneOf', 'not', 'if', 'then', 'else', 'dependentSchemas',
  'prefixItems', 'items', 'contains', 'properties', 'patternProperties', 'additionalProperties',
  'propertyNames', 'unevaluatedItems', 'unevaluatedProperties', 'type', 'const', 'enum',
  'multipleOf', 'maximum', 'exclusiveMaximum', 'minimum', 'exclusiveMinimum', 'maxLength',
  'minLength', 'pattern', 'maxItems', 'minItems', 'uniqueItems', 'maxContains', 'minContains',
  'maxProperties', 'minProperties', 'required', 'dependentRequired', 'title', 'description',
  'default', 'deprecated', 'readOnly', 'writeOnly', 'examples', 'format', 'contentEncoding',
  'contentMediaType', 'contentSchema', 'discriminator', 'xml', 'externalDocs', 'example',
]);
function unknownSchemaKeys(doc) {
  const found = [];
  const schema = (s, where) => {
    if (s === true || s === false) return;
    if (!s || typeof s !== 'object' || Array.isArray(s)) {
      found.push(`${where}: not a schema`);
      return;
    }
    for (const [k, v] of Object.entries(s)) {
      if (!SCHEMA_KEYWORDS.has(k) && !k.startsWith('x-')) found.push(`${where}: unknown key ${JSON.stringify(k)}`);
      if (['properties', 'patternProperties', '$defs', 'dependentSchemas'].includes(k)) {
        for (const [n, sub] of Object.entries(v || {})) schema(sub, `${where}/${k}/${n}`);
      } else if (['allOf', 'anyOf', 'oneOf', 'prefixItems'].includes(k)) {
        (Array.isArray(v) ? v : [v]).forEach((sub, i) => schema(sub, `${where}/${k}/${i}`));
      } else if (['items', 'additionalProperties', 'not', 'if', 'then', 'else', 'contains',
        'propertyNames', 'unevaluatedItems', 'unevaluatedProperties', 'contentSchema'].includes(k)) {
        schema(v, `${where}/${k}`);
      }
    }
  };
  // Schemas outside components.schemas: under `schema` of media types, parameters and headers.
  const walk = (node, where) => {
    if (!node || typeof node !== 'object') return;
    for (const [k, v] of Object.entries(node)) {
      if (k === 'schema' && v && typeof v === 'object') schema(v, `${where}/schema`);
      else walk(v, `${where}/${k}`);
    }
  };
  for (const [n, s] of Object.entries(doc.components?.schemas || {})) schema(s, `#/components/schemas/${n}`);
  const { schemas: _, ...rest } = doc.components || {};
  walk({ paths: doc.paths, components: rest }, '#');
  return found;
}

test('every schema object has only JSON Schema and OpenAPI keywords', () => {
  const bad = YAML.parse(`
components:
  schemas:
    X:
      type: object
      properties:
        a: { type: string, description: stored, or not: it is }
paths:
  /x: { get: { responses: { '200': { content: { a/b: { schema: { type: string, maxlength: 3 } } } } } } }
`);
  assert.deepEqual(unknownSchemaKeys(bad), [
    '#/components/schemas/X/properties/a: unknown key "or not"',
    '#/paths//x/get/responses/200/content/a/b/schema: unknown key "maxlength"',
  ], 'the check finds keys that are not keywords');
  assert.deepEqual(unknownSchemaKeys(spec), []);
});

let srv, token, otherToken, adminToken, anvil;
before(async () => {
  const dbUrl = freshDatabase();
  token = createApiKey(dbUrl);
  otherToken = createApiKey(dbUrl);
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
  // A route of the table that the binary serves (405, not 404, to PATCH) must be documented.
  // (a documented path is a route's template, or a concrete path one serves: /explorer/config.json)
  // ({rest*}: the rest of the path, slashes included, as the tlog-tiles route takes it)
  const routeRe = (n) => new RegExp(`^${n.replace(/\{[^}]+\*\}/g, '.+').replace(/\{[^}]+\}/g, '[^/]+')}$`);
  const routed = (p) => routeNames.some((n) => routeRe(n).test(p));
  assert.ok(Object.keys(spec.paths).every(routed), 'route.c parsed');
  for (const name of routeNames) {
    if (spec.paths[name]) continue;
    if (name.includes('*}')) { // documented as the paths it takes
      assert.ok(Object.keys(spec.paths).some((p) => routeRe(name).test(p)), `served route ${name} is documented`);
      continue;
    }
    const concrete = name.replace('{content_hash}', 'sha256:' + '0'.repeat(64)).replace(/\{[^}]+\}/g, '1');
    const res = await http(srv.base, 'PATCH', concrete);
    assert.notEqual(res.status, 405, `served route ${name} is documented`);
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
    ['POST', '/v1/provenance/batch', { body: { content_hashes: [item.content_hash, item.content_hash] } }],
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
    ['TILES'],
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
      // (the empty log's checkpoint, size 0, may be there before the registration's)
      for (let i = 0; i < 100; i++) {
        const cp = await http(srv.base, 'GET', '/v1/log/checkpoint');
        if (cp.status === 200 && Number(cp.text.split('\n')[1]) >= 1) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      continue;
    }
    if (method === 'TILES') {
      // The C2SP tlog-tiles routes (default --tiles-prefix): the checkpoint's partial tile and
      // bundle, and the full ones, which do not exist yet.
      const cp = await call(srv.base, 'GET', '/log/checkpoint', {}, 200);
      const size = Number(cp.text.split('\n')[1]);
      assert.ok(size >= 1 && size < 256, cp.text);
      await call(srv.base, 'GET', `/log/tile/0/000.p/${size}`, {}, 200);
      await call(srv.base, 'GET', `/log/tile/entries/000.p/${size}`, {}, 200);
      await call(srv.base, 'GET', '/log/tile/0/000', {}, 404, 'tile-not-found');
      await call(srv.base, 'GET', '/log/tile/entries/000', {}, 404, 'tile-not-found');
      await call(srv.base, 'GET', '/log/tile/0/000.p/256', {}, 404, 'tile-not-found');
      continue;
    }
    if (method === 'ANCHORED') {
      await waitAnchors(srv.base, (l) => l.find((a) => a.status === 'confirmed'));
      continue;
    }
    const res = await http(srv.base, method, pathname, opts);
    conforms(method, pathname, res, opts);
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

const randomHash = async () => 'sha256:' + (await sha256Hex(randomBytes(32)));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Calls a route, checks the reply against the spec and that it is the expected status (and
// problem type); returns the reply.
async function call(base, method, pathname, opts, status, problem) {
  const res = await http(base, method, pathname, opts);
  conforms(method, pathname, res, opts);
  assert.equal(res.status, status, `${method} ${pathname}: ${res.text}`);
  if (problem) assert.equal(res.body.type, `urn:provd:problem:${problem}`, res.text);
  return res;
}

async function sealBody(d, count, root, signer) {
  const value = await signer.sign(datasetStatement(d, count, root));
  return { member_count: count, members_root: root,
           signature: { scheme: 'ed25519', public_key: signer.publicKey, value } };
}

// Polls until pred(reply) holds, validating every reply on the way.
async function until(base, pathname, pred, what) {
  for (let i = 0; i < 600; i++) {
    const res = await http(base, 'GET', pathname);
    conforms('GET', pathname, res);
    if (pred(res)) return res;
    await sleep(50);
  }
  throw new Error(`${pathname}: ${what} did not happen`);
}

test('dataset routes: every status reached here matches the spec', async () => {
  const b = srv.base;
  const json = (raw) => ({ raw, token, headers: { 'content-type': 'application/json' } });
  const text = (raw, t = token) => ({ raw, token: t, headers: { 'content-type': 'text/plain; charset=utf-8' } });
  const curator = await newEd25519Signer();
  const item = await signedItem(curator, { license: 'MIT' });
  await call(b, 'POST', '/v1/items', { body: item, token }, 201);
  const list = [item.content_hash, ...await Promise.all([1, 2, 3, 4].map(randomHash))];

  // create
  const body = { name: 'contract', version: '1.0', metadata: { description: 'the contract test', tags: ['a'] },
                 policy: { licenses: ['MIT', 'CC-BY-4.0'], require_logged: true, generative: false } };
  const d = (await call(b, 'POST', '/v1/datasets', { body, token }, 201)).body;
  assert.equal(d.status, 'open');
  assert.deepEqual(d.policy, body.policy);
  const created = await call(b, 'POST', '/v1/datasets', { body: { name: 'contract', version: '2' }, token }, 201);
  assert.equal(created.headers.get('location'), `/v1/datasets/${created.body.id}`);
  const doomed = created.body;
  const empty = (await call(b, 'POST', '/v1/datasets', { body: { name: 'empty', version: '1' }, token }, 201)).body;
  await call(b, 'POST', '/v1/datasets', { body }, 401, 'unauthorized');
  await call(b, 'POST', '/v1/datasets', { body, token: adminToken }, 403, 'forbidden');
  await call(b, 'POST', '/v1/datasets', json('{"name":'), 400, 'malformed-json');
  await call(b, 'POST', '/v1/datasets', text('{}'), 415, 'unsupported-media-type');
  await call(b, 'POST', '/v1/datasets', { body: { name: 'n' }, token }, 422, 'invalid-field');
  await call(b, 'POST', '/v1/datasets', { body: { ...body, policy: { licenses: ['MIT OR GPL'] } }, token }, 422, 'invalid-field');
  await call(b, 'POST', '/v1/datasets', { body: { ...body, metadata: { pad: 'x'.repeat(3000) } }, token }, 413, 'body-too-large');

  // list and get
  const page = await call(b, 'GET', '/v1/datasets?name=contract&limit=1', {}, 200);
  assert.deepEqual(page.body.datasets.map((x) => x.id), [d.id]);
  assert.ok(page.body.next_cursor);
  await call(b, 'GET', `/v1/datasets?name=contract&cursor=${page.body.next_cursor}`, {}, 200);
  await call(b, 'GET', '/v1/datasets', {}, 200);
  await call(b, 'GET', '/v1/datasets?limit=0', {}, 400, 'invalid-parameter');
  await call(b, 'GET', '/v1/datasets?cursor=zz', {}, 400, 'invalid-parameter');
  assert.deepEqual((await call(b, 'GET', `/v1/datasets/${d.id}`, {}, 200)).body, d);
  await call(b, 'GET', '/v1/datasets/999999', {}, 404, 'dataset-not-found');
  await call(b, 'GET', '/v1/datasets/x', {}, 400, 'invalid-parameter');
  await call(b, 'HEAD', `/v1/datasets/${d.id}`, {}, 200);

  // append, both media types
  const members = `/v1/datasets/${d.id}/members`;
  let r = await call(b, 'POST', members, { body: { content_hashes: [...list.slice(0, 3), list[1]] }, token }, 200);
  assert.deepEqual(r.body, { appended: 3, duplicates: 1, member_count: 3, members_root: membersRoot(list.slice(0, 3)) });
  r = await call(b, 'POST', members, text(`${list[3]}\r\n\n${list[0]}\n${list[4]}`), 200);
  assert.deepEqual(r.body, { appended: 2, duplicates: 1, member_count: 5, members_root: membersRoot(list) });
  await call(b, 'POST', members, { body: { content_hashes: [list[0]] } }, 401, 'unauthorized');
  await call(b, 'POST', members, { body: { content_hashes: [list[0]] }, token: adminToken }, 403, 'forbidden');
  await call(b, 'POST', members, { body: { content_hashes: [list[0]] }, token: otherToken }, 403, 'dataset-forbidden');
  await call(b, 'POST', members, text(`${list[0]}\n`, otherToken), 403, 'dataset-forbidden');
  await call(b, 'POST', '/v1/datasets/999999/members', { body: { content_hashes: [list[0]] }, token }, 404, 'dataset-not-found');
  await call(b, 'POST', '/v1/datasets/0/members', { body: { content_hashes: [list[0]] }, token }, 400, 'invalid-parameter');
  await call(b, 'POST', members, json('{"content_hashes": ['), 400, 'malformed-json');
  await call(b, 'POST', members, { raw: list[0], token, headers: { 'content-type': 'application/octet-stream' } }, 415, 'unsupported-media-type');
  await call(b, 'POST', members, { body: { content_hashes: [] }, token }, 422, 'invalid-field');
  assert.equal((await call(b, 'POST', members, text(`${list[0]}\nsha256:XYZ\n`), 422, 'invalid-field')).body.field, 'line 2');
  const many = await Promise.all(Array.from({ length: 30 }, randomHash));
  await call(b, 'POST', members, { body: { content_hashes: many }, token }, 413, 'body-too-large');
  // text/plain is not bounded by --max-body (2K here)
  r = await call(b, 'POST', `/v1/datasets/${empty.id}/members`, text(many.join('\n')), 200);
  assert.equal(r.body.appended, 30);
  await call(b, 'DELETE', `/v1/datasets/${empty.id}`, { token }, 204);
  const bare = (await call(b, 'POST', '/v1/datasets', { body: { name: 'bare', version: '1' }, token }, 201)).body;

  // members pages
  let m = await call(b, 'GET', `${members}?limit=2`, {}, 200);
  assert.deepEqual(m.body.members, [{ position: 0, content_hash: list[0] }, { position: 1, content_hash: list[1] }]);
  assert.equal(m.body.next_cursor, '1');
  m = await call(b, 'GET', `${members}?cursor=${m.body.next_cursor}`, {}, 200);
  assert.deepEqual(m.body.members.map((x) => x.position), [2, 3, 4]);
  assert.equal(m.body.next_cursor, null);
  await call(b, 'GET', `${members}?cursor=x`, {}, 400, 'invalid-parameter');
  await call(b, 'GET', `${members}?limit=10001`, {}, 400, 'invalid-parameter');
  await call(b, 'GET', '/v1/datasets/999999/members', {}, 404, 'dataset-not-found');

  // no receipt or proof while open; refused seals
  await call(b, 'GET', `/v1/datasets/${d.id}/receipt`, {}, 409, 'dataset-open');
  await call(b, 'GET', `/v1/datasets/${d.id}/proof?content_hash=${list[0]}`, {}, 409, 'dataset-open');
  const root = membersRoot(list);
  const seal = `/v1/datasets/${d.id}/seal`;
  const good = await sealBody(d, 5, root, curator);
  await call(b, 'POST', seal, { body: good }, 401, 'unauthorized');
  await call(b, 'POST', seal, { body: good, token: adminToken }, 403, 'forbidden');
  await call(b, 'POST', seal, { body: good, token: otherToken }, 403, 'dataset-forbidden');
  await call(b, 'POST', '/v1/datasets/999999/seal', { body: good, token }, 404, 'dataset-not-found');
  await call(b, 'POST', '/v1/datasets/x/seal', { body: good, token }, 400, 'invalid-parameter');
  await call(b, 'POST', seal, json('{"member_count": 5,'), 400, 'malformed-json');
  await call(b, 'POST', seal, text(JSON.stringify(good)), 415, 'unsupported-media-type');
  await call(b, 'POST', seal, { body: { ...good, members_root: undefined }, token }, 422, 'invalid-field');
  await call(b, 'POST', seal, { body: await sealBody(d, 4, root, curator), token }, 409, 'dataset-mismatch');
  await call(b, 'POST', seal, { body: await sealBody({ ...d, version: '9' }, 5, root, curator), token }, 422, 'signature-invalid');
  await call(b, 'POST', `/v1/datasets/${bare.id}/seal`, { body: await sealBody(bare, 0, '00'.repeat(32), curator), token }, 409, 'dataset-empty');
  await call(b, 'POST', seal, { body: { ...good, pad: 'x'.repeat(3000) }, token }, 413, 'body-too-large');

  // seal; then the dataset is final
  const sealed = (await call(b, 'POST', seal, { body: good, token }, 200)).body;
  assert.equal(sealed.status, 'sealed');
  assert.equal(sealed.signer.public_key, curator.publicKey);
  await call(b, 'POST', seal, { body: good, token }, 409, 'dataset-sealed');
  await call(b, 'POST', members, { body: { content_hashes: [await randomHash()] }, token }, 409, 'dataset-sealed');
  await call(b, 'DELETE', `/v1/datasets/${d.id}`, { token }, 409, 'dataset-sealed');
  const bySigner = await call(b, 'GET', `/v1/datasets?signer=${encodeURIComponent(curator.publicKey)}`, {}, 200);
  assert.deepEqual(bySigner.body.datasets.map((x) => x.id), [d.id]);

  // receipt and proof once logged (the first replies may be 202s), then anchored
  const receipt = `/v1/datasets/${d.id}/receipt`;
  const logged = await until(b, receipt, (x) => x.status === 200, 'logging');
  assert.equal(logged.body.record.type, 'provd.dataset.v1');
  assert.equal(logged.body.id, d.id);
  const proofPath = `/v1/datasets/${d.id}/proof?content_hash=${list[3]}`;
  const proof = await until(b, proofPath, (x) => x.status === 200, 'logging');
  assert.equal(proof.body.position, 3);
  await call(b, 'GET', `/v1/datasets/${d.id}/proof?content_hash=${await randomHash()}`, {}, 404, 'not-a-member');
  await call(b, 'GET', `/v1/datasets/${d.id}/proof`, {}, 400, 'invalid-parameter');
  await call(b, 'GET', `/v1/datasets/${d.id}/proof?content_hash=nope`, {}, 400, 'invalid-parameter');
  await call(b, 'GET', `/v1/datasets/999999/proof?content_hash=${list[0]}`, {}, 404, 'dataset-not-found');
  await call(b, 'GET', '/v1/datasets/999999/receipt', {}, 404, 'dataset-not-found');
  await call(b, 'GET', '/v1/datasets/x/receipt', {}, 400, 'invalid-parameter');
  await call(b, 'GET', `${receipt}?x=1`, {}, 400, 'invalid-parameter');
  assert.equal((await call(b, 'GET', `/v1/datasets/${d.id}`, {}, 200)).body.log_index, logged.body.log_index);
  // the audit, final once logged: one registered member (the item above) and four unregistered
  const audit = `/v1/datasets/${d.id}/audit`;
  const a = (await call(b, 'GET', `${audit}?limit=2`, {}, 200)).body;
  assert.equal(a.final, true);
  assert.equal(a.members, 5);
  assert.equal(a.failures.length, 2);
  assert.ok(a.next_cursor);
  await call(b, 'GET', `${audit}?cursor=${a.next_cursor}`, {}, 200);
  await call(b, 'GET', `/v1/datasets/${bare.id}/audit`, {}, 200);
  await call(b, 'GET', `${audit}?limit=0`, {}, 400, 'invalid-parameter');
  await call(b, 'GET', '/v1/datasets/999999/audit', {}, 404, 'dataset-not-found');
  const anchored = await until(b, receipt, (x) => x.body.status === 'anchored', 'anchoring');
  assert.ok(anchored.body.anchor);
  await until(b, proofPath, (x) => x.body.dataset.status === 'anchored', 'anchoring');

  // provenance lists the sealed dataset
  const prov = await call(b, 'GET', `/v1/provenance/${item.content_hash}`, {}, 200);
  assert.deepEqual(prov.body.datasets, [{ id: d.id, name: 'contract', version: '1.0', position: 0 }]);
  assert.equal(prov.body.datasets_truncated, false);
  const batch = await call(b, 'POST', '/v1/provenance/batch', { body: { content_hashes: [item.content_hash, list[2]] } }, 200);
  assert.deepEqual(batch.body.results.map((x) => x.datasets.map((u) => u.position)), [[0], [2]]);
  assert.equal(batch.body.missing, 1);

  // delete
  const gone = `/v1/datasets/${doomed.id}`;
  await call(b, 'DELETE', gone, {}, 401, 'unauthorized');
  await call(b, 'DELETE', gone, { token: adminToken }, 403, 'forbidden');
  await call(b, 'DELETE', gone, { token: otherToken }, 403, 'dataset-forbidden');
  await call(b, 'DELETE', '/v1/datasets/x', { token }, 400, 'invalid-parameter');
  await call(b, 'DELETE', gone, { token }, 204);
  await call(b, 'DELETE', gone, { token }, 404, 'dataset-not-found');
  await call(b, 'GET', gone, {}, 404, 'dataset-not-found');

  // methods and CORS
  await call(b, 'PUT', `/v1/datasets/${d.id}`, { token }, 405, 'method-not-allowed');
  await call(b, 'GET', seal, {}, 405, 'method-not-allowed');
  await call(b, 'DELETE', members, { token }, 405, 'method-not-allowed');
  const pre = await call(b, 'OPTIONS', gone, { headers: { origin: 'https://app.example.org',
    'access-control-request-method': 'DELETE' } }, 204);
  assert.equal(pre.headers.get('access-control-allow-methods'), 'GET, HEAD, DELETE, OPTIONS');
  await call(b, 'OPTIONS', members, { headers: { origin: 'https://evil.example',
    'access-control-request-method': 'POST' } }, 403, 'cors-origin-rejected');
});

test('dataset receipts and proofs are 202 while the record waits for a sequencer', async () => {
  // `serve` alone has no sequencer, so a sealed dataset waits for good.
  const dbUrl = freshDatabase();
  const t = createApiKey(dbUrl);
  const lone = await startProvd({ dbUrl });
  try {
    const curator = await newEd25519Signer();
    const list = await Promise.all([1, 2, 3].map(randomHash));
    const d = (await call(lone.base, 'POST', '/v1/datasets', { body: { name: 'waiting', version: '1' }, token: t }, 201)).body;
    await call(lone.base, 'POST', `/v1/datasets/${d.id}/members`, { body: { content_hashes: list }, token: t }, 200);
    const sealed = await call(lone.base, 'POST', `/v1/datasets/${d.id}/seal`,
      { body: await sealBody(d, 3, membersRoot(list), curator), token: t }, 200);
    assert.equal(sealed.body.log_index, null);
    const rc = await call(lone.base, 'GET', `/v1/datasets/${d.id}/receipt`, {}, 202);
    assert.equal(rc.body.status, 'sealed');
    assert.equal(rc.body.record.type, 'provd.dataset.v1');
    const pf = await call(lone.base, 'GET', `/v1/datasets/${d.id}/proof?content_hash=${list[1]}`, {}, 202);
    assert.equal(pf.body.position, 1);
    assert.deepEqual(pf.body.dataset, rc.body);
  } finally {
    await lone.stop();
  }
});

// A sealed dataset of hashes (created, filled and sealed with curator's signature) over b.
async function sealedDataset(b, t, name, hashes, curator) {
  const d = (await call(b, 'POST', '/v1/datasets', { body: { name, version: '1' }, token: t }, 201)).body;
  await call(b, 'POST', `/v1/datasets/${d.id}/members`, { body: { content_hashes: hashes }, token: t }, 200);
  const root = membersRoot(hashes);
  await call(b, 'POST', `/v1/datasets/${d.id}/seal`, { body: await sealBody(d, hashes.length, root, curator), token: t }, 200);
  return { ...d, root };
}

// model.digest over a file manifest: SHA-256 of the files' 32-byte digests in order.
const filesDigest = (files) => 'sha256:' + createHash('sha256')
  .update(Buffer.concat(files.map((f) => Buffer.from(f.digest.slice(7), 'hex')))).digest('hex');

// A POST /v1/models body for stmt ({model, datasets, metadata?}), signed by signer (ed25519) over
// the model statement, or over `over` when given (to get a signature that does not verify).
async function modelBody(stmt, signer, over = stmt) {
  const bytes = Buffer.from(canonicalize({ type: 'provd.model.v1', model: over.model,
    datasets: over.datasets, metadata: over.metadata ?? {} }), 'utf8');
  return { ...stmt, signature: { scheme: 'ed25519', public_key: signer.publicKey, value: await signer.sign(bytes) } };
}

test('model routes: every status reached here matches the spec', async () => {
  const b = srv.base;
  const json = (raw) => ({ raw, token, headers: { 'content-type': 'application/json' } });
  const curator = await newEd25519Signer();
  const trainer = await newEd25519Signer();
  const item = await signedItem(curator, { license: 'MIT' });
  await call(b, 'POST', '/v1/items', { body: item, token }, 201);
  const list = [item.content_hash, await randomHash(), await randomHash()];
  const d = await sealedDataset(b, token, 'trained-on', list, curator);
  const open = (await call(b, 'POST', '/v1/datasets', { body: { name: 'still-open', version: '1' }, token }, 201)).body;

  // register
  const files = [{ path: 'config.json', digest: await randomHash() },
                 { path: 'weights/model.safetensors', digest: await randomHash() }];
  const model = { name: 'contract-model', version: '1.0', digest: filesDigest(files), files };
  const stmt = { model, datasets: [{ id: d.id, members_root: d.root }], metadata: { framework: 'none' } };
  const body = await modelBody(stmt, trainer);
  const created = await call(b, 'POST', '/v1/models', { body, token }, 201);
  const m = created.body;
  assert.equal(created.headers.get('location'), `/v1/models/${m.id}`);
  assert.deepEqual(m.model, model);
  assert.equal(m.signer.public_key, trainer.publicKey);
  await call(b, 'POST', '/v1/models', { body, token }, 200);
  await call(b, 'POST', '/v1/models', { body }, 401, 'unauthorized');
  await call(b, 'POST', '/v1/models', { body, token: adminToken }, 403, 'forbidden');
  await call(b, 'POST', '/v1/models', json('{"model":'), 400, 'malformed-json');
  await call(b, 'POST', '/v1/models', { raw: JSON.stringify(body), token, headers: { 'content-type': 'text/plain' } }, 415, 'unsupported-media-type');
  await call(b, 'POST', '/v1/models', { body: { ...body, metadata: { pad: 'x'.repeat(3000) } }, token }, 413, 'body-too-large');
  const refused = async (s, field, problem = 'invalid-field') => {
    const r = await call(b, 'POST', '/v1/models', { body: await modelBody(s, trainer), token }, 422, problem);
    assert.equal(r.body.field, field, r.text);
  };
  await refused({ ...stmt, model: { ...model, name: '' } }, 'model.name');
  await refused({ ...stmt, model: { ...model, digest: item.content_hash } }, 'model.digest');
  await refused({ ...stmt, model: { ...model, files: [...files].reverse(), digest: filesDigest([...files].reverse()) } }, 'model.files[1].path');
  await refused({ ...stmt, datasets: [{ id: d.id, members_root: 'X' }] }, 'datasets[0].members_root');
  await refused({ ...stmt, datasets: [{ id: 999999, members_root: d.root }] }, 'datasets[0].id', 'model-dataset-invalid');
  await refused({ ...stmt, datasets: [{ id: d.id, members_root: d.root }, { id: open.id, members_root: d.root }] }, 'datasets[1].id', 'model-dataset-invalid');
  await refused({ ...stmt, datasets: [{ id: d.id, members_root: '0'.repeat(64) }] }, 'datasets[0].members_root', 'model-dataset-invalid');
  const forged = await modelBody(stmt, trainer, { ...stmt, metadata: { framework: 'other' } });
  await call(b, 'POST', '/v1/models', { body: forged, token }, 422, 'signature-invalid');

  // list and get
  const page = await call(b, 'GET', `/v1/models?digest=${files[1].digest}`, {}, 200);
  assert.deepEqual(page.body.models.map((x) => x.id), [m.id]);
  const other = await call(b, 'POST', '/v1/models', { body: await modelBody({ ...stmt, model: { name: 'contract-model', version: '2', digest: await randomHash() } }, trainer), token }, 201);
  assert.equal(other.body.model.files, undefined);
  const first = await call(b, 'GET', `/v1/models?name=contract-model&dataset=${d.id}&limit=1`, {}, 200);
  assert.deepEqual(first.body.models.map((x) => x.id), [m.id]);
  assert.ok(first.body.next_cursor);
  const next = await call(b, 'GET', `/v1/models?signer=${encodeURIComponent(trainer.publicKey)}&cursor=${first.body.next_cursor}`, {}, 200);
  assert.deepEqual(next.body.models.map((x) => x.id), [other.body.id]);
  assert.equal(next.body.next_cursor, null);
  await call(b, 'GET', '/v1/models', {}, 200);
  for (const q of ['limit=0', 'digest=x', 'dataset=x', 'cursor=zz', 'name=', 'x=1']) {
    await call(b, 'GET', `/v1/models?${q}`, {}, 400, 'invalid-parameter');
  }
  await call(b, 'GET', `/v1/models/${m.id}`, {}, 200);
  await call(b, 'HEAD', `/v1/models/${m.id}`, {}, 200);
  await call(b, 'GET', '/v1/models/999999', {}, 404, 'model-not-found');
  await call(b, 'GET', '/v1/models/x', {}, 400, 'invalid-parameter');

  // receipt, lineage, proof and attestation once logged (the first replies may be 202s)
  const receipt = await until(b, `/v1/models/${m.id}/receipt`, (x) => x.status === 200, 'logging');
  assert.equal(receipt.body.record.type, 'provd.model.v1');
  assert.equal(receipt.body.id, m.id);
  await call(b, 'GET', '/v1/models/999999/receipt', {}, 404, 'model-not-found');
  await call(b, 'GET', '/v1/models/x/receipt', {}, 400, 'invalid-parameter');
  await call(b, 'GET', `/v1/models/${m.id}/receipt?x=1`, {}, 400, 'invalid-parameter');
  const lineage = (await call(b, 'GET', `/v1/models/${m.id}/lineage`, {}, 200)).body;
  assert.deepEqual(lineage.datasets.map((x) => [x.id, x.members_root, x.audit.members]), [[d.id, d.root, 3]]);
  assert.equal(lineage.datasets[0].curator.public_key, curator.publicKey);
  assert.equal(lineage.totals.members, 3);
  await call(b, 'GET', '/v1/models/999999/lineage', {}, 404, 'model-not-found');
  await call(b, 'GET', '/v1/models/0/lineage', {}, 400, 'invalid-parameter');
  const proofPath = `/v1/models/${m.id}/proof?content_hash=${item.content_hash}`;
  const proof = (await until(b, proofPath, (x) => x.status === 200, 'logging')).body;
  assert.equal(proof.dataset_id, d.id);
  assert.equal(proof.membership.position, 0);
  assert.deepEqual(proof.registrations.map((x) => x.record.content_hash), [item.content_hash]);
  const unregistered = await call(b, 'GET', `/v1/models/${m.id}/proof?content_hash=${list[2]}`, {}, 200);
  assert.deepEqual(unregistered.body.registrations, []);
  await call(b, 'GET', `/v1/models/${m.id}/proof?content_hash=${await randomHash()}`, {}, 404, 'not-a-member');
  await call(b, 'GET', `/v1/models/${m.id}/proof`, {}, 400, 'invalid-parameter');
  await call(b, 'GET', `/v1/models/${m.id}/proof?content_hash=nope`, {}, 400, 'invalid-parameter');
  await call(b, 'GET', `/v1/models/999999/proof?content_hash=${item.content_hash}`, {}, 404, 'model-not-found');
  const att = (await until(b, `/v1/models/${m.id}/attestation`, (x) => x.status === 200, 'a checkpoint')).body;
  await call(b, 'GET', '/v1/models/999999/attestation', {}, 404, 'model-not-found');
  await call(b, 'GET', '/v1/models/x/attestation', {}, 400, 'invalid-parameter');
  // the payload is the documented in-toto statement, signed with the log's key over the PAE
  const payload = Buffer.from(att.payload, 'base64');
  const st = JSON.parse(payload.toString('utf8'));
  const errors = [];
  validate(spec.components.schemas.ModelLineageStatement, st, 'statement', errors);
  assert.deepEqual(errors, []);
  assert.deepEqual(st.subject, [{ name: model.name, digest: { sha256: model.digest.slice(7) } }]);
  assert.equal(st.predicate.model.log_index, receipt.body.log_index);
  const vkey = parseVkey((await call(b, 'GET', '/v1/log/key', {}, 200)).text);
  assert.equal(att.signatures[0].keyid, vkey.id.toString('hex'));
  const type = Buffer.from(att.payloadType);
  const pae = Buffer.concat([Buffer.from(`DSSEv1 ${type.length} `), type, Buffer.from(` ${payload.length} `), payload]);
  const key = await webcrypto.subtle.importKey('raw', vkey.pub, { name: 'Ed25519' }, false, ['verify']);
  assert.ok(await webcrypto.subtle.verify({ name: 'Ed25519' }, key, Buffer.from(att.signatures[0].sig, 'base64'), pae));

  // provenance lists the models trained on the content
  const use = { model_id: m.id, name: model.name, version: model.version, digest: model.digest, dataset_ids: [d.id] };
  const prov = await call(b, 'GET', `/v1/provenance/${item.content_hash}`, {}, 200);
  assert.deepEqual(prov.body.used_in, [use, { ...use, model_id: other.body.id, version: '2', digest: other.body.model.digest }]);
  assert.equal(prov.body.used_in_truncated, false);
  const batch = await call(b, 'POST', '/v1/provenance/batch', { body: { content_hashes: [list[1], await randomHash()] } }, 200);
  assert.deepEqual(batch.body.results.map((x) => x.used_in.length), [2, 0]);

  // methods and CORS
  await call(b, 'DELETE', `/v1/models/${m.id}`, { token }, 405, 'method-not-allowed');
  await call(b, 'POST', `/v1/models/${m.id}/attestation`, {}, 405, 'method-not-allowed');
  const pre = await call(b, 'OPTIONS', '/v1/models', { headers: { origin: 'https://app.example.org',
    'access-control-request-method': 'POST' } }, 204);
  assert.equal(pre.headers.get('access-control-allow-methods'), 'GET, HEAD, POST, OPTIONS');
  await call(b, 'OPTIONS', `/v1/models/${m.id}/proof`, { headers: { origin: 'https://evil.example',
    'access-control-request-method': 'GET' } }, 403, 'cors-origin-rejected');
});

test('model receipts, proofs and attestations wait for a sequencer; no log key, no attestation', async () => {
  // `serve` alone has no sequencer, so the model record waits for good; one server signs
  // attestations (--log-key-file), the other cannot.
  const dbUrl = freshDatabase();
  const t = createApiKey(dbUrl);
  const [keyless, keyed] = await Promise.all([startProvd({ dbUrl }),
    startProvd({ dbUrl, args: ['--log-key-file', createLogKey().keyFile] })]);
  try {
    const b = keyless.base;
    const curator = await newEd25519Signer();
    const list = await Promise.all([1, 2].map(randomHash));
    const d = await sealedDataset(b, t, 'waiting', list, curator);
    const stmt = { model: { name: 'waiting', version: '1', digest: await randomHash() },
                   datasets: [{ id: d.id, members_root: d.root }] };
    const m = (await call(b, 'POST', '/v1/models', { body: await modelBody(stmt, curator), token: t }, 201)).body;
    assert.equal(m.status, 'registered');
    assert.deepEqual(m.metadata, {});
    const rc = await call(b, 'GET', `/v1/models/${m.id}/receipt`, {}, 202);
    assert.equal(rc.body.status, 'registered');
    const pf = await call(b, 'GET', `/v1/models/${m.id}/proof?content_hash=${list[1]}`, {}, 202);
    assert.equal(pf.body.membership.position, 1);
    assert.deepEqual(pf.body.model, rc.body);
    assert.deepEqual(pf.body.registrations, []);
    await call(b, 'GET', `/v1/models/${m.id}/attestation`, {}, 503, 'attestation-unavailable');
    await call(b, 'GET', '/v1/models/999999/attestation', {}, 503, 'attestation-unavailable');
    const pending = await call(keyed.base, 'GET', `/v1/models/${m.id}/attestation`, {}, 202);
    assert.deepEqual(pending.body, { model_id: m.id, status: 'registered' });
  } finally {
    await Promise.all([keyless.stop(), keyed.stop()]);
  }
});

test('GET /v1/events: the stream, its HEAD and its 400 match the spec', async () => {
  for (const [method, pathname] of [['HEAD', '/v1/events'], ['GET', '/v1/events?types=bogus'],
                                    ['GET', '/v1/events?last_event_id=x']]) {
    conforms(method, pathname, await http(srv.base, method, pathname), {});
  }
  // the stream never ends by itself: check its head and first message, then hang up
  const ac = new AbortController();
  const res = await fetch(srv.base + '/v1/events', { signal: ac.signal });
  const doc = spec.paths['/v1/events'].get.responses['200'];
  assert.equal(res.status, 200);
  assert.ok(doc.content[res.headers.get('content-type')], 'documented content type');
  assert.equal(res.headers.get('cache-control'), 'no-store');
  const first = new TextDecoder().decode((await res.body.getReader().read()).value);
  assert.match(first, /^retry: \d+\n\n/);
  ac.abort();
  exercised.add('GET /v1/events');
});

test('GET /v1/stats, the explorer page, its assets and config.json match the spec', async () => {
  for (const [method, pathname] of [['GET', '/v1/stats'], ['GET', '/v1/stats?bucket=day&buckets=7'],
    ['HEAD', '/v1/stats'], ['GET', '/v1/stats?bucket=week'], ['GET', '/v1/stats?buckets=0'],
    ['GET', '/explorer/config.json'], ['HEAD', '/explorer/config.json'],
    ['GET', '/explorer/nope.000000000000.js'], ['GET', '/explorer/index.html']]) {
    conforms(method, pathname, await http(srv.base, method, pathname), {});
  }
  const page = await http(srv.base, 'GET', '/');
  conforms('GET', '/', page, {});
  const etag = page.headers.get('etag');
  const again = await http(srv.base, 'GET', '/', { headers: { 'if-none-match': etag } });
  assert.equal(again.status, 304);
  conforms('GET', '/', again, {});
  const assets = [...page.text.matchAll(/\/explorer\/([A-Za-z0-9_.-]+\.(?:js|css))/g)].map((m) => m[1]);
  assert.ok(assets.some((a) => a.endsWith('.js')) && assets.some((a) => a.endsWith('.css')), 'the page links assets');
  for (const a of assets) conforms('GET', `/explorer/${a}`, await http(srv.base, 'GET', `/explorer/${a}`), {});
});

test('every documented operation was called', async () => {
  for (const p of Object.keys(spec.paths)) {
    const concrete = p.replace('{content_hash}', 'sha256:' + '0'.repeat(64)).replace(/\{[^}]+\}/g, '1');
    await call(srv.base, 'OPTIONS', concrete, {}, 204);
  }
  for (const [p, ops] of Object.entries(spec.paths)) {
    for (const m of Object.keys(ops).filter((k) => k !== 'parameters')) {
      assert.ok(exercised.has(`${m.toUpperCase()} ${p}`), `${m.toUpperCase()} ${p} was called`);
    }
  }
});
