// SPDX-License-Identifier: Apache-2.0
// A test witness written from C2SP tlog-witness and tlog-cosignature (Node http + WebCrypto
// Ed25519; it never imports provd code). It serves
//   POST <prefix>/add-checkpoint   body: "old <size>\n" [base64 hash "\n"]… "\n" <signed checkpoint>
// and answers as the spec says:
//   404 unknown origin · 403 no signature by a known log key · 400 malformed or old > size ·
//   409 old != the size it last cosigned (body "<size>\n", Content-Type text/x.tlog.size), or same
//   size with another root · 422 consistency proof does not verify · 200 the cosignature line.
// Per test, setBehaviour() switches it to refuse (403), timeout (never answers, or answers after
// a delay), bad-signature (a corrupt cosignature line), or fork (its record of the log replaced
// by another root at the same size, so that the real log looks forked to it).
import http from 'node:http';
import { parseCheckpoint, verifyConsistency } from './tlog.mjs';
import {
  generateKey, parseVkey, cosignLine, verifyCosignature as verifyLine, verifyNote, splitNote,
  parseSigLine, SIG_NOTE, SIG_COSIG_V1,
} from './cosig.mjs';

const B64_HASH = /^[A-Za-z0-9+/]{43}=$/;
const now = () => Math.floor(Date.now() / 1000);

// A cosigner (cosignature/v1) not bound to a server: { name, vkey, key, cosignLine(body, ts),
// cosign(note, ts) } where cosign appends its line to a signed note. For tests that cosign a
// receipt's checkpoint themselves.
export async function noteSigner(name = 'witness.test/offline') {
  const key = await generateKey(name, SIG_COSIG_V1);
  return {
    name,
    vkey: key.vkey,
    key,
    cosignLine: (body, ts = now(), opts = {}) => cosignLine(key, body, ts, opts),
    async cosign(note, ts = now(), opts = {}) {
      const s = splitNote(note);
      if (!s) throw new Error('not a signed note');
      return note + await cosignLine(key, s.body, ts, opts);
    },
  };
}

// Checks a cosignature line (with or without its newline) by vkey over the body of note (a
// signed note or a bare checkpoint body ending in '\n'): the timestamp (BigInt) or null.
export async function verifyCosignature(vkey, note, line) {
  const k = await parseVkey(vkey);
  if (!k || k.type !== SIG_COSIG_V1) return null;
  const s = splitNote(note);
  return verifyLine(k, s ? s.body : note, line.replace(/\n$/, ''));
}

class Reject extends Error {
  constructor(status, text, headers = {}) {
    super(text);
    this.status = status;
    this.headers = headers;
  }
}

// Parses an add-checkpoint body into { old, proof: [hex], note, body, cp } or throws Reject(400).
function parseRequest(text) {
  const bad = (why) => new Reject(400, why + '\n');
  const lines = text.split('\n');
  const m = /^old (0|[1-9][0-9]*)$/.exec(lines[0] ?? '');
  if (!m) throw bad('no old size line');
  const old = Number(m[1]);
  let i = 1;
  const proof = [];
  for (; i < lines.length && lines[i] !== ''; i++) {
    if (!B64_HASH.test(lines[i])) throw bad('bad proof line');
    proof.push(Buffer.from(lines[i], 'base64').toString('hex'));
  }
  if (i >= lines.length) throw bad('no empty line before the checkpoint');
  if (proof.length > 63) throw bad('more than 63 proof lines');
  const note = lines.slice(i + 1).join('\n');
  const s = splitNote(note);
  if (!s || s.lines.length === 0 || s.lines.some((l) => !parseSigLine(l))) {
    throw bad('not a signed note');
  }
  const head = s.body.split('\n');
  if (head.length < 4 || !/^(0|[1-9][0-9]*)$/.test(head[1]) || !B64_HASH.test(head[2])) {
    throw bad('not a checkpoint');
  }
  const cp = parseCheckpoint(s.body);
  if (old > cp.size) throw bad('old size beyond the checkpoint size');
  if (old === 0 && proof.length) throw bad('a proof from size 0');
  return { old, proof, note, body: s.body, cp };
}

