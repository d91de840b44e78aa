// SPDX-License-Identifier: Apache-2.0
// deploy/examples/*.mjs against a real provd, each copied alone into an empty directory first
// (so a relative import of the repository would break it): register.mjs with and without a
// file, its key kept and reused, and both scripts' answers to bad arguments (a usage line and
// exit 2 or a one-line reason and exit 1, never a stack trace). crawl.mjs's batches are in
// batch.test.mjs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startProvd, createApiKey, http, tempDir } from './lib/harness.mjs';

const examples = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../deploy/examples');
const alone = tempDir('provd-examples-');
for (const f of ['register.mjs', 'crawl.mjs']) fs.copyFileSync(path.join(examples, f), path.join(alone, f));

function run(script, args, cwd = tempDir('provd-example-cwd-')) {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [path.join(alone, script), ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('close', (code) => resolve({ code, out, err, cwd }));
  });
}
const noStack = (r) => assert.doesNotMatch(r.err, /^\s+at /m, `no stack trace:\n${r.err}`);

let srv, token;
before(async () => {
  srv = await startProvd();
  token = createApiKey(srv.dbUrl);
});
after(() => srv.stop());

test('register.mjs registers a file with its own metadata and keeps its key', async () => {
  const dir = tempDir('provd-example-file-');
  const file = path.join(dir, 'cat.jpg');
  fs.writeFileSync(file, 'not really a cat');
  fs.utimesSync(file, new Date('2026-01-02T03:04:05Z'), new Date('2026-01-02T03:04:05Z'));
  const keyFile = path.join(dir, 'me.jwk');
  const args = [srv.base, token, file, '--source-url', 'https://example.org/cat.jpg', '--license', 'CC-BY-4.0',
    '--author', 'Ada', '--key-file', keyFile];
  const first = await run('register.mjs', args);
  assert.equal(first.code, 0, first.err + first.out);
  assert.match(first.out, /^POST \/v1\/items -> 201$/m);
  assert.equal(fs.statSync(keyFile).mode & 0o777, 0o600, 'the key file is private');
  const hash = 'sha256:' + createHash('sha256').update('not really a cat').digest('hex');
  const prov = await http(srv.base, 'GET', `/v1/provenance/${hash}`);
  assert.equal(prov.status, 200);
  assert.deepEqual(prov.body.registrations[0].metadata, { source_url: 'https://example.org/cat.jpg',
    license: 'CC-BY-4.0', author: 'Ada', size: 16, modified_at: '2026-01-02T03:04:05Z' });
  const signer = first.out.match(/^signer (\S+) \(new key written to/m)[1];
  assert.equal(prov.body.registrations[0].signer.public_key, signer);
  const again = await run('register.mjs', args);
  assert.equal(again.code, 0, again.err);
  assert.match(again.out, /^POST \/v1\/items -> 200$/m, 'the same file and key is the same statement');
  assert.match(again.out, new RegExp(`^signer ${signer} \\(key from `, 'm'));
});

test('register.mjs without a file registers the demo item; its key lands in provd-signer.jwk', async () => {
  const r = await run('register.mjs', [srv.base, token]);
  assert.equal(r.code, 0, r.err + r.out);
  assert.match(r.out, /^POST \/v1\/items -> 201$/m);
  assert.match(r.out, /^GET \/v1\/provenance\/sha256:[0-9a-f]{64} -> 200$/m);
  assert.ok(fs.existsSync(path.join(r.cwd, 'provd-signer.jwk')));
});

test('register.mjs: bad arguments get a usage line or a reason, never a stack trace', async () => {
  const usage = [[], [srv.base], [srv.base, token, 'a', 'b'], ['not-a-url', token], [srv.base, token, '--frobnicate']];
  for (const args of usage) {
    const r = await run('register.mjs', args);
    assert.equal(r.code, 2, `${args}: ${r.err}`);
    assert.match(r.err, /^usage: node register\.mjs BASE_URL API_TOKEN/m);
    noStack(r);
  }
  const missing = await run('register.mjs', [srv.base, token, '/nonexistent/file']);
  assert.equal(missing.code, 1);
  assert.match(missing.err, /^register\.mjs: cannot read \/nonexistent\/file: ENOENT/m);
  noStack(missing);
  const refused = await run('register.mjs', [srv.base, 'provd_wrong']);
  assert.equal(refused.code, 1, 'a refusal exits 1');
  assert.match(refused.out, /^POST \/v1\/items -> 401$/m);
  const port = await new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
  });
  const down = await run('register.mjs', [`http://127.0.0.1:${port}`, token]);
  assert.equal(down.code, 1);
  assert.match(down.err, /^register\.mjs: cannot reach http:\/\/127\.0\.0\.1:\d+\/v1\/items: .*ECONNREFUSED/m);
  noStack(down);
  assert.equal((await run('register.mjs', ['--help'])).code, 0);
});

test('crawl.mjs: works copied alone; bad arguments get a usage line or a reason', async () => {
  const dir = tempDir('provd-example-crawl-');
  fs.writeFileSync(path.join(dir, 'a.txt'), 'a');
  const ok = await run('crawl.mjs', [srv.base, token, dir, path.join(tempDir('provd-example-key-'), 'k.jwk')]);
  assert.equal(ok.code, 0, ok.err + ok.out);
  assert.match(ok.out, /^batch at 0: 1 created, 0 existing, 0 refused$/m);
  for (const args of [[srv.base, token, dir], ['nope', token, dir, 'k.jwk'], [srv.base, token, '/nonexistent', 'k.jwk']]) {
    const r = await run('crawl.mjs', args);
    assert.equal(r.code, 2, `${args}: ${r.err}`);
    assert.match(r.err, /^usage: node crawl\.mjs BASE_URL/m);
    noStack(r);
  }
  const badKey = path.join(dir, '..', path.basename(dir) + '-bad.jwk');
  fs.writeFileSync(badKey, 'not json');
  const r = await run('crawl.mjs', [srv.base, token, dir, badKey]);
  assert.equal(r.code, 1);
  assert.match(r.err, /^crawl\.mjs: /m);
  noStack(r);
  fs.rmSync(badKey);
});
