// SPDX-License-Identifier: Apache-2.0
// Continuous archiving (README "Backup and restore"): a PostgreSQL cluster of this test's own
// archives its WAL (archive_mode, archive_command); a base backup is taken with pg_basebackup
// while provd run logs registrations, more are logged after it, the WAL is archived, and the
// cluster is lost. The base backup restored with restore_command replays the archive to the end:
// provd on the recovered cluster serves the latest checkpoint and the same receipts (provd verify
// passes), and the log goes on consistently. Uses tests/lib/pg.sh (PROVD_TEST_PG_BINDIR).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  startProvd, createApiKey, createLogKey, newEd25519Signer, signedItem, http, runProvd, tempDir,
  sqlRows,
} from './lib/harness.mjs';
import { openNote, parseCheckpoint, verifyConsistency } from './lib/tlog.mjs';

const pgsh = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../lib/pg.sh');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Runs script in bash with tests/lib/pg.sh sourced; returns its stdout.
function bash(script, env = {}) {
  const r = spawnSync('bash', ['-c', `set -euo pipefail; . "${pgsh}"; ${script}`],
    { encoding: 'utf8', env: { ...process.env, ...env } });
  assert.equal(r.status, 0, `${script}: ${r.stderr}`);
  return r.stdout.trim();
}
// Starts (or restarts) the cluster in dir; returns its database URL.
const start = (dir) => `postgresql://postgres@127.0.0.1:${bash(`pg_start "${dir}" >/dev/null; echo "$PROVD_TEST_PG_PORT"`)}/provd`;
const stop = (dir, mode = 'fast') => bash(`PROVD_TEST_PG_BINDIR=$(pg_bindir) PROVD_TEST_PG_DATA="${dir}/data" pg_stop ${mode}`);
const asOwner = (cmd) => bash(`pg_as_owner ${cmd}`);

// mkdtemp under os.tmpdir(), readable by the postgres user when we are root.
function pgDir(prefix) {
  const d = tempDir(prefix);
  fs.chmodSync(d, 0o755);
  if (process.getuid() === 0) bash(`chown postgres: "${d}"`);
  return d;
}

let a, b, archive, srv;
before(() => {
  a = pgDir('provd-pitr-a-');
  b = pgDir('provd-pitr-b-');
  archive = pgDir('provd-pitr-wal-');
  start(a);
  fs.appendFileSync(path.join(a, 'data/postgresql.conf'),
    `archive_mode = on\narchive_command = 'test ! -f ${archive}/%f && cp %p ${archive}/%f.tmp && mv ${archive}/%f.tmp ${archive}/%f'\n`);
  stop(a);
});
after(async () => {
  if (srv) await srv.stop();
  stop(a, 'immediate');
  stop(b, 'immediate');
});

test('a base backup plus the archived WAL recovers the latest checkpoint; the log goes on', async () => {
  const dbA = start(a); // now archiving
  const token = createApiKey(dbA);
  const key = createLogKey('pitr.provd.test/log');
  srv = await startProvd({ dbUrl: dbA, command: 'run', logKey: key });
  const signer = await newEd25519Signer();
  let n = 0;
  const register = async (count, base) => {
    const out = [];
    for (let i = 0; i < count; i++) {
      const r = await http(base, 'POST', '/v1/items', { body: await signedItem(signer, { n: n++ }), token });
      assert.equal(r.status, 201, r.text);
      out.push(r.body);
    }
    return out;
  };
  const sizeIs = async (base, size) => {
    for (let i = 0; i < 200; i++) {
      const r = await http(base, 'GET', '/v1/log/checkpoint');
      if (r.status === 200 && parseCheckpoint(await openNote(r.text, key.vkey)).size === size) return r.text;
      await sleep(100);
    }
    throw new Error(`the log did not reach size ${size}`);
  };

  const first = await register(5, srv.base);
  await sizeIs(srv.base, 5);
  // The base backup, taken while provd runs, then more of the log after it.
  const port = new URL(dbA).port;
  asOwner(`"$(pg_bindir)/pg_basebackup" -h 127.0.0.1 -p ${port} -U postgres -D "${b}/data" -X stream -c fast`);
  const later = await register(5, srv.base);
  const cp = await sizeIs(srv.base, 10);
  const items = [...first, ...later];
  const receipts = [];
  for (const it of items) receipts.push((await http(srv.base, 'GET', `/v1/items/${it.id}/receipt`)).body);
  await srv.stop();
  srv = null;
  // Archive the last WAL segment, wait for it, and lose the cluster.
  const wal = sqlRows(dbA, 'SELECT pg_walfile_name(pg_switch_wal())')[0];
  for (let i = 0; i < 600 && !fs.existsSync(path.join(archive, wal)); i++) await sleep(100);
  assert.ok(fs.existsSync(path.join(archive, wal)), `${wal} not archived: ${fs.readdirSync(archive)}`);
  stop(a, 'immediate');

  // Recovery: the base backup, restore_command from the archive, to the end of the WAL.
  fs.appendFileSync(path.join(b, 'data/postgresql.conf'),
    `unix_socket_directories = '${b}'\narchive_mode = off\nrestore_command = 'cp ${archive}/%f %p'\n`);
  fs.writeFileSync(path.join(b, 'data/recovery.signal'), '');
  if (process.getuid() === 0) bash(`chown postgres: "${b}/data/recovery.signal"`);
  const dbB = start(b);
  for (let i = 0; i < 600 && sqlRows(dbB, 'SELECT pg_is_in_recovery()')[0] !== 'f'; i++) await sleep(100);
  assert.equal(sqlRows(dbB, 'SELECT pg_is_in_recovery()')[0], 'f', 'promoted at the end of the archive');

  srv = await startProvd({ dbUrl: dbB, command: 'run', logKey: key });
  assert.equal((await http(srv.base, 'GET', '/v1/log/checkpoint')).text, cp, 'the latest checkpoint, not the base backup\'s');
  for (let i = 0; i < items.length; i++) {
    const r = (await http(srv.base, 'GET', `/v1/items/${items[i].id}/receipt`)).body;
    assert.deepEqual(r, receipts[i], `item ${items[i].id}`);
  }
  const f = path.join(tempDir('provd-pitr-receipt-'), 'r.json');
  fs.writeFileSync(f, JSON.stringify(receipts[7]));
  const v = runProvd(['verify', f, '--log-key', key.vkey]);
  assert.equal(v.status, 0, v.stderr);

  // The log goes on from 10, consistent with the recovered checkpoint.
  const more = await register(2, srv.base);
  const cp2 = await sizeIs(srv.base, 12);
  const idx = [];
  for (const it of more) idx.push((await http(srv.base, 'GET', `/v1/items/${it.id}/receipt`)).body.log_index);
  assert.deepEqual(idx.sort((x, y) => x - y), [10, 11]);
  const proof = await http(srv.base, 'GET', '/v1/log/consistency?from=10&to=12');
  const h1 = parseCheckpoint(await openNote(cp, key.vkey));
  const h2 = parseCheckpoint(await openNote(cp2, key.vkey));
  assert.ok(verifyConsistency(10, 12, h1.root, h2.root, proof.body.proof));
});
