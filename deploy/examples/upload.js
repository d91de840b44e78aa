// SPDX-License-Identifier: Apache-2.0
// upload.html's module: the browser key (WebCrypto Ed25519, or P-256 where Ed25519 is missing;
// not extractable, persisted in IndexedDB), or a wallet (window.ethereum, EIP-712); the file's
// SHA-256 as it streams; POST /v1/items without an API key (provd --open-registration, the
// signer known); then the receipt, verified in the page with the explorer's verifier.
// Serve it with `node deploy/examples/serve.mjs` (it imports the client from ../../clients/js/).
import { Provd, ProvdError, generateKey, hashFile, signItem, walletSigner, webCryptoSigner }
  from '../../clients/js/src/index.js';

const $ = (id) => document.getElementById(id);

// IndexedDB holds the CryptoKeyPair itself (structured clone), so a non-extractable private key
// survives reloads without ever being exported.
function idb(mode, fn) {
  return new Promise((resolve, reject) => {
    const open = indexedDB.open('provd-upload', 1);
    open.onupgradeneeded = () => open.result.createObjectStore('keys');
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const tx = open.result.transaction('keys', mode);
      const req = fn(tx.objectStore('keys'));
      tx.oncomplete = () => { open.result.close(); resolve(req.result); };
      tx.onerror = () => reject(tx.error);
    };
  });
}

async function newKeyPair() {
  try {
    return await generateKey('Ed25519');
  } catch {
    return generateKey('P-256'); // a browser without Ed25519 in WebCrypto
  }
}

async function browserSigner({ fresh = false } = {}) {
  let kp = fresh ? null : await idb('readonly', (s) => s.get('signer'));
  if (!kp) {
    kp = await newKeyPair();
    await idb('readwrite', (s) => s.put(kp, 'signer'));
  }
  return webCryptoSigner(kp);
}

let signer = null;

function showSigner() {
  $('identity').textContent = signer ? signer.identity : '…';
  $('identity').dataset.scheme = signer ? signer.scheme : '';
  if (!signer) return;
  const kind = signer.scheme === 'eip712' ? `"scheme": "eip712", "address": "${signer.identity}"`
    : `"scheme": "${signer.scheme}", "public_key": "${signer.identity}"`;
  $('record-cmd').textContent = `curl -s -X POST ${base()}/v1/signers -H 'authorization: Bearer ADMIN_KEY' \\\n`
    + `    -H 'content-type: application/json' -d '{${kind}, "name": "my browser"}'`;
}

const base = () => $('base').value.trim().replace(/\/+$/, '');

async function chooseSigner() {
  signer = null;
  showSigner();
  try {
    signer = document.querySelector('input[name=signer]:checked').value === 'wallet'
      ? await walletSigner(window.ethereum) : await browserSigner();
  } catch (e) {
    status(`No signer: ${e.message}`, true);
  }
  showSigner();
}

function status(text, error = false) {
  $('status').textContent = text;
  $('status').className = error ? 'error' : '';
}

function showSteps(result) {
  $('steps').replaceChildren(...result.steps.map((s) => {
    const li = document.createElement('li');
    li.dataset.step = s.id;
    li.dataset.ok = String(s.ok);
    li.textContent = `${s.title}: ${s.detail}`;
    return li;
  }));
  $('steps').dataset.verdict = String(result.ok);
}

async function register(ev) {
  ev.preventDefault();
  const file = $('file').files[0];
  if (!file || !signer) return;
  $('register').disabled = true;
  $('steps').replaceChildren();
  delete $('steps').dataset.verdict;
  $('registration').textContent = '';
  try {
    localStorage.setItem('provd-upload-base', base());
    const progress = $('progress');
    progress.hidden = false;
    status(`Hashing ${file.name}…`);
    const hash = await hashFile(file, (done, total) => { progress.value = total ? done / total : 1; });
    const metadata = { size: file.size, modified_at: new Date(file.lastModified).toISOString().replace(/\.\d{3}Z$/, 'Z') };
    for (const f of ['source_url', 'author', 'license']) if ($(f).value.trim()) metadata[f] = $(f).value.trim();
    status(`Signing ${hash}…`);
    const body = await signItem(signer, hash, metadata);
    const provd = new Provd(base()); // no API key: open registration
    const { status: code, item } = await provd.register(body);
    $('registration').textContent = JSON.stringify(item, null, 2);
    $('registration').dataset.id = item.id;
    status(`${code === 201 ? 'Registered' : 'Already registered'} as item ${item.id}; waiting for the log…`);
    const v = await provd.verify(item.id, { wait: 60000 });
    showSteps(v);
    status(`Item ${item.id}: ${v.ok ? 'verified' : 'verification FAILED'} (log entry ${v.receipt.log_index} of ${v.receipt.tree_size}).`, !v.ok);
  } catch (e) {
    const hint = e instanceof ProvdError && e.problem && /signer-unknown/.test(e.problem.type)
      ? ' Record the signer with the command above first.' : e instanceof TypeError
        ? ' Is provd running with PROVD_CORS_ORIGINS set to this page\'s origin?' : '';
    status(`${e.message}.${hint}`, true);
  } finally {
    $('register').disabled = false;
  }
}

$('base').value = localStorage.getItem('provd-upload-base') || $('base').value;
$('use-wallet').disabled = !window.ethereum;
for (const r of document.querySelectorAll('input[name=signer]')) r.addEventListener('change', chooseSigner);
$('base').addEventListener('change', showSigner);
$('new-key').addEventListener('click', async () => {
  document.querySelector('input[name=signer][value=browser]').checked = true;
  signer = await browserSigner({ fresh: true });
  showSigner();
});
$('form').addEventListener('submit', register);
chooseSigner();
