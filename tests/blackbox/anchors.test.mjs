// SPDX-License-Identifier: Apache-2.0
// Anchoring, normal flow: register → logged → anchored → confirmed on a real chain (anvil),
// read back with ethers; the anchors API; receipts with anchors, checked by `provd verify
// --rpc` and independently; configuration errors.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ethers } from 'ethers';
import {
  http, assertProblem, runProvd, startProvd, freshDatabase, createLogKey, tempDir, waitForLog,
} from './lib/harness.mjs';
import { startAnvil, rpc, DEV_ADDRESS } from './lib/anvil.mjs';
import { parseVkey, openNote, parseCheckpoint, verifyConsistency } from './lib/tlog.mjs';
import { startAnchoring, waitAnchors, decodeCalldata, ethKeyFile, anchorArgs } from './lib/anchoring.mjs';

let anvil, ctx, provider;
before(async () => {
  anvil = await startAnvil(['--block-time', '1']);
  ctx = await startAnchoring(anvil.url, ['--anchor-confirmations', '3']);
  provider = new ethers.JsonRpcProvider(anvil.url, undefined, { staticNetwork: true });
});
after(async () => {
  provider.destroy();
  await ctx.srv.stop();
  await anvil.stop();
});

const confirmedAt = (size) => (list) =>
  list.find((a) => a.tree_size >= size && a.status === 'confirmed');

// provd verify on receipt, checked against the log key of setup (default the suite's).
function verify(receipt, extra = [], setup = ctx) {
  const f = path.join(tempDir('provd-anchor-receipt-'), 'r.json');
  fs.writeFileSync(f, JSON.stringify(receipt));
  return runProvd(['verify', f, '--log-key', setup.key.vkey, ...extra]);
}

test('a checkpoint is anchored and confirmed; ethers reads back the documented calldata', async () => {
  const items = await ctx.register(5);
  const anchor = await waitAnchors(ctx.srv.base, confirmedAt(5), 30000, 'a confirmed anchor');
  assert.equal(anchor.chain_id, 31337);
  assert.equal(anchor.sender, DEV_ADDRESS);
  assert.equal(anchor.recipient, DEV_ADDRESS);
  assert.ok(anchor.confirmations >= 3);
  assert.equal(anchor.attempts, 1);
  assert.equal(anchor.last_error, null);
  for (const k of ['created_at', 'submitted_at', 'mined_at', 'confirmed_at', 'updated_at']) {
    assert.match(anchor[k], /^\d{4}-\d\d-\d\dT.*Z$/, k);
  }

  const tx = await provider.getTransaction(anchor.tx_hash);
  assert.equal(tx.from, DEV_ADDRESS);
  assert.equal(tx.to, DEV_ADDRESS);
  assert.equal(tx.type, 2);
  assert.equal(tx.data, anchor.calldata);
  assert.equal(tx.blockNumber, anchor.block_number);
  assert.equal(tx.blockHash, anchor.block_hash);
  const rc = await provider.getTransactionReceipt(anchor.tx_hash);
  assert.equal(rc.status, 1);

  // The calldata commits to the log: key id, size and the root of a checkpoint of that size.
  const c = decodeCalldata(tx.data);
  const vk = parseVkey(ctx.key.vkey);
  assert.deepEqual(c, { magic: 'prvd', version: 1, keyId: vk.id.toString('hex'),
    treeSize: anchor.tree_size, root: anchor.root, origin: ctx.key.origin });
  const cp = await http(ctx.srv.base, 'GET', '/v1/log/checkpoint');
  const head = parseCheckpoint(await openNote(cp.text, ctx.key.vkey));
  assert.ok(head.size >= anchor.tree_size);
  if (head.size === anchor.tree_size) assert.equal(head.root.toString('hex'), anchor.root);

  // Registrations covered by a confirmed anchor say so.
  const got = await http(ctx.srv.base, 'GET', `/v1/items/${items[0].id}`);
  assert.equal(got.body.status, 'anchored');

  // So do the metrics.
  const metrics = (await http(ctx.srv.base, 'GET', '/metrics')).text;
  const gauge = (name) => Number(metrics.match(new RegExp(`^${name.replace(/[{}]/g, '\\$&')} (\\S+)$`, 'm'))?.[1]);
  assert.ok(gauge('provd_anchors{status="confirmed"}') >= 1);
  assert.ok(gauge('provd_anchor_confirmed_tree_size') >= anchor.tree_size);
  assert.ok(gauge('provd_anchor_confirmed_age_seconds') >= 0);
});

