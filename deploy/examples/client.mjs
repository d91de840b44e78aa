// SPDX-License-Identifier: Apache-2.0
// Registers a file with the JavaScript client (clients/js) and verifies its receipt: unlike
// register.mjs and crawl.mjs, which are self-contained, this one imports the client from the
// repository (../../clients/js/src/index.js; in your project: npm install ./clients/js and
// import from '@provd/client'). Node 20+.
//   node deploy/examples/client.mjs BASE_URL API_TOKEN FILE
// The key is a fresh Ed25519 WebCrypto key each run (see register.mjs for one kept in a file).
import fs from 'node:fs';
import { Provd, generateKey, hashBytes, signItem, webCryptoSigner } from '../../clients/js/src/index.js';

const [base, token, file] = process.argv.slice(2);
if (!base || !token || !file) {
  console.error('usage: node client.mjs BASE_URL API_TOKEN FILE');
  process.exit(2);
}
try {
  const provd = new Provd(base, { token });
  const signer = await webCryptoSigner(await generateKey('Ed25519'));
  const stat = fs.statSync(file);
  const hash = await hashBytes(fs.readFileSync(file));
  const body = await signItem(signer, hash, { size: stat.size,
    modified_at: stat.mtime.toISOString().replace(/\.\d{3}Z$/, 'Z') });
  const { status, item } = await provd.register(body);
  console.log(`registered item ${item.id} (${status}) by ${signer.scheme} ${signer.identity}`);
  console.log(`provenance: ${(await provd.lookup(hash)).registrations.length} registration(s) of ${hash}`);
  // Pin the log key out of band in real use (pinnedKey); here the server's is taken.
  const v = await provd.verify(item.id, { wait: 60000 });
  const mark = (ok) => (ok === true ? '✓' : ok === false ? '✗' : '–');
  console.log(`verified: ${v.steps.map((s) => `${mark(s.ok)} ${s.id}`).join(', ')}`);
  process.exit(v.ok ? 0 : 1);
} catch (e) {
  console.error(`client.mjs: ${e.message}`);
  process.exit(1);
}
