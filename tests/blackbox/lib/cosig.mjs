// SPDX-License-Identifier: Apache-2.0
// C2SP signed-note and tlog-cosignature (cosignature/v1, Ed25519) primitives written from the
// specs with Node's WebCrypto, independently of provd's C code (which they test).
//   key id  SHA-256(name || "\n" || type || public key)[:4]; type 0x01 note signer, 0x04 cosigner
//   vkey    <name>+<8 hex key id>+<base64(type || public key)>
//   line    "— <name> <base64(key id || [timestamp (8, big-endian)] || signature)>\n"
//   cosigned message  "cosignature/v1\ntime <decimal>\n" || note body
import { webcrypto as crypto } from 'node:crypto';

export const SIG_NOTE = 0x01;
export const SIG_COSIG_V1 = 0x04;
const enc = new TextEncoder();
const EM_DASH = '\u2014 ';

export async function keyId(name, type, pub) {
  const h = new Uint8Array(await crypto.subtle.digest('SHA-256',
    Buffer.concat([enc.encode(name + '\n'), Buffer.from([type]), Buffer.from(pub)])));
  return h.slice(0, 4);
}

// A fresh Ed25519 key pair named name for signature type type: { name, type, id (4 bytes),
// pub (32 bytes), privateKey (CryptoKey), vkey }.
export async function generateKey(name, type = SIG_COSIG_V1) {
  const kp = await crypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify']);
  const pub = new Uint8Array(await crypto.subtle.exportKey('raw', kp.publicKey));
  const id = await keyId(name, type, pub);
  return { name, type, id, pub, privateKey: kp.privateKey, vkey: formatVkey(name, type, id, pub) };
}

export function formatVkey(name, type, id, pub) {
  return `${name}+${Buffer.from(id).toString('hex')}+` +
    Buffer.concat([Buffer.from([type]), Buffer.from(pub)]).toString('base64');
}

// Parses a vkey into { name, type, id, pub } (checking the key id), or null.
export async function parseVkey(vkey) {
  const m = /^([^+\s]+)\+([0-9a-fA-F]{8})\+([A-Za-z0-9+/=]+)$/.exec(vkey.trim());
  if (!m) return null;
  const raw = Buffer.from(m[3], 'base64');
  if (raw.length !== 33) return null;
  const id = Buffer.from(m[2], 'hex');
  const want = await keyId(m[1], raw[0], raw.subarray(1));
  if (!id.equals(Buffer.from(want))) return null;
  return { name: m[1], type: raw[0], id: new Uint8Array(id), pub: new Uint8Array(raw.subarray(1)) };
}

export async function ed25519Sign(privateKey, msg) {
  return new Uint8Array(await crypto.subtle.sign({ name: 'Ed25519' }, privateKey, msg));
}

export async function ed25519Verify(pub, sig, msg) {
  const k = await crypto.subtle.importKey('raw', pub, { name: 'Ed25519' }, false, ['verify']);
  return crypto.subtle.verify({ name: 'Ed25519' }, k, sig, msg);
}

export function u64be(ts) {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(ts));
  return b;
}

export function cosignedMessage(body, timeText) {
  return Buffer.concat([enc.encode(`cosignature/v1\ntime ${timeText}\n`), Buffer.from(body)]);
}

export function sigLine(name, raw) {
  return `${EM_DASH}${name} ${Buffer.from(raw).toString('base64')}\n`;
}

// The cosignature/v1 line by key over body (a string ending in '\n') at ts (seconds). opts:
// timeText (the decimal written into the signed message, default String(ts)), name and id
// (override what the line says), body (sign another body).
export async function cosignLine(key, body, ts, opts = {}) {
  const msg = cosignedMessage(opts.body ?? body, opts.timeText ?? String(ts));
  const sig = await ed25519Sign(key.privateKey, msg);
  const raw = Buffer.concat([Buffer.from(opts.id ?? key.id), u64be(ts), Buffer.from(sig)]);
  return sigLine(opts.name ?? key.name, raw);
}

// A signed note (signed-note, type 0x01) of text (ending in '\n') by key.
export async function signNote(key, text) {
  const sig = await ed25519Sign(key.privateKey, enc.encode(text));
  return `${text}\n${sigLine(key.name, Buffer.concat([Buffer.from(key.id), Buffer.from(sig)]))}`;
}

// Splits a note into { body, lines } or null (body ends at the last "\n\n").
export function splitNote(note) {
  const i = note.lastIndexOf('\n\n');
  if (i < 0 || !note.endsWith('\n')) return null;
  return { body: note.slice(0, i + 1), lines: note.slice(i + 2).split('\n').slice(0, -1) };
}

// Decodes a signature line "— <name> <base64>" (no newline) into { name, raw }, or null.
export function parseSigLine(line) {
  const m = /^\u2014 (\S+) ([A-Za-z0-9+/=]+)$/.exec(line);
  return m ? { name: m[1], raw: Buffer.from(m[2], 'base64') } : null;
}

// Verifies the signed note's signature by a note key { name, id, pub }: true when a line of
// that name and id verifies over the body.
export async function verifyNote(key, note) {
  const s = splitNote(note);
  if (!s) return false;
  for (const l of s.lines) {
    const p = parseSigLine(l);
    if (p && p.name === key.name && p.raw.length === 68 &&
        p.raw.subarray(0, 4).equals(Buffer.from(key.id)) &&
        await ed25519Verify(key.pub, p.raw.subarray(4), enc.encode(s.body))) return true;
  }
  return false;
}

// Checks a cosignature line (no newline) by key { name, id, pub } over body: the timestamp
// (a BigInt) when valid, else null.
export async function verifyCosignature(key, body, line) {
  const p = parseSigLine(line);
  if (!p || p.name !== key.name || p.raw.length !== 76 ||
      !p.raw.subarray(0, 4).equals(Buffer.from(key.id))) return null;
  const ts = p.raw.readBigUInt64BE(4);
  if (ts > 0x7fffffffffffffffn) return null;
  const ok = await ed25519Verify(key.pub, p.raw.subarray(12), cosignedMessage(body, ts.toString()));
  return ok ? ts : null;
}
