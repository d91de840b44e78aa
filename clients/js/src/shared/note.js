// SPDX-License-Identifier: Apache-2.0
// C2SP signed notes and checkpoints, with Ed25519 verifier keys
// (<name>+<key id, 8 hex>+<base64 of 0x01 || 32-byte public key>).
import { base64ToBytes, bytesToHex, concat, equal, sha256, utf8 } from './bytes.js';

export async function parseVerifierKey(vkey) {
  // The name has no '+' and the key id none, but standard base64 may: split at the first two.
  const parts = vkey.trim().split('+');
  if (parts.length < 3) throw new Error('a verifier key is NAME+KEYID+KEY');
  const [name, idHex] = parts;
  const b64 = parts.slice(2).join('+');
  const key = base64ToBytes(b64);
  if (!/^[0-9a-f]{8}$/.test(idHex)) throw new Error('the key id is not 8 hex digits');
  if (key.length !== 33 || key[0] !== 1) throw new Error('not an Ed25519 verifier key');
  const id = (await sha256(concat(utf8(name), utf8('\n'), key))).slice(0, 4);
  if (bytesToHex(id) !== idHex) throw new Error('the key id does not match the key');
  return { name, id, publicKey: key.slice(1) };
}

// The note's text and its signature lines: {text, signatures: [{name, id, sig}]}.
export function splitNote(note) {
  const at = note.lastIndexOf('\n\n');
  if (at < 0 || !note.endsWith('\n')) throw new Error('not a signed note');
  const text = note.slice(0, at + 1);
  const signatures = [];
  for (const line of note.slice(at + 2).split('\n').filter((l) => l)) {
    const m = /^\u2014 (\S+) (\S+)$/.exec(line);
    if (!m) throw new Error(`malformed signature line: ${line.slice(0, 40)}`);
    const raw = base64ToBytes(m[2]);
    if (raw.length < 5) throw new Error('signature line too short');
    signatures.push({ name: m[1], id: raw.slice(0, 4), sig: raw.slice(4) });
  }
  return { text, signatures };
}

export async function ed25519Verify(publicKey, sig, message) {
  const key = await crypto.subtle.importKey('raw', publicKey, { name: 'Ed25519' }, false, ['verify']);
  return crypto.subtle.verify({ name: 'Ed25519' }, key, sig, message);
}

// True when the note carries a valid signature by key (lines by other keys are ignored).
export async function verifyNote(note, key) {
  const { text, signatures } = splitNote(note);
  for (const s of signatures) {
    if (s.name === key.name && equal(s.id, key.id) && s.sig.length === 64 &&
        await ed25519Verify(key.publicKey, s.sig, utf8(text))) return true;
  }
  return false;
}

// The checkpoint body: {origin, size (BigInt), root (bytes)}.
export function parseCheckpoint(note) {
  const lines = splitNote(note).text.split('\n');
  if (lines.length < 4 || !/^[0-9]+$/.test(lines[1])) throw new Error('not a checkpoint');
  const root = base64ToBytes(lines[2]);
  if (root.length !== 32) throw new Error('the checkpoint root is not 32 bytes');
  return { origin: lines[0], size: BigInt(lines[1]), root };
}