test('GET /v1/anchors pages newest first; GET /v1/anchors/{id}; 404 and 400', async () => {
  await ctx.register(2);
  const list = await waitAnchors(ctx.srv.base, (l) => l.length >= 2 && l, 30000, 'two anchors');
  assert.ok(list[0].id > list[1].id, 'newest first');
  assert.ok(list[0].tree_size > list[1].tree_size);
  const page1 = await http(ctx.srv.base, 'GET', '/v1/anchors?limit=1');
  assert.equal(page1.body.anchors.length, 1);
  assert.equal(typeof page1.body.next_cursor, 'string');
  const page2 = await http(ctx.srv.base, 'GET',
    `/v1/anchors?limit=1&cursor=${page1.body.next_cursor}`);
  assert.equal(page2.body.anchors[0].id, page1.body.anchors[0].id - 1);
  const one = await http(ctx.srv.base, 'GET', `/v1/anchors/${list[1].id}`);
  assert.equal(one.status, 200);
  assert.equal(one.body.tree_size, list[1].tree_size);
  assert.equal(one.body.root, list[1].root);
  assertProblem(assert, await http(ctx.srv.base, 'GET', '/v1/anchors/999999'), 404,
    'anchor-not-found');
  assertProblem(assert, await http(ctx.srv.base, 'GET', '/v1/anchors/abc'), 400,
    'invalid-parameter', 'id');
  assertProblem(assert, await http(ctx.srv.base, 'GET', '/v1/anchors?limit=0'), 400,
    'invalid-parameter', 'limit');
  assertProblem(assert, await http(ctx.srv.base, 'GET', '/v1/anchors?cursor=-1'), 400,
    'invalid-parameter', 'cursor');
  assertProblem(assert, await http(ctx.srv.base, 'GET', '/v1/anchors?status=x'), 400,
    'invalid-parameter', 'status');
});

test('receipts carry the anchor; provd verify --rpc checks it on chain and catches tampering', async () => {
  const [item] = await ctx.register(1);
  await waitAnchors(ctx.srv.base, confirmedAt(item.log_index ?? 0), 30000);
  // Grow the log so that the receipt's checkpoint is ahead of the anchor covering the item.
  let receipt;
  const until = Date.now() + 30000;
  while (Date.now() < until) {
    receipt = (await http(ctx.srv.base, 'GET', `/v1/items/${item.id}/receipt`)).body;
    if (receipt.anchor?.status === 'confirmed' && receipt.tree_size > receipt.anchor.tree_size) break;
    await ctx.register(1);
    await new Promise((r) => setTimeout(r, 300));
  }
  assert.equal(receipt.status, 'anchored');
  const a = receipt.anchor;
  assert.ok(a.tree_size > receipt.log_index);
  assert.ok(a.consistency_proof.length > 0);
  // Independent check: the anchored root is a prefix of the receipt's checkpoint.
  const head = parseCheckpoint(await openNote(receipt.checkpoint, ctx.key.vkey));
  assert.ok(verifyConsistency(a.tree_size, head.size, Buffer.from(a.root, 'hex'), head.root,
    a.consistency_proof));

  const offline = verify(receipt);
  assert.equal(offline.status, 0, offline.stderr);
  assert.match(offline.stdout, /not checked on chain/);
  const online = verify(receipt, ['--rpc', anvil.url, '--anchor-confirmations', '3']);
  assert.equal(online.status, 0, online.stderr);
  assert.match(online.stdout, /anchored on chain 31337 in block \d+/);

  const tampered = [
    ['root', (r) => { r.anchor.root = 'ab'.repeat(32); }, /calldata does not carry/],
    ['consistency', (r) => { r.anchor.consistency_proof[0] = 'cd'.repeat(32); }, /not consistent/],
    ['tx_hash', (r) => { r.anchor.tx_hash = '0x' + 'ef'.repeat(32); }, /no mined transaction/],
    ['block', (r) => { r.anchor.block_number -= 1; }, /another block/],
    ['chain', (r) => { r.anchor.chain_id = 1; }, /chain 31337, the anchor on chain 1/],
  ];
  for (const [what, mutate, re] of tampered) {
    const r = structuredClone(receipt);
    mutate(r);
    const out = verify(r, ['--rpc', anvil.url, '--anchor-confirmations', '3']);
    assert.equal(out.status, 1, `${what}: ${out.stdout}`);
    assert.match(out.stderr, re, what);
  }
  const deep = verify(receipt, ['--rpc', anvil.url, '--anchor-confirmations', '10000']);
  assert.equal(deep.status, 1);
  assert.match(deep.stderr, /fewer than the 10000 required/);
  const noAnchor = structuredClone(receipt);
  noAnchor.anchor = null;
  const r = verify(noAnchor, ['--rpc', anvil.url]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /no anchor yet/);
});

