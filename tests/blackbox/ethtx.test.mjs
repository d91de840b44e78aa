// SPDX-License-Identifier: Apache-2.0
// provd's EIP-1559 transaction signing (service/eth/) against a real node: anvil accepts the
// raw transaction, mines it, and an independent client (ethers) reads back what was signed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { JsonRpcProvider } from 'ethers';
import { startAnvil, rpc, DEV_KEY, DEV_ADDRESS } from './lib/anvil.mjs';
import { provdBin } from './lib/harness.mjs';

const signTool = path.join(path.dirname(provdBin), 'eth_sign_tx');
let anvil;
before(async () => {
  anvil = await startAnvil();
});
after(async () => {
  await anvil.stop();
});

function sign(args) {
  const r = spawnSync(signTool, args, { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const [raw, hash] = r.stdout.trim().split(' ');
  return { raw, hash };
}

test('a transaction signed by provd is accepted and mined by anvil, as signed', async () => {
  const chainId = Number(await rpc(anvil.url, 'eth_chainId'));
  assert.equal(chainId, 31337);
  const nonce = Number(await rpc(anvil.url, 'eth_getTransactionCount', [DEV_ADDRESS, 'latest']));
  const data = '0x' + Buffer.from('provd anchor test').toString('hex');
  const { raw, hash } = sign([DEV_KEY, String(chainId), String(nonce), '1000000000',
    '100000000000', '60000', DEV_ADDRESS, '0', data]);
  const sent = await rpc(anvil.url, 'eth_sendRawTransaction', [raw]);
  assert.equal(sent, hash, 'the node computes the same transaction hash');
  const provider = new JsonRpcProvider(anvil.url, chainId, { staticNetwork: true });
  const receipt = await provider.waitForTransaction(hash, 1, 10000);
  assert.equal(receipt.status, 1);
  const tx = await provider.getTransaction(hash);
  assert.equal(tx.type, 2);
  assert.equal(tx.from, DEV_ADDRESS);
  assert.equal(tx.to, DEV_ADDRESS);
  assert.equal(tx.data, data);
  assert.equal(tx.nonce, nonce);
  assert.equal(tx.maxPriorityFeePerGas, 1000000000n);
  assert.equal(tx.maxFeePerGas, 100000000000n);
  provider.destroy();
});

test('the node refuses a replayed nonce and a tampered transaction', async () => {
  const { raw } = sign([DEV_KEY, '31337', '0', '1000000000', '100000000000', '60000',
    DEV_ADDRESS, '0', '0x']);
  await assert.rejects(rpc(anvil.url, 'eth_sendRawTransaction', [raw]), /nonce/i);
  const nonce = Number(await rpc(anvil.url, 'eth_getTransactionCount', [DEV_ADDRESS, 'latest']));
  const good = sign([DEV_KEY, '31337', String(nonce), '1000000000', '100000000000', '60000',
    DEV_ADDRESS, '0', '0xabcd']);
  const tampered = good.raw.replace(/abcd/, 'abce');
  assert.notEqual(tampered, good.raw);
  // A changed byte makes another sender (recovery), who has no funds and another nonce.
  await assert.rejects(rpc(anvil.url, 'eth_sendRawTransaction', [tampered]));
});
