// SPDX-License-Identifier: Apache-2.0
// An independent verifier for provd's models, written from the models API design: the model
// statement a trainer signs, the model's digest over its file manifest, and the chain of a
// training-data proof: content hash -> members root (membership proof) -> the dataset record
// (curator's signature, inclusion in a signed checkpoint) -> the model record naming that dataset
// and root (trainer's signature, inclusion in a signed checkpoint, logged after the dataset) ->
// and the content's registrations logged before the dataset record. Uses the suite's own
// spec-written verifiers (tlog.mjs, dataset.mjs); shares no code with provd.
import { webcrypto as crypto, createHash, createPublicKey, verify as nodeVerify } from 'node:crypto';
import { keccak256, toUtf8Bytes, verifyMessage, verifyTypedData } from 'ethers';
import { canonicalize, statement as itemStatement } from './jcs.mjs';
import { leafHash, openNote, parseCheckpoint, verifyInclusion } from './tlog.mjs';
import { verifyMembershipProof } from './dataset.mjs';

export const MODEL_TYPE = 'provd.model.v1';
export const EIP712_DOMAIN = { name: 'provd', version: '1' };
export const MODEL_TYPES = {
  ProvdModel: [
    { name: 'statementType', type: 'string' }, { name: 'name', type: 'string' },
    { name: 'version', type: 'string' }, { name: 'digest', type: 'bytes32' },
    { name: 'statementHash', type: 'bytes32' }],
};
const ITEM_TYPES = {
  ProvdItem: [
    { name: 'statementType', type: 'string' }, { name: 'contentHash', type: 'string' },
    { name: 'metadataHash', type: 'bytes32' }],
};
const DATASET_TYPES = {
  ProvdDataset: [
    { name: 'statementType', type: 'string' }, { name: 'name', type: 'string' },
    { name: 'version', type: 'string' }, { name: 'memberCount', type: 'uint256' },
    { name: 'membersRoot', type: 'bytes32' }, { name: 'metadataHash', type: 'bytes32' },
    { name: 'policyHash', type: 'bytes32' }],
};

const DIGEST_RE = /^sha256:[0-9a-f]{64}$/;

// The statement bytes a trainer signs for a POST /v1/models body (or a model record without
// registered_at and signature): JCS of type, model, datasets, metadata ({} when absent).
export function modelStatement({ model, datasets, metadata }) {
  return Buffer.from(canonicalize({ type: MODEL_TYPE, model, datasets, metadata: metadata ?? {} }), 'utf8');
}

// The EIP-712 message of a model statement.
export function modelTypedMessage(stmt, bytes = modelStatement(stmt)) {
  return {
    statementType: MODEL_TYPE, name: stmt.model.name, version: stmt.model.version,
    digest: '0x' + stmt.model.digest.slice(7), statementHash: keccak256(bytes),
  };
}

// model.digest from a file manifest: SHA-256 over the 32-byte file digests in the listed order.
export function filesDigest(files) {
  const h = createHash('sha256');
  for (const f of files) h.update(Buffer.from(f.digest.slice(7), 'hex'));
  return 'sha256:' + h.digest('hex');
}

const b64 = (s) => Buffer.from(s, /[-_]/.test(s) ? 'base64url' : 'base64');

