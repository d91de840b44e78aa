// SPDX-License-Identifier: Apache-2.0
// An independent DSSE v1 verifier, written from the DSSE specification (secure-systems-lab/dsse,
// protocol.md and envelope.md), for envelopes signed with a C2SP signed-note Ed25519 key such as
// the log's: PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body, LEN being the
// ASCII decimal byte length without leading zeros; the envelope is
// {"payload": base64(body), "payloadType": type, "signatures": [{"keyid", "sig": base64}]}, with
// standard or URL-safe base64 accepted as the spec demands. Shares no code with provd.
import { webcrypto as crypto } from 'node:crypto';
import { parseVkey } from './tlog.mjs';

export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';

// Pre-Authentication Encoding of a payload type (a string, encoded as UTF-8) and a body (bytes).
export function pae(payloadType, body) {
  const type = Buffer.from(payloadType, 'utf8');
  const b = Buffer.from(body);
  return Buffer.concat([
    Buffer.from(`DSSEv1 ${type.length} `, 'ascii'), type,
    Buffer.from(` ${b.length} `, 'ascii'), b,
  ]);
}

// Strict base64 decoding, standard or URL-safe alphabet (one alphabet per string), padding
// optional; Node's own decoder silently skips characters it does not know, so check first.
export function decodeBase64(s, what) {
  if (typeof s !== 'string') throw new Error(`${what} is not a string`);
  const std = /^[A-Za-z0-9+/]*={0,2}$/.test(s);
  const url = /^[A-Za-z0-9_-]*={0,2}$/.test(s);
  const body = s.replace(/=+$/, '');
  if ((!std && !url) || body.length % 4 === 1 || (s.includes('=') && s.length % 4 !== 0)) {
    throw new Error(`${what} is not base64`);
  }
  const out = Buffer.from(body.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  // No stray bits: re-encoding must give the same characters back.
  if (out.toString('base64').replace(/=+$/, '') !== body.replace(/-/g, '+').replace(/_/g, '/')) {
    throw new Error(`${what} has non-canonical trailing bits`);
  }
  return out;
}

// Verifies a DSSE JSON envelope against the verifier key vkey
// (`<name>+<8 hex key id>+<base64(0x01 || Ed25519 public key)>`). A signature is considered only
// when its keyid is the key's 8-hex key id; at least one such signature must verify over the PAE.
// Returns {payloadType, body (Buffer), json (the parsed body when it is JSON)}; throws otherwise.
export async function verifyEnvelope(env, vkey, { payloadType = IN_TOTO_PAYLOAD_TYPE } = {}) {
  if (env === null || typeof env !== 'object' || Array.isArray(env)) {
    throw new Error('the envelope is not a JSON object');
  }
  if (typeof env.payloadType !== 'string') throw new Error('payloadType is missing');
  const body = decodeBase64(env.payload, 'payload');
  if (!Array.isArray(env.signatures) || env.signatures.length === 0) {
    throw new Error('the envelope has no signatures');
  }
  const k = parseVkey(vkey);
  const keyid = k.id.toString('hex');
  const key = await crypto.subtle.importKey('raw', k.pub, { name: 'Ed25519' }, false, ['verify']);
  const message = pae(env.payloadType, body);
  let candidates = 0;
  let verified = false;
  for (const s of env.signatures) {
    if (s === null || typeof s !== 'object') throw new Error('a signature is not an object');
    // keyid is an unauthenticated hint; it only narrows which signatures are tried.
    if (s.keyid !== keyid) continue;
    candidates++;
    const sig = decodeBase64(s.sig, 'sig');
    if (sig.length !== 64) continue;
    if (await crypto.subtle.verify({ name: 'Ed25519' }, key, sig, message)) {
      verified = true;
      break;
    }
  }
  if (candidates === 0) throw new Error(`no signature with key id ${keyid}`);
  if (!verified) throw new Error('no signature verifies over the PAE');
  // Only after the signature: the type must be one this verifier supports, the body must parse.
  if (env.payloadType !== payloadType) throw new Error(`unsupported payloadType ${env.payloadType}`);
  let json;
  if (/json$/.test(payloadType)) {
    try {
      json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
    } catch (e) {
      throw new Error(`the payload does not parse: ${e.message}`);
    }
  }
  return { payloadType: env.payloadType, body, json };
}

// The in-toto Statement v1 layer (in-toto/attestation spec/v1/statement.md): _type, a non-empty
// subject of resource descriptors each with a digest, predicateType a string, predicate an object
// when present. Returns the statement; throws when it is not one.
export function checkInTotoStatement(st) {
  if (st === null || typeof st !== 'object' || Array.isArray(st)) throw new Error('not a JSON object');
  if (st._type !== 'https://in-toto.io/Statement/v1') throw new Error(`_type is ${st._type}`);
  if (!Array.isArray(st.subject) || st.subject.length === 0) throw new Error('no subject');
  for (const s of st.subject) {
    if (!s || typeof s.digest !== 'object' || s.digest === null || Object.keys(s.digest).length === 0) {
      throw new Error('a subject has no digest');
    }
    for (const [alg, hex] of Object.entries(s.digest)) {
      if (typeof hex !== 'string' || !/^[0-9a-f]+$/i.test(hex)) throw new Error(`bad ${alg} digest`);
    }
  }
  if (typeof st.predicateType !== 'string' || !st.predicateType) throw new Error('no predicateType');
  if (st.predicate !== undefined &&
      (st.predicate === null || typeof st.predicate !== 'object' || Array.isArray(st.predicate))) {
    throw new Error('predicate is not an object');
  }
  return st;
}
