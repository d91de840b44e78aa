// SPDX-License-Identifier: Apache-2.0
// provd verify --witness VKEY… --witness-quorum N: a real receipt's checkpoint, cosigned here by
// test cosigners (lib/witness.mjs, written from the C2SP specs), passes when N distinct
// configured witnesses cosigned it, and fails, naming the witnesses, when the quorum is not met,
// a cosignature is tampered with, or a key is wrong; lines of unknown keys are ignored.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  startProvd, createApiKey, createLogKey, newEd25519Signer, signedItem, http, freshDatabase,
  runProvd, tempDir,
} from './lib/harness.mjs';
import { noteSigner } from './lib/witness.mjs';
import { splitNote } from './lib/cosig.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const tmp = tempDir('provd-verify-witness-');
let srv, key, receipt, a, b, c, stranger;

before(async () => {
  const dbUrl = freshDatabase();
  const token = createApiKey(dbUrl);
  key = createLogKey('log.provd.test/cosigned');
  srv = await startProvd({ dbUrl, command: 'run', logKey: key });
  const signer = await newEd25519Signer();
  const res = await http(srv.base, 'POST', '/v1/items', {
    body: await signedItem(signer, { tag: 'cosigned', license: 'MIT' }), token });
  assert.equal(res.status, 201, res.text);
  for (let i = 0; i < 200 && !receipt; i++) {
    const r = await http(srv.base, 'GET', `/v1/items/${res.body.id}/receipt`);
    if (r.status === 200) receipt = r.body;
    else await sleep(50);
  }
  assert.ok(receipt, 'the item was logged');
  [a, b, c, stranger] = await Promise.all(['witness.test/a', 'witness.test/b', 'witness.test/c',
    'witness.test/stranger'].map((n) => noteSigner(n)));
});
after(async () => {
  await srv.stop();
});

// Runs provd verify on receipt with its checkpoint replaced by checkpoint.
function verify(checkpoint, args, env = {}) {
  const file = path.join(tmp, `r-${Math.random().toString(36).slice(2)}.json`);
  fs.writeFileSync(file, JSON.stringify({ ...receipt, checkpoint }));
  return runProvd(['verify', file, '--log-key', key.vkey, ...args], env);
}
const witnesses = (...ws) => ws.flatMap((w) => ['--witness', w.vkey]);

// Flips one bit of the signature in the last signature line of note.
function tamperLast(note) {
  const lines = note.trimEnd().split('\n');
  const [dash, name, b64] = lines.at(-1).split(' ');
  const raw = Buffer.from(b64, 'base64');
  raw[40] ^= 1;
  lines[lines.length - 1] = `${dash} ${name} ${raw.toString('base64')}`;
  return lines.join('\n') + '\n';
}

test('a cosigned checkpoint still verifies without --witness (the lines are ignored)', async () => {
  const r = verify(await b.cosign(await a.cosign(receipt.checkpoint)), []);
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(r.stdout, /OK: checkpoint cosigned|witness/);
});

test('quorum met: all given witnesses by default, or N of them', async () => {
  const note = await b.cosign(await a.cosign(receipt.checkpoint));
  let r = verify(note, witnesses(a, b));
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /OK: checkpoint cosigned by 2 of 2 witness\(es\), 2 required/);
  assert.match(r.stdout, /witness witness\.test\/a\+[0-9a-f]{8}: cosigned/);
  r = verify(note, [...witnesses(a, b, c), '--witness-quorum', '2']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /cosigned by 2 of 3 witness\(es\), 2 required/);
  assert.match(r.stdout, /witness witness\.test\/c\+[0-9a-f]{8}: no cosignature/);
  // The same from the environment (space-separated).
  r = verify(note, [], { PROVD_VERIFY_WITNESS: `${a.vkey} ${b.vkey}` });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /cosigned by 2 of 2/);
});

test('quorum not met: FAIL naming the witnesses without a cosignature', async () => {
  const note = await a.cosign(receipt.checkpoint);
  let r = verify(note, witnesses(a, b, c));
  assert.equal(r.status, 1);
  assert.match(r.stderr, /FAIL: checkpoint: 1 valid witness cosignature\(s\), 3 required/);
  assert.match(r.stderr, /witness\.test\/b\+[0-9a-f]{8}: no cosignature/);
  assert.match(r.stderr, /witness\.test\/c\+[0-9a-f]{8}: no cosignature/);
  assert.doesNotMatch(r.stderr, /witness\.test\/a\+/);
  r = verify(receipt.checkpoint, [...witnesses(a), '--witness-quorum', '1']);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /0 valid witness cosignature\(s\), 1 required/);
});

test('a tampered cosignature does not count, and is named', async () => {
  const note = tamperLast(await b.cosign(await a.cosign(receipt.checkpoint)));
  let r = verify(note, witnesses(a, b));
  assert.equal(r.status, 1);
  assert.match(r.stderr, /1 valid witness cosignature\(s\), 2 required/);
  assert.match(r.stderr, /witness\.test\/b\+[0-9a-f]{8}: cosignature does not verify/);
  r = verify(note, [...witnesses(a, b), '--witness-quorum', '1']);
  assert.equal(r.status, 0, r.stderr);
  // A cosignature over another checkpoint (another size), moved onto this one.
  const body = splitNote(receipt.checkpoint).body;
  const other = body.replace(/\n(\d+)\n/, (m, n) => `\n${Number(n) + 1}\n`);
  r = verify(receipt.checkpoint + await a.cosignLine(other), witnesses(a));
  assert.equal(r.status, 1);
  assert.match(r.stderr, /witness\.test\/a\+[0-9a-f]{8}: cosignature does not verify/);
});

test('a wrong key: the same name with another key does not count', async () => {
  const impostor = await noteSigner('witness.test/a');
  const note = await impostor.cosign(await b.cosign(receipt.checkpoint));
  const r = verify(note, witnesses(a, b));
  assert.equal(r.status, 1);
  assert.match(r.stderr, /1 valid witness cosignature\(s\), 2 required/);
  assert.match(r.stderr, /witness\.test\/a\+[0-9a-f]{8}: no cosignature/);
});

test('unknown signature lines are ignored and never count', async () => {
  const note = (await b.cosign(await stranger.cosign(await a.cosign(receipt.checkpoint)))) +
    '\u2014 other.example/x AAAAAAAAAAAA\n';
  let r = verify(note, witnesses(a, b));
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /cosigned by 2 of 2/);
  r = verify(await stranger.cosign(receipt.checkpoint), witnesses(a));
  assert.equal(r.status, 1);
  assert.match(r.stderr, /0 valid witness cosignature\(s\), 1 required/);
});

test('configuration errors: quorum above the keys, a key that is not a cosigner key', () => {
  let r = verify(receipt.checkpoint, [...witnesses(a), '--witness-quorum', '2']);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /--witness-quorum 2 exceeds the 1 --witness key/);
  r = verify(receipt.checkpoint, [...witnesses(a, a), '--witness-quorum', '2']);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /--witness-quorum 2 exceeds the 1 distinct --witness key/);
  r = verify(receipt.checkpoint, ['--witness', key.vkey]); // the log's own (type 0x01) key
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /is not a cosigner key/);
  r = runProvd(['verify', '--help']);
  assert.equal(r.status, 0);
  assert.match(r.stdout + r.stderr, /--witness VKEY/);
  assert.match(r.stdout + r.stderr, /--witness-quorum N/);
});