// Verifies a record's signature over bytes (the statement); typed(...) gives the EIP-712
// {types, message} for the record's kind. Returns a boolean.
export async function verifySchemeSignature(sig, bytes, typed) {
  if (!sig || typeof sig !== 'object') return false;
  try {
    switch (sig.scheme) {
    case 'ed25519': {
      const key = await crypto.subtle.importKey('raw', b64(sig.public_key), { name: 'Ed25519' },
        false, ['verify']);
      return await crypto.subtle.verify({ name: 'Ed25519' }, key, b64(sig.value), bytes);
    }
    case 'ecdsa-p256': {
      const raw = b64(sig.public_key);
      const key = raw.length === 65 && raw[0] === 4
        ? createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: raw.subarray(1, 33).toString('base64url'),
                                   y: raw.subarray(33).toString('base64url') }, format: 'jwk' })
        : createPublicKey({ key: raw, format: 'der', type: 'spki' });
      const value = b64(sig.value);
      return nodeVerify('sha256', bytes, { key, dsaEncoding: value.length === 64 ? 'ieee-p1363' : 'der' },
        value);
    }
    case 'eip191':
      return verifyMessage(bytes, sig.value) === sig.address;
    case 'eip712': {
      const { types, message } = typed();
      return verifyTypedData(EIP712_DOMAIN, types, message, sig.value) === sig.address;
    }
    default:
      return false;
    }
  } catch {
    return false;
  }
}

// A receipt (item, dataset or model): checkpoint signed by vkey, its size == tree_size, the
// record's leaf included at log_index. Returns {logIndex, treeSize, origin}; throws on failure.
export async function verifyReceipt(receipt, vkey, what = 'the record') {
  if (!receipt || typeof receipt !== 'object' || !receipt.record) throw new Error(`${what}: no receipt`);
  if (!Number.isInteger(receipt.log_index)) throw new Error(`${what}: not logged`);
  let text;
  try {
    text = await openNote(receipt.checkpoint, vkey);
  } catch (e) {
    throw new Error(`${what}: checkpoint: ${e.message}`);
  }
  const cp = parseCheckpoint(text);
  if (cp.size !== receipt.tree_size) throw new Error(`${what}: tree size differs from the checkpoint`);
  if (!verifyInclusion(leafHash(receipt.record), receipt.log_index, cp.size, receipt.inclusion_proof,
    cp.root)) {
    throw new Error(`${what}: not included in the checkpoint`);
  }
  return { logIndex: receipt.log_index, treeSize: cp.size, origin: cp.origin };
}

// Checks a model record's own content: type, fields, the file manifest against the digest, and
// the trainer's signature over the statement. Returns the statement bytes.
export async function verifyModelRecord(rec) {
  if (!rec || rec.type !== MODEL_TYPE) throw new Error('model record: not a provd.model.v1 record');
  const { registered_at: registeredAt, signature, ...stmt } = rec;
  const keys = Object.keys(stmt).sort().join(',');
  if (keys !== 'datasets,metadata,model,type') throw new Error(`model record: unexpected members ${keys}`);
  if (typeof registeredAt !== 'string') throw new Error('model record: no registered_at');
  const m = stmt.model;
  if (!m || !DIGEST_RE.test(m.digest)) throw new Error('model record: bad model digest');
  if (m.files !== undefined) {
    if (!Array.isArray(m.files) || m.files.length === 0 || !m.files.every((f) => DIGEST_RE.test(f?.digest))) {
      throw new Error('model record: bad file manifest');
    }
    if (filesDigest(m.files) !== m.digest) {
      throw new Error('model record: the digest is not that of its file manifest');
    }
  }
  const bytes = modelStatement(stmt);
  const ok = await verifySchemeSignature(signature, bytes, () => ({
    types: MODEL_TYPES, message: modelTypedMessage(stmt, bytes) }));
  if (!ok) throw new Error('model record: the trainer signature does not verify over the model statement');
  return bytes;
}

// A model receipt: the record's content and signature, then its log inclusion.
export async function verifyModelReceipt(receipt, vkey) {
  await verifyModelRecord(receipt.record);
  return verifyReceipt(receipt, vkey, 'model record');
}

// The signature of a dataset record, any scheme (dataset.mjs checks ed25519 itself).
function datasetSignature(rec) {
  return (signature, bytes) => verifySchemeSignature(signature, bytes, () => ({
    types: DATASET_TYPES,
    message: {
      statementType: 'provd.dataset.v1', name: rec.name, version: rec.version,
      memberCount: rec.member_count, membersRoot: '0x' + rec.members_root,
      metadataHash: keccak256(toUtf8Bytes(canonicalize(rec.metadata))),
      policyHash: keccak256(toUtf8Bytes(canonicalize(rec.policy))),
    },
  }));
}

