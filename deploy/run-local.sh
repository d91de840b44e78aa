#!/usr/bin/env bash
# Sets up and runs provd on this machine: installs what is missing (Debian 12, as root),
# builds, starts a throwaway PostgreSQL unless PROVD_DATABASE_URL is given, creates an API key
# and a log key (kept in .provd-dev/ unless PROVD_LOG_KEY_FILE is given), and runs `provd run`
# (API + log sequencer) in the foreground on PROVD_LISTEN (default 127.0.0.1:8080).
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
export PROVD_LOG_ORIGIN=${PROVD_LOG_ORIGIN:-localhost/provd}
if [ -z "${PROVD_LOG_KEY_FILE:-}" ]; then
    mkdir -p .provd-dev
    PROVD_LOG_KEY_FILE=.provd-dev/log-$(echo "$PROVD_LOG_ORIGIN" | tr -c 'A-Za-z0-9.\n-' _).key
    [ -f "$PROVD_LOG_KEY_FILE" ] ||
        build/provd logkey create --log-key-file "$PROVD_LOG_KEY_FILE" >/dev/null
fi
export PROVD_LOG_KEY_FILE

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
  curl -s $base/v1/log/checkpoint                       # the signed tree head
  curl -s $base/v1/items/1/receipt > receipt.json
  build/provd verify receipt.json --log-key "\$(curl -s $base/v1/log/key)"
API reference: openapi/openapi.yaml. Ctrl-C stops provd.

MSG
build/provd run
