// SPDX-License-Identifier: Apache-2.0
// provd's JavaScript client: import { Provd, webCryptoSigner, signItem, verifyReceipt } from
// '@provd/client' (or this file by path). See ../README.md.
export { Provd, ProvdError, verify as verifyReceipt } from './client.js';
export { canonicalize, statement, signItem, webCryptoSigner, generateKey, ethersSigner, walletSigner,
  EIP712_DOMAIN, EIP712_TYPES, eip712Message } from './sign.js';
export { hashFile } from './shared/hashfile.js';
export { bytesToHex } from './shared/bytes.js';
import { bytesToHex } from './shared/bytes.js';

// The content hash of bytes (Uint8Array, ArrayBuffer or string): "sha256:<hex>".
export async function hashBytes(data) {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  return `sha256:${bytesToHex(new Uint8Array(await crypto.subtle.digest('SHA-256', bytes)))}`;
}
