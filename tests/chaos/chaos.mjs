// SPDX-License-Identifier: Apache-2.0
// The chaos test's driver (tests/chaos/run starts it with a throwaway PostgreSQL cluster of its
// own). For PROVD_CHAOS_SECONDS it drives Ed25519-signed registrations, single and batched, from
// 16 concurrent clients while it kill -9s and restarts `provd serve`, two `provd worker`s and the
// whole PostgreSQL cluster, and freezes the cluster (SIGSTOP) for longer than the statement
// timeout, at random moments after a calm start (and a calm 5 s every minute). Slowloris, idle,
// oversized-body and flooding clients run throughout. Then it checks, against PostgreSQL itself
// and with the suite's independent log verifier (tests/blackbox/lib/tlog.mjs):
//   - every registration answered 2xx is stored exactly once, under the id it was given, and is
//     in the log; the log's indexes are 0..size-1 with every item once; nothing else is stored;
//   - receipts (a sample, PROVD_CHAOS_RECEIPTS) verify, each record's signature included; every
//     checkpoint seen during the run, and a sample of those stored, is a prefix of the final tree;
//   - every request was answered: 2xx, 4xx, 503 or 429 (retried after Retry-After), never a 500,
//     never a 408 for a request sent whole, never past the client's deadline; a connection
//     closed without an answer only while provd serve was being killed; an acknowledged
//     registration sent again is answered 200 with its id;
//   - provd serve's peak memory stayed under PROVD_CHAOS_MAX_RSS_MB; outside the faults every
//     well-behaved request succeeded, p99 under a bound, whatever the hostile clients did;
//   - every process provd started only exits when killed, and stops on SIGTERM with status 0.
// It prints its figures and exits 1 on any violation. Loopback only; every loop ends with the run.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes, webcrypto } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import {
  createApiKey, createLogKey, newEd25519Signer, signedItem, runProvd,
} from '../blackbox/lib/harness.mjs';
import { statement } from '../blackbox/lib/jcs.mjs';
import {
  leafHash, openNote, parseCheckpoint, verifyConsistency, verifyInclusion,
} from '../blackbox/lib/tlog.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const env = process.env;
const num = (name, dflt) => (env[name] === undefined || env[name] === '' ? dflt : Number(env[name]));

const SECONDS = num('PROVD_CHAOS_SECONDS', 60);
const CLIENTS = num('PROVD_CHAOS_CLIENTS', 16);
const RECEIPTS = num('PROVD_CHAOS_RECEIPTS', 300);
// What provd serve may hold by design, with the limits below: request bodies up to
// --max-buffered (8 MiB), MHD's 32 KiB per connection (16 MiB at 512), the tile cache (32 MiB),
// the caches of keys and proofs, thread stacks and libraries; twice that is a leak.
const MAX_RSS_MB = num('PROVD_CHAOS_MAX_RSS_MB', 128);
const SEED = num('PROVD_CHAOS_SEED', Number.parseInt(randomBytes(4).toString('hex'), 16));
const MIN_FAULTS = num('PROVD_CHAOS_MIN_FAULTS', SECONDS >= 60 ? 20 : 1);
const WORKDIR = env.PROVD_CHAOS_DIR || fs.mkdtempSync(path.join(os.tmpdir(), 'provd-chaos-'));
const PG_DATA = env.PROVD_TEST_PG_DATA;
const PG_CTL = env.PROVD_TEST_PG_CTL;
if (!PG_DATA || !PG_CTL) throw new Error('needs the cluster of tests/lib/pg.sh (run tests/chaos/run)');

// provd serve's limits: short, so that a stall is much longer than the statement timeout and a
// run sees many of them. A request is answered within acquire + max(connect, statement + 1 s)
// (README, "When PostgreSQL stalls"): 4 s here. The client's deadline leaves room for waiting
// for an HTTP thread whose handler is blocked meanwhile.
const LIMITS = { statementMs: 2000, lockMs: 1000, acquireMs: 1000, connectS: 2, requestS: 5,
  idleS: 10, maxBody: 256 * 1024, maxBuffered: 8 * 1024 * 1024, threads: 4, perIp: 16 };
const DEADLINE_MS = num('PROVD_CHAOS_DEADLINE_MS', 15000);
// Outside the faults (and GRACE_MS after each) every well-behaved request must succeed, and
// the p99 of their latencies stay under CALM_P99_MS, whatever the hostile clients do.
const GRACE_MS = 1500;
const CALM_P99_MS = num('PROVD_CHAOS_CALM_P99_MS', 2000);
// Once the faults stop, a registration still being retried has this long to get through.
const DRAIN_MS = 30000;