// An item registration receipt: its signature over the item statement, then its log inclusion.
async function verifyRegistration(receipt, vkey, i) {
  const what = `registration ${i}`;
  const rec = receipt?.record;
  if (!rec || rec.type !== undefined) throw new Error(`${what}: not an item record`);
  const bytes = Buffer.from(itemStatement(rec.content_hash, rec.metadata));
  const ok = await verifySchemeSignature(rec.signature, bytes, () => ({
    types: ITEM_TYPES,
    message: { statementType: 'provd.item.v1', contentHash: rec.content_hash,
               metadataHash: keccak256(toUtf8Bytes(canonicalize(rec.metadata))) },
  }));
  if (!ok) throw new Error(`${what}: the signature does not verify over the item statement`);
  return verifyReceipt(receipt, vkey, what);
}

// Checks a GET /v1/models/{id}/proof reply against the log's verifier key, trusting nothing
// else; throws on the first failing link (the message names it), returns a summary otherwise.
export async function verifyModelProof(proof, vkey) {
  if (!proof || typeof proof !== 'object') throw new Error('not a proof');
  const { content_hash: contentHash, dataset_id: datasetId, membership } = proof;
  if (!DIGEST_RE.test(contentHash)) throw new Error('bad content hash');
  if (!Number.isInteger(datasetId) || datasetId < 1) throw new Error('bad dataset_id');
  if (!membership || typeof membership !== 'object') throw new Error('membership: missing');

  // 1-3. The content hash is a member under members_root, and the dataset record commits to
  // that root and count under the curator's signature, in a signed checkpoint.
  let ds;
  try {
    ds = await verifyMembershipProof({
      content_hash: contentHash, position: membership.position, member_count: membership.member_count,
      members_root: membership.members_root, inclusion_proof: membership.inclusion_proof,
      dataset: proof.dataset,
    }, vkey, { verifySignature: datasetSignature(proof.dataset?.record ?? {}) });
  } catch (e) {
    const link = /member proof/.test(e.message) ? 'membership' : 'dataset record';
    throw new Error(`${link}: ${e.message}`);
  }

  // 4. The model record: its own signature and manifest, its inclusion, and that it names this
  // dataset with this members root; logged after the dataset record.
  const modelRec = proof.model?.record;
  await verifyModelRecord(modelRec);
  const entries = modelRec.datasets.filter((d) => d.id === datasetId);
  if (entries.length !== 1) throw new Error(`model record: does not name dataset ${datasetId}`);
  if (entries[0].members_root !== membership.members_root) {
    throw new Error('model record: names the dataset with another members root');
  }
  const m = await verifyReceipt(proof.model, vkey, 'model record');
  if (!(m.logIndex > ds.logIndex)) {
    throw new Error('model record: not logged after the dataset record');
  }

  // 5. The registrations: of this content, each verified, each logged before the dataset record.
  if (!Array.isArray(proof.registrations)) throw new Error('registrations: missing');
  const regs = [];
  for (const [i, r] of proof.registrations.entries()) {
    if (r?.record?.content_hash !== contentHash) {
      throw new Error(`registration ${i}: of another content hash`);
    }
    const v = await verifyRegistration(r, vkey, i);
    if (!(v.logIndex < ds.logIndex)) {
      throw new Error(`registration ${i}: not logged before the dataset record`);
    }
    regs.push(v.logIndex);
  }
  return {
    contentHash, datasetId, position: ds.position, memberCount: ds.size,
    datasetLogIndex: ds.logIndex, modelLogIndex: m.logIndex, registrationLogIndexes: regs,
    model: modelRec.model,
  };
}
