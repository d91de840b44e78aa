// SPDX-License-Identifier: Apache-2.0
// RFC 9162 Merkle tree proofs: leaf = SHA-256(0x00 || data), node = SHA-256(0x01 || l || r).
import { concat, equal, hexToBytes, sha256 } from './bytes.js';

export const leafHash = (data) => sha256(concat(Uint8Array.of(0), data));
const node = (l, r) => sha256(concat(Uint8Array.of(1), l, r));

// §2.1.3.2: true when proof (hex strings, leaf to root) takes leaf at index to root.
export async function verifyInclusion(index, size, leaf, proof, root) {
  let fn = BigInt(index);
  let sn = BigInt(size) - 1n;
  if (fn > sn) return false;
  let r = leaf;
  for (const hex of proof) {
    const p = hexToBytes(hex);
    if (sn === 0n) return false;
    if (fn & 1n || fn === sn) {
      r = await node(p, r);
      while (!(fn & 1n) && fn !== 0n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      r = await node(r, p);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  return sn === 0n && equal(r, root);
}

// §2.1.4.2: true when proof shows the tree of size first (root firstRoot) is a prefix of the
// tree of size second (root secondRoot).
export async function verifyConsistency(first, second, firstRoot, secondRoot, proof) {
  const m = BigInt(first);
  const n = BigInt(second);
  if (m === n) return proof.length === 0 && equal(firstRoot, secondRoot);
  if (m === 0n || m > n || proof.length === 0) return false;
  let hashes = proof.map(hexToBytes);
  if ((m & (m - 1n)) === 0n) hashes = [firstRoot, ...hashes];
  let fn = m - 1n;
  let sn = n - 1n;
  while (fn & 1n) {
    fn >>= 1n;
    sn >>= 1n;
  }
  let fr = hashes[0];
  let sr = hashes[0];
  for (const c of hashes.slice(1)) {
    if (sn === 0n) return false;
    if (fn & 1n || fn === sn) {
      fr = await node(c, fr);
      sr = await node(c, sr);
      while (!(fn & 1n) && fn !== 0n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      sr = await node(sr, c);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  return sn === 0n && equal(fr, firstRoot) && equal(sr, secondRoot);
}