// ---------------------------------------------------------------------------------------------
// Reproducible randomness (mulberry32), the seed printed; timing still varies from run to run.
let seedState = SEED >>> 0;
function rand() {
  seedState = (seedState + 0x6d2b79f5) >>> 0;
  let t = seedState;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const between = (lo, hi) => lo + rand() * (hi - lo);
const randInt = (lo, hi) => Math.floor(between(lo, hi + 1));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const now = () => Date.now();

const violations = [];
const violationKinds = new Map();
function violation(kind, detail) {
  violationKinds.set(kind, (violationKinds.get(kind) || 0) + 1);
  // Every kind counts; the first few of each are kept for the report.
  if (violationKinds.get(kind) <= 5) violations.push(`${kind}: ${detail}`);
}

// ---------------------------------------------------------------------------------------------
// Processes we start. Their pids go to WORKDIR/pids so that tests/chaos/run can end exactly
// them if this driver dies.
const pidFile = path.join(WORKDIR, 'pids');
const livePids = new Set();
function notePids() {
  fs.writeFileSync(pidFile, [...livePids].join('\n') + '\n');
}

class Proc {
  constructor(name, argv, readyRe, extraEnv = {}) {
    this.name = name;
    this.env = { ...env, ...extraEnv };
    this.argv = argv;
    this.readyRe = readyRe;
    this.logFile = path.join(WORKDIR, `${name}.log`);
    this.child = null;
    this.starts = 0;
    this.tail = '';
  }

  async start() {
    const fd = fs.openSync(this.logFile, 'a');
    fs.writeSync(fd, `--- start ${++this.starts} at ${new Date().toISOString()}\n`);
    const child = spawn(env.PROVD_BIN, this.argv, { env: this.env, stdio: ['ignore', 'ignore', 'pipe'] });
    this.child = child;
    this.expectExit = false;
    livePids.add(child.pid);
    notePids();
    let log = '';
    const ready = new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.name} did not start in 40 s`)), 40000);
      child.stderr.on('data', (d) => {
        fs.writeSync(fd, d);
        if (log !== null) {
          log += d;
          if (this.readyRe.test(log)) {
            log = null;
            clearTimeout(timer);
            resolve();
          }
        }
        this.tail = (this.tail + d).slice(-4000);
      });
      child.on('exit', (code, signal) => {
        clearTimeout(timer);
        livePids.delete(child.pid);
        notePids();
        if (!this.expectExit) {
          violation('process-exit', `${this.name} exited by itself (code ${code}, signal ${signal}); `
            + `its log: ${this.logFile}\n${this.tail}`);
        }
        reject(new Error(`${this.name} exited (code ${code}, signal ${signal})`));
      });
    });
    child.on('close', () => fs.closeSync(fd)); // stderr drained
    this.exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    await ready;
  }

  get pid() { return this.child && this.child.exitCode === null && this.child.signalCode === null ? this.child.pid : null; }

  async kill9() {
    if (!this.pid) return;
    this.expectExit = true;
    this.child.kill('SIGKILL');
    await this.exited;
  }

  // SIGTERM; {code, signal, ms}, or null if it did not exit within ms.
  async stop(ms = 20000) {
    if (!this.pid) return { code: this.child ? this.child.exitCode : null, signal: null, ms: 0 };
    this.expectExit = true;
    const t0 = now();
    this.child.kill('SIGTERM');
    const r = await Promise.race([this.exited, sleep(ms).then(() => null)]);
    if (!r) {
      this.child.kill('SIGKILL');
      await this.exited;
      return null;
    }
    return { ...r, ms: now() - t0 };
  }
}

// Peak resident memory of provd serve: VmRSS sampled every 200 ms, and VmHWM (the kernel's
// high-water mark) read just before every kill and at the end.
const rss = { serveMaxKiB: 0, workerMaxKiB: 0, samples: 0 };
function readStatusKiB(pid, field) {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}
function sampleRss(procs, key, field = 'VmRSS') {
  for (const p of procs) {
    const pid = p.pid;
    if (pid) rss[key] = Math.max(rss[key], readStatusKiB(pid, field));
  }
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL: the postmaster (first line of postmaster.pid) and its children, found in /proc.
function postmasterPid() {
  try {
    return Number(fs.readFileSync(path.join(PG_DATA, 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    return 0;
  }
}
function procState(pid) {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return { state: rest[0], ppid: Number(rest[1]) };
  } catch {
    return null;
  }
}
function clusterPids() {
  const pm = postmasterPid();
  if (!pm || !procState(pm)) return [];
  const kids = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const st = procState(Number(d));
    if (st && st.ppid === pm && st.state !== 'Z') kids.push(Number(d));
  }
  return [pm, ...kids];
}
const alive = (pid) => {
  const st = procState(pid);
  return st !== null && st.state !== 'Z';
};

let frozen = [];
let pgReapMs = 0;
function pgFreeze() {
  const pids = clusterPids();
  if (!pids.length) throw new Error('no PostgreSQL cluster to freeze');
  // The postmaster first, so that it forks no new backend meanwhile.
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGSTOP');
      frozen.push(pid);
    } catch { /* exited meanwhile */ }
  }
  return pids.length;
}
function pgThaw() {
  for (const pid of frozen.slice().reverse()) {
    try { process.kill(pid, 'SIGCONT'); } catch { /* gone */ }
  }
  frozen = [];
}
process.on('exit', pgThaw);

async function pgKill9() {
  const pids = clusterPids();
  for (const pid of pids) {
    try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
  }
  for (let i = 0; i < 200 && pids.some(alive); i++) await sleep(25);
  if (pids.some(alive)) throw new Error('PostgreSQL processes survived SIGKILL');
  // A new postmaster refuses to start while the old one's pid exists, even as a zombie not yet
  // reaped by init: wait for it to be gone.
  const t0 = now();
  while (procState(pids[0]) && now() - t0 < 10000) await sleep(25);
  if (procState(pids[0])) throw new Error(`the killed postmaster ${pids[0]} was not reaped in 10 s`);
  pgReapMs = Math.max(pgReapMs, now() - t0);
  return pids.length;
}

function runAsync(cmd, args) {
  return new Promise((resolve) => {
    const c = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    c.stdout.on('data', (d) => { out += d; });
    c.stderr.on('data', (d) => { out += d; });
    c.on('exit', (code) => resolve({ code, out }));
  });
}
async function pgStart() {
  const r = await runAsync(PG_CTL, ['start']);
  if (r.code !== 0) throw new Error(`pg-ctl start failed: ${r.out}`);
}

// ---------------------------------------------------------------------------------------------
// Fault windows: [start, end] of each fault, and the times provd serve was not listening.
const faults = [];
const serveDown = []; // {from, to}; to = Infinity while down
const faultCounts = { serve: 0, worker: 0, pgkill: 0, pgstall: 0 };
let stallMsTotal = 0, stallMsMax = 0;
function inFault(t0, t1) {
  return faults.some((f) => f.start <= t1 && (f.end === Infinity ? true : f.end + GRACE_MS >= t0));
}
// How long the faults overlapping [t0, t1] lasted, in all, plus what a handler already stuck on
// PostgreSQL as one starts may still take (acquire, statement, provd's 1 s grace): the time an
// HTTP thread can be held up, which provd does not count against its other connections' request
// deadlines (that wait is the server's, not the client's).
function heldUpMs(t0, t1) {
  const overlapping = faults.filter((f) => f.start <= t1 && (f.end === Infinity || f.end >= t0));
  if (!overlapping.length) return 0;
  const lasted = overlapping.reduce((sum, f) => sum + (Math.min(f.end, t1) - Math.max(f.start, t0)), 0);
  return lasted + LIMITS.acquireMs + LIMITS.statementMs + 1000;
}
function serveWasDown(t0, t1) {
  return serveDown.some((w) => w.from <= t1 && w.to + 250 >= t0);
}

// ---------------------------------------------------------------------------------------------
// A well-behaved HTTP client: one keep-alive connection from its own loopback address.
let baseHost = '127.0.0.1', basePort = 0, token = '';
const stats = {
  attempts: 0, byStatus: new Map(), transportExplained: 0, deadlines: 0,
  latCalm: [], latFault: [], maxLatency: 0,
  acked: 0, ackedSingle: 0, ackedBatch: 0, batches: 0, resends: 0, resendOk: 0,
  ackAfterDrop: 0, gaveUp: 0, elem503: 0, reads: 0, calmFailures: 0,
};
const bump = (m, k) => m.set(k, (m.get(k) || 0) + 1);

function request(agent, localAddress, method, pathname, body) {
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  const headers = { host: 'chaos' };
  if (token) headers.authorization = `Bearer ${token}`;
  if (payload) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = payload.length;
  }
  return new Promise((resolve) => {
    const t0 = now();
    let done = false;
    const finish = (r) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve({ ...r, t0, t1: now() });
    };
    const req = http.request({ host: baseHost, port: basePort, method, path: pathname, headers,
      agent, localAddress }, (res) => {
      const chunks = [];
      res.on('data', (d) => chunks.push(d));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json;
        try { json = JSON.parse(text); } catch { /* not JSON */ }
        finish({ status: res.statusCode, headers: res.headers, text, json });
      });
      res.on('error', (e) => finish({ error: e }));
    });
    const timer = setTimeout(() => {
      finish({ deadline: true });
      req.destroy(new Error('deadline'));
    }, DEADLINE_MS);
    req.on('error', (e) => finish({ error: e }));
    req.end(payload);
  });
}

// Sends until a final answer: 2xx or another 4xx are returned; 503 and 429 are retried after
// Retry-After, dropped connections after a short pause, each at most until the run's drain
// deadline. Returns the final answer, or null when it gave up.
async function call(cl, method, pathname, body, what) {
  let dropped = false;
  for (let attempt = 0; ; attempt++) {
    if (now() > runEnd + DRAIN_MS) {
      stats.gaveUp++;
      return null;
    }
    const r = await request(cl.agent, cl.addr, method, pathname, body);
    stats.attempts++;
    const lat = r.t1 - r.t0;
    if (r.deadline) {
      stats.deadlines++;
      violation('deadline', `${what}: no answer within ${DEADLINE_MS} ms (sent at +${r.t0 - runStart} ms)`);
      dropped = true;
      continue;
    }
    if (r.error) {
      if (serveWasDown(r.t0, r.t1)) {
        stats.transportExplained++;
      } else {
        violation('dropped', `${what}: ${r.error.code || r.error.message} at +${r.t1 - runStart} ms `
          + 'with provd serve up the whole time');
        unexplained.push(r.t1);
      }
      dropped = true;
      await sleep(between(100, 300));
      continue;
    }
    bump(stats.byStatus, r.status);
    stats.maxLatency = Math.max(stats.maxLatency, lat);
    const calm = !inFault(r.t0, r.t1);
    (calm ? stats.latCalm : stats.latFault).push(lat);
    if (r.status >= 500 && r.status !== 503) {
      violation('5xx', `${what}: ${r.status} ${r.text.slice(0, 300)}`);
      return null;
    }
    if (r.status === 408) {
      // This client sends every request whole at once: a 408 says provd let it wait past
      // --request-timeout itself. Sent again on a new connection, as RFC 9110 allows.
      violation('408', `${what}: 408 at +${r.t1 - runStart} ms for a request sent whole at +${r.t0 - runStart} ms: ${r.text.slice(0, 200)}`);
      unexplained.push(r.t1);
      dropped = true;
      cl.agent.destroy();
      cl.agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      continue;
    }
    if (r.status === 503 || r.status === 429) {
      if (calm && r.status === 503) {
        stats.calmFailures++;
        violation('calm-503', `${what}: 503 outside any fault at +${r.t1 - runStart} ms: ${r.text.slice(0, 200)}`);
      }
      const ra = r.headers['retry-after'];
      if (!/^\d+$/.test(ra || '')) violation('retry-after', `${what}: ${r.status} without Retry-After`);
      const type = r.json && r.json.type;
      if (r.status === 503 && !/:(database-unavailable|not-ready|server-busy)$/.test(type || '')) {
        violation('503-type', `${what}: 503 of type ${type}`);
      }
      await sleep(Number(ra || 1) * 1000 * between(0.5, 1.0));
      continue;
    }
    return { ...r, dropped };
  }
}

async function newBody(cl) {
  const n = cl.sent++;
  const body = await signedItem(cl.signer, {
    source_url: `https://chaos.provd.test/${cl.id}/${n}`,
    license: 'CC-BY-4.0',
    created_at: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    chaos: { client: cl.id, n },
  });
  cl.allSent.push(body.content_hash); // every hash ever sent, for the check of phantom rows
  return body;
}

