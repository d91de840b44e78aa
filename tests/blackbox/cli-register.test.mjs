// SPDX-License-Identifier: Apache-2.0
// provd keygen, provd register (batches, metadata, resumable state, retries) and provd lookup:
// the command-line client of the registration API, against the real server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {
  runProvd, startProvd, createApiKey, createLogKey, tempDir, http, sqlRows, provdBin,
} from './lib/harness.mjs';

const PREFIX = 'https://data.example.org/corpus/';
let srv, token, logKey, work, keyFile, publicKey;

const sha = (data) => 'sha256:' + createHash('sha256').update(data).digest('hex');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// A directory of n small files in nested folders (names with a space, to check URL encoding).
function makeTree(dir, n, tag) {
  for (let i = 0; i < n; i++) {
    const sub = path.join(dir, `part ${i % 7}`);
    fs.mkdirSync(sub, { recursive: true });
    fs.writeFileSync(path.join(sub, `f${String(i).padStart(5, '0')}.txt`), `${tag} file ${i}\n`);
  }
  fs.symlinkSync('/etc/passwd', path.join(dir, 'link-not-followed'));
  return dir;
}

const register = (args, env = {}) => runProvd(['register', srv.base, ...args],
  { PROVD_TOKEN: token, PROVD_SIGNING_KEY_FILE: keyFile, ...env });

function summaryOf(stdout) {
  const m = /(\d+) files: (\d+) created, (\d+) existing, (\d+) skipped .*?, (\d+) failed/.exec(stdout);
  assert.ok(m, 'a summary line in:\n' + stdout.slice(-2000));
  const [files, created, existing, skipped, failed] = m.slice(1).map(Number);
  return { files, created, existing, skipped, failed };
}

const itemCount = () => Number(sqlRows(srv.dbUrl, 'SELECT count(*) FROM items')[0]);

before(async () => {
  logKey = createLogKey();
  srv = await startProvd({ command: 'run', logKey });
  token = createApiKey(srv.dbUrl);
  work = tempDir('provd-cli-register-');
  keyFile = path.join(work, 'signer.key');
});
after(async () => { await srv.stop(); });

test('keygen writes an owner-only key, prints its public key and never overwrites', () => {
  const r = runProvd(['keygen', '--key-file', keyFile]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^[A-Za-z0-9_-]{43}\n$/);
  publicKey = r.stdout.trim();
  assert.equal(fs.statSync(keyFile).mode & 0o777, 0o600);
  const before = fs.readFileSync(keyFile, 'utf8');
  assert.match(before, /^PRIVATE\+KEY\+/);
  const again = runProvd(['keygen', '--key-file', keyFile]);
  assert.equal(again.status, 1);
  assert.match(again.stderr, /refusing to overwrite/);
  assert.equal(fs.readFileSync(keyFile, 'utf8'), before);
  const link = path.join(work, 'link.key');
  fs.symlinkSync(path.join(work, 'nowhere'), link);
  assert.equal(runProvd(['keygen', '--key-file', link]).status, 1);
  assert.ok(!fs.existsSync(path.join(work, 'nowhere')), 'a symbolic link is not followed');
  const none = runProvd(['keygen']);
  assert.equal(none.status, 2);
  assert.match(none.stderr, /--key-file/);
  assert.equal(runProvd(['keygen', '--help']).status, 0);
});

