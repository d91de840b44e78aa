// SPDX-License-Identifier: Apache-2.0
// The command line: help, configuration errors, API keys, migrations.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {
  runProvd, freshDatabase, sql, provdBin, startProvd, createApiKey, createLogKey, newEd25519Signer,
  signedItem, http, tempDir,
} from './lib/harness.mjs';

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

test('the upgrade that keeps the attempt count on anchors counts the attempts already made', () => {
  const db = freshDatabase();
  assert.equal(runProvd(['migrate'], { PROVD_DATABASE_URL: db }).status, 0);
  // back to the schema before sql/0010 (and 0011), with anchors that were broadcast 0, 1 and 3 times
  sql(db, `DROP TRIGGER anchors_context_tag ON anchors; DROP TRIGGER anchors_context_tag_truncate ON anchors;
    DROP TRIGGER log_checkpoints_context_tag ON log_checkpoints;
    DROP TRIGGER log_checkpoints_context_tag_truncate ON log_checkpoints;
    DROP TRIGGER witness_cosignatures_context_tag ON witness_cosignatures;
    DROP TRIGGER witness_cosignatures_context_tag_truncate ON witness_cosignatures;
    DROP TRIGGER log_state_context_tag ON log_state; DROP FUNCTION log_context_changed();
    DROP FUNCTION log_state_new_context_tag(); ALTER TABLE log_state DROP COLUMN context_tag;
    ALTER TABLE anchors DROP COLUMN attempts; DELETE FROM schema_migrations WHERE version >= 10`);
  for (const [size, n] of [[5, 0], [6, 1], [7, 3]]) {
    sql(db, `INSERT INTO anchors (chain_id, sender, recipient, tree_size, root, calldata)
             VALUES (${size}, decode(repeat('ab', 20), 'hex'), decode(repeat('cd', 20), 'hex'), ${size},
                     sha256('${size}'::bytea), '\\x01')`);
    for (let k = 1; k <= n; k++) {
      sql(db, `INSERT INTO anchor_attempts (anchor_id, attempt, nonce, tx_hash, raw_tx, max_fee_per_gas,
               max_priority_fee_per_gas) SELECT id, ${k}, ${k}, sha256('${size}-${k}'::bytea), '\\x02', 1, 1
               FROM anchors WHERE tree_size = ${size}`);
    }
  }
  const m = runProvd(['migrate'], { PROVD_DATABASE_URL: db });
  assert.equal(m.status, 0, m.stderr);
  assert.match(m.stderr, /2 migrations applied/);
  assert.match(sql(db, "SELECT string_agg(tree_size || ':' || attempts, ' ' ORDER BY tree_size) FROM anchors"),
    / 5:0 6:1 7:3\n/);
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

test('provd verify: a missing file is named plainly, a parse error by line, and - reads stdin', async () => {
  const key = createLogKey('cli.provd.test/verify');
  const missing = runProvd(['verify', '/nonexistent/receipt.json', '--log-key', key.vkey]);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /^FAIL: unable to open \/nonexistent\/receipt\.json: No such file or directory$/m);
  assert.doesNotMatch(missing.stderr, /line -1/);
  const piped = (input) => spawnSync(provdBin, ['verify', '-', '--log-key', key.vkey], { input, encoding: 'utf8' });
  const broken = piped('{"record":\n');
  assert.equal(broken.status, 1);
  assert.match(broken.stderr, /^FAIL: standard input: .* \(line 2, column \d+\)$/m);
  const file = path.join(tempDir('provd-cli-verify-'), 'broken.json');
  fs.writeFileSync(file, '{\n  "record": ,\n}');
  assert.match(runProvd(['verify', file, '--log-key', key.vkey]).stderr, /broken\.json: .* \(line 2, column \d+\)$/m);

  const srv = await startProvd({ command: 'run', logKey: key });
  try {
    const token = createApiKey(srv.dbUrl);
    const created = await http(srv.base, 'POST', '/v1/items', { body: await signedItem(await newEd25519Signer(), { n: 1 }), token });
    assert.equal(created.status, 201, created.text);
    let receipt;
    for (let i = 0; i < 200 && !receipt; i++) {
      const r = await http(srv.base, 'GET', `/v1/items/${created.body.id}/receipt`);
      if (r.status === 200) receipt = r.text;
      else await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.ok(receipt, 'the item was logged');
    const ok = piped(receipt);
    assert.equal(ok.status, 0, ok.stderr + ok.stdout);
    assert.match(ok.stdout, /^OK: /m);
    const tampered = JSON.parse(receipt);
    tampered.record.content_hash = 'sha256:' + '0'.repeat(64);
    assert.equal(piped(JSON.stringify(tampered)).status, 1, 'stdin is checked like a file');
  } finally {
    await srv.stop();
  }
});

test('--help describes a shared flag for the command it is shown for', () => {
  const contract = runProvd(['anchor-contract', '--help']);
  assert.equal(contract.status, 0);
  const rpc = contract.stdout.split('\n  --').find((o) => o.startsWith('eth-rpc-url'));
  assert.match(rpc, /required/);
  assert.doesNotMatch(rpc, /anchoring off|default none/);
  const logkey = runProvd(['logkey', 'create', '--help']);
  assert.equal(logkey.status, 0);
  const file = logkey.stdout.split('\n  --').find((o) => o.startsWith('log-key-file'));
  assert.doesNotMatch(file, /from provd logkey create/);
  assert.match(file, /where to write the new signing key/);
  const run = runProvd(['run', '--help']).stdout.split('\n  --');
  assert.match(run.find((o) => o.startsWith('eth-rpc-url')), /anchoring off/);
  assert.match(run.find((o) => o.startsWith('log-key-file')), /from provd logkey create/);
});

test('README: the signature scheme table is one table, a row per scheme', () => {
  const readme = fs.readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const lines = readme.split('\n');
  const head = lines.findIndex((l) => /^\| scheme \| fields \| what is checked \|$/.test(l));
  assert.ok(head >= 0, 'the table is there');
  let end = head;
  while (lines[end + 1]?.startsWith('|')) end++;
  const rows = lines.slice(head + 2, end + 1).map((l) => l.split('|')[1].trim());
  assert.deepEqual(rows, ['`ed25519`', '`ecdsa-p256`', '`eip191`', '`eip712`']);
});