const acked = new Map(); // content_hash → {id, signer, client}
function ack(cl, body, item, status, via) {
  const prev = acked.get(body.content_hash);
  if (prev) {
    if (prev.id !== item.id) violation('duplicate', `${body.content_hash} acknowledged as id ${prev.id}, then as ${item.id} (${status})`);
    return;
  }
  if (item.content_hash !== body.content_hash) violation('wrong-item', `sent ${body.content_hash}, answered ${item.content_hash}`);
  acked.set(body.content_hash, { id: item.id, signer: cl.signer.publicKey, body });
  cl.acked.push(body.content_hash);
  stats.acked++;
  if (via === 'batch') stats.ackedBatch++;
  else stats.ackedSingle++;
}

async function registerOne(cl, body, resend) {
  const r = await call(cl, 'POST', '/v1/items', body, `POST /v1/items (client ${cl.id})`);
  if (!r) return;
  if (r.status !== 201 && r.status !== 200) {
    violation('4xx', `POST /v1/items: ${r.status} ${r.text.slice(0, 300)}`);
    return;
  }
  if (resend) {
    stats.resendOk++;
    const prev = acked.get(body.content_hash);
    if (r.status !== 200 || r.json.id !== prev.id) {
      violation('duplicate', `resent ${body.content_hash} (id ${prev.id}) got ${r.status} id ${r.json.id}`);
    }
    return;
  }
  if (r.dropped && r.status === 200) stats.ackAfterDrop++;
  ack(cl, body, r.json, r.status, 'single');
}

async function registerBatch(cl, bodies, resent) {
  stats.batches++;
  let pending = bodies.map((b, i) => ({ b, resend: resent.has(i) }));
  for (let round = 0; pending.length && round < 20; round++) {
    const r = await call(cl, 'POST', '/v1/items/batch', { items: pending.map((p) => p.b) },
                         `POST /v1/items/batch of ${pending.length} (client ${cl.id})`);
    if (!r) return;
    if (r.status !== 200 || !r.json || !Array.isArray(r.json.results)) {
      violation('4xx', `POST /v1/items/batch: ${r.status} ${r.text.slice(0, 300)}`);
      return;
    }
    const again = [];
    r.json.results.forEach((res, i) => {
      const p = pending[i];
      if (res.index !== i) violation('batch-order', `result ${i} has index ${res.index}`);
      if (res.status === 503) {
        stats.elem503++;
        again.push(p);
      } else if (res.status === 201 || res.status === 200) {
        if (p.resend) {
          stats.resendOk++;
          const prev = acked.get(p.b.content_hash);
          if (res.status !== 200 || res.item.id !== prev.id) {
            violation('duplicate', `resent ${p.b.content_hash} (id ${prev.id}) in a batch got ${res.status} id ${res.item.id}`);
          }
        } else {
          if (r.dropped && res.status === 200) stats.ackAfterDrop++;
          ack(cl, p.b, res.item, res.status, 'batch');
        }
      } else {
        violation('batch-element', `element ${i}: ${res.status} ${JSON.stringify(res.problem)}`);
      }
    });
    pending = again;
    if (pending.length) await sleep(between(300, 1000));
  }
}

