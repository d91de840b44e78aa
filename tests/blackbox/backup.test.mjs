// SPDX-License-Identifier: Apache-2.0
// Backup and restore (README "Backup and restore"): a database with a logged and anchored
// history (provd run anchoring to anvil) is dumped with pg_dump (custom format) while provd
// runs, restored with pg_restore into a new database, and provd run started on the restored
// one with the same log key: it serves the same checkpoint and the same receipts, which still
// verify (provd verify, on chain too), and its worker continues the log consistently (new
// indexes after the old ones, a consistency proof from the old checkpoint to the new one, old
// receipts re-issued against the grown log, anchored again).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { startProvd, http, runProvd, tempDir, sql, sqlRows } from './lib/harness.mjs';
import { startAnvil } from './lib/anvil.mjs';
import { startAnchoring, waitAnchors, anchorArgs, sleep } from './lib/anchoring.mjs';
import { openNote, parseCheckpoint, verifyConsistency } from './lib/tlog.mjs';

const pgBin = (name) => (process.env.PROVD_TEST_PG_BINDIR ? path.join(process.env.PROVD_TEST_PG_BINDIR, name) : name);
const admin = process.env.PROVD_TEST_PG_ADMIN_URL || process.env.PROVD_DATABASE_URL;

function pg(name, args) {
  const r = spawnSync(pgBin(name), args, { encoding: 'utf8' });
  assert.equal(r.status, 0, `${name} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

// pg_dump -Fc of url; returns the dump file.
function dump(url) {
  const f = path.join(tempDir('provd-backup-'), 'provd.dump');
  pg('pg_dump', ['--format=custom', '--no-owner', '--file', f, '--dbname', url]);
  assert.ok(fs.statSync(f).size > 0);
  return f;
}

// A new database with the dump restored into it; returns its URL.
function restore(file) {
  const name = 'provd_restored_' + randomBytes(6).toString('hex');
  sql(admin, `CREATE DATABASE ${name}`);
  const u = new URL(admin);
  u.pathname = '/' + name;
  pg('pg_restore', ['--no-owner', '--exit-on-error', '--single-transaction', '--dbname', u.toString(), file]);
  return u.toString();
}

let anvil, ctx;
before(async () => {
  anvil = await startAnvil(['--block-time', '1']);
  ctx = await startAnchoring(anvil.url, ['--anchor-confirmations', '2']);
});
after(async () => {
  await ctx.srv.stop();
  await anvil.stop();
});

const checkpointOf = async (base) => {
  const r = await http(base, 'GET', '/v1/log/checkpoint');
  assert.equal(r.status, 200);
  return r.text;
};
const receiptOf = async (base, id) => {
  const r = await http(base, 'GET', `/v1/items/${id}/receipt`);
  assert.equal(r.status, 200, r.text);
  return r.body;
};
function verify(receipt, extra = []) {
  const f = path.join(tempDir('provd-backup-receipt-'), 'r.json');
  fs.writeFileSync(f, JSON.stringify(receipt));
  return runProvd(['verify', f, '--log-key', ctx.key.vkey, ...extra]);
}
// Waits until every registration is sequenced and the latest checkpoint's size is confirmed.
async function settle(base, size) {
  await waitAnchors(base, (l) => l.find((a) => a.tree_size >= size && a.status === 'confirmed'), 60000,
    `a confirmed anchor of size ${size}`);
}

test('a restored dump serves the same checkpoint and receipts, which verify; the log goes on', async () => {
  const items = await ctx.register(12);
  await settle(ctx.srv.base, 12);
  const cp = await checkpointOf(ctx.srv.base);
  const head = parseCheckpoint(await openNote(cp, ctx.key.vkey));
  assert.equal(head.size, 12);
  const receipts = [];
  for (const it of items) receipts.push(await receiptOf(ctx.srv.base, it.id));
  assert.ok(receipts.every((r) => r.status === 'anchored' && r.anchor?.status === 'confirmed'), JSON.stringify(receipts[0]));

  // The backup: pg_dump of the live database (a consistent snapshot; provd keeps running).
  const file = dump(ctx.dbUrl);
  const dbUrl = restore(file);
  assert.deepEqual(sqlRows(dbUrl, 'SELECT count(*) FROM items'), sqlRows(ctx.dbUrl, 'SELECT count(*) FROM items'));

  // The old instance stops (as after losing its database): the restored one takes over.
  await ctx.srv.stop();
  const srv = await startProvd({ dbUrl, command: 'run', logKey: ctx.key, args: anchorArgs(anvil.url, ctx.keyFile, ['--anchor-confirmations', '2']) });
  ctx.srv = srv; // stopped by after()
  assert.equal(await checkpointOf(srv.base), cp, 'the same signed checkpoint');
  for (let i = 0; i < items.length; i++) {
    const r = await receiptOf(srv.base, items[i].id);
    assert.deepEqual(r, receipts[i], `item ${items[i].id}: the same receipt`);
    if (i % 4 === 0) {
      const v = verify(r, ['--rpc', anvil.url, '--anchor-confirmations', '2']);
      assert.equal(v.status, 0, v.stderr);
      assert.match(v.stdout, /anchored on chain 31337 in block \d+/);
    }
  }

  // The worker continues the log: new entries after the old ones, the new checkpoint
  // consistent with the backed-up one, and anchored.
  const more = await ctx.register(5, srv.base);
  await settle(srv.base, 17);
  const cp2 = await checkpointOf(srv.base);
  const head2 = parseCheckpoint(await openNote(cp2, ctx.key.vkey));
  assert.equal(head2.size, 17);
  const idx = [];
  for (const it of more) idx.push((await receiptOf(srv.base, it.id)).log_index);
  assert.deepEqual(idx.sort((a, b) => a - b), [12, 13, 14, 15, 16]);
  const proof = await http(srv.base, 'GET', '/v1/log/consistency?from=12&to=17');
  assert.equal(proof.status, 200);
  assert.ok(verifyConsistency(12, 17, head.root, head2.root, proof.body.proof), 'the grown log extends the backed-up one');
  const again = await receiptOf(srv.base, items[0].id);
  assert.equal(again.log_index, receipts[0].log_index);
  assert.equal(again.tree_size, 17);
  const v = verify(again, ['--rpc', anvil.url, '--anchor-confirmations', '2']);
  assert.equal(v.status, 0, v.stderr);
});