test('without --eth-rpc-url the worker says anchoring is off; bad anchoring flags are refused', async () => {
  const key = createLogKey('off.provd.test/log');
  const w = await startProvd({ command: 'worker', logKey: key });
  await waitForLog(w, /anchoring is off \(no --eth-rpc-url\)/);
  await w.stop();
  const db = freshDatabase();
  const base = ['worker', '--log-key-file', key.keyFile, '--log-origin', key.origin];
  const cases = [
    [['--eth-rpc-url', anvil.url], /--eth-key-file .* is required/],
    [['--eth-rpc-url', 'ftp://x', '--eth-key-file', '/x'], /must start with http/],
    [['--anchor-confirmations', '0'], /1 to 10000 or finalized/],
    [['--anchor-to', '0x1234'], /not an Ethereum address/],
    [['--eth-max-fee-per-gas', '10', '--eth-max-priority-fee-per-gas', '20'], /exceeds/],
  ];
  for (const [args, re] of cases) {
    const r = runProvd([...base, ...args], { PROVD_DATABASE_URL: db });
    assert.equal(r.status, 2, args.join(' '));
    assert.match(r.stderr, re);
  }
  const badKey = path.join(tempDir('provd-badkey-'), 'k');
  fs.writeFileSync(badKey, 'not a key\n', { mode: 0o600 }); // private, or refused for that
  const r = runProvd([...base, '--eth-rpc-url', anvil.url, '--eth-key-file', badKey],
    { PROVD_DATABASE_URL: db });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /does not hold a secp256k1 private key/);
  assert.doesNotMatch(r.stderr, /not a key/, 'the key file content is never printed');
});

test('a node on another chain than --eth-chain-id stops the worker', async () => {
  const key = createLogKey('chain.provd.test/log');
  const r = runProvd(['worker', '--log-key-file', key.keyFile, '--log-origin', key.origin,
    ...anchorArgs(anvil.url, ethKeyFile(), ['--eth-chain-id', '1'])],
  { PROVD_DATABASE_URL: freshDatabase() });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /the node is on chain 31337, not the configured 1/);
});

