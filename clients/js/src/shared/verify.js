// SPDX-License-Identifier: Apache-2.0
// Verifies a receipt step by step, trusting the server for nothing but the bytes: each step is
// {id, title, ok: true | false | null (not checked), detail}. The log key is the user's pinned
// key when there is one, else the server's (and the first step says which).
import { bytesToHex, equal, hexToBytes, utf8 } from './bytes.js';
import { checkCalldata, checkOnChain } from './anchor.js';
import { canonicalize } from './jcs.js';
import { leafHash, verifyConsistency, verifyInclusion } from './merkle.js';
import { parseCheckpoint, parseVerifierKey, verifyNote } from './note.js';
import { verifyStatementSignature } from './sigs.js';

async function attempt(step, fn) {
  try {
    const { ok, detail } = await fn();
    return { ...step, ok, detail };
  } catch (e) {
    return { ...step, ok: false, detail: e.message };
  }
}

async function keyStep(serverKey, pinnedKey) {
  const use = pinnedKey || serverKey;
  const key = await parseVerifierKey(use);
  if (pinnedKey && serverKey && pinnedKey.trim() !== serverKey.trim()) {
    return { key, ok: false, detail: `the server's log key ${serverKey.trim()} is not the pinned key ${pinnedKey.trim()}` };
  }
  return { key, ok: true, detail: `${key.name} (key id ${bytesToHex(key.id)}), ${pinnedKey ? 'pinned' : 'from the server, not pinned'}` };
}

export async function verifyReceipt(rc, { serverKey, pinnedKey, rpcUrl, confirmations = 12 } = {}) {
  const steps = [];
  let key = null;
  steps.push(await attempt({ id: 'key', title: 'Log key' }, async () => {
    const r = await keyStep(serverKey, pinnedKey);
    key = r.key;
    return r;
  }));
  steps.push(await attempt({ id: 'signature', title: 'Signature over the statement' },
    () => verifyStatementSignature(rc.record)));
  let leaf = null;
  steps.push(await attempt({ id: 'leaf', title: 'Leaf (JCS of the record)' }, async () => {
    // Computed from the record, never taken from the receipt's leaf_hash (a convenience).
    leaf = await leafHash(utf8(canonicalize(rc.record)));
    const same = typeof rc.leaf_hash === 'string' && equal(leaf, hexToBytes(rc.leaf_hash));
    return { ok: true, detail: `SHA-256(0x00 ‖ JCS(record)) = ${bytesToHex(leaf).slice(0, 16)}…${same ? '' : ' (the receipt\'s leaf_hash differs and is ignored)'}` };
  }));
  let cp = null;
  steps.push(await attempt({ id: 'inclusion', title: 'Inclusion proof' }, async () => {
    cp = parseCheckpoint(rc.checkpoint);
    if (cp.size !== BigInt(rc.tree_size)) return { ok: false, detail: `the checkpoint is of size ${cp.size}, the receipt says ${rc.tree_size}` };
    const ok = leaf && await verifyInclusion(rc.log_index, rc.tree_size, leaf, rc.inclusion_proof, cp.root);
    return { ok: !!ok, detail: ok ? `entry ${rc.log_index} of ${rc.tree_size}, ${rc.inclusion_proof.length} hashes to the checkpoint's root` : 'the proof does not lead to the checkpoint\'s root' };
  }));
  steps.push(await attempt({ id: 'checkpoint', title: 'Checkpoint signature' }, async () => {
    if (!key) return { ok: false, detail: 'no usable log key' };
    const c = parseCheckpoint(rc.checkpoint);
    if (c.origin !== key.name) return { ok: false, detail: `the checkpoint is of log ${c.origin}, the key of ${key.name}` };
    const ok = await verifyNote(rc.checkpoint, key);
    return { ok, detail: ok ? `signed by ${key.name}` : `no valid signature by ${key.name}` };
  }));
  steps.push(await attempt({ id: 'anchor', title: 'Anchor: consistency and calldata' }, async () => {
    const a = rc.anchor;
    if (!a) return { ok: null, detail: 'not anchored yet' };
    if (!(a.tree_size > rc.log_index && a.tree_size <= rc.tree_size)) return { ok: false, detail: `anchored size ${a.tree_size} does not cover entry ${rc.log_index} within ${rc.tree_size}` };
    if (!cp || !key) return { ok: false, detail: 'no checkpoint or key to check against' };
    const consistent = await verifyConsistency(a.tree_size, rc.tree_size, hexToBytes(a.root), cp.root, a.consistency_proof || []);
    if (!consistent) return { ok: false, detail: 'the anchored tree is not a prefix of the checkpoint\'s tree' };
    const bad = checkCalldata(a, key);
    return { ok: !bad, detail: bad || `tree size ${a.tree_size} anchored on chain ${a.chain_id}, a prefix of the checkpoint's tree` };
  }));
  steps.push(await attempt({ id: 'chain', title: 'Anchor transaction on chain' }, async () => {
    if (!rc.anchor) return { ok: null, detail: 'not anchored yet' };
    if (!rpcUrl) return { ok: null, detail: 'not consulted: give an Ethereum JSON-RPC URL in Settings' };
    return checkOnChain(rpcUrl, rc.anchor, confirmations);
  }));
  return { ok: steps.every((s) => s.ok !== false), steps };
}

