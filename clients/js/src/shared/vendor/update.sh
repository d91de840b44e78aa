#!/usr/bin/env bash
# Re-vendors the explorer's npm libraries at the pinned versions below, checking each tarball
# against its pinned SHA-256 (the npm registry must be reachable). Not run by the build: the
# vendored files are committed, so that building provd needs no network.
set -euo pipefail
cd "$(dirname "$0")"
pins=(
    "@noble/secp256k1 3.2.0 2722e0b18b696cf6d3463ab10365f97f617fb651e85a7eeed8f12121a1077018"
    "@noble/hashes 2.4.0 e1946149b780017b2564fcc092cb01c04e1d7f20627d0296c17da8868f4436dc"
)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for pin in "${pins[@]}"; do
    read -r pkg version sum <<<"$pin"
    tgz=$(cd "$tmp" && npm pack --silent "$pkg@$version")
    echo "$sum  $tmp/$tgz" | sha256sum -c --quiet
    mkdir -p "$tmp/${pkg#@noble/}"
    tar xzf "$tmp/$tgz" -C "$tmp/${pkg#@noble/}"
done
cp "$tmp/secp256k1/package/index.js" secp256k1.js
cp "$tmp/secp256k1/package/LICENSE" LICENSE-noble-secp256k1
for f in sha3 sha2 _md _u64 utils; do cp "$tmp/hashes/package/$f.js" "$f.js"; done
cp "$tmp/hashes/package/LICENSE" LICENSE-noble-hashes
sed -i '/^\/\/# sourceMappingURL=/d' ./*.js
echo "vendored: ${pins[*]%% [0-9a-f]*}"
