// SPDX-License-Identifier: Apache-2.0
// An independent tlog-tiles client, written from the specs alone (C2SP tlog-tiles, signed-note,
// tlog-checkpoint; RFC 6962 / RFC 9162 for the Merkle tree): it imports nothing of provd or of
// the other test libraries. It reads a log through its checkpoint and tiles only: verifies the
// checkpoint's Ed25519 signature, fetches the (full or partial) tiles a tree size needs, and
// computes roots, inclusion proofs and consistency proofs from them; it reads entry bundles.
import { webcrypto as crypto, createHash } from 'node:crypto';

export const HASH = 32;
const TILE = 256; // hashes in a full tile (height 8)

export const sha256 = (...parts) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
};
export const leafHash = (entry) => sha256(Buffer.from([0]), entry);
const nodeHash = (l, r) => sha256(Buffer.from([1]), l, r);

// tlog-tiles: N as zero-padded 3-digit path elements, all but the last prefixed with "x".
export function encodeIndex(n) {
  let v = BigInt(n);
  const groups = [];
  do {
    groups.unshift(String(v % 1000n).padStart(3, '0'));
    v /= 1000n;
  } while (v > 0n);
  return groups.map((g, i) => (i < groups.length - 1 ? 'x' + g : g)).join('/');
}

// tile/<L>/<N>[.p/<W>] or, level 'entries', tile/entries/<N>[.p/<W>]
export function tilePath(level, n, width) {
  return `tile/${level}/${encodeIndex(n)}${width < TILE ? `.p/${width}` : ''}`;
}

// signed-note verifier key: <name>+<8 hex key id>+<base64(0x01 || Ed25519 public key)>
export function parseVerifierKey(vkey) {
  const [name, idHex, ...rest] = vkey.trim().split('+');
  const raw = Buffer.from(rest.join('+'), 'base64');
  if (raw.length !== 33 || raw[0] !== 1) throw new Error('not an Ed25519 verifier key');
  const id = sha256(Buffer.from(name + '\n'), raw).subarray(0, 4);
  if (id.toString('hex') !== idHex) throw new Error('the key id does not match the key');
  return { name, id, pub: raw.subarray(1) };
}

// A signed note: text, a blank line, signature lines "— <name> <base64(key id || signature)>".
// Returns the text when one line is a valid signature by vkey; lines of other keys (witness
// cosignatures, say) are ignored.
export async function verifyNote(note, vkey) {
  const k = parseVerifierKey(vkey);
  const split = note.lastIndexOf('\n\n');
  if (split < 0 || !note.endsWith('\n')) throw new Error('not a signed note');
  const text = note.slice(0, split + 1);
  const key = await crypto.subtle.importKey('raw', k.pub, { name: 'Ed25519' }, false, ['verify']);
  for (const line of note.slice(split + 2, -1).split('\n')) {
    const m = /^\u2014 (\S+) (\S+)$/.exec(line);
    if (!m) throw new Error(`malformed signature line ${JSON.stringify(line)}`);
    const sig = Buffer.from(m[2], 'base64');
    if (m[1] !== k.name || sig.length !== 68 || !sig.subarray(0, 4).equals(k.id)) continue;
    if (await crypto.subtle.verify({ name: 'Ed25519' }, key, sig.subarray(4), Buffer.from(text))) {
      return text;
    }
    throw new Error('the log signature does not verify');
  }
  throw new Error('no signature by the log key');
}

// tlog-checkpoint body: origin, decimal tree size, base64 root hash, optional extension lines.
export function parseCheckpointText(text) {
  const lines = text.split('\n');
  if (lines.length < 4 || !/^(0|[1-9][0-9]*)$/.test(lines[1])) throw new Error('not a checkpoint');
  const root = Buffer.from(lines[2], 'base64');
  if (root.length !== HASH || root.toString('base64') !== lines[2]) throw new Error('bad root');
  return { origin: lines[0], size: Number(lines[1]), root };
}

const largestPow2Below = (n) => {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
};

export class TileClient {
  // base: the server's origin; prefix: the tlog-tiles prefix ('/log/'); vkey: the log's key.
  constructor(base, prefix, vkey) {
    this.base = base;
    this.prefix = prefix;
    this.vkey = vkey;
    this.cache = new Map(); // path -> Buffer
    this.fetched = []; // every resource path fetched, in order
  }

  async get(path) {
    const res = await fetch(this.base + this.prefix + path);
    const body = Buffer.from(await res.arrayBuffer());
    return { status: res.status, headers: res.headers, body };
  }

  // The verified checkpoint: {origin, size, root, note}.
  async checkpoint() {
    const r = await this.get('checkpoint');
    if (r.status !== 200) throw new Error(`checkpoint: ${r.status} ${r.body}`);
    const note = r.body.toString('utf8');
    const cp = parseCheckpointText(await verifyNote(note, this.vkey));
    return { ...cp, note };
  }

  async resource(path, bytes) {
    if (this.cache.has(path)) return this.cache.get(path);
    this.fetched.push(path);
    const r = await this.get(path);
    if (r.status !== 200) throw new Error(`${path}: ${r.status} ${r.body}`);
    if (bytes !== undefined && r.body.length !== bytes) {
      throw new Error(`${path}: ${r.body.length} bytes, expected ${bytes}`);
    }
    this.cache.set(path, r.body);
    return r.body;
  }

