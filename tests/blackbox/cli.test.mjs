// The command line: help, configuration errors, API keys, migrations.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { runProvd, freshDatabase, sql, provdBin, startProvd } from './lib/harness.mjs';

test('provd --help lists the commands; each command --help lists every flag', () => {
  const top = runProvd(['--help']);
  assert.equal(top.status, 0);
  for (const c of ['serve', 'migrate', 'apikey']) assert.match(top.stdout, new RegExp(`\\b${c}\\b`));
  const serve = runProvd(['serve', '--help']);
  assert.equal(serve.status, 0);
  for (const f of ['database-url', 'listen', 'threads', 'max-body', 'cors-origins', 'log-level']) {
    assert.match(serve.stdout, new RegExp(`--${f}\\b`));
    assert.match(serve.stdout, new RegExp(`PROVD_${f.toUpperCase().replace('-', '_')}\\b`));
  }
  const key = runProvd(['apikey', 'create', '--help']);
  assert.equal(key.status, 0);
  assert.match(key.stdout, /--name/);
  assert.match(key.stdout, /--scope/);
  assert.equal(runProvd(['migrate', '--help']).status, 0);
});

test('usage errors exit 2 with a reason', () => {
  const r1 = runProvd(['frobnicate']);
  assert.equal(r1.status, 2);
  assert.match(r1.stderr, /unknown command/);
  const r2 = runProvd(['serve', '--listen', 'nonsense'], { PROVD_DATABASE_URL: 'postgresql://x/y' });
  assert.equal(r2.status, 2);
  assert.match(r2.stderr, /--listen/);
  const r3 = runProvd(['serve'], { PROVD_DATABASE_URL: '' });
  assert.equal(r3.status, 2);
  assert.match(r3.stderr, /database-url/);
  const r4 = runProvd(['apikey', 'create', '--scope', 'root', '--name', 'x']);
  assert.equal(r4.status, 2);
});

test('apikey create prints the token alone and stores only its hash', () => {
  const db = freshDatabase();
  const r = runProvd(['apikey', 'create', '--name', 'crawler-1', '--scope', 'register'],
                     { PROVD_DATABASE_URL: db });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^provd_[A-Za-z0-9_-]{43}\n$/);
  const token = r.stdout.trim();
  const rows = sql(db, "SELECT name || ' ' || scope || ' ' || encode(token_hash, 'hex') FROM api_keys");
  assert.match(rows, /crawler-1 register [0-9a-f]{64}/);
  assert.ok(!rows.includes(token) && !rows.includes(token.slice(6)), 'token not stored');
});

test('migrate applies each migration once, also when run concurrently', async () => {
  const db = freshDatabase();
  const runs = await Promise.all(Array.from({ length: 4 }, () => new Promise((resolve) => {
    const p = spawn(provdBin, ['migrate'], { env: { ...process.env, PROVD_DATABASE_URL: db } });
    let err = '';
    p.stderr.on('data', (d) => (err += d));
    p.on('close', (code) => resolve({ code, err })); // close: after stderr is drained
  })));
  for (const r of runs) assert.equal(r.code, 0, r.err);
  const applied = runs.map((r) => Number(/\((\d+) migrations? applied\)/.exec(r.err)[1]));
  const migrations = fs.readdirSync(new URL('../../sql/', import.meta.url))
    .filter((f) => f.endsWith('.sql')).length;
  assert.ok(migrations >= 6);
  assert.equal(applied.reduce((a, b) => a + b, 0), migrations, `applied counts ${applied}`);
  assert.match(sql(db, 'SELECT count(*) FROM schema_migrations'), new RegExp(`\\b${migrations}\\b`));
  const again = runProvd(['migrate'], { PROVD_DATABASE_URL: db });
  assert.equal(again.status, 0);
  assert.match(again.stderr, /0 migrations applied/);
});

test('a database schema newer than the binary is refused', async () => {
  const db = freshDatabase();
  assert.equal(runProvd(['migrate'], { PROVD_DATABASE_URL: db }).status, 0);
  sql(db, "INSERT INTO schema_migrations (version, name) VALUES (999, '0999_future')");
  const m = runProvd(['migrate'], { PROVD_DATABASE_URL: db });
  assert.equal(m.status, 1);
  assert.match(m.stderr, /newer than this provd/);
  await assert.rejects(startProvd({ dbUrl: db }), /exited with 1/);
});

test('a database not in UTF8 is refused with a clear reason', () => {
  const admin = process.env.PROVD_TEST_PG_ADMIN_URL || process.env.PROVD_DATABASE_URL;
  const name = 'provd_latin1_' + Date.now();
  sql(admin, `CREATE DATABASE ${name} ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0`);
  const u = new URL(admin);
  u.pathname = '/' + name;
  const r = runProvd(['migrate'], { PROVD_DATABASE_URL: u.toString() });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /must use the UTF8 encoding.*LATIN1/);
});
