// SPDX-License-Identifier: Apache-2.0
// Regenerates cosignature.json: C2SP tlog-cosignature (cosignature/v1, Ed25519) vectors made
// with Node's WebCrypto through tests/blackbox/lib/cosig.mjs (written from the specs, never
// from provd's code). Keys are fresh on every run.
// Usage: node tests/vectors/gen-cosignature.mjs > tests/vectors/cosignature.json
import { webcrypto as crypto } from 'node:crypto';
import {
  SIG_NOTE, SIG_COSIG_V1, generateKey, formatVkey, keyId, cosignLine, signNote, sigLine,
  ed25519Sign, verifyCosignature, splitNote,
} from '../blackbox/lib/cosig.mjs';

const root = Buffer.from(await crypto.subtle.digest('SHA-256', Buffer.from('vectors'))).toString('base64');
const body = `example.com/provd-vectors\n42\n${root}\n`;
const ts = 1764672000;
const log = await generateKey('example.com/provd-vectors', SIG_NOTE);
const w1 = await generateKey('witness.example/w1');
const w2 = await generateKey('witness.example/w2');
const w3 = await generateKey('witness.example/w3'); // never cosigns
const valid = await cosignLine(w1, body, ts);
const flip = (line, at) => { // flips one bit of the decoded signature line at byte at
  const [dash, name, b64] = line.trimEnd().split(' ');
  const raw = Buffer.from(b64, 'base64');
  raw[at] ^= 1;
  return sigLine(name, raw).replace('\u2014 ', dash + ' ');
};
const big = 2n ** 63n;
const lines = [
  { name: 'valid', line: valid, expect: 'valid', timestamp: ts },
  { name: 'valid, timestamp 0', line: await cosignLine(w1, body, 0), expect: 'valid', timestamp: 0 },
  { name: 'valid, largest timestamp 2^63-1', line: await cosignLine(w1, body, big - 1n),
    expect: 'valid', timestamp: (big - 1n).toString() },
  { name: 'wrong key id', line: await cosignLine(w1, body, ts, { id: [1, 2, 3, 4] }), expect: 'other' },
  { name: 'wrong name', line: await cosignLine(w1, body, ts, { name: 'witness.example/w9' }),
    expect: 'other' },
  { name: 'another witness', line: await cosignLine(w2, body, ts), expect: 'other' },
  { name: 'the signature line of the log', line: splitNote(await signNote(log, body)).lines[0] + '\n',
    expect: 'other' },
  { name: 'bad timestamp encoding: leading zero in the signed time line',
    line: await cosignLine(w1, body, ts, { timeText: '0' + ts }), expect: 'invalid' },
  { name: 'bad timestamp encoding: signed time differs from the encoded one',
    line: await cosignLine(w1, body, ts, { timeText: String(ts + 1) }), expect: 'invalid' },
  { name: 'timestamp 2^63 (above the maximum), correctly signed',
    line: await cosignLine(w1, body, big), expect: 'invalid' },
  { name: 'tampered body (signed another size)',
    line: await cosignLine(w1, body, ts, { body: body.replace('\n42\n', '\n43\n') }), expect: 'invalid' },
  { name: 'tampered signature', line: flip(valid, 40), expect: 'invalid' },
  { name: 'tampered timestamp', line: flip(valid, 11), expect: 'invalid' },
  { name: 'signed-note signature by the witness key (no timestamp, 68 bytes)',
    line: sigLine(w1.name, Buffer.concat([Buffer.from(w1.id),
      Buffer.from(await ed25519Sign(w1.privateKey, Buffer.from(body)))])), expect: 'invalid' },
  { name: 'truncated base64 (last quad dropped)',
    line: valid.slice(0, -5) + '\n', expect: 'invalid' },
  { name: 'truncated base64 (cut mid-quad)', line: valid.slice(0, -4) + '\n', expect: 'malformed' },
  { name: 'no em dash', line: valid.replace('\u2014', '-'), expect: 'malformed' },
  { name: 'no final newline', line: valid.trimEnd(), expect: 'malformed' },
  { name: 'extra field', line: valid.replace('\n', ' x\n'), expect: 'malformed' },
];
// Checks each line with the JS verifier before writing it out: only the valid ones pass.
for (const l of lines) {
  if (!l.line.endsWith('\n')) continue; // a framing error the line-level check cannot see
  const got = await verifyCosignature(w1, body, l.line.slice(0, -1));
  if ((got !== null) !== (l.expect === 'valid')) throw new Error(`self-check failed: ${l.name}`);
}
const wrongType = formatVkey(w1.name, SIG_NOTE, await keyId(w1.name, SIG_NOTE, w1.pub), w1.pub);
const vkeys = [
  { name: 'valid', vkey: w1.vkey, valid: true },
  { name: 'signature type 0x01 (a note key), id computed for it', vkey: wrongType, valid: false },
  { name: 'signature type 0x01 with the cosignature id',
    vkey: formatVkey(w1.name, SIG_NOTE, w1.id, w1.pub), valid: false },
  { name: 'wrong key id', vkey: formatVkey(w1.name, SIG_COSIG_V1, [0, 0, 0, 0], w1.pub), valid: false },
  { name: 'name not matching the id', vkey: w1.vkey.replace('/w1+', '/w2+'), valid: false },
  { name: 'truncated key', vkey: w1.vkey.slice(0, -4), valid: false },
  { name: 'short hex id', vkey: w1.vkey.replace(/\+[0-9a-f]{8}\+/, (m) => m.slice(0, 8) + '+'),
    valid: false },
];
const note = `${await signNote(log, body)}${await cosignLine(w2, body, ts + 5)}` +
  `${await cosignLine(await generateKey('unknown.example/w'), body, ts)}${flip(valid, 50)}${valid}`;
const notes = [
  { name: 'w1 (after a tampered w1 line) and w2 valid, w3 absent, an unknown witness',
    note, vkeys: [w1.vkey, w2.vkey, w3.vkey], count: 2, per_key: ['valid', 'valid', 'other'] },
  { name: 'only a tampered w1 line', note: `${await signNote(log, body)}${flip(valid, 50)}`,
    vkeys: [w1.vkey, w2.vkey], count: 0, per_key: ['invalid', 'other'] },
  { name: 'the same key twice counts once', note, vkeys: [w1.vkey, w1.vkey], count: 1,
    per_key: ['valid', 'valid'] },
  { name: 'cosignature over another body', note: `${await signNote(log, body.replace('42', '41'))}${valid}`,
    vkeys: [w1.vkey], count: 0, per_key: ['invalid'] },
];
console.log(JSON.stringify({
  spec: 'C2SP tlog-cosignature cosignature/v1 (Ed25519); lines checked against body by vkey',
  vkey: w1.vkey, log_vkey: log.vkey, body, lines, vkeys, notes,
}, null, 1));