  // The width of tile (level, n) in the tree of size: 256 when full, 0 when it does not exist.
  static tileWidth(level, n, size) {
    const hashes = Math.floor(size / TILE ** level); // hashes at that level
    return Math.max(0, Math.min(TILE, hashes - n * TILE));
  }

  // The hashes of tile (level, n) as the tree of size has it.
  async tile(level, n, size) {
    const w = TileClient.tileWidth(level, n, size);
    if (w === 0) throw new Error(`tile ${level}/${n} is not in a tree of size ${size}`);
    return this.resource(tilePath(level, n, w), w * HASH);
  }

  // Hash of the perfect subtree of height h over leaves [k * 2^h, (k + 1) * 2^h), from the tile
  // at level floor(h / 8) holding its 2^(h mod 8) hashes.
  async node(h, k, size) {
    const level = Math.floor(h / 8), r = h % 8;
    const first = k * 2 ** r; // index of its first hash at that level
    const t = await this.tile(level, Math.floor(first / TILE), size);
    let layer = [];
    for (let i = 0; i < 2 ** r; i++) {
      const at = (first % TILE + i) * HASH;
      layer.push(t.subarray(at, at + HASH));
    }
    while (layer.length > 1) {
      const up = [];
      for (let i = 0; i < layer.length; i += 2) up.push(nodeHash(layer[i], layer[i + 1]));
      layer = up;
    }
    return layer[0];
  }

  // MTH(D[begin:end]) (RFC 6962 2.1) of the tree of size (end <= size): perfect aligned
  // subtrees from the tiles, the rest by the recursion.
  async mth(begin, end, size) {
    const n = end - begin;
    if (n === 0) return sha256(Buffer.alloc(0));
    const h = Math.log2(n);
    if (Number.isInteger(h) && begin % n === 0) return this.node(h, begin / n, size);
    const k = largestPow2Below(n);
    return nodeHash(await this.mth(begin, begin + k, size), await this.mth(begin + k, end, size));
  }

  root(size) {
    return this.mth(0, size, size);
  }

  // RFC 6962 2.1.1 PATH(m, D[begin:end]).
  async path(m, begin, end, size) {
    const n = end - begin;
    if (n <= 1) return [];
    const k = largestPow2Below(n);
    if (m < k) return [...await this.path(m, begin, begin + k, size), await this.mth(begin + k, end, size)];
    return [...await this.path(m - k, begin + k, end, size), await this.mth(begin, begin + k, size)];
  }

  inclusionProof(index, size) {
    return this.path(index, 0, size, size);
  }

  // RFC 6962 2.1.2 SUBPROOF(m, D[begin:end], b).
  async subproof(m, begin, end, b, size) {
    const n = end - begin;
    if (m === n) return b ? [] : [await this.mth(begin, end, size)];
    const k = largestPow2Below(n);
    if (m <= k) {
      return [...await this.subproof(m, begin, begin + k, b, size), await this.mth(begin + k, end, size)];
    }
    return [...await this.subproof(m - k, begin + k, end, false, size), await this.mth(begin, begin + k, size)];
  }

  // The consistency proof from size m to size n (0 < m <= n): empty when m === n.
  consistencyProof(m, n) {
    return this.subproof(m, 0, n, true, n);
  }

  // Entry bundle n of the tree of size: its entries (uint16 big-endian length, then the bytes).
  async bundle(n, size) {
    const w = TileClient.tileWidth(0, n, size);
    if (w === 0) throw new Error(`bundle ${n} is not in a tree of size ${size}`);
    return parseBundle(await this.resource(`tile/entries/${encodeIndex(n)}${w < TILE ? `.p/${w}` : ''}`));
  }
}

export function parseBundle(buf) {
  const entries = [];
  for (let at = 0; at < buf.length;) {
    if (at + 2 > buf.length) throw new Error('truncated entry length');
    const len = buf.readUInt16BE(at);
    if (at + 2 + len > buf.length) throw new Error('truncated entry');
    entries.push(buf.subarray(at + 2, at + 2 + len));
    at += 2 + len;
  }
  return entries;
}

// RFC 9162 2.1.3.2: verifies an inclusion proof of leaf (its hash) at index in a tree of size.
export function verifyInclusion(leaf, index, size, proof, root) {
  if (index >= size) return false;
  let fn = index, sn = size - 1, r = leaf;
  for (const p of proof) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      if (fn % 2 === 0) while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && r.equals(root);
}

// RFC 9162 2.1.4.2: verifies a consistency proof from (m, rootM) to (n, rootN), 0 < m <= n.
export function verifyConsistency(m, n, rootM, rootN, proof) {
  if (m === n) return proof.length === 0 && rootM.equals(rootN);
  if (m === 0 || m > n || proof.length === 0) return false;
  let path = proof;
  if (Number.isInteger(Math.log2(m))) path = [rootM, ...proof];
  let fn = m - 1, sn = n - 1;
  while (fn % 2 === 1) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
  let fr = path[0], sr = path[0];
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (fn % 2 === 0) while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return fr.equals(rootM) && sr.equals(rootN) && sn === 0;
}