test('--anchor-confirmations finalized: confirmed once the node finalizes the block', async () => {
  const chain = await startAnvil([]); // automine; anvil finalizes 64 blocks behind the head
  const fin = await startAnchoring(chain.url, ['--anchor-confirmations', 'finalized']);
  try {
    const [item] = await fin.register(1);
    const mined = await waitAnchors(fin.srv.base, (l) => l.find((a) => a.status === 'mined'));
    await new Promise((r) => setTimeout(r, 1000));
    const still = await http(fin.srv.base, 'GET', `/v1/anchors/${mined.id}`);
    assert.equal(still.body.status, 'mined', 'not finalized yet');
    await rpc(chain.url, 'anvil_mine', ['0x50']);
    await waitAnchors(fin.srv.base, (l) => l.find((a) => a.id === mined.id && a.status === 'confirmed'));
    const receipt = (await http(fin.srv.base, 'GET', `/v1/items/${item.id}/receipt`)).body;
    const r = verify(receipt, ['--rpc', chain.url, '--anchor-confirmations', 'finalized'], fin);
    assert.equal(r.status, 0, r.stderr);
  } finally {
    await fin.srv.stop();
    await chain.stop();
  }
});

test('provd anchor-contract deploys the anchor contract; anchors sent to it emit Anchored events', async () => {
  const chain = await startAnvil([]); // automine
  const p = new ethers.JsonRpcProvider(chain.url, undefined, { staticNetwork: true });
  try {
    const keyFile = ethKeyFile();
    const dep = runProvd(['anchor-contract', '--eth-rpc-url', chain.url, '--eth-key-file', keyFile]);
    assert.equal(dep.status, 0, dep.stderr);
    const address = dep.stdout.trim();
    assert.equal(address, ethers.getCreateAddress({ from: DEV_ADDRESS, nonce: 0 }),
                 'the address printed is where the deployment landed');
    assert.ok((await p.getCode(address)).length > 2, 'code is deployed');
    assert.doesNotMatch(dep.stderr, /ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80/i,
                        'the key is never logged');
    await assert.rejects(p.call({ from: DEV_ADDRESS, to: address, data: '0x01', value: 1n }),
                         'the contract refuses ether');

    const run = await startAnchoring(chain.url, ['--anchor-confirmations', '1', '--anchor-to', address]);
    try {
      const [item] = await run.register(2);
      const anchor = await waitAnchors(run.srv.base, confirmedAt(2));
      assert.equal(anchor.recipient, address);
      const rc = await p.getTransactionReceipt(anchor.tx_hash);
      assert.equal(rc.status, 1);
      const iface = new ethers.Interface(['event Anchored(address indexed sender, bytes data)']);
      const logs = rc.logs.map((l) => iface.parseLog(l)).filter(Boolean);
      assert.equal(logs.length, 1);
      assert.equal(logs[0].args.sender, DEV_ADDRESS);
      assert.equal(logs[0].args.data, anchor.calldata, 'the event carries the anchor calldata');
      // Indexers find anchors by topic and sender.
      const found = await p.getLogs({ address, topics: [iface.getEvent('Anchored').topicHash,
        ethers.zeroPadValue(DEV_ADDRESS, 32)], fromBlock: 0 });
      assert.ok(found.some((l) => l.transactionHash === anchor.tx_hash));
      const receipt = (await http(run.srv.base, 'GET', `/v1/items/${item.id}/receipt`)).body;
      const v = verify(receipt, ['--rpc', chain.url, '--anchor-confirmations', '1'], run);
      assert.equal(v.status, 0, v.stderr);
    } finally {
      await run.srv.stop();
    }
    for (const [args, re] of [[[], /--eth-rpc-url \(or PROVD_ETH_RPC_URL\) is required/],
      [['--eth-rpc-url', chain.url], /--eth-key-file \(or PROVD_ETH_KEY_FILE\) is required/],
      [['--eth-rpc-url', 'ftp://x', '--eth-key-file', keyFile], /must start with http:\/\/ or https:\/\//]]) {
      const u = runProvd(['anchor-contract', ...args], { PROVD_ETH_RPC_URL: '', PROVD_ETH_KEY_FILE: '' });
      assert.equal(u.status, 2, u.stderr);
      assert.match(u.stderr, re);
    }
    const bad = runProvd(['anchor-contract', '--eth-rpc-url', chain.url, '--eth-key-file', keyFile,
      '--eth-chain-id', '1']);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /the node is on chain 31337, not --eth-chain-id 1/);
    assert.equal(bad.stdout, '');
  } finally {
    p.destroy();
    await chain.stop();
  }
});