// Starts a witness on 127.0.0.1 (port 0). logs: [{ origin, vkey }] it trusts. Returns
// { url (submission prefix, no trailing slash), name, vkey, key, setBehaviour, addLog, state,
//   setState, counts, requests, stop }.
export async function startWitness({ name = 'witness.test/w1', logs = [], prefix = '',
  behaviour = 'ok' } = {}) {
  const key = await generateKey(name, SIG_COSIG_V1);
  const trusted = new Map(); // origin -> [{ name, id, pub }]
  const state = new Map(); // origin -> { size, root (Buffer) }
  let mode = { behaviour, delayMs: null };
  const counts = { requests: 0, status: {} };
  const requests = []; // { old, size, status }
  const held = new Set(); // responses never answered (timeout), ended on stop
  let queue = Promise.resolve(); // serialises check-and-update, as the spec requires

  async function addLog(origin, vkey) {
    const k = await parseVkey(vkey);
    if (!k || k.type !== SIG_NOTE) throw new Error('not a log vkey: ' + vkey);
    trusted.set(origin, [...(trusted.get(origin) ?? []), k]);
  }
  for (const l of logs) await addLog(l.origin, l.vkey);

  async function decide(text) {
    if (mode.behaviour === 'refuse') throw new Reject(403, 'refused by test behaviour\n');
    const req = parseRequest(text);
    const keys = trusted.get(req.cp.origin);
    if (!keys) throw new Reject(404, 'unknown log origin\n');
    let signed = false;
    for (const k of keys) signed ||= await verifyNote(k, req.note);
    if (!signed) throw new Reject(403, 'no signature by a known log key\n');
    const st = state.get(req.cp.origin) ?? { size: 0, root: null };
    if (req.old !== st.size) {
      throw new Reject(409, `${st.size}\n`, { 'content-type': 'text/x.tlog.size' });
    }
    if (req.old === req.cp.size) {
      if (req.proof.length) throw new Reject(400, 'a proof between equal sizes\n');
      if (st.root && !st.root.equals(req.cp.root)) {
        throw new Reject(409, `${st.size}\n`, { 'content-type': 'text/x.tlog.size' });
      }
    } else if (req.old > 0 &&
               !verifyConsistency(req.old, req.cp.size, st.root, req.cp.root, req.proof)) {
      throw new Reject(422, 'consistency proof does not verify\n');
    }
    state.set(req.cp.origin, { size: req.cp.size, root: req.cp.root });
    let line = await cosignLine(key, req.body, now());
    if (mode.behaviour === 'bad-signature') line = corrupt(line);
    return { req, line };
  }

  function reply(res, status, text, headers = {}) {
    counts.status[status] = (counts.status[status] ?? 0) + 1;
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers });
    res.end(text);
  }

  const server = http.createServer((req, res) => {
    counts.requests++;
    if (req.url !== `${prefix}/add-checkpoint`) return reply(res, 404, 'not found\n');
    if (req.method !== 'POST') return reply(res, 405, 'POST only\n', { allow: 'POST' });
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      if (mode.behaviour === 'timeout') {
        held.add(res);
        res.on('close', () => held.delete(res));
        if (mode.delayMs !== null) {
          setTimeout(() => { held.delete(res); handle(text, res); }, mode.delayMs);
        }
        return;
      }
      handle(text, res);
    });
  });

  function handle(text, res) {
    queue = queue.then(async () => {
      let size = null, status;
      try {
        const { req, line } = await decide(text);
        size = req.cp.size;
        status = 200;
        reply(res, 200, line);
      } catch (e) {
        if (!(e instanceof Reject)) throw e;
        status = e.status;
        reply(res, e.status, e.message, e.headers);
      }
      const m = /^old (\d+)/.exec(text);
      requests.push({ old: m ? Number(m[1]) : null, size, status });
    }).catch((e) => { reply(res, 500, String(e) + '\n'); });
  }

  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}${prefix}`,
    name,
    vkey: key.vkey,
    key,
    counts,
    requests,
    state,
    addLog,
    // behaviour: 'ok' | 'refuse' | 'timeout' | 'bad-signature' | 'fork'. opts.delayMs: for
    // timeout, answer (normally) after that long instead of never. fork: replaces the recorded
    // root for opts.origin (default: every recorded log) by opts.root (default: a changed copy)
    // at the same size, then behaves normally, so the real log's next checkpoint is refused
    // (409 at the same size, 422 for a proof from it).
    setBehaviour(b, opts = {}) {
      if (b === 'fork') {
        for (const [origin, st] of state) {
          if (opts.origin && origin !== opts.origin) continue;
          const root = opts.root ? Buffer.from(opts.root) : Buffer.from(st.root ?? Buffer.alloc(32));
          if (!opts.root) root[0] ^= 0xff;
          state.set(origin, { size: opts.size ?? st.size, root });
        }
        b = 'ok';
      }
      mode = { behaviour: b, delayMs: opts.delayMs ?? null };
    },
    setState(origin, size, root) {
      state.set(origin, { size, root: root ? Buffer.from(root) : null });
    },
    async stop() {
      for (const res of held) res.destroy();
      held.clear();
      server.closeAllConnections?.();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

// Flips a bit of the signature in a cosignature line (keeps the name, key id and timestamp).
function corrupt(line) {
  const [dash, name, b64] = line.trimEnd().split(' ');
  const raw = Buffer.from(b64, 'base64');
  raw[raw.length - 1] ^= 1;
  return `${dash} ${name} ${raw.toString('base64')}\n`;
}