test('register: 2,500 files in three batches, metadata and signatures as the server sees them', async () => {
  const dir = makeTree(path.join(work, 'corpus'), 2500, 'a');
  const meta = path.join(work, 'meta.json');
  fs.writeFileSync(meta, JSON.stringify({ collection: 'test', license: 'MIT', size: 'replaced' }));
  const state = path.join(work, 'corpus.state');
  const r = register([dir, '--license', 'CC-BY-4.0', '--author', 'Ada', '--source-url-prefix',
    PREFIX, '--metadata-file', meta, '--state', state]);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(summaryOf(r.stdout), { files: 2500, created: 2500, existing: 0, skipped: 0, failed: 0 });
  assert.equal(r.stdout.split('\n').filter((l) => l.startsWith('created ')).length, 2500);
  assert.equal(r.stderr, '', 'quiet when stderr is not a terminal');
  assert.equal(itemCount(), 2500);
  const signers = sqlRows(srv.dbUrl, 'SELECT DISTINCT signer FROM items');
  assert.equal(signers.length, 1);

  const file = path.join(dir, 'part 3', 'f00010.txt');
  const st = fs.statSync(file);
  const p = await http(srv.base, 'GET', '/v1/provenance/' + sha(fs.readFileSync(file)));
  assert.equal(p.status, 200);
  assert.equal(p.body.registrations.length, 1);
  const reg = p.body.registrations[0];
  assert.equal(reg.signer.public_key, publicKey);
  assert.deepEqual(reg.metadata, {
    author: 'Ada', collection: 'test', license: 'CC-BY-4.0', size: st.size,
    modified_at: new Date(Math.floor(st.mtimeMs / 1000) * 1000).toISOString().replace('.000Z', 'Z'),
    source_url: PREFIX + 'part%203/f00010.txt',
  });

  let receipt;
  for (let i = 0; i < 100 && !receipt; i++) {
    const res = await http(srv.base, 'GET', `/v1/items/${reg.id}/receipt`);
    if (res.status === 200) receipt = res.body;
    else await sleep(200);
  }
  assert.ok(receipt, 'the item is logged');
  const rf = path.join(work, 'receipt.json');
  fs.writeFileSync(rf, JSON.stringify(receipt));
  const v = runProvd(['verify', rf, '--log-key', logKey.vkey]);
  assert.equal(v.status, 0, v.stdout + v.stderr);
  assert.match(v.stdout, /OK/);

  // A rerun with the state file reads and sends nothing.
  const again = register([dir, '--license', 'CC-BY-4.0', '--author', 'Ada', '--source-url-prefix',
    PREFIX, '--metadata-file', meta, '--state', state]);
  assert.equal(again.status, 0, again.stderr + again.stdout);
  assert.deepEqual(summaryOf(again.stdout), { files: 2500, created: 0, existing: 0, skipped: 2500, failed: 0 });

  // A changed file (size and mtime) is registered again; the rest is skipped.
  const changed = path.join(dir, 'part 0', 'f00000.txt');
  fs.writeFileSync(changed, 'changed content, longer than before\n');
  const third = register([dir, '--license', 'CC-BY-4.0', '--author', 'Ada', '--source-url-prefix',
    PREFIX, '--metadata-file', meta, '--state', state]);
  assert.equal(third.status, 0, third.stderr);
  assert.deepEqual(summaryOf(third.stdout), { files: 2500, created: 1, existing: 0, skipped: 2499, failed: 0 });
  assert.match(third.stdout, new RegExp(`^created  ${sha(fs.readFileSync(changed))} .*f00000\\.txt$`, 'm'));
  assert.equal(itemCount(), 2501);

  // Without the state file everything is hashed and sent again, and comes back existing.
  const nostate = register([dir, '--license', 'CC-BY-4.0', '--author', 'Ada', '--source-url-prefix',
    PREFIX, '--metadata-file', meta]);
  assert.equal(nostate.status, 0, nostate.stderr);
  assert.deepEqual(summaryOf(nostate.stdout), { files: 2500, created: 0, existing: 2500, skipped: 0, failed: 0 });
});

