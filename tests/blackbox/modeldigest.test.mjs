// SPDX-License-Identifier: Apache-2.0
// provd model digest: the OpenSSF model signing digest of local files, checked against the
// independent JavaScript oracle (lib/modeldigest.mjs). Needs no database, so it does not go
// through lib/harness.mjs (which insists on PROVD_DATABASE_URL); PROVD_BIN picks the binary as
// there (default build/provd).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { modelDigest } from './lib/modeldigest.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const provdBin = process.env.PROVD_BIN || path.join(root, 'build/provd');

const tempDirs = [];
process.on('exit', () => {
  for (const d of tempDirs) fs.rmSync(d, { recursive: true, force: true });
});
function tempDir() {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'provd-model-'));
  tempDirs.push(d);
  return d;
}

function digestCmd(args, opts = {}) {
  const r = spawnSync(provdBin, ['model', 'digest', ...args], {
    encoding: 'utf8', cwd: opts.cwd, env: { ...process.env, ...(opts.env || {}) },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

// Runs provd model digest --files and parses its one line.
function manifest(args, opts) {
  const r = digestCmd(['--files', ...args], opts);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^\{.*\}\n$/, 'one JSON object on one line');
  return JSON.parse(r.stdout);
}

const sha256 = (b) => createHash('sha256').update(b).digest();

function write(file, data) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, data);
}

// A model that exercises the rule: nested directories, names whose plain string order differs
// from the tool's (a/b, a-c, a.b), an empty file, dotfiles, the top-level git paths (ignored,
// with a symlink inside .git that must not even be looked at), nested git paths (counted), an
// empty directory and a file over 1 MiB (several read blocks).
function buildModel() {
  const m = path.join(tempDir(), 'my-model');
  write(path.join(m, 'a/b'), 'file a/b\n');
  write(path.join(m, 'a/b2/deep/x.bin'), Buffer.from([0, 1, 2, 255]));
  write(path.join(m, 'a-c'), 'file a-c\n');
  write(path.join(m, 'a.b'), 'file a.b\n');
  write(path.join(m, 'ab'), 'file ab\n');
  write(path.join(m, 'empty.bin'), '');
  write(path.join(m, '.hidden'), 'a dotfile\n');
  write(path.join(m, '.gitignored-not'), 'only whole components are ignored\n');
  write(path.join(m, '.git/HEAD'), 'ref: refs/heads/main\n');
  write(path.join(m, '.git/objects/00/abc'), 'x');
  fs.symlinkSync('HEAD', path.join(m, '.git/link'));
  write(path.join(m, '.gitignore'), '*.tmp\n');
  write(path.join(m, '.gitattributes'), '*.bin binary\n');
  write(path.join(m, '.github/workflows/ci.yml'), 'on: push\n');
  write(path.join(m, 'sub/.gitignore'), 'nested: counted\n');
  write(path.join(m, 'sub/.git/HEAD'), 'nested: counted\n');
  write(path.join(m, 'sub/weights.safetensors'), Buffer.alloc(1536 * 1024 + 7, 0x5a));
  fs.mkdirSync(path.join(m, 'emptydir/nested'), { recursive: true });
  write(path.join(m, 'ünïcode/naïve.txt'), 'UTF-8 names\n');
  return m;
}

test('a model directory: the digest and the manifest equal the oracle\'s', async () => {
  const m = buildModel();
  const want = await modelDigest(m);
  const r = digestCmd([m]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, `${want.digest}\n`);
  assert.equal(r.stderr, '', 'no progress bar when stderr is not a terminal');

  const got = manifest([m]);
  assert.deepEqual(Object.keys(got), ['name', 'digest', 'files']);
  assert.deepEqual(got, { name: want.name, digest: want.digest, files: want.files });
  assert.equal(got.name, 'my-model');

  const paths = got.files.map((f) => f.path);
  assert.deepEqual(paths.slice(0, 2), ['.gitignored-not', '.hidden']);
  const at = (p) => paths.indexOf(p);
  assert.ok(at('a/b') < at('a/b2/deep/x.bin') && at('a/b2/deep/x.bin') < at('a-c'));
  assert.ok(at('a-c') < at('a.b') && at('a.b') < at('ab'), 'pathlib order, not string order');
  for (const p of ['sub/.gitignore', 'sub/.git/HEAD', 'empty.bin', 'ünïcode/naïve.txt'])
    assert.ok(paths.includes(p), p);
  assert.ok(!paths.some((p) => /^\.git(\/|$|attributes|ignore$|hub)/.test(p)), paths.join());
  assert.equal(got.files[at('empty.bin')].digest, `sha256:${sha256('').toString('hex')}`);

  // The digest is SHA-256 over the raw file digests in that order; the plain string order
  // would give another one.
  const raw = (files) => sha256(Buffer.concat(files.map((f) => Buffer.from(f.digest.slice(7), 'hex'))));
  assert.equal(got.digest, `sha256:${raw(got.files).toString('hex')}`);
  const byString = [...got.files].sort((x, y) => (x.path < y.path ? -1 : 1));
  assert.notEqual(got.digest, `sha256:${raw(byString).toString('hex')}`);
});

test('the same model named as DIR/, ./DIR and . gives the same digest and name', async () => {
  const m = buildModel();
  const want = await modelDigest(m);
  for (const [arg, cwd] of [[`${m}/`, undefined], ['./my-model', path.dirname(m)], ['.', m]]) {
    const got = manifest([arg], { cwd });
    assert.equal(got.digest, want.digest, arg);
    assert.equal(got.name, 'my-model', arg);
  }
  const env = manifestFromEnv(m);
  assert.equal(env.digest, want.digest);
});

