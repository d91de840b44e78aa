// SPDX-License-Identifier: Apache-2.0
// The OpenSSF model signing digest (sigstore/model-transparency, predicate
// https://model_signing/signature/v1.0, serialization "files", SHA-256, default options), written
// independently from that tool's source: _signing/signing.py (Payload), manifest.py (order),
// _serialization/file.py + serialization.py, _filesystem.py, hashing.py and _hashing/io.py:
// SHA-256 over the 32-byte SHA-256 digests of the model's regular files (top-level .git,
// .gitattributes, .github, .gitignore ignored), concatenated in pathlib order of their POSIX
// relative paths ("a/b" before "a-c"). Must never share code with provd's C implementation.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, readdir, realpath } from 'node:fs/promises';
import path from 'node:path';

// hashing.Config's git paths, ignored by default (ignore_git_paths=True), relative to the root.
export const GIT_IGNORE_PATHS = ['.git', '.gitattributes', '.github', '.gitignore'];

const utf8 = new TextDecoder('utf-8', { fatal: true });

function hashFile(file) {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(file)
      .on('data', (chunk) => h.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(h.digest()));
  });
}

// pathlib order: component lists compared element by element, each component by code point
// (UTF-8 bytes compare the same way); a proper prefix sorts first.
export function comparePaths(a, b) {
  const pa = a.split('/');
  const pb = b.split('/');
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const c = Buffer.compare(Buffer.from(pa[i], 'utf8'), Buffer.from(pb[i], 'utf8'));
    if (c !== 0) return c;
  }
  return pa.length - pb.length;
}

// An ignore entry as a pathlib relative path: no empty or "." components, no trailing slash.
function normalizeIgnore(p) {
  const parts = p.split('/').filter((s) => s !== '' && s !== '.');
  if (p.startsWith('/') || parts.includes('..') || parts.length === 0) {
    throw new Error(`ignore path must be relative to the model root: ${p}`);
  }
  return parts.join('/');
}

// Path.is_relative_to, lexically: the entry itself or anything below it.
const isIgnored = (rel, ignores) => ignores.some((ig) => rel === ig || rel.startsWith(ig + '/'));

// subject[0].name: the last component of the model path as pathlib sees it, or the basename of
// the resolved path when that is empty ("." or "/") or "..".
async function modelName(modelPath) {
  const parts = modelPath.split('/').filter((s) => s !== '' && s !== '.');
  const last = parts[parts.length - 1];
  if (last === undefined || last === '..') return path.basename(await realpath(modelPath));
  return last;
}

async function walk(dir, rel, ignores, out) {
  for (const raw of await readdir(dir, { encoding: 'buffer' })) {
    let name;
    try {
      name = utf8.decode(raw);
    } catch {
      throw new Error(`path is not valid UTF-8 under ${dir}`);
    }
    const relPath = rel === '' ? name : `${rel}/${name}`;
    if (isIgnored(relPath, ignores)) continue; // ignored paths are not examined at all
    const full = path.join(dir, name);
    const st = await lstat(full);
    if (st.isSymbolicLink()) throw new Error(`symlink in model (allow_symlinks=false): ${relPath}`);
    if (st.isDirectory()) await walk(full, relPath, ignores, out);
    else if (st.isFile()) out.push({ rel: relPath, full });
    else throw new Error(`neither a regular file nor a directory: ${relPath}`);
  }
}

// The model signing tool's subject for the model at modelPath (a directory or a single file):
// {digest: 'sha256:<hex>', name, files: [{path, digest: 'sha256:<hex>'}, ...]} with files in the
// tool's order. opts.ignorePaths adds paths (relative to the model root) to ignore, as the CLI
// does for its signature file; opts.ignoreGitPaths=false keeps the git paths.
export async function modelDigest(modelPath, { ignorePaths = [], ignoreGitPaths = true } = {}) {
  const st = await lstat(modelPath);
  if (st.isSymbolicLink()) throw new Error(`model path is a symlink: ${modelPath}`);
  const name = await modelName(modelPath);
  let entries;
  if (st.isFile()) {
    // A single-file model: its one resource is named "." (the file relative to itself), and
    // nothing is ignored.
    entries = [{ rel: '.', full: modelPath }];
  } else if (st.isDirectory()) {
    const ignores = [...(ignoreGitPaths ? GIT_IGNORE_PATHS : []), ...ignorePaths]
      .map(normalizeIgnore);
    entries = [];
    await walk(modelPath, '', ignores, entries);
    entries.sort((a, b) => comparePaths(a.rel, b.rel));
  } else {
    throw new Error(`model is neither a regular file nor a directory: ${modelPath}`);
  }
  if (entries.length === 0) throw new Error('model contains no regular files after exclusions');

  const root = createHash('sha256');
  const files = [];
  for (const e of entries) {
    const d = await hashFile(e.full);
    root.update(d);
    files.push({ path: e.rel, digest: `sha256:${d.toString('hex')}` });
  }
  return { digest: `sha256:${root.digest('hex')}`, name, files };
}
