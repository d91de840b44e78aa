#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Registers every file under a directory with provd, in batches (POST /v1/items/batch), for
crawler pipelines. Python 3 standard library plus python3-cryptography (Debian) for Ed25519.

    python3 register_dir.py BASE_URL API_TOKEN DIR [--key-file KEY] [--source-url-prefix URL]
                            [--metadata-file JSON] [--batch N]
    python3 register_dir.py --jcs < value.json       prints the RFC 8785 canonical form

Each file's metadata: its size, its modification time (modified_at), its path under DIR (path),
source_url (--source-url-prefix + the URL-quoted path, when given) and the members of
--metadata-file's JSON object. The key is an Ed25519 private key in KEY (PKCS #8 PEM, default
provd-signer.pem, created mode 0600 on first use). Run again, unchanged files come back as
existing (200). Exits 0 when every file is registered, 1 when some are refused or provd cannot be
reached, 2 on bad arguments.
"""
import argparse
import base64
import hashlib
import json
import math
import os
import sys
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime, timezone
from decimal import Decimal

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

# --- RFC 8785 (JCS) -------------------------------------------------------------------------

_ESCAPES = {'"': '\\"', '\\': '\\\\', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t'}


def _string(s):
    """A JSON string as ECMAScript's JSON.stringify writes it: only ", \\ and controls escaped
    (the five short forms, else \\u00xx), lone surrogates as \\udxxx, everything else literal."""
    out = ['"']
    for ch in s:
        c = ord(ch)
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif c < 0x20 or 0xD800 <= c <= 0xDFFF:
            out.append('\\u%04x' % c)
        else:
            out.append(ch)
    out.append('"')
    return ''.join(out)


def _number(x):
    """ECMAScript Number::toString of an IEEE-754 double (integers are doubles too)."""
    x = float(x)
    if not math.isfinite(x):
        raise ValueError('JCS has no NaN or Infinity')
    if x == 0:
        return '0'  # -0 too
    sign = '-' if x < 0 else ''
    # repr() is the shortest string that round-trips, as ECMAScript's digits are.
    t = Decimal(repr(abs(x))).as_tuple()
    all_digits = ''.join(map(str, t.digits))
    digits = all_digits.rstrip('0') or '0'
    exp = t.exponent + len(all_digits) - len(digits)
    k = len(digits)
    n = exp + k  # the value is 0.DIGITS × 10^n
    if k <= n <= 21:
        s = digits + '0' * (n - k)
    elif 0 < n <= 21:
        s = digits[:n] + '.' + digits[n:]
    elif -6 < n <= 0:
        s = '0.' + '0' * -n + digits
    else:
        e = n - 1
        s = digits[0] + ('.' + digits[1:] if k > 1 else '') + 'e' + ('+' if e > 0 else '-') + str(abs(e))
    return sign + s


def canonicalize(v):
    """RFC 8785: members sorted by UTF-16 code units, no whitespace, ECMAScript numbers and strings."""
    if v is None:
        return 'null'
    if v is True:
        return 'true'
    if v is False:
        return 'false'
    if isinstance(v, (int, float)):
        return _number(v)
    if isinstance(v, str):
        return _string(v)
    if isinstance(v, (list, tuple)):
        return '[' + ','.join(canonicalize(x) for x in v) + ']'
    if isinstance(v, dict):
        keys = sorted(v, key=lambda k: k.encode('utf-16-be', 'surrogatepass'))
        return '{' + ','.join(_string(k) + ':' + canonicalize(v[k]) for k in keys) + '}'
    raise TypeError(f'not JSON: {type(v).__name__}')


def statement(content_hash, metadata):
    """The bytes the signature covers: UTF-8 of JCS({type, content_hash, metadata})."""
    return canonicalize({'type': 'provd.item.v1', 'content_hash': content_hash,
                         'metadata': metadata}).encode('utf-8', 'surrogatepass')

# --- the crawler ----------------------------------------------------------------------------


def b64url(b):
    return base64.urlsafe_b64encode(b).rstrip(b'=').decode()


def load_key(path):
    if not os.path.exists(path):
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, 'wb') as f:
            f.write(pem)
    with open(path, 'rb') as f:
        key = serialization.load_pem_private_key(f.read(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f'{path} is not an Ed25519 private key')
    return key


def file_hash(path):
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 20), b''):
            h.update(chunk)
    return 'sha256:' + h.hexdigest()


def files_under(top):
    for d, dirs, names in os.walk(top):
        dirs.sort()
        for n in sorted(names):
            p = os.path.join(d, n)
            if os.path.isfile(p) and not os.path.islink(p):
                yield p


def item_of(key, public_key, top, path, prefix, extra):
    st = os.stat(path)
    rel = os.path.relpath(path, top).replace(os.sep, '/')
    metadata = dict(extra)
    metadata.update({'path': rel, 'size': st.st_size, 'modified_at':
                     datetime.fromtimestamp(int(st.st_mtime), timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')})
    if prefix:
        metadata['source_url'] = prefix + urllib.parse.quote(rel)
    content_hash = file_hash(path)
    value = key.sign(statement(content_hash, metadata))
    return {'content_hash': content_hash, 'metadata': metadata,
            'signature': {'scheme': 'ed25519', 'public_key': public_key, 'value': b64url(value)}}


def post(base, token, items):
    body = canonicalize({'items': items}).encode('utf-8', 'surrogatepass')
    req = urllib.request.Request(base + '/v1/items/batch', data=body, method='POST', headers={
        'content-type': 'application/json', 'authorization': 'Bearer ' + token})
    try:
        with urllib.request.urlopen(req, timeout=120) as r:
            return json.load(r)
    except urllib.error.HTTPError as e:
        try:
            p = json.load(e)
            detail = p.get('detail') or p.get('title')
        except ValueError:
            detail = e.reason
        raise RuntimeError(f'POST /v1/items/batch -> {e.code}: {detail}') from None


def main(argv):
    ap = argparse.ArgumentParser(prog='register_dir.py', description='Register a directory with provd.')
    ap.add_argument('--jcs', action='store_true', help='print the canonical form of the JSON on stdin')
    ap.add_argument('base', nargs='?', metavar='BASE_URL')
    ap.add_argument('token', nargs='?', metavar='API_TOKEN')
    ap.add_argument('dir', nargs='?', metavar='DIR')
    ap.add_argument('--key-file', default='provd-signer.pem')
    ap.add_argument('--source-url-prefix')
    ap.add_argument('--metadata-file')
    ap.add_argument('--batch', type=int, default=500)
    a = ap.parse_args(argv)
    if a.jcs:
        print(canonicalize(json.load(sys.stdin)))
        return 0
    if not (a.base and a.token and a.dir):
        ap.error('BASE_URL, API_TOKEN and DIR are required')
    if not a.base.startswith(('http://', 'https://')):
        ap.error(f"BASE_URL '{a.base}' is not an http(s) URL")
    if not 1 <= a.batch <= 1000:
        ap.error('--batch is 1 to 1000')
    if not os.path.isdir(a.dir):
        print(f'register_dir.py: {a.dir} is not a directory', file=sys.stderr)
        return 1
    base = a.base.rstrip('/')
    try:
        extra = {}
        if a.metadata_file:
            with open(a.metadata_file, encoding='utf-8') as f:
                extra = json.load(f)
            if not isinstance(extra, dict):
                raise ValueError(f'{a.metadata_file} is not a JSON object')
        key = load_key(a.key_file)
        public_key = b64url(key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw))
        print(f'signer {public_key}')
        totals = {'created': 0, 'existing': 0, 'failed': 0}
        batch, paths = [], []

        def flush():
            if not batch:
                return
            r = post(base, a.token, batch)
            for res in r['results']:
                if res['status'] >= 300:
                    p = res.get('problem', {})
                    print(f"  {paths[res['index']]}: {res['status']} {p.get('detail') or p.get('title')}", file=sys.stderr)
            for k in totals:
                totals[k] += r[k]
            print(f"batch of {len(batch)}: {r['created']} created, {r['existing']} existing, {r['failed']} failed")
            batch.clear()
            paths.clear()

        for p in files_under(a.dir):
            batch.append(item_of(key, public_key, a.dir, p, a.source_url_prefix, extra))
            paths.append(p)
            if len(batch) == a.batch:
                flush()
        flush()
        print(f"done: {totals['created']} created, {totals['existing']} existing, {totals['failed']} failed")
        return 1 if totals['failed'] else 0
    except (OSError, ValueError, RuntimeError, urllib.error.URLError) as e:
        print(f'register_dir.py: {e}', file=sys.stderr)
        return 1


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
