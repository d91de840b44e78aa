// SPDX-License-Identifier: Apache-2.0
// The signature over a logged record's statement, in every scheme provd accepts: ed25519 and
// ecdsa-p256 with WebCrypto, eip191 and eip712 with the vendored secp256k1 and Keccak-256.
import { base64ToBytes, bytesToHex, concat, hexToBytes, utf8 } from './bytes.js';
import { canonicalize } from './jcs.js';
import { ed25519Verify } from './note.js';
import { recoverPublicKey } from './vendor/secp256k1.js';
import { keccak_256 as keccak } from './vendor/sha3.js';

const STATEMENT_OF = {
  'provd.item.v1': (r) => ({ type: 'provd.item.v1', content_hash: r.content_hash, metadata: r.metadata }),
  'provd.dataset.v1': (r) => ({ type: r.type, name: r.name, version: r.version, metadata: r.metadata,
    policy: r.policy, member_count: r.member_count, members_root: r.members_root }),
  'provd.model.v1': (r) => ({ type: r.type, model: r.model, datasets: r.datasets, metadata: r.metadata }),
};

// What the signer signed: an item record has no type; datasets and models say theirs.
export function statementOf(record) {
  const of = STATEMENT_OF[record.type ?? 'provd.item.v1'];
  if (!of) throw new Error(`unknown record type ${record.type}`);
  return of(record);
}

// DER (SEQUENCE of two INTEGERs) to the r || s that WebCrypto verifies.
function derToRaw(der) {
  const ints = [];
  let at = 2 + (der[1] & 0x80 ? der[1] & 0x7f : 0);
  if (der[0] !== 0x30) throw new Error('not a DER signature');
  for (let i = 0; i < 2; i++) {
    if (der[at] !== 0x02) throw new Error('not a DER signature');
    const len = der[at + 1];
    let v = der.slice(at + 2, at + 2 + len);
    while (v.length > 32 && v[0] === 0) v = v.slice(1);
    if (v.length > 32) throw new Error('DER integer too long');
    ints.push(concat(new Uint8Array(32 - v.length), v));
    at += 2 + len;
  }
  return concat(...ints);
}

async function p256Verify(sig, message) {
  const pub = base64ToBytes(sig.public_key);
  const format = pub.length === 65 ? 'raw' : 'spki';
  const key = await crypto.subtle.importKey(format, pub, { name: 'ECDSA', namedCurve: 'P-256' },
    false, ['verify']);
  let value = base64ToBytes(sig.value);
  if (value.length !== 64) value = derToRaw(value);
  return crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, key, value, message);
}

const kec = (b) => keccak(b);
const kecs = (s) => kec(utf8(s));
const u256 = (n) => hexToBytes(BigInt(n).toString(16).padStart(64, '0'));
const bytes32 = (hex) => {
  const b = hexToBytes(hex.replace(/^sha256:/, ''));
  if (b.length !== 32) throw new Error('not 32 bytes');
  return b;
};

// EIP-712 struct hashes of the three statements, in the domain {name: "provd", version: "1"}.
function typedStruct(st, statementBytes) {
  const md = () => kecs(canonicalize(st.metadata));
  switch (st.type) {
    case 'provd.item.v1':
      return concat(kecs('ProvdItem(string statementType,string contentHash,bytes32 metadataHash)'),
        kecs(st.type), kecs(st.content_hash), md());
    case 'provd.dataset.v1':
      return concat(kecs('ProvdDataset(string statementType,string name,string version,uint256 '
        + 'memberCount,bytes32 membersRoot,bytes32 metadataHash,bytes32 policyHash)'), kecs(st.type),
      kecs(st.name), kecs(st.version), u256(st.member_count), bytes32(st.members_root), md(),
      kecs(canonicalize(st.policy)));
    default:
      return concat(kecs('ProvdModel(string statementType,string name,string version,bytes32 '
        + 'digest,bytes32 statementHash)'), kecs(st.type), kecs(st.model.name),
      kecs(st.model.version), bytes32(st.model.digest), kec(statementBytes));
  }
}

function eip712Digest(st, statementBytes) {
  const domain = kec(concat(kecs('EIP712Domain(string name,string version)'), kecs('provd'), kecs('1')));
  return kec(concat(Uint8Array.of(0x19, 0x01), domain, kec(typedStruct(st, statementBytes))));
}

const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

// The address that signed digest with value (0x + r, s, v), or an Error's message.
function recoverAddress(digest, value) {
  const raw = hexToBytes(value);
  if (raw.length !== 65) throw new Error('an Ethereum signature is 65 bytes');
  const v = raw[64] >= 27 ? raw[64] - 27 : raw[64];
  if (v > 1) throw new Error(`bad recovery id v = ${raw[64]}`);
  if (BigInt('0x' + bytesToHex(raw.slice(32, 64))) > N / 2n) throw new Error('high-s signature (EIP-2)');
  const pub = recoverPublicKey(concat(Uint8Array.of(v), raw.slice(0, 64)), digest,
    { prehash: false, isCompressed: false });
  return '0x' + bytesToHex(kec(pub.slice(1)).slice(12));
}

// {ok, detail}: whether record.signature signs the record's statement.
export async function verifyStatementSignature(record) {
  const st = statementOf(record);
  const bytes = utf8(canonicalize(st));
  const sig = record.signature || {};
  switch (sig.scheme) {
    case 'ed25519': {
      const ok = await ed25519Verify(base64ToBytes(sig.public_key), base64ToBytes(sig.value), bytes);
      return { ok, detail: `Ed25519 over the ${st.type} statement (${bytes.length} bytes)` };
    }
    case 'ecdsa-p256': {
      const ok = await p256Verify(sig, bytes);
      return { ok, detail: `ECDSA P-256 over the ${st.type} statement (${bytes.length} bytes)` };
    }
    case 'eip191':
    case 'eip712': {
      const digest = sig.scheme === 'eip191'
        ? kec(concat(utf8(`\x19Ethereum Signed Message:\n${bytes.length}`), bytes))
        : eip712Digest(st, bytes);
      const got = recoverAddress(digest, sig.value);
      const ok = got === String(sig.address).toLowerCase();
      return { ok, detail: ok ? `${sig.scheme}: signed by ${sig.address}` : `${sig.scheme}: recovered ${got}, not ${sig.address}` };
    }
    default:
      return { ok: false, detail: `unknown signature scheme ${sig.scheme}` };
  }
}
