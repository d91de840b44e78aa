// SPDX-License-Identifier: Apache-2.0
// Anchoring under faults, on a real chain (anvil): reorgs, dropped and stuck transactions, a
// node that goes away, and a worker killed between signing and sending. Every case must end
// with exactly one confirmed transaction per anchor and no nonce wasted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { ethers } from 'ethers';
import { sql, startProvd, tempDir, waitForLog } from './lib/harness.mjs';
import { startAnvil, rpc, DEV_ADDRESS } from './lib/anvil.mjs';
import { startRpcProxy } from './lib/rpcproxy.mjs';
import { startAnchoring, waitAnchors, anchorArgs, sleep } from './lib/anchoring.mjs';

const gwei = (n) => '0x' + (BigInt(n) * 10n ** 9n).toString(16);

function attempts(dbUrl) {
  return sql(dbUrl, "SELECT attempt || '|' || encode(tx_hash, 'hex') || '|' || "
    + "encode(raw_tx, 'hex') || '|' || sent || '|' || max_fee_per_gas || '|' || "
    + 'max_priority_fee_per_gas AS row FROM anchor_attempts ORDER BY anchor_id, attempt')
    .split('\n').map((l) => l.trim()).filter((l) => /^\d+\|/.test(l)).map((l) => {
      const [n, hash, raw, sent, maxFee, tip] = l.split('|');
      return { n: Number(n), hash: '0x' + hash, raw: '0x' + raw, sent: sent === 'true',
        maxFee: BigInt(maxFee), tip: BigInt(tip) };
    });
}

// Asserts the anchor's transaction is in the canonical block it names and that the sender
// used exactly `nonces` nonces.
async function assertOnChain(url, anchor, nonces = 1) {
  const provider = new ethers.JsonRpcProvider(url, undefined, { staticNetwork: true });
  try {
    const block = await provider.getBlock(anchor.block_number);
    assert.equal(block.hash, anchor.block_hash);
    assert.ok(block.transactions.includes(anchor.tx_hash));
    const rc = await provider.getTransactionReceipt(anchor.tx_hash);
    assert.equal(rc.status, 1);
    assert.equal(await provider.getTransactionCount(DEV_ADDRESS), nonces);
  } finally {
    provider.destroy();
  }
}

const byId = (id, pred) => (list) => list.find((a) => a.id === id && pred(a));

test('reorg below the confirmation depth: the anchor is re-sent and confirmed on the new chain', async () => {
  const anvil = await startAnvil([]); // automine: one block per transaction
  const ctx = await startAnchoring(anvil.url, ['--anchor-confirmations', '4']);
  try {
    await ctx.register(3);
    const mined = await waitAnchors(ctx.srv.base, (l) => l.find((a) => a.status === 'mined'));
    const head = Number(await rpc(anvil.url, 'eth_blockNumber'));
    await rpc(anvil.url, 'anvil_reorg', [head - mined.block_number + 1, []]);
    await waitForLog(ctx.srv, /anchor \d+: block \d+ (was reorganised away|is no longer on the canonical chain)/);
    const again = await waitAnchors(ctx.srv.base,
      byId(mined.id, (a) => a.status === 'mined' && a.block_hash !== mined.block_hash));
    assert.equal(again.tx_hash, mined.tx_hash, 'the stored transaction, not a new one');
    await rpc(anvil.url, 'anvil_mine', ['0x4']);
    const done = await waitAnchors(ctx.srv.base, byId(mined.id, (a) => a.status === 'confirmed'));
    assert.notEqual(done.block_hash, mined.block_hash);
    assert.equal(done.attempts, 1);
    await assertOnChain(anvil.url, done);
    const all = (await waitAnchors(ctx.srv.base, (l) => l)).filter((a) => a.tree_size === done.tree_size);
    assert.equal(all.length, 1, 'one anchor per checkpoint');
  } finally {
    await ctx.srv.stop();
    await anvil.stop();
  }
});

test('dropped transaction: the worker sends the stored one again and it is confirmed', async () => {
  const anvil = await startAnvil(['--no-mining']);
  const ctx = await startAnchoring(anvil.url, ['--anchor-confirmations', '2']);
  try {
    await ctx.register(2);
    const sub = await waitAnchors(ctx.srv.base, (l) => l.find((a) => a.status === 'submitted'));
    const [first] = attempts(ctx.dbUrl);
    await rpc(anvil.url, 'anvil_dropTransaction', [first.hash]);
    await waitForLog(ctx.srv, /the node no longer has attempt 1; sending it again/);
    await rpc(anvil.url, 'evm_setIntervalMining', [1]);
    const done = await waitAnchors(ctx.srv.base, byId(sub.id, (a) => a.status === 'confirmed'));
    assert.equal(done.tx_hash, first.hash);
    assert.equal(done.attempts, 1);
    await assertOnChain(anvil.url, done);
  } finally {
    await ctx.srv.stop();
    await anvil.stop();
  }
});

