// SPDX-License-Identifier: Apache-2.0
// Ethereum anchors: the calldata layout (magic "prvd", version 1, key id, tree size, root,
// origin) and, given a JSON-RPC URL, the transaction on chain.
import { bytesToHex, equal, hexToBytes } from './bytes.js';

export function decodeCalldata(hex) {
  const b = hexToBytes(hex);
  if (b.length < 50) throw new Error('calldata too short');
  if (new TextDecoder().decode(b.slice(0, 4)) !== 'prvd') throw new Error('no "prvd" magic');
  if (b[4] !== 1) throw new Error(`calldata version ${b[4]}`);
  let size = 0n;
  for (const x of b.slice(9, 17)) size = (size << 8n) | BigInt(x);
  return { keyId: b.slice(5, 9), size, root: b.slice(17, 49),
    origin: new TextDecoder().decode(b.slice(49)) };
}

// Checks anchor's calldata against the log key and the anchor's own tree size and root.
export function checkCalldata(anchor, key) {
  const c = decodeCalldata(anchor.calldata);
  if (!equal(c.keyId, key.id)) return `the calldata names key id ${bytesToHex(c.keyId)}`;
  if (c.origin !== key.name) return `the calldata names log ${c.origin}`;
  if (c.size !== BigInt(anchor.tree_size)) return `the calldata says tree size ${c.size}`;
  if (!equal(c.root, hexToBytes(anchor.root))) return 'the calldata has another root';
  return null;
}

async function rpc(url, method, params) {
  const res = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
  const body = await res.json();
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result;
}

const same = (a, b) => String(a).toLowerCase() === String(b).toLowerCase();

// {ok, detail}: the anchor transaction exists on the chain at url as the anchor says, with at
// least `confirmations` confirmations.
export async function checkOnChain(url, anchor, confirmations) {
  const chainId = BigInt(await rpc(url, 'eth_chainId', []));
  if (chainId !== BigInt(anchor.chain_id)) return { ok: false, detail: `the node is on chain ${chainId}, the anchor on ${anchor.chain_id}` };
  if (!anchor.tx_hash) return { ok: false, detail: 'the anchor has no transaction yet' };
  const tx = await rpc(url, 'eth_getTransactionByHash', [anchor.tx_hash]);
  if (!tx) return { ok: false, detail: `the node does not know transaction ${anchor.tx_hash}` };
  if (!same(tx.from, anchor.sender) || !same(tx.to, anchor.recipient)) return { ok: false, detail: 'the transaction has another sender or recipient' };
  if (!same(tx.input, anchor.calldata)) return { ok: false, detail: 'the transaction carries other calldata' };
  const rc = await rpc(url, 'eth_getTransactionReceipt', [anchor.tx_hash]);
  if (!rc || rc.status !== '0x1') return { ok: false, detail: 'the transaction is not mined with status 1' };
  if (!same(rc.blockHash, anchor.block_hash) || BigInt(rc.blockNumber) !== BigInt(anchor.block_number)) return { ok: false, detail: 'the transaction is in another block than the anchor says' };
  const block = await rpc(url, 'eth_getBlockByNumber', [rc.blockNumber, false]);
  if (!block || !same(block.hash, rc.blockHash)) return { ok: false, detail: 'the block is no longer canonical (reorg)' };
  const head = BigInt(await rpc(url, 'eth_blockNumber', []));
  const have = head - BigInt(rc.blockNumber) + 1n;
  const ok = have >= BigInt(confirmations);
  return { ok, detail: `transaction ${anchor.tx_hash} in block ${BigInt(rc.blockNumber)} on chain ${chainId}, ${have} confirmation${have === 1n ? '' : 's'}${ok ? '' : ` (${confirmations} required)`}` };
}
