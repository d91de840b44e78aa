// SPDX-License-Identifier: Apache-2.0
// deploy/examples/register_dir.py (Python 3 + python3-cryptography) against a real provd: a
// directory registered in batches, every file's item stored with the script's Ed25519 key and
// metadata (numbers and strings that only verify when its JCS is RFC 8785's), a second run all
// existing, its --jcs output equal to the JavaScript canonical form, and bad arguments.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startProvd, createApiKey, http, tempDir } from './lib/harness.mjs';
import { canonicalize } from './lib/jcs.mjs';

const script = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../deploy/examples/register_dir.py');
const hasPython = spawnSync('python3', ['-c', 'import cryptography'], { encoding: 'utf8' }).status === 0;
const skip = !hasPython && !process.env.CI ? 'no python3 with python3-cryptography' : false;
const py = (args, opts = {}) => spawnSync('python3', [script, ...args], { encoding: 'utf8', timeout: 120000, ...opts });

let srv, token;
before(async () => {
  if (skip) return;
  srv = await startProvd();
  token = createApiKey(srv.dbUrl);
});
after(() => srv && srv.stop());

// Values whose canonical form differs from a naive serialisation.
const tricky = { score: 0.1, big: 1e21, tiny: 1e-7, exact: 150000000000000000000, neg: -2.5e-9, huge: 123456789012345678901234,
  list: [1, 2.5, 100, true, null], text: 'é\u2028\u0001"\\/\u007f😀 <tab>\t', nested: { b: 1, a: 2, '｡': 3, '😀': 4, é: 5, '': 0 } };

test('--jcs prints the RFC 8785 form, as JavaScript does', { skip }, () => {
  const cases = [tricky, 5e-324, 1.7976931348623157e308, 0.000001, 1e-6 / 10, -0, [], {}, 'x\ud800y', 9007199254740993];
  for (const v of cases) {
    const json = JSON.stringify(v);
    const r = py(['--jcs'], { input: json });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), canonicalize(JSON.parse(json)), json);
  }
});

test('registers a directory in batches; a second run finds every file existing', { skip }, () => {
  const dir = tempDir('provd-pydir-');
  const files = {};
  for (let i = 0; i < 7; i++) files[`f${i}.txt`] = `file ${i}`;
  files['sub dir/naïve "quoted".bin'] = 'nested';
  files['sub dir/empty'] = '';
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
    fs.utimesSync(path.join(dir, rel), new Date('2026-01-02T03:04:05Z'), new Date('2026-01-02T03:04:05Z'));
  }
  const work = tempDir('provd-pydir-work-');
  fs.writeFileSync(path.join(work, 'meta.json'), JSON.stringify({ crawl: 'test', ...tricky }));
  const args = [srv.base, token, dir, '--batch', '4', '--source-url-prefix', 'https://example.org/data/',
    '--metadata-file', path.join(work, 'meta.json'), '--key-file', path.join(work, 'k.pem')];
  const first = py(args, { cwd: work });
  assert.equal(first.status, 0, first.stderr + first.stdout);
  assert.equal(first.stdout.match(/^batch of \d+:/mg).length, 3, first.stdout);
  assert.match(first.stdout, /^done: 9 created, 0 existing, 0 failed$/m);
  assert.equal(fs.statSync(path.join(work, 'k.pem')).mode & 0o777, 0o600);
  const signer = first.stdout.match(/^signer (\S+)$/m)[1];
  return (async () => {
    for (const [rel, text] of Object.entries(files)) {
      const hash = 'sha256:' + createHash('sha256').update(text).digest('hex');
      const r = await http(srv.base, 'GET', `/v1/provenance/${hash}`);
      assert.equal(r.status, 200, rel);
      const reg = r.body.registrations.find((x) => x.metadata.path === rel);
      assert.ok(reg, rel);
      assert.equal(reg.signer.public_key, signer);
      assert.deepEqual(reg.metadata, { crawl: 'test', ...tricky, path: rel, size: Buffer.byteLength(text),
        modified_at: '2026-01-02T03:04:05Z', source_url: 'https://example.org/data/' + encodeURIComponent(rel).replace(/%2F/g, '/') });
    }
    const again = py(args, { cwd: work });
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stdout, /^done: 0 created, 9 existing, 0 failed$/m);
  })();
});

test('bad arguments: usage and exit 2; an unreachable server or a bad token: one line and exit 1', { skip }, () => {
  for (const args of [[], [srv.base], ['not-a-url', token, '.'], [srv.base, token, '.', '--batch', '0']]) {
    const r = py(args);
    assert.equal(r.status, 2, `${args}: ${r.stderr}`);
    assert.match(r.stderr, /^usage: register_dir\.py/m);
  }
  const dir = tempDir('provd-pydir-bad-');
  fs.writeFileSync(path.join(dir, 'a'), 'a');
  const work = tempDir('provd-pydir-badwork-');
  const bad = py([srv.base, 'provd_nope', dir], { cwd: work });
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /^register_dir\.py: POST \/v1\/items\/batch -> 401/m);
  assert.doesNotMatch(bad.stderr, /Traceback/);
  const down = py(['http://127.0.0.1:9', token, dir], { cwd: work });
  assert.equal(down.status, 1);
  assert.doesNotMatch(down.stderr, /Traceback/);
});
