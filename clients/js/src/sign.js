// SPDX-License-Identifier: Apache-2.0
// The statement provd checks and the signers that sign it: WebCrypto keys (Ed25519, ECDSA P-256;
// non-extractable ones too), an ethers-style signer (signMessage / signTypedData: eip191, eip712)
// and an EIP-1193 wallet (window.ethereum: eth_signTypedData_v4). A signer is
// {scheme, identity, sign(contentHash, metadata) -> the registration's `signature` object}.
import { bytesToHex, utf8 } from './shared/bytes.js';
import { canonicalize } from './shared/jcs.js';
import { keccak_256 as keccak } from './shared/vendor/sha3.js';

export { canonicalize };

const b64url = (bytes) => {
  let s = '';
  for (const b of new Uint8Array(bytes)) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
};

// The UTF-8 bytes of JCS({"type": "provd.item.v1", content_hash, metadata}): what is signed.
export const statement = (contentHash, metadata) =>
  utf8(canonicalize({ type: 'provd.item.v1', content_hash: contentHash, metadata }));

// The EIP-712 typed data of an item (README, "Registering an item"), as ethers'
// signTypedData(domain, types, message) takes it.
export const EIP712_DOMAIN = Object.freeze({ name: 'provd', version: '1' });
export const EIP712_TYPES = Object.freeze({ ProvdItem: [
  { name: 'statementType', type: 'string' },
  { name: 'contentHash', type: 'string' },
  { name: 'metadataHash', type: 'bytes32' },
] });
export const eip712Message = (contentHash, metadata) => ({ statementType: 'provd.item.v1', contentHash,
  metadataHash: '0x' + bytesToHex(keccak(utf8(canonicalize(metadata)))) });

// A signer over a WebCrypto key pair ({privateKey, publicKey}, as generateKey returns it):
// Ed25519 or ECDSA on P-256. The private key may be non-extractable; the public key is exported
// raw (WebCrypto public keys always are exportable).
export async function webCryptoSigner({ privateKey, publicKey }) {
  const alg = privateKey.algorithm;
  let scheme, params;
  if (alg.name === 'Ed25519') [scheme, params] = ['ed25519', { name: 'Ed25519' }];
  else if (alg.name === 'ECDSA' && alg.namedCurve === 'P-256') [scheme, params] = ['ecdsa-p256', { name: 'ECDSA', hash: 'SHA-256' }];
  else throw new Error(`unsupported key ${alg.name} ${alg.namedCurve || ''}: use Ed25519 or ECDSA P-256`);
  const publicKeyB64 = b64url(await crypto.subtle.exportKey('raw', publicKey));
  return {
    scheme,
    identity: publicKeyB64,
    async sign(contentHash, metadata) {
      // WebCrypto's ECDSA signature is r || s, which provd takes as it is.
      const value = await crypto.subtle.sign(params, privateKey, statement(contentHash, metadata));
      return { scheme, public_key: publicKeyB64, value: b64url(value) };
    },
  };
}

// A new WebCrypto key pair: 'Ed25519' (default) or 'P-256'; extractable false keeps the private
// key inside the browser (it can still be stored in IndexedDB and used after a reload).
export function generateKey(kind = 'Ed25519', { extractable = false } = {}) {
  const alg = kind === 'P-256' ? { name: 'ECDSA', namedCurve: 'P-256' } : { name: 'Ed25519' };
  return crypto.subtle.generateKey(alg, extractable, ['sign', 'verify']);
}

// A signer over an ethers-style signer (ethers' Wallet or JsonRpcSigner, or anything with
// getAddress() or .address, signMessage(bytes) and signTypedData(domain, types, message)).
export async function ethersSigner(signer, { scheme = 'eip712' } = {}) {
  if (scheme !== 'eip712' && scheme !== 'eip191') throw new Error(`scheme ${scheme}: eip712 or eip191`);
  const address = typeof signer.getAddress === 'function' ? await signer.getAddress() : signer.address;
  return {
    scheme,
    identity: address,
    async sign(contentHash, metadata) {
      const value = scheme === 'eip191'
        ? await signer.signMessage(statement(contentHash, metadata))
        : await signer.signTypedData(EIP712_DOMAIN, EIP712_TYPES, eip712Message(contentHash, metadata));
      return { scheme, address, value };
    },
  };
}

// An eip712 signer over an EIP-1193 provider (a browser wallet's window.ethereum): asks for the
// account (eth_requestAccounts) and signs with eth_signTypedData_v4.
export async function walletSigner(provider, { address } = {}) {
  if (!address) [address] = await provider.request({ method: 'eth_requestAccounts' });
  if (!address) throw new Error('the wallet gave no account');
  return {
    scheme: 'eip712',
    identity: address,
    async sign(contentHash, metadata) {
      const typed = { domain: EIP712_DOMAIN, primaryType: 'ProvdItem', message: eip712Message(contentHash, metadata),
        types: { EIP712Domain: [{ name: 'name', type: 'string' }, { name: 'version', type: 'string' }], ...EIP712_TYPES } };
      const value = await provider.request({ method: 'eth_signTypedData_v4', params: [address, JSON.stringify(typed)] });
      return { scheme: 'eip712', address, value };
    },
  };
}

// A complete registration body ({content_hash, metadata, signature}) for POST /v1/items.
export async function signItem(signer, contentHash, metadata = {}) {
  return { content_hash: contentHash, metadata, signature: await signer.sign(contentHash, metadata) };
}