test('stuck transaction: replaced after N blocks with fees raised ≥ 12.5%, then confirmed once mining resumes', async () => {
  const anvil = await startAnvil(['--no-mining']);
  const ctx = await startAnchoring(anvil.url,
    ['--anchor-confirmations', '2', '--anchor-replace-blocks', '2']);
  try {
    await ctx.register(2);
    const sub = await waitAnchors(ctx.srv.base, (l) => l.find((a) => a.status === 'submitted'));
    // Blocks go by, but the base fee is far above the transaction's fee cap.
    await rpc(anvil.url, 'anvil_setNextBlockBaseFeePerGas', [gwei(100)]);
    await rpc(anvil.url, 'anvil_mine', ['0x3']);
    await waitForLog(ctx.srv, /attempt 1 not mined after 2 blocks; replacing it/);
    await waitForLog(ctx.srv, /attempt 2, nonce 0, .*\(replacement\)/);
    await rpc(anvil.url, 'evm_setIntervalMining', [1]);
    const done = await waitAnchors(ctx.srv.base, byId(sub.id, (a) => a.status === 'confirmed'));
    const list = attempts(ctx.dbUrl);
    assert.ok(list.length >= 2);
    for (let i = 1; i < list.length; i++) {
      assert.ok(list[i].maxFee * 8n >= list[i - 1].maxFee * 9n, 'max fee +12.5%');
      assert.ok(list[i].tip * 8n >= list[i - 1].tip * 9n, 'tip +12.5%');
    }
    assert.equal(done.attempts, list.length);
    assert.ok(list.some((a) => a.hash === done.tx_hash));
    assert.notEqual(done.tx_hash, list[0].hash, 'the replacement was mined');
    assert.equal(await rpc(anvil.url, 'eth_getTransactionReceipt', [list[0].hash]), null);
    await assertOnChain(anvil.url, done);
  } finally {
    await ctx.srv.stop();
    await anvil.stop();
  }
});

test('node down: the worker backs off, keeps sequencing, and anchors once the node is back', async () => {
  const state = path.join(tempDir('provd-anvil-state-'), 'state.json');
  let anvil = await startAnvil(['--block-time', '1', '--state', state]);
  const port = Number(new URL(anvil.url).port);
  const ctx = await startAnchoring(anvil.url, ['--anchor-confirmations', '2']);
  try {
    await ctx.register(2);
    const first = await waitAnchors(ctx.srv.base, (l) => l.find((a) => a.status === 'confirmed'));
    await anvil.stop();
    await ctx.register(2); // registration and sequencing go on without the node
    const waiting = await waitAnchors(ctx.srv.base,
      (l) => l.find((a) => a.id > first.id && a.last_error), 30000, 'an anchor waiting for the node');
    assert.equal(waiting.status, 'pending');
    assert.match(waiting.last_error, /connect|refused/i);
    await sleep(2000);
    anvil = await startAnvil(['--block-time', '1', '--state', state], { port });
    const done = await waitAnchors(ctx.srv.base,
      byId(waiting.id, (a) => a.status === 'confirmed'), 60000);
    assert.equal(done.nonce, 1, 'the node kept its state: the next nonce');
    assert.equal(done.last_error, null);
    await assertOnChain(anvil.url, done, 2);
  } finally {
    await ctx.srv.stop();
    await anvil.stop();
  }
});

test('worker killed between signing and sending: the restarted worker sends the stored transaction', async () => {
  const anvil = await startAnvil(['--block-time', '1']);
  const proxy = await startRpcProxy(anvil.url);
  proxy.state.swallowSends = true; // sends never reach the node
  const ctx = await startAnchoring(proxy.url, ['--anchor-confirmations', '2', '--eth-rpc-timeout', '1000']);
  let srv2;
  try {
    await ctx.register(2);
    for (let i = 0; i < 200 && proxy.state.swallowed.length === 0; i++) await sleep(50);
    assert.ok(proxy.state.swallowed.length > 0, 'the worker tried to send');
    const closed = new Promise((r) => ctx.srv.proc.on('close', r));
    ctx.srv.proc.kill('SIGKILL');
    await closed;
    const [stored, ...more] = attempts(ctx.dbUrl);
    assert.equal(more.length, 0);
    assert.equal(stored.sent, false);
    assert.equal(stored.raw, proxy.state.swallowed[0], 'stored before it was sent');
    assert.equal(ethers.keccak256(stored.raw), stored.hash);

    srv2 = await startProvd({ dbUrl: ctx.dbUrl, command: 'run', logKey: ctx.key,
      args: anchorArgs(anvil.url, ctx.keyFile, ['--anchor-confirmations', '2']) });
    const done = await waitAnchors(srv2.base, (l) => l.find((a) => a.status === 'confirmed'));
    assert.equal(done.tx_hash, stored.hash, 'the same signed transaction');
    assert.equal(done.attempts, 1);
    await assertOnChain(anvil.url, done);
  } finally {
    if (srv2) await srv2.stop();
    await proxy.stop();
    await anvil.stop();
  }
});