async function readBack(cl) {
  const hash = cl.acked[randInt(0, cl.acked.length - 1)];
  const a = acked.get(hash);
  stats.reads++;
  const r = await call(cl, 'GET', `/v1/items/${a.id}`, undefined, `GET /v1/items/${a.id}`);
  if (!r) return;
  if (r.status !== 200 || r.json.content_hash !== hash) {
    violation('read', `GET /v1/items/${a.id}: ${r.status} ${r.text.slice(0, 200)}`);
  }
}

async function clientLoop(cl) {
  while (now() < runEnd) {
    const x = rand();
    if (x < 0.1 && cl.acked.length) {
      await readBack(cl);
    } else if (x < 0.18 && cl.acked.length) {
      // An acknowledged registration sent again, as a client that lost the answer would.
      stats.resends++;
      const hash = cl.acked[randInt(0, cl.acked.length - 1)];
      await registerOne(cl, acked.get(hash).body, true);
    } else if (x < 0.6) {
      await registerOne(cl, await newBody(cl), false);
    } else {
      const n = randInt(2, 40);
      const bodies = [];
      const resent = new Set();
      for (let i = 0; i < n; i++) {
        if (cl.acked.length && rand() < 0.05) {
          resent.add(i);
          stats.resends++;
          bodies.push(acked.get(cl.acked[randInt(0, cl.acked.length - 1)]).body);
        } else {
          bodies.push(await newBody(cl));
        }
      }
      // A batch must not name the same registration twice to compare its answers; drop repeats.
      const seen = new Set();
      const uniq = [], uniqResent = new Set();
      bodies.forEach((b, i) => {
        if (seen.has(b.content_hash)) return;
        seen.add(b.content_hash);
        if (resent.has(i)) uniqResent.add(uniq.length);
        uniq.push(b);
      });
      await registerBatch(cl, uniq, uniqResent);
    }
    await sleep(between(0, 30));
  }
}

// ---------------------------------------------------------------------------------------------
// Hostile clients, each from loopback addresses of its own, until the run's end.
const hostile = {
  slowConns: 0, slowClosedByServer: 0, slowMaxLifeMs: 0, slowMaxLifeFaultMs: 0, slowStatuses: new Map(),
  bigRequests: 0, bigStatuses: new Map(), idleConns: 0, floodRequests: 0, floodStatuses: new Map(),
};

function rawConnect(localAddress) {
  const sock = net.connect({ host: baseHost, port: basePort, localAddress });
  const c = { sock, data: '', opened: now(), connected: false };
  sock.on('data', (d) => { if (c.data.length < 4096) c.data += d; });
  sock.on('error', (e) => { c.err = e; });
  c.ready = new Promise((resolve) => {
    sock.once('connect', () => { c.connected = true; resolve(true); });
    sock.once('close', () => resolve(false));
  });
  c.closed = new Promise((resolve) => sock.once('close', () => { c.closedAt = now(); resolve(); }));
  return c;
}
const statusOf = (c) => (/^HTTP\/1\.[01] (\d{3})/.exec(c.data) || [])[1] || 'none';

// Trickles a request (headers, or a body) a byte at a time and checks that provd closes the
// connection by the request deadline.
async function slowloris(addr, kind) {
  while (now() < runEnd) {
    const c = rawConnect(addr);
    if (!(await c.ready)) {
      await sleep(200);
      continue;
    }
    hostile.slowConns++;
    const head = kind === 'headers'
      ? 'GET /v1/log/checkpoint HTTP/1.1\r\nHost: chaos\r\nX-Slow: '
      : 'POST /v1/items HTTP/1.1\r\nHost: chaos\r\nContent-Type: application/json\r\n'
        + 'Content-Length: 100000\r\n\r\n{"content_hash":"';
    c.sock.write(head);
    const timer = setInterval(() => {
      if (!c.sock.destroyed && now() < runEnd) c.sock.write('a');
    }, 300);
    const t0 = now();
    await Promise.race([c.closed, sleep((LIMITS.requestS + 30) * 1000)]);
    clearInterval(timer);
    const life = (c.closedAt || now()) - t0;
    if (c.closedAt && now() < runEnd + 1000) {
      hostile.slowClosedByServer++;
      bump(hostile.slowStatuses, statusOf(c));
      if (!serveWasDown(t0, c.closedAt)) {
        const k = inFault(t0, c.closedAt) ? 'slowMaxLifeFaultMs' : 'slowMaxLifeMs';
        hostile[k] = Math.max(hostile[k], life);
      }
    }
    const allowed = (LIMITS.requestS + 3) * 1000 + heldUpMs(t0, t0 + life);
    if (!serveWasDown(t0, now()) && life > allowed && now() < runEnd) {
      violation('slowloris', `a ${kind} trickle from ${addr} stayed open ${life} ms (deadline ${LIMITS.requestS} s, `
        + `${allowed} ms allowed with the faults it overlapped)`);
    }
    c.sock.destroy();
    await sleep(50);
  }
}

// Connections that send nothing at all, reopened when provd closes them.
async function idler(addr) {
  while (now() < runEnd) {
    const c = rawConnect(addr);
    if (!(await c.ready)) {
      await sleep(200);
      continue;
    }
    hostile.idleConns++;
    await Promise.race([c.closed, sleep(Math.max(0, runEnd - now()))]);
    c.sock.destroy();
    await sleep(50);
  }
}

// Bodies over --max-body, three ways: announced by Content-Length and then sent at once (provd
// answers 413 as soon as it has the headers, and closes; the answer is often lost to the reset
// of a connection still being written to, as with any server), announced and waiting for the
// answer before sending, or chunked (provd drops what passes the limit and answers 413 at the
// body's end). Never a 500.
async function oversized(addr, mode) {
  const chunk = Buffer.alloc(64 * 1024, 'x');
  while (now() < runEnd) {
    const c = rawConnect(addr);
    if (!(await c.ready)) {
      await sleep(200);
      continue;
    }
    hostile.bigRequests++;
    const t0 = now();
    c.sock.write('POST /v1/items/batch HTTP/1.1\r\nHost: chaos\r\nContent-Type: application/json\r\n'
      + `Authorization: Bearer ${token}\r\n`
      + (mode === 'chunked' ? 'Transfer-Encoding: chunked\r\n\r\n' : `Content-Length: ${4 * 1024 * 1024}\r\n\r\n`));
    if (mode === 'polite') await Promise.race([c.closed, sleep(8000)]);
    let sent = 0;
    const total = mode === 'chunked' ? 2 * 1024 * 1024 : 8 * 1024 * 1024;
    while (!c.sock.destroyed && !c.data && sent < total && now() - t0 < 10000) {
      let ok;
      if (mode === 'chunked') {
        c.sock.write(`${chunk.length.toString(16)}\r\n`);
        c.sock.write(chunk);
        ok = c.sock.write('\r\n');
      } else {
        ok = c.sock.write(chunk);
      }
      sent += chunk.length;
      if (!ok) await Promise.race([new Promise((r) => c.sock.once('drain', r)), c.closed, sleep(1000)]);
    }
    if (mode === 'chunked' && !c.sock.destroyed) c.sock.write('0\r\n\r\n');
    await Promise.race([c.closed, sleep(3000)]);
    const st = statusOf(c);
    bump(hostile.bigStatuses, `${mode} ${st}`);
    if (/^5/.test(st) && st !== '503') violation('5xx', `oversized body (${mode}) from ${addr}: ${st}`);
    if (/^2/.test(st)) violation('oversized', `oversized body (${mode}) from ${addr} answered ${st}`);
    c.sock.destroy();
    await sleep(100);
  }
}

