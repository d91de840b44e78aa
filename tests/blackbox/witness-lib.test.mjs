// SPDX-License-Identifier: Apache-2.0
// The test witness (lib/witness.mjs) itself, against a real provd log: add-checkpoint requests
// built here from GET /v1/log/checkpoint and GET /v1/log/consistency get each status that
// C2SP tlog-witness prescribes, and the switchable behaviours do what the other tests rely on.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startProvd, createApiKey, createLogKey, newEd25519Signer, signedItem, http, freshDatabase,
} from './lib/harness.mjs';
import { startWitness, noteSigner, verifyCosignature } from './lib/witness.mjs';
import { generateKey, signNote, splitNote, SIG_NOTE } from './lib/cosig.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const ORIGIN = 'log.provd.test/witnessed';
let srv, token, key, signer, w;

before(async () => {
  const dbUrl = freshDatabase();
  token = createApiKey(dbUrl);
  key = createLogKey(ORIGIN);
  srv = await startProvd({ dbUrl, command: 'run', logKey: key });
  signer = await newEd25519Signer();
  w = await startWitness({ name: 'witness.test/lib', logs: [{ origin: ORIGIN, vkey: key.vkey }] });
});
after(async () => {
  await w.stop();
  await srv.stop();
});

let registered = 0;
// Registers n items and returns the checkpoint note once it covers all of them.
async function grow(n) {
  for (let i = 0; i < n; i++) {
    const res = await http(srv.base, 'POST', '/v1/items', {
      body: await signedItem(signer, { tag: 'witness-lib', i: registered, license: 'MIT' }), token });
    assert.equal(res.status, 201, res.text);
    registered++;
  }
  for (let i = 0; i < 200; i++) {
    const cp = await http(srv.base, 'GET', '/v1/log/checkpoint');
    if (cp.status === 200 && Number(cp.text.split('\n')[1]) >= registered) return cp.text;
    await sleep(50);
  }
  throw new Error('the checkpoint did not reach size ' + registered);
}

const sizeOf = (note) => Number(note.split('\n')[1]);

async function proof(from, to) {
  if (from === 0 || from === to) return [];
  const r = await http(srv.base, 'GET', `/v1/log/consistency?from=${from}&to=${to}`);
  assert.equal(r.status, 200, r.text);
  return r.body.proof.map((h) => Buffer.from(h, 'hex').toString('base64'));
}

const request = (old, proofB64, note) =>
  `old ${old}\n${proofB64.map((p) => p + '\n').join('')}\n${note}`;

async function add(body, witness = w, opts = {}) {
  const res = await fetch(`${witness.url}/add-checkpoint`, { method: 'POST', body, ...opts });
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
}

let last = { size: 0, note: null };

test('first checkpoint from old 0: 200 with a valid cosignature/v1 line', async () => {
  const note = await grow(3);
  const r = await add(request(0, [], note));
  assert.equal(r.status, 200, r.text);
  assert.match(r.text, /^\u2014 witness\.test\/lib [A-Za-z0-9+/=]+\n$/);
  const ts = await verifyCosignature(w.vkey, note, r.text);
  assert.ok(ts !== null, 'the line verifies');
  assert.ok(Math.abs(Number(ts) - Date.now() / 1000) < 60);
  assert.equal(w.state.get(ORIGIN).size, sizeOf(note));
  // The line does not verify under another cosigner key, nor over another checkpoint.
  const other = await noteSigner('witness.test/lib');
  assert.equal(await verifyCosignature(other.vkey, note, r.text), null);
  assert.equal(await verifyCosignature(w.vkey, note.replace(/\n\d+\n/, '\n999\n'), r.text), null);
  last = { size: sizeOf(note), note };
});

test('old size not the recorded one: 409 with the size as text/x.tlog.size', async () => {
  const r = await add(request(0, [], last.note));
  assert.equal(r.status, 409);
  assert.equal(r.type, 'text/x.tlog.size');
  assert.equal(r.text, `${last.size}\n`);
});

test('the same checkpoint again (old = size): 200; a growth with its proof: 200', async () => {
  assert.equal((await add(request(last.size, [], last.note))).status, 200);
  const note = await grow(5);
  const p = await proof(last.size, sizeOf(note));
  assert.ok(p.length > 0);
  const r = await add(request(last.size, p, note));
  assert.equal(r.status, 200, r.text);
  assert.ok(await verifyCosignature(w.vkey, note, r.text) !== null);
  last = { size: sizeOf(note), note };
});