test('register: a run killed after its first batch resumes from the state file', async () => {
  const dir = makeTree(path.join(work, 'killed'), 2500, 'b');
  const state = path.join(work, 'killed.state');
  const before = itemCount();
  const child = spawn(provdBin, ['register', srv.base, dir, '--state', state], {
    env: { ...process.env, PROVD_TOKEN: token, PROVD_SIGNING_KEY_FILE: keyFile },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  await new Promise((resolve) => {
    child.stdout.on('data', (d) => {
      out += d;
      if (out.split('\n').filter((l) => l.startsWith('created ')).length >= 1000) {
        child.kill('SIGKILL');
        resolve();
      }
    });
    child.on('close', resolve);
  });
  await new Promise((resolve) => (child.exitCode !== null || child.signalCode ? resolve() : child.on('close', resolve)));
  assert.equal(child.signalCode, 'SIGKILL', 'killed mid-run:\n' + out.slice(-500));
  const lines = fs.readFileSync(state, 'utf8').split('\n').filter((l) => l);
  assert.equal(lines[0], 'provd-register-state v1');
  assert.ok(lines.length - 1 >= 1000, `the first batch is recorded (${lines.length - 1})`);
  const r = register([dir, '--state', state]);
  assert.equal(r.status, 0, r.stderr);
  const s = summaryOf(r.stdout);
  assert.equal(s.files, 2500);
  assert.ok(s.skipped >= 1000 && s.skipped < 2500, `skipped ${s.skipped}`);
  assert.equal(s.created + s.existing + s.skipped, 2500);
  assert.ok(s.existing <= 1000, 'at most the batch in flight is sent twice');
  assert.equal(itemCount(), before + 2500);
});

test('register retries 429 after Retry-After', async () => {
  const limited = await startProvd({ args: ['--rate-limit-key', '1:1', '--rate-limit-exempt', 'none',
    '--rate-limit-ip', '0'] });
  try {
    const t = createApiKey(limited.dbUrl);
    const dir = path.join(work, 'limited');
    fs.mkdirSync(dir);
    for (let i = 0; i < 1500; i++) fs.writeFileSync(path.join(dir, `x${i}`), `limited ${i}`);
    const r = runProvd(['register', limited.base, dir, '--token', t, '--signing-key-file', keyFile]);
    assert.equal(r.status, 0, r.stderr + r.stdout.slice(-500));
    assert.deepEqual(summaryOf(r.stdout), { files: 1500, created: 1500, existing: 0, skipped: 0, failed: 0 });
    assert.match(r.stdout, /[1-9]\d* requests retried/);
    assert.equal(Number(sqlRows(limited.dbUrl, 'SELECT count(*) FROM items')[0]), 1500);
  } finally {
    await limited.stop();
  }
});

test('register: a bad token, bad files and bad usage are clear errors', () => {
  const dir = path.join(work, 'small');
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'one.txt'), 'one');
  const bad = register([dir], { PROVD_TOKEN: 'provd_' + 'A'.repeat(43) });
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /POST \/v1\/items\/batch: .*401/);
  assert.match(bad.stderr, /--token/);
  assert.doesNotMatch(bad.stdout, /^created/m);

  const cases = [
    [[], /at least one FILE or DIR/],
    [[dir, '--source-url', 'https://x.example/a', '--source-url-prefix', 'https://x.example/'], /not both/],
    [[dir, '--license', 'not a licence!'], /SPDX/],
    [[dir, '--bogus'], /unknown option/],
  ];
  for (const [args, re] of cases) {
    const r = register(args);
    assert.equal(r.status, 2, args.join(' '));
    assert.match(r.stderr, re);
    assert.doesNotMatch(r.stderr, /at .*\.c:|Aborted/);
  }
  fs.writeFileSync(path.join(dir, 'two.txt'), 'two');
  const many = register([dir, '--source-url', 'https://x.example/a']);
  assert.equal(many.status, 2);
  assert.match(many.stderr, /--source-url-prefix/);
  const nokey = runProvd(['register', srv.base, dir], { PROVD_TOKEN: token });
  assert.equal(nokey.status, 2);
  assert.match(nokey.stderr, /--signing-key-file/);
  const help = runProvd(['register', '--help']);
  assert.equal(help.status, 0);
  for (const f of ['--state', '--source-url-prefix', '--metadata-file', '--token', 'PROVD_TOKEN'])
    assert.ok(help.stdout.includes(f), f);

  // One file with its own source URL; a metadata file that is not an object fails.
  const one = register([path.join(dir, 'one.txt'), '--source-url', 'https://x.example/one.txt']);
  assert.equal(one.status, 0, one.stderr);
  const badMeta = path.join(work, 'bad.json');
  fs.writeFileSync(badMeta, '[1]');
  const bm = register([dir, '--metadata-file', badMeta]);
  assert.equal(bm.status, 1);
  assert.match(bm.stderr, /not a JSON object/);
});

test('lookup: a registered file, a hash, an unknown hash, --json', () => {
  const file = path.join(work, 'small', 'one.txt');
  const r = runProvd(['lookup', srv.base, file]);
  assert.equal(r.status, 0, r.stderr);
  assert.ok(r.stdout.includes(sha('one')));
  assert.ok(r.stdout.includes(publicKey), 'the signer');
  assert.match(r.stdout, /source https:\/\/x\.example\/one\.txt/);
  assert.match(r.stdout, /(registered|logged|anchored)/);

  const unknown = 'sha256:' + '0'.repeat(64);
  const u = runProvd(['lookup', srv.base, unknown]);
  assert.equal(u.status, 1);
  assert.match(u.stdout, /not registered/);

  const j = runProvd(['lookup', srv.base, sha('one'), unknown, '--json']);
  assert.equal(j.status, 0, j.stderr);
  const doc = JSON.parse(j.stdout);
  assert.equal(doc.results.length, 2);
  assert.equal(doc.results[0].found, true);
  assert.equal(doc.results[0].registrations[0].signer.public_key, publicKey);
  assert.equal(doc.results[1].found, false);
  assert.deepEqual(doc.results[1].registrations, []);

  assert.equal(runProvd(['lookup', srv.base, 'sha256:XYZ']).status, 1);
  assert.equal(runProvd(['lookup', srv.base]).status, 2);
  assert.equal(runProvd(['lookup', '--help']).status, 0);
});