// One address asking for the checkpoint as fast as it can, two requests at a time: provd's
// per-address rate limit answers most with 429 and Retry-After, at little cost to the others.
async function flooder(addr) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 2 });
  const one = async () => {
    while (now() < runEnd) {
      const r = await request(agent, addr, 'GET', '/v1/log/checkpoint');
      hostile.floodRequests++;
      if (r.status) bump(hostile.floodStatuses, r.status);
      if (r.status >= 500 && r.status !== 503) violation('5xx', `flood from ${addr}: ${r.status}`);
      if (r.status === 429 && !/^\d+$/.test(r.headers['retry-after'] || '')) {
        violation('retry-after', '429 without Retry-After');
      }
      if (r.error || r.deadline) await sleep(200);
      else await sleep(5);
    }
  };
  await Promise.all([one(), one()]);
  agent.destroy();
}

// ---------------------------------------------------------------------------------------------
// Checkpoints seen during the run: each must verify, and at the end be consistent with the last.
const checkpoints = new Map(); // size → root (base64)
async function checkpointPoller(vkey) {
  const agent = new http.Agent({ keepAlive: false });
  while (now() < runEnd) {
    const r = await request(agent, '127.0.0.1', 'GET', '/v1/log/checkpoint');
    if (r.status === 200) {
      try {
        const cp = parseCheckpoint(await openNote(r.text, vkey));
        const seen = checkpoints.get(cp.size);
        if (seen && seen !== cp.root.toString('base64')) {
          violation('fork', `two checkpoints of size ${cp.size} with different roots`);
        }
        checkpoints.set(cp.size, cp.root.toString('base64'));
      } catch (e) {
        violation('checkpoint', `checkpoint does not verify: ${e.message}`);
      }
    } else if (r.status >= 500 && r.status !== 503) {
      violation('5xx', `GET /v1/log/checkpoint: ${r.status}`);
    }
    await sleep(1500);
  }
}

// ---------------------------------------------------------------------------------------------
// The faults, one after another, each kind in turn in a shuffled order.
let serve, workers;
// A restart as a supervisor (systemd's Restart=) would do it: a process that exits by itself
// while starting is a violation (recorded by Proc), and is started again.
async function startSupervised(p) {
  for (let attempt = 1; ; attempt++) {
    try {
      await p.start();
      return;
    } catch (e) {
      if (p.pid) {
        violation('start', `${p.name} did not start: ${e.message}`);
        await p.kill9();
      }
      if (attempt >= 5) throw e;
      await sleep(500);
    }
  }
}

async function restartServe() {
  const w = { from: now(), to: Infinity };
  serveDown.push(w);
  sampleRss([serve], 'serveMaxKiB', 'VmHWM');
  await serve.kill9();
  await sleep(between(0, 800));
  await startSupervised(serve);
  w.to = now();
}
// The run's phases: calm (load and hostile clients only) for its first CALM_START_MS and 5 s
// after every minute of faults, so that the hostile clients' effect on the others is measured;
// faults otherwise, until 3 s before the end.
const CALM_START_MS = Math.round(Math.max(5, Math.min(30, SECONDS * 0.1)) * 1000);
function faultsAllowed(t) {
  const x = t - runStart - CALM_START_MS;
  return x >= 0 && x % 65000 < 60000 && t < runEnd - 3000;
}
async function nextFaultMoment(gapLo, gapHi) {
  await sleep(between(gapLo, gapHi));
  while (!faultsAllowed(now())) {
    if (now() >= runEnd - 3000) return false;
    await sleep(100);
  }
  return true;
}
async function fault(kind, fn, window = true) {
  const f = { kind, start: now(), end: Infinity };
  if (window) faults.push(f);
  faultCounts[kind]++;
  await fn();
  f.end = now();
}

// provd serve kill -9, PostgreSQL kill -9 and PostgreSQL stalls, one after another in a
// shuffled order; each is a fault window for the clients' figures.
async function faultLoop() {
  let deck = [];
  while (await nextFaultMoment(100, 600)) {
    if (!deck.length) {
      deck = ['serve', 'pgkill', 'pgstall', 'serve', 'pgkill', 'pgstall'];
      for (let i = deck.length - 1; i > 0; i--) {
        const j = randInt(0, i);
        [deck[i], deck[j]] = [deck[j], deck[i]];
      }
    }
    const kind = deck.pop();
    if (kind === 'serve') {
      await fault(kind, restartServe);
    } else if (kind === 'pgkill') {
      await fault(kind, async () => {
        await pgKill9();
        await sleep(between(100, 1000));
        await pgStart();
      });
    } else {
      await fault(kind, async () => {
        // Longer than the statement timeout; often than provd's cut of an unanswered call
        // (statement timeout + 1 s) and a reconnection attempt (connect timeout) too.
        const ms = LIMITS.statementMs + between(300, 5000);
        pgFreeze();
        await sleep(ms);
        pgThaw();
        stallMsTotal += ms;
        stallMsMax = Math.max(stallMsMax, ms);
      });
    }
  }
}

// Meanwhile, either worker (the leader or not) killed and restarted, whatever else is going on;
// the API does not depend on the workers, so these are no fault window for the clients.
async function workerKillLoop() {
  while (await nextFaultMoment(300, 1500)) { // ≥ 20 faults in a 60 s run, with the others
    await fault('worker', async () => {
      const w = workers[randInt(0, 1)];
      sampleRss([w], 'workerMaxKiB', 'VmHWM');
      await w.kill9();
      await sleep(between(0, 1200));
      await startSupervised(w);
    }, false);
  }
}