test('a consistency proof that does not verify: 422, and nothing recorded', async () => {
  const note = await grow(4);
  const p = await proof(last.size, sizeOf(note));
  const bad = [...p];
  const raw = Buffer.from(bad[0], 'base64');
  raw[0] ^= 1;
  bad[0] = raw.toString('base64');
  assert.equal((await add(request(last.size, bad, note))).status, 422);
  assert.equal((await add(request(last.size, p.slice(1), note))).status, 422);
  assert.equal(w.state.get(ORIGIN).size, last.size);
  assert.equal((await add(request(last.size, p, note))).status, 200);
  last = { size: sizeOf(note), note };
});

test('unknown origin: 404; not signed by a known log key: 403', async () => {
  const stranger = await startWitness({ name: 'witness.test/stranger' });
  try {
    assert.equal((await add(request(0, [], last.note), stranger)).status, 404);
  } finally {
    await stranger.stop();
  }
  const impostor = await generateKey(ORIGIN, SIG_NOTE);
  const forged = await signNote(impostor, splitNote(last.note).body);
  assert.equal((await add(request(last.size, [], forged))).status, 403);
  // The real signature after the unknown key's: accepted (unknown lines are ignored).
  const mixed = forged + splitNote(last.note).lines.map((l) => l + '\n').join('');
  assert.equal((await add(request(last.size, [], mixed))).status, 200);
});

test('malformed requests: 400', async () => {
  const cases = [
    'hello',
    `old 01\n\n${last.note}`,
    `old ${last.size}\n${last.note}`, // no empty line: the checkpoint is read as proof lines
    `old ${last.size + 1}\n\n${last.note}`, // old beyond the checkpoint's size
    `old 0\n${Buffer.alloc(32).toString('base64')}\n\n${last.note}`, // proof from size 0
    `old ${last.size}\n\n${splitNote(last.note).body}`, // no signature
    `old ${last.size}\n\nnot\na\ncheckpoint\n\n\u2014 x AAAA\n`,
  ];
  for (const c of cases) assert.equal((await add(c)).status, 400, JSON.stringify(c));
  assert.equal((await fetch(`${w.url}/add-checkpoint`)).status, 405);
  assert.equal((await fetch(`${w.url}/other`, { method: 'POST', body: 'x' })).status, 404);
});

test('behaviours: refuse, bad-signature, timeout, fork; requests are counted', async () => {
  const before = w.counts.requests;
  w.setBehaviour('refuse');
  assert.equal((await add(request(last.size, [], last.note))).status, 403);
  w.setBehaviour('bad-signature');
  const bad = await add(request(last.size, [], last.note));
  assert.equal(bad.status, 200);
  assert.match(bad.text, /^\u2014 witness\.test\/lib /);
  assert.equal(await verifyCosignature(w.vkey, last.note, bad.text), null);
  w.setBehaviour('timeout');
  await assert.rejects(add(request(last.size, [], last.note), w,
    { signal: AbortSignal.timeout(300) }), /timeout|abort/i);
  w.setBehaviour('timeout', { delayMs: 400 });
  const t0 = Date.now();
  assert.equal((await add(request(last.size, [], last.note))).status, 200);
  assert.ok(Date.now() - t0 >= 350);
  w.setBehaviour('fork');
  assert.notDeepEqual(w.state.get(ORIGIN).root, Buffer.from(last.note.split('\n')[2], 'base64'));
  const same = await add(request(last.size, [], last.note));
  assert.equal(same.status, 409);
  assert.equal(same.text, `${last.size}\n`);
  const note = await grow(2);
  assert.equal((await add(request(last.size, await proof(last.size, sizeOf(note)), note))).status,
    422);
  w.setBehaviour('ok');
  assert.equal(w.counts.requests - before, 6);
  assert.ok(w.counts.status[409] >= 2 && w.counts.status[422] >= 3);
  assert.deepEqual(w.requests.at(-1), { old: last.size, size: null, status: 422 });
});

test('noteSigner cosigns a note offline, verifyCosignature checks each line', async () => {
  const a = await noteSigner('witness.test/a');
  const b = await noteSigner('witness.test/b');
  const cosigned = await b.cosign(await a.cosign(last.note, 1700000000));
  const lines = splitNote(cosigned).lines;
  assert.equal(lines.length, splitNote(last.note).lines.length + 2);
  assert.equal(await verifyCosignature(a.vkey, cosigned, lines.at(-2)), 1700000000n);
  assert.ok(await verifyCosignature(b.vkey, cosigned, lines.at(-1)) !== null);
  assert.equal(await verifyCosignature(a.vkey, cosigned, lines.at(-1)), null);
});
