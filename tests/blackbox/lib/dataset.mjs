// SPDX-License-Identifier: Apache-2.0
// An independent verifier for provd's datasets, written from the README: the members root
// (RFC 6962 over "sha256:<hex>" leaves), the dataset statement a curator signs, and the chain of
// a membership proof: content hash -> members root -> the curator's signature on the statement
// -> the dataset record's inclusion in a signed checkpoint. Shares no code with provd.
import { webcrypto as crypto, createHash } from 'node:crypto';
import { canonicalize } from './jcs.mjs';
import { leafHash, openNote, parseCheckpoint, verifyInclusion } from './tlog.mjs';

const sha256 = (...parts) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
};

export const memberLeaf = (contentHash) => sha256(Buffer.from([0]), Buffer.from(contentHash, 'ascii'));

// RFC 6962 MTH over leaf hashes: split at the largest power of two below n.
function mth(leaves) {
  if (leaves.length === 1) return leaves[0];
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return sha256(Buffer.from([1]), mth(leaves.slice(0, k)), mth(leaves.slice(k)));
}

// The members root of a list of "sha256:<hex>" strings, as 64 hex digits.
export function membersRoot(hashes) {
  if (hashes.length === 0) throw new Error('an empty dataset has no root');
  return mth(hashes.map(memberLeaf)).toString('hex');
}

// The bytes a curator signs to seal dataset d ({name, version, metadata, policy}).
export function datasetStatement(d, memberCount, root) {
  return Buffer.from(canonicalize({
    type: 'provd.dataset.v1',
    name: d.name,
    version: d.version,
    metadata: d.metadata ?? {},
    policy: d.policy ?? {},
    member_count: memberCount,
    members_root: root,
  }));
}

async function verifyEd25519(publicKeyB64, valueB64, bytes) {
  const key = await crypto.subtle.importKey('raw', Buffer.from(publicKeyB64, 'base64url'),
    { name: 'Ed25519' }, false, ['verify']);
  return crypto.subtle.verify({ name: 'Ed25519' }, key, Buffer.from(valueB64, 'base64url'), bytes);
}

// Checks a GET /v1/datasets/{id}/proof reply against the log's verifier key; throws on the
// first failing step, returns a summary otherwise. Ed25519-sealed datasets only (the scheme the
// trainer's CLI signs with); verifySignature lets a test check other schemes itself.
export async function verifyMembershipProof(proof, vkey, { verifySignature } = {}) {
  const { content_hash: contentHash, position, member_count: size } = proof;
  if (!/^sha256:[0-9a-f]{64}$/.test(contentHash)) throw new Error('bad content hash');
  const root = Buffer.from(proof.members_root, 'hex');
  if (!verifyInclusion(memberLeaf(contentHash), position, size, proof.inclusion_proof, root)) {
    throw new Error('the member proof does not lead to members_root');
  }
  const receipt = proof.dataset;
  const rec = receipt.record;
  if (rec.type !== 'provd.dataset.v1') throw new Error('the record is not a dataset record');
  if (rec.members_root !== proof.members_root || rec.member_count !== size) {
    throw new Error('the record commits to another members root or count');
  }
  const { sealed_at: _s, signature, ...stmt } = rec;
  const bytes = Buffer.from(canonicalize(stmt));
  const ok = verifySignature ? await verifySignature(signature, bytes)
    : signature.scheme === 'ed25519' && await verifyEd25519(signature.public_key, signature.value, bytes);
  if (!ok) throw new Error('the curator signature does not verify over the dataset statement');
  const text = await openNote(receipt.checkpoint, vkey);
  const cp = parseCheckpoint(text);
  if (cp.size !== receipt.tree_size) throw new Error('tree size differs from the checkpoint');
  if (!verifyInclusion(leafHash(rec), receipt.log_index, cp.size, receipt.inclusion_proof, cp.root)) {
    throw new Error('the dataset record is not in the checkpoint');
  }
  return { position, size, logIndex: receipt.log_index, treeSize: cp.size };
}