// ---------------------------------------------------------------------------------------------
// The rows of a query (psql -At, columns joined by '|'); the whole items table fits.
function sqlRows(url, text) {
  const r = spawnSync(path.join(env.PROVD_TEST_PG_BINDIR, 'psql'), ['-X', '-q', '-A', '-t',
    '-v', 'ON_ERROR_STOP=1', '-d', url, '-c', text], { encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`psql failed: ${r.error || r.stderr}`);
  return r.stdout.split('\n').filter((l) => l !== '');
}

const pct = (a, p) => {
  if (!a.length) return 0;
  const s = a.slice().sort((x, y) => x - y);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
let runStart = 0, runEnd = 0;

async function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function waitFor(what, fn, ms) {
  const until = now() + ms;
  for (;;) {
    if (await fn()) return true;
    if (now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

// A request of the final checks: 429 and 503 waited out (Retry-After), as a client would.
async function fetchRetrying(agent, pathname) {
  for (let i = 0; ; i++) {
    const r = await request(agent, '127.0.0.1', 'GET', pathname);
    if ((r.status !== 429 && r.status !== 503) || i >= 60) return r;
    await sleep(Number(r.headers['retry-after'] || 1) * 1000);
  }
}

async function verify(vkey) {
  const checks = [];
  const check = (ok, name, detail = '') => {
    checks.push({ ok, name });
    console.log(`${ok ? 'ok' : 'not ok'} - ${name}${detail ? ` (${detail})` : ''}`);
    if (!ok) violation('check', `${name}${detail ? `: ${detail}` : ''}`);
  };
  const db = env.PROVD_DATABASE_URL;
  await waitFor('the log queue to empty', () => sqlRows(db, 'SELECT count(*) FROM log_queue')[0] === '0', 60000);

  const [size] = sqlRows(db, 'SELECT tree_size FROM log_state').map(Number);
  const [ent] = sqlRows(db, `SELECT count(*) || ' ' || count(DISTINCT item_id) || ' ' ||
      coalesce(min(log_index), -1) || ' ' || coalesce(max(log_index), -1) || ' ' ||
      count(*) FILTER (WHERE item_id IS NULL) FROM log_entries`);
  const [count, distinctItems, minIdx, maxIdx, nonItems] = ent.split(' ').map(Number);
  const items = new Map(); // hash → [{id, signer, log_index}]
  for (const row of sqlRows(db, `SELECT i.id, encode(i.content_hash, 'hex'), i.signer,
      coalesce(e.log_index, -1) FROM items i LEFT JOIN log_entries e ON e.item_id = i.id`)) {
    const [id, hex, signer, idx] = row.split('|');
    const h = 'sha256:' + hex;
    if (!items.has(h)) items.set(h, []);
    items.get(h).push({ id: Number(id), signer, logIndex: Number(idx) });
  }
  const stored = [...items.values()].reduce((n, a) => n + a.length, 0);
  check(count === size && distinctItems === size && nonItems === 0 && minIdx === (size ? 0 : -1)
    && maxIdx === size - 1 && stored === size,
  'the log holds every stored registration once, at indexes 0..size-1',
  `tree size ${size}, ${count} entries, ${distinctItems} items, indexes ${minIdx}..${maxIdx}, ${stored} stored`);

  let missing = 0, dup = 0, wrongId = 0, unlogged = 0;
  for (const [h, a] of acked) {
    const rows = items.get(h) || [];
    if (rows.length === 0) missing++;
    else if (rows.length > 1) dup++;
    else if (rows[0].id !== a.id || rows[0].signer !== a.signer) wrongId++;
    else if (rows[0].logIndex < 0) unlogged++;
    if (rows.length !== 1 && missing + dup <= 5) violation('lost-or-duplicated', `${h} (acknowledged as ${a.id}): ${rows.length} rows`);
  }
  check(missing === 0 && dup === 0 && wrongId === 0 && unlogged === 0,
    'every acknowledged registration is stored exactly once, under its id, and logged',
    `${acked.size} acknowledged; missing ${missing}, duplicated ${dup}, other id ${wrongId}, unlogged ${unlogged}`);
  let phantom = 0;
  const sentHashes = new Set(clients.flatMap((c) => c.allSent));
  for (const h of items.keys()) if (!sentHashes.has(h)) phantom++;
  check(phantom === 0, 'nothing is stored that no client sent', `${phantom} unknown`);

  // Receipts of a sample (the first and last acknowledged ones included), by the independent
  // verifier: checkpoint signature, leaf over the JCS record, inclusion, record signature.
  const ids = [...acked.entries()];
  const sample = new Set([0, ids.length - 1]);
  while (sample.size < Math.min(RECEIPTS, ids.length)) sample.add(randInt(0, ids.length - 1));
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  let good = 0, bad = 0;
  const final = { size: 0, root: null };
  const list = [...sample].filter((i) => i >= 0 && i < ids.length);
  for (let k = 0; k < list.length; k += 8) {
    await Promise.all(list.slice(k, k + 8).map(async (i) => {
      const [h, a] = ids[i];
      const r = await fetchRetrying(agent, `/v1/items/${a.id}/receipt`);
      try {
        if (r.status !== 200) throw new Error(`status ${r.status} ${r.text}`);
        const rc = r.json;
        const cp = parseCheckpoint(await openNote(rc.checkpoint, vkey));
        if (cp.size !== rc.tree_size) throw new Error('tree size differs from the checkpoint');
        if (rc.record.content_hash !== h) throw new Error('record of another content hash');
        const leaf = leafHash(rc.record);
        if (!verifyInclusion(leaf, rc.log_index, cp.size, rc.inclusion_proof, cp.root)) throw new Error('inclusion proof fails');
        const row = items.get(h)[0];
        if (rc.log_index !== row.logIndex) throw new Error(`log index ${rc.log_index}, stored ${row.logIndex}`);
        const pub = await webcrypto.subtle.importKey('raw', Buffer.from(rc.record.signature.public_key, 'base64url'),
                                                     { name: 'Ed25519' }, false, ['verify']);
        if (!(await webcrypto.subtle.verify({ name: 'Ed25519' }, pub,
          Buffer.from(rc.record.signature.value, 'base64url'), statement(h, rc.record.metadata)))) {
          throw new Error('record signature does not verify');
        }
        if (cp.size > final.size) Object.assign(final, cp);
        good++;
      } catch (e) {
        bad++;
        violation('receipt', `item ${a.id}: ${e.message.slice(0, 300)}`);
      }
    }));
  }
  check(bad === 0 && good === list.length, 'sampled receipts verify (independent verifier)', `${good} of ${list.length}`);

  // Every checkpoint seen during the run is a prefix of the final tree.
  let consOk = 0, consBad = 0;
  const sizes = [...checkpoints.keys()].filter((s) => s > 0 && s <= final.size).sort((a, b) => a - b);
  for (const m of sizes) {
    const r = await fetchRetrying(agent, `/v1/log/consistency?from=${m}&to=${final.size}`);
    if (r.status === 200 && verifyConsistency(m, final.size, Buffer.from(checkpoints.get(m), 'base64'),
      final.root, r.json.proof)) consOk++;
    else {
      consBad++;
      violation('consistency', `checkpoint of size ${m} is not a prefix of size ${final.size} (${r.status})`);
    }
  }
  check(consBad === 0, 'every checkpoint seen during the run is consistent with the final one',
    `${consOk} checkpoints`);

  // Every checkpoint the workers stored, across all their kills, is signed and of a tree that
  // the final one extends (a sample of them, each size once: the table's key).
  const stored_cps = sqlRows(db, `SELECT tree_size, encode(root, 'hex'), encode(convert_to(note, 'UTF8'), 'hex')
                                  FROM log_checkpoints ORDER BY tree_size`);
  let cpOk = 0, cpBad = 0;
  const step = Math.max(1, Math.floor(stored_cps.length / 150));
  for (let i = 0; i < stored_cps.length; i += (i + step >= stored_cps.length - 1 ? 1 : step)) {
    const [m, rootHex, noteHex] = stored_cps[i].split('|');
    try {
      const cp = parseCheckpoint(await openNote(Buffer.from(noteHex, 'hex').toString('utf8'), vkey));
      if (cp.size !== Number(m) || cp.root.toString('hex') !== rootHex) throw new Error('note differs from its row');
      if (cp.size === 0) { // the empty log's: every tree extends it, its root is SHA-256("")
        if (rootHex !== 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855') throw new Error('empty log, other root');
      } else if (cp.size < final.size) {
        const r = await fetchRetrying(agent, `/v1/log/consistency?from=${m}&to=${final.size}`);
        if (r.status !== 200 || !verifyConsistency(cp.size, final.size, cp.root, final.root, r.json.proof)) {
          throw new Error(`not a prefix of size ${final.size} (${r.status})`);
        }
      } else if (cp.size === final.size && !cp.root.equals(final.root)) {
        throw new Error('another root for the final size');
      }
      cpOk++;
    } catch (e) {
      cpBad++;
      violation('consistency', `stored checkpoint of size ${m}: ${e.message}`);
    }
    if (i === stored_cps.length - 1) break;
  }
  check(cpBad === 0 && cpOk > 0, 'stored checkpoints are signed and consistent with the final one',
    `${cpOk} of ${stored_cps.length} checked`);
  agent.destroy();
  return { size, stored, checks };
}

// What provd serve logged around each request it dropped or answered 408: its own account.
const unexplained = [];
function printServeLogAround() {
  let text = '';
  try { text = fs.readFileSync(serve.logFile, 'utf8'); } catch { return; }
  const lines = text.split('\n').map((l) => ({ t: Date.parse(l.slice(0, 24)), l }))
    .filter((x) => !Number.isNaN(x.t) && !/ -> (503|413|429) /.test(x.l));
  for (const t of unexplained.slice(0, 5)) {
    console.log(`\n--- provd serve's log from 6 s before to 0.5 s after +${t - runStart} ms (503, 413, 429 left out)`);
    for (const x of lines) if (x.t >= t - 6000 && x.t <= t + 500) console.log(`+${x.t - runStart} ms ${x.l.slice(25)}`);
  }
}

// The last lines of every process's log, for a failure seen only in CI.
function printLogTails() {
  for (const p of [serve, ...(workers || [])]) {
    if (!p) continue;
    let text = '';
    try { text = fs.readFileSync(p.logFile, 'utf8'); } catch { continue; }
    const lines = text.split('\n').filter((l) => !/ -> (503|413|429) /.test(l));
    console.log(`\n--- last lines of ${p.logFile} (503s, 413s and 429s left out)`);
    console.log(lines.slice(-25).join('\n'));
  }
}

const clients = [];
async function main() {
  const t00 = now();
  fs.mkdirSync(WORKDIR, { recursive: true });
  const db = env.PROVD_DATABASE_URL;
  let r = runProvd(['migrate'], { PROVD_DATABASE_URL: db });
  if (r.status !== 0) throw new Error('migrate: ' + r.stderr);
  token = createApiKey(db);
  const key = createLogKey('chaos.provd.test/log');
  basePort = await freePort();
  serve = new Proc('serve', ['serve', '--listen', `127.0.0.1:${basePort}`,
    '--threads', String(LIMITS.threads),
    '--db-statement-timeout', String(LIMITS.statementMs), '--db-lock-timeout', String(LIMITS.lockMs),
    '--db-acquire-timeout', String(LIMITS.acquireMs), '--db-connect-timeout', String(LIMITS.connectS),
    '--request-timeout', String(LIMITS.requestS), '--idle-timeout', String(LIMITS.idleS),
    '--max-body', String(LIMITS.maxBody), '--max-buffered', String(LIMITS.maxBuffered),
    '--max-connections-per-ip', String(LIMITS.perIp)], /listening on http/, {
    // As variables, so that a provd without rate limits still runs the rest of the test.
    PROVD_RATE_LIMIT_IP: '50:100', PROVD_RATE_LIMIT_EXEMPT: 'none' });
  workers = [1, 2].map((i) => new Proc(`worker${i}`, ['worker', '--log-key-file', key.keyFile,
    '--log-origin', key.origin, '--db-connect-timeout', String(LIMITS.connectS)], /worker started/));
  await serve.start();
  await Promise.all(workers.map((w) => w.start()));

  for (let i = 0; i < CLIENTS; i++) {
    const signer = await newEd25519Signer();
    const cl = { id: i, signer, sent: 0, acked: [], allSent: [], addr: `127.0.1.${i + 1}`,
      agent: new http.Agent({ keepAlive: true, maxSockets: 1 }) };
    clients.push(cl);
  }
  console.log(`chaos: ${SECONDS} s, ${CLIENTS} clients, seed ${SEED}, provd ${env.PROVD_BIN}, work dir ${WORKDIR}`);
  runStart = now();
  runEnd = runStart + SECONDS * 1000;
  // The driver's own lag (it shares the 2 cores with everything): latencies include it.
  const lag = monitorEventLoopDelay({ resolution: 20 });
  lag.enable();
  const sampler = setInterval(() => {
    sampleRss([serve], 'serveMaxKiB');
    sampleRss(workers, 'workerMaxKiB');
    rss.samples++;
  }, 200);
  const tasks = [
    ...clients.map((cl) => clientLoop(cl)),
    ...Array.from({ length: 8 }, (_, i) => slowloris(`127.0.2.${1 + (i % 4)}`, i % 2 ? 'body' : 'headers')),
    ...Array.from({ length: 24 }, (_, i) => idler(`127.0.3.${1 + (i % 3)}`)),
    flooder('127.0.5.1'),
    oversized('127.0.4.1', 'blast'), oversized('127.0.4.2', 'polite'), oversized('127.0.4.3', 'chunked'),
    checkpointPoller(key.vkey),
  ];
  await Promise.all([faultLoop(), workerKillLoop()]);
  const faultsDoneAt = now();
  await Promise.all(tasks);
  const clientsDoneAt = now();
  clearInterval(sampler);
  lag.disable();
  sampleRss([serve], 'serveMaxKiB', 'VmHWM');
  sampleRss(workers, 'workerMaxKiB', 'VmHWM');

  const res = await verify(key.vkey);
  const nFaults = Object.values(faultCounts).reduce((a, b) => a + b, 0);
  const check = (ok, name, detail = '') => {
    res.checks.push({ ok, name });
    console.log(`${ok ? 'ok' : 'not ok'} - ${name}${detail ? ` (${detail})` : ''}`);
    if (!ok) violation('check', `${name}${detail ? `: ${detail}` : ''}`);
  };
  check(nFaults >= MIN_FAULTS, `at least ${MIN_FAULTS} faults`, `${nFaults}`);
  check(rss.serveMaxKiB <= MAX_RSS_MB * 1024, `provd serve's memory stayed under ${MAX_RSS_MB} MiB`,
    `peak ${(rss.serveMaxKiB / 1024).toFixed(1)} MiB`);
  const calmP99 = pct(stats.latCalm, 99);
  check(stats.latCalm.length > 0 && calmP99 <= CALM_P99_MS && stats.calmFailures === 0,
    'outside the faults, with the hostile clients running, every well-behaved request succeeded',
    `${stats.latCalm.length} requests, p99 ${calmP99} ms`);
  const n5xx = violationKinds.get('5xx') || 0;
  check(n5xx === 0, 'no 500 (or other 5xx than 503)', `${n5xx}`);
  const n408 = violationKinds.get('408') || 0, nDropped = violationKinds.get('dropped') || 0;
  check(stats.deadlines === 0 && !nDropped && !n408,
    `every request was answered within ${DEADLINE_MS} ms, never 408 (dropped only when serve was killed)`,
    `${stats.deadlines} past the deadline, ${nDropped} dropped unexplained, ${n408} answered 408`);
  const dupResend = violationKinds.get('duplicate') || 0;
  check(dupResend === 0, 'acknowledged registrations sent again are answered 200 with their id',
    `${stats.resendOk} resent`);

  // Clean shutdown, bounded.
  for (const p of [serve, ...workers]) {
    const s = await p.stop();
    check(s !== null && s.code === 0, `${p.name} stops on SIGTERM with status 0`,
      s ? `status ${s.code}${s.signal ? ` signal ${s.signal}` : ''} after ${s.ms} ms` : 'did not stop in 20 s');
  }

  const statuses = [...stats.byStatus.entries()].sort((a, b) => a[0] - b[0]).map(([k, v]) => `${k}: ${v}`).join(', ');
  const all = stats.latCalm.concat(stats.latFault);
  console.log('\nchaos figures');
  console.log(`  duration            ${SECONDS} s of faults and load (+${((clientsDoneAt - faultsDoneAt) / 1000).toFixed(1)} s draining), total ${((now() - t00) / 1000).toFixed(0)} s`);
  console.log(`  machine             ${os.cpus().length} × ${os.cpus()[0].model.trim()}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB`);
  console.log(`  requests            ${stats.attempts} well-behaved HTTP requests (${statuses}; ${stats.transportExplained} cut by a serve kill)`);
  console.log(`  registrations       ${stats.acked} acknowledged (${stats.ackedSingle} single, ${stats.ackedBatch} in ${stats.batches} batches), ${res.stored} stored, tree size ${res.size}`);
  console.log(`                      ${stats.resendOk} acknowledged ones resent (all 200, same id); ${stats.ackAfterDrop} acknowledged 200 after a dropped answer; ${stats.elem503} batch elements retried after their own 503; ${stats.gaveUp} given up`);
  console.log(`  faults              ${nFaults}: serve kill -9 ×${faultCounts.serve}, worker kill -9 ×${faultCounts.worker}, PostgreSQL kill -9 ×${faultCounts.pgkill}, PostgreSQL stalls ×${faultCounts.pgstall} (longest ${(stallMsMax / 1000).toFixed(1)} s, statement timeout ${LIMITS.statementMs / 1000} s)`);
  console.log(`  latency             p50 ${pct(all, 50)} ms, p99 ${pct(all, 99)} ms, max ${stats.maxLatency} ms; during faults p99 ${pct(stats.latFault, 99)} ms (${stats.latFault.length} requests); otherwise p99 ${calmP99} ms (${stats.latCalm.length})`);
  console.log(`  driver              event-loop lag p99 ${(lag.percentile(99) / 1e6).toFixed(0)} ms, max ${(lag.max / 1e6).toFixed(0)} ms (included in the latencies)`);
  console.log(`  memory              provd serve peak RSS ${(rss.serveMaxKiB / 1024).toFixed(1)} MiB, workers ${(rss.workerMaxKiB / 1024).toFixed(1)} MiB (${rss.samples} samples)`);
  console.log(`  hostile clients     ${hostile.slowConns} slowloris connections (closed by provd after at most ${hostile.slowMaxLifeMs} ms, ${hostile.slowMaxLifeFaultMs} ms during faults; ${[...hostile.slowStatuses].map(([k, v]) => `${k}: ${v}`).join(', ')}), ${hostile.idleConns} idle connections, ${hostile.bigRequests} oversized bodies (${[...hostile.bigStatuses].map(([k, v]) => `${k}: ${v}`).join(', ')})`);
  console.log(`                      a flood of ${hostile.floodRequests} checkpoint requests from one address (${[...hostile.floodStatuses].map(([k, v]) => `${k}: ${v}`).join(', ')})`);
  console.log(`  reads               ${stats.reads} item reads, ${checkpoints.size} checkpoints seen`);
  if (violations.length) {
    console.log('\nviolations:');
    for (const [k, v] of violationKinds) console.log(`  ${k}: ${v}`);
    for (const v of violations) console.log(`  - ${v}`);
  }
  if (violations.length) {
    printLogTails();
    printServeLogAround();
  }
  const failed = res.checks.filter((c) => !c.ok).length + (violations.length && !res.checks.some((c) => !c.ok) ? 1 : 0);
  console.log(`\nchaos: ${res.checks.length - res.checks.filter((c) => !c.ok).length} passed, ${failed} failed`);
  return failed === 0 && violations.length === 0;
}

main().then((ok) => {
  pgThaw();
  process.exit(ok ? 0 : 1);
}, (e) => {
  pgThaw();
  console.error('chaos: ' + (e.stack || e));
  for (const v of violations) console.log(`  - ${v}`);
  printLogTails();
  for (const p of [serve, ...(workers || [])]) if (p && p.pid) p.child.kill('SIGKILL');
  console.log('chaos: 0 passed, 1 failed');
  process.exit(1);
});
