// SPDX-License-Identifier: Apache-2.0
// Registers a model trained on one sealed dataset, signed with a fresh Ed25519 key (WebCrypto),
// and prints its id: node tests/bench/model.mjs BASE TOKEN DATASET_ID MEMBERS_ROOT
import { webcrypto as crypto, randomBytes, createHash } from 'node:crypto';
import { canonicalize } from '../blackbox/lib/jcs.mjs';

const [base, token, datasetId, root] = process.argv.slice(2);
const kp = await crypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify']);
const publicKey = Buffer.from(await crypto.subtle.exportKey('raw', kp.publicKey)).toString('base64url');
const digest = 'sha256:' + createHash('sha256').update(randomBytes(32)).digest('hex');
const body = {
  model: { name: 'bench-model', version: '1', digest },
  datasets: [{ id: Number(datasetId), members_root: root }],
  metadata: {},
};
const statement = canonicalize({ type: 'provd.model.v1', ...body });
const sig = await crypto.subtle.sign({ name: 'Ed25519' }, kp.privateKey, Buffer.from(statement));
body.signature = { scheme: 'ed25519', public_key: publicKey, value: Buffer.from(sig).toString('base64url') };
const res = await fetch(`${base}/v1/models`, {
  method: 'POST',
  headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
  body: JSON.stringify(body),
});
const out = await res.json();
if (res.status !== 201) {
  console.error(res.status, JSON.stringify(out));
  process.exit(1);
}
console.log(out.id);
