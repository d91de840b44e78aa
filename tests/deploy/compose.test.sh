#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# docker-compose.yml and the Dockerfile, without a Docker engine: Debian's `docker-compose
# config` validates the file against the Compose schema, and tests/deploy/compose-check.mjs
# checks its normalised form (images pinned by version, anvil's to the npm @foundry-rs/anvil,
# PostgreSQL's settings those of deploy/postgres/provd.conf, the anvil volume handed to anvil's
# uid, provd's health checks by `provd health`). Each check is also run on a broken copy, which
# must fail. `provd health` itself is tested in
# tests/blackbox/health.test.mjs. PROVD_BIN: the binary (default build/provd).
set -euo pipefail
cd "$(dirname "$0")/../.."
top=$PWD
export PROVD_BIN=${PROVD_BIN:-$top/build/provd}
if ! command -v docker-compose >/dev/null; then
    echo "compose: docker-compose is not installed (deploy/install-deps.sh --test installs it)" >&2
    if [ -n "${CI:-}" ]; then echo "compose: 0 passed, 1 failed"; exit 1; fi
    echo "compose: skipped"
    exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0
ok() { echo "ok: $*"; passed=$((passed + 1)); }
bad() { echo "FAILED: $*" >&2; failed=$((failed + 1)); }

# Compose reads .env and the PROVD_* variables: keep both out of it.
cfg() { (cd "$(dirname "$1")" && env -i PATH="$PATH" docker-compose -f "$(basename "$1")" \
    --project-directory . config 2>&1); }

# A copy of the tree's compose inputs in $tmp/NAME, for breaking.
copy() {
    mkdir -p "$tmp/$1/deploy/nginx"
    cp docker-compose.yml Dockerfile "$tmp/$1/"
    cp deploy/nginx/Dockerfile "$tmp/$1/deploy/nginx/"
}

if cfg "$top/docker-compose.yml" >"$tmp/config.yml"; then ok "docker-compose config"; else
    bad "docker-compose config: $(cat "$tmp/config.yml")"; fi
if out=$(node tests/deploy/compose-check.mjs "$tmp/config.yml" Dockerfile); then
    ok "pinned images, PostgreSQL settings, anvil volume, health checks"
else bad "$out"; fi
if [ -x "$PROVD_BIN" ] && "$PROVD_BIN" health --help | grep -q -- '--live'; then
    ok "the image's HEALTHCHECK command exists (provd health)"
else bad "$PROVD_BIN health --help"; fi

# The checks can fail: a key unknown to the Compose schema, an unpinned image, a foundry image
# of another version than the npm anvil, a HEALTHCHECK gone, a missing volume init.
copy schema
sed -i 's/^    healthcheck: # GET/    healthchek: # GET/' "$tmp/schema/docker-compose.yml"
if cfg "$tmp/schema/docker-compose.yml" >"$tmp/out" 2>&1; then
    bad "docker-compose config accepted an unknown key"
else ok "docker-compose config refuses an unknown key ($(grep -o "healthchek" "$tmp/out" | head -n1))"; fi

breaks=(
    's|image: postgres:15\.[0-9]*[^ ]*|image: postgres:15|'
    's|foundry:v[0-9.]*|foundry:v1.0.0|g'
    's|foundry:v[0-9.]*|foundry:latest|g'
    's|"health", "--timeout"|"--version", "--timeout"|'
    's|chown 1000:1000 /anvil|true|'
    's|test -w /anvil|true|'
    's|max_wal_size=8GB|max_wal_size=1GB|'
)
i=0
for b in "${breaks[@]}"; do
    i=$((i + 1))
    copy "b$i"
    sed -i "$b" "$tmp/b$i/docker-compose.yml"
    if cmp -s docker-compose.yml "$tmp/b$i/docker-compose.yml"; then bad "'$b' changed nothing"; continue; fi
    if cfg "$tmp/b$i/docker-compose.yml" >"$tmp/b$i.yml" &&
        ! node tests/deploy/compose-check.mjs "$tmp/b$i.yml" Dockerfile >/dev/null; then
        ok "compose-check refuses '$b'"
    else bad "compose-check accepted '$b'"; fi
done
copy df
sed -i '/^HEALTHCHECK/,/CMD \["\/usr\/local\/bin\/provd", "health"/d' "$tmp/df/Dockerfile"
if ! node tests/deploy/compose-check.mjs "$tmp/config.yml" "$tmp/df/Dockerfile" >/dev/null; then
    ok "compose-check refuses a Dockerfile without HEALTHCHECK"
else bad "compose-check accepted a Dockerfile without HEALTHCHECK"; fi

echo "compose: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