function manifestFromEnv(m) {
  const r = digestCmd([m], { env: { PROVD_MODEL_FILES: 'true' } });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

test('a single file is a model with one resource "."', async () => {
  const dir = tempDir();
  const f = path.join(dir, 'model.gguf');
  const data = Buffer.alloc(2 * 1024 * 1024 + 3, 7);
  fs.writeFileSync(f, data);
  const want = await modelDigest(f);
  const r = digestCmd([f]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, `${want.digest}\n`);
  assert.equal(want.digest, `sha256:${sha256(sha256(data)).toString('hex')}`);
  assert.deepEqual(manifest([f]), {
    name: 'model.gguf', digest: want.digest,
    files: [{ path: '.', digest: `sha256:${sha256(data).toString('hex')}` }],
  });
  // The upstream golden (serialize_by_file/TestSerializer/sample_model_file, TestPayload).
  const g = path.join(dir, 'file');
  fs.writeFileSync(g, 'This is a simple model');
  assert.equal(digestCmd([g]).stdout,
    'sha256:002d162f867c5eee944e5080d25829b6625be0e3f081f6fbafc7dd655ca2e178\n');
  // A file named .gitignore given as the model is hashed: nothing is ignored in a file model.
  const gi = path.join(dir, '.gitignore');
  fs.writeFileSync(gi, 'x');
  assert.equal(digestCmd([gi]).stdout, `${(await modelDigest(gi)).digest}\n`);
});

// Runs the command expecting failure with status and a message matching re.
function expectError(args, status, re) {
  const r = digestCmd(args);
  assert.equal(r.status, status, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
  assert.equal(r.stdout, '', 'nothing on stdout');
  assert.match(r.stderr, re);
  return r;
}

test('symlinks and special files in a model are errors that name them', async () => {
  const m = buildModel();
  fs.symlinkSync('../a-c', path.join(m, 'sub/link-to-a-c'));
  expectError([m], 1, /sub\/link-to-a-c: is a symbolic link/);
  await assert.rejects(modelDigest(m), /symlink/);
  fs.unlinkSync(path.join(m, 'sub/link-to-a-c'));

  fs.symlinkSync(m, path.join(path.dirname(m), 'alias'));
  expectError([path.join(path.dirname(m), 'alias')], 1, /alias: is a symbolic link/);

  const fifo = spawnSync('mkfifo', [path.join(m, 'a/pipe')]);
  assert.equal(fifo.status, 0, 'mkfifo');
  expectError([m], 1, /a\/pipe: is neither a regular file nor a directory/);
  expectError(['--files', m], 1, /a\/pipe/);
});

test('a model without files, a missing path and a name that is not UTF-8 are errors', async () => {
  const empty = tempDir();
  expectError([empty], 1, /has no files/);
  fs.mkdirSync(path.join(empty, 'd/e'), { recursive: true });
  write(path.join(empty, '.git/HEAD'), 'x');
  write(path.join(empty, '.gitignore'), 'x');
  expectError([empty], 1, /has no files/);
  await assert.rejects(modelDigest(empty), /no regular files/);

  expectError([path.join(empty, 'nope')], 1, /nope: No such file or directory/);

  const bad = tempDir();
  fs.writeFileSync(Buffer.concat([Buffer.from(`${bad}/bad-`), Buffer.from([0xff, 0xfe])]), 'x');
  expectError([bad], 1, /not UTF-8/);
  await assert.rejects(modelDigest(bad), /UTF-8/);
});

// As root (tests/run's CI) permissions do not stop reads: drop to nobody with setpriv if nobody
// can run the binary there, else skip.
const nobody = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'];
const asUser = process.getuid?.() !== 0 ? []
  : spawnSync(nobody[0], [...nobody.slice(1), provdBin, '--version']).status === 0 ? nobody : null;

test('an unreadable file or directory is an error that names it', { skip: !asUser && 'root, no setpriv' }, () => {
  const m = tempDir();
  fs.chmodSync(m, 0o755);
  write(path.join(m, 'ok'), 'x');
  write(path.join(m, 'secret'), 'y');
  fs.chmodSync(path.join(m, 'secret'), 0);
  const run = () => {
    const [cmd, ...pre] = [...asUser, provdBin];
    return spawnSync(cmd, [...pre, 'model', 'digest', m], { encoding: 'utf8' });
  };
  let r = run();
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /secret: Permission denied/);
  fs.chmodSync(path.join(m, 'secret'), 0o644);
  fs.mkdirSync(path.join(m, 'locked'), { mode: 0 });
  r = run();
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /locked: Permission denied/);
  assert.equal(r.stdout, '');
});

test('a read error is an error that names the file', { skip: !fs.existsSync('/proc/self/mem') && 'no /proc' }, () => {
  // /proc/self/mem is a regular file that opens but fails to read at offset 0 (EIO).
  expectError(['/proc/self/mem'], 1, /\/proc\/self\/mem: Input\/output error/);
});

test('usage errors exit 2; --help and provd --help show the command', () => {
  for (const args of [[], ['a', 'b']]) {
    const r = digestCmd(args);
    assert.equal(r.status, 2, args.join(' '));
    assert.match(r.stderr, /usage: provd model digest PATH/);
  }
  const run = (args) => spawnSync(provdBin, args, { encoding: 'utf8' });
  for (const args of [['model'], ['model', 'frobnicate', 'x'], ['model', 'digest', '--bogus', '.']]) {
    const r = run(args);
    assert.equal(r.status, 2, args.join(' '));
    assert.match(r.stderr, /usage: provd model digest/);
  }
  const help = run(['model', '--help']);
  assert.equal(help.status, 0);
  assert.match(help.stdout, /--files/);
  assert.match(help.stdout, /PROVD_MODEL_FILES/);
  assert.match(run(['--help']).stdout, /\bmodel\b/);
});
