// SPDX-License-Identifier: Apache-2.0
// An independent verifier for provd's log, written from the README's description: C2SP signed
// notes and checkpoints with WebCrypto Ed25519, RFC 6962 leaf hashing over the JCS record, and
// the RFC 9162 proof verification algorithms.
import { webcrypto as crypto, createHash } from 'node:crypto';
import { canonicalize } from './jcs.mjs';

const sha256 = (...parts) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
};
const node = (l, r) => sha256(Buffer.from([1]), l, r);

export function parseVkey(vkey) {
  // <name>+<hex id>+<base64>: the base64 may itself contain '+'.
  const [name, idHex, ...rest] = vkey.trim().split('+');
  const b64 = rest.join('+');
  const raw = Buffer.from(b64, 'base64');
  if (raw.length !== 33 || raw[0] !== 1) throw new Error('not an Ed25519 vkey');
  const pub = raw.subarray(1);
  const id = sha256(Buffer.from(name + '\n'), Buffer.from([1]), pub).subarray(0, 4);
  if (id.toString('hex') !== idHex) throw new Error('key id mismatch');
  return { name, id, pub };
}

// Returns the signed text if a valid signature by vkey is present, else throws.
export async function openNote(note, vkey) {
  const k = parseVkey(vkey);
  const split = note.lastIndexOf('\n\n');
  if (split < 0 || !note.endsWith('\n')) throw new Error('not a signed note');
  const text = note.slice(0, split + 1);
  const key = await crypto.subtle.importKey('raw', k.pub, { name: 'Ed25519' }, false, ['verify']);
  for (const line of note.slice(split + 2, -1).split('\n')) {
    const m = /^\u2014 (\S+) (\S+)$/.exec(line);
    if (!m) throw new Error('bad signature line');
    const sig = Buffer.from(m[2], 'base64');
    if (m[1] !== k.name || !sig.subarray(0, 4).equals(k.id)) continue;
    if (await crypto.subtle.verify({ name: 'Ed25519' }, key, sig.subarray(4), Buffer.from(text))) {
      return text;
    }
    throw new Error('signature does not verify');
  }
  throw new Error('no signature by this key');
}

export function parseCheckpoint(text) {
  const [origin, size, root] = text.split('\n');
  return { origin, size: Number(size), root: Buffer.from(root, 'base64') };
}

export const leafHash = (record) => sha256(Buffer.from([0]), Buffer.from(canonicalize(record)));

export function verifyInclusion(leaf, index, size, proof, root) {
  if (index >= size) return false;
  let fn = BigInt(index), sn = BigInt(size - 1), r = leaf;
  for (const p of proof.map((h) => Buffer.from(h, 'hex'))) {
    if (sn === 0n) return false;
    if ((fn & 1n) || fn === sn) {
      r = node(p, r);
      while (!(fn & 1n) && fn !== 0n) { fn >>= 1n; sn >>= 1n; }
    } else {
      r = node(r, p);
    }
    fn >>= 1n; sn >>= 1n;
  }
  return sn === 0n && r.equals(root);
}

export function verifyConsistency(m, n, rootM, rootN, proofHex) {
  let proof = proofHex.map((h) => Buffer.from(h, 'hex'));
  if (m === n) return proof.length === 0 && rootM.equals(rootN);
  if ((m & (m - 1)) === 0) proof = [rootM, ...proof];
  if (proof.length === 0) return false;
  let fn = BigInt(m - 1), sn = BigInt(n - 1);
  while (fn & 1n) { fn >>= 1n; sn >>= 1n; }
  let fr = proof[0], sr = proof[0];
  for (const c of proof.slice(1)) {
    if (sn === 0n) return false;
    if ((fn & 1n) || fn === sn) {
      fr = node(c, fr); sr = node(c, sr);
      while (!(fn & 1n) && fn !== 0n) { fn >>= 1n; sn >>= 1n; }
    } else {
      sr = node(sr, c);
    }
    fn >>= 1n; sn >>= 1n;
  }
  return sn === 0n && fr.equals(rootM) && sr.equals(rootN);
}
