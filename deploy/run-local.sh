#!/usr/bin/env bash
# Sets up and runs provd on this machine: installs what is missing (Debian 12, as root),
# builds, starts a throwaway PostgreSQL unless PROVD_DATABASE_URL is given, creates an API key
# and runs `provd serve` in the foreground on PROVD_LISTEN (default 127.0.0.1:8080).
# Ctrl-C stops provd and removes the throwaway database.
set -euo pipefail
cd "$(dirname "$0")/.."

deploy/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" >/dev/null

tmp=
cleanup() {
    if [ -n "$tmp" ]; then
        pg_stop
        rm -rf "$tmp"
    fi
}
trap cleanup EXIT
# shellcheck source=../tests/lib/pg.sh
. tests/lib/pg.sh
if [ -z "${PROVD_DATABASE_URL:-}" ]; then
    tmp=$(mktemp -d /tmp/provd-local.XXXXXX)
    chmod 755 "$tmp"
    pg_start "$tmp/pg"
    echo "Started a throwaway PostgreSQL: $PROVD_DATABASE_URL"
fi
export PROVD_DATABASE_URL
export PROVD_LISTEN=${PROVD_LISTEN:-127.0.0.1:8080}

build/provd migrate
token=$(build/provd apikey create --name local-dev --scope register 2>/dev/null)
base="http://$PROVD_LISTEN"
cat <<MSG

provd is starting on $base
  API key (scope register): $token

Try it from another terminal:
  curl -s $base/readyz
  node deploy/examples/register.mjs $base $token      # sign and register an item
  curl -s "$base/v1/items?limit=10"
  curl -s $base/v1/provenance/sha256:<64 hex digits>
API reference: openapi/openapi.yaml. Ctrl-C stops provd.

MSG
build/provd serve
