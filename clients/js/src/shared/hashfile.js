// SPDX-License-Identifier: Apache-2.0
// The SHA-256 of a File as it streams from disk, so that a file of many GB is hashed without
// being loaded whole; onProgress(bytesDone, bytesTotal) after each chunk. The file never leaves
// the machine.
import { bytesToHex } from './bytes.js';
import { sha256 } from './vendor/sha2.js';

export async function hashFile(file, onProgress = () => {}) {
  const h = sha256.create();
  const reader = file.stream().getReader();
  let done = 0;
  for (;;) {
    const { value, done: end } = await reader.read();
    if (end) break;
    h.update(value);
    done += value.length;
    onProgress(done, file.size);
  }
  return `sha256:${bytesToHex(h.digest())}`;
}
