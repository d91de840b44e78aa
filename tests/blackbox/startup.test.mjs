// SPDX-License-Identifier: Apache-2.0
// Start-up while PostgreSQL misbehaves: a worker or serve whose migration session is lost (here
// terminated while it waits for the migration lock another instance holds, as when PostgreSQL
// restarts under it) tries again instead of exiting, and starts once the database is back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { startProvd, createLogKey, freshDatabase, sqlRows } from './lib/harness.mjs';

const MIGRATION_LOCK_KEY = '478680019556'; // service/db/migrate.c
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Holds the migration lock from a psql session of its own until release() is called.
async function holdMigrationLock(dbUrl) {
  const bindir = process.env.PROVD_TEST_PG_BINDIR;
  const psql = bindir ? path.join(bindir, 'psql') : 'psql';
  const proc = spawn(psql, ['-X', '-q', '-d', dbUrl, '-c',
    `SELECT pg_advisory_lock(${MIGRATION_LOCK_KEY}); SELECT pg_sleep(60);`], {
    env: { ...process.env, PGAPPNAME: 'provd-test-migration-lock' }, stdio: 'ignore' });
  const held = `SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted
    AND ((classid::bigint << 32) | objid::bigint) = ${MIGRATION_LOCK_KEY}`;
  for (let i = 0; i < 100 && Number(sqlRows(dbUrl, held)[0]) === 0; i++) await sleep(50);
  assert.equal(Number(sqlRows(dbUrl, held)[0]), 1, 'the lock is held');
  return () => {
    sqlRows(dbUrl, "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
      + "WHERE application_name = 'provd-test-migration-lock'");
    proc.kill();
  };
}

// The sessions waiting for the migration lock: provd's, terminated as a restart would.
const waiters = "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
  + "AND wait_event = 'advisory' AND application_name <> 'provd-test-migration-lock'";

for (const command of ['worker', 'serve']) {
  test(`${command}: a migration session lost at start-up is tried again, not fatal`, async () => {
    const dbUrl = freshDatabase();
    const release = await holdMigrationLock(dbUrl);
    let released = false;
    const starting = startProvd({ dbUrl, command, logKey: command === 'worker' ? createLogKey() : undefined });
    try {
      let pids = [];
      for (let i = 0; i < 100 && !pids.length; i++) {
        await sleep(50);
        pids = sqlRows(dbUrl, waiters);
      }
      assert.ok(pids.length >= 1, 'provd waits for the migration lock');
      sqlRows(dbUrl, `SELECT pg_terminate_backend(${pids[0]})`);
      await sleep(1500); // provd noticed, and is waiting again on a new session
      release();
      released = true;
      const srv = await starting; // rejects when provd exits
      assert.match(srv.logs(), /lost the connection to PostgreSQL while migrating; trying again/);
      await srv.stop();
    } finally {
      if (!released) release();
      await starting.then((s) => s.stop(), () => {});
    }
  });
}
