// SPDX-License-Identifier: Apache-2.0
// Shared set-up of the anchoring tests: anvil, an anchoring key file, a log key and provd with
// anchoring flags; helpers to register items and wait for anchors.
import fs from 'node:fs';
import path from 'node:path';
import assert from 'node:assert/strict';
import {
  startProvd, createApiKey, createLogKey, newEd25519Signer, signedItem, http, freshDatabase,
  tempDir,
} from './harness.mjs';
import { DEV_KEY } from './anvil.mjs';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function ethKeyFile(key = DEV_KEY) {
  const f = path.join(tempDir('provd-eth-'), 'eth.key');
  fs.writeFileSync(f, key.slice(2) + '\n', { mode: 0o600 });
  return f;
}

export function anchorArgs(rpcUrl, keyFile, extra = []) {
  return ['--eth-rpc-url', rpcUrl, '--eth-key-file', keyFile, '--anchor-interval', '1',
    '--anchor-poll', '200', '--eth-rpc-timeout', '2000', ...extra];
}

// provd run anchoring to rpcUrl: {srv, token, key, dbUrl, keyFile, register}.
export async function startAnchoring(rpcUrl, extra = [], { command = 'run' } = {}) {
  const dbUrl = freshDatabase();
  const token = createApiKey(dbUrl);
  const key = createLogKey('anchor.provd.test/log');
  const keyFile = ethKeyFile();
  const srv = await startProvd({ dbUrl, command, logKey: key,
    args: anchorArgs(rpcUrl, keyFile, extra) });
  const signer = await newEd25519Signer();
  let n = 0;
  async function register(count, base = srv.base) {
    const out = [];
    for (let i = 0; i < count; i++) {
      const res = await http(base, 'POST', '/v1/items', {
        body: await signedItem(signer, { n: n++, license: 'CC-BY-4.0' }), token });
      assert.equal(res.status, 201, res.text);
      out.push(res.body);
    }
    return out;
  }
  return { srv, token, key, dbUrl, keyFile, register };
}

// Polls GET /v1/anchors until pred(anchors) returns a truthy value, which it returns.
export async function waitAnchors(base, pred, ms = 30000, what = 'anchors') {
  const until = Date.now() + ms;
  let last;
  while (Date.now() < until) {
    const r = await http(base, 'GET', '/v1/anchors');
    if (r.status === 200) {
      last = r.body.anchors;
      const v = pred(last);
      if (v) return v;
    }
    await sleep(150);
  }
  throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last, null, 1)}`);
}

// Decodes the documented calldata layout.
export function decodeCalldata(hex) {
  const b = Buffer.from(hex.slice(2), 'hex');
  return {
    magic: b.subarray(0, 4).toString('latin1'),
    version: b[4],
    keyId: b.subarray(5, 9).toString('hex'),
    treeSize: Number(b.readBigUInt64BE(9)),
    root: b.subarray(17, 49).toString('hex'),
    origin: b.subarray(49).toString('latin1'),
  };
}
