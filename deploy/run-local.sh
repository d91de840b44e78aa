#!/usr/bin/env bash
# Sets up and runs provd on this machine: installs what is missing (Debian 12, as root),
# builds, starts a throwaway PostgreSQL unless PROVD_DATABASE_URL is given, starts a local
# Ethereum dev chain (anvil, from npm) unless PROVD_ETH_RPC_URL is given, creates an API key
# and a log key (kept in .provd-dev/ unless PROVD_LOG_KEY_FILE is given), and runs `provd run`
# (API + log sequencer + Ethereum anchorer) in the foreground on PROVD_LISTEN (default
# 127.0.0.1:8080). Ctrl-C stops provd and anvil and removes the throwaway database.
# With PROVD_ETH_RPC_URL, PROVD_ETH_KEY_FILE must name the anchoring account's key.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${PROVD_ETH_RPC_URL:-}" ]; then
    deploy/install-deps.sh --node
else
    deploy/install-deps.sh
fi
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" >/dev/null

tmp= anvil_pid=
cleanup() {
    [ -n "$anvil_pid" ] && kill "$anvil_pid" 2>/dev/null && wait "$anvil_pid" 2>/dev/null
    if [ -n "$tmp" ]; then
        pg_stop
        rm -rf "$tmp"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
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

# Anvil's first dev account: its key is public (the "test test ... junk" mnemonic), so it
# only ever anchors to the local dev chain. Chain state is kept in .provd-dev/ across runs.
if [ -z "${PROVD_ETH_RPC_URL:-}" ]; then
    mkdir -p .provd-dev
    [ -x tests/blackbox/node_modules/.bin/anvil ] || npm ci --prefix tests/blackbox --no-audit --no-fund >/dev/null
    port=$(pg_free_port)
    tests/blackbox/node_modules/.bin/anvil --host 127.0.0.1 --port "$port" --block-time 2 \
        --state .provd-dev/anvil-state.json >.provd-dev/anvil.log 2>&1 &
    anvil_pid=$!
    export PROVD_ETH_RPC_URL=http://127.0.0.1:$port
    for _ in $(seq 1 100); do
        curl -sf -H 'content-type: application/json' -d '{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}' \
            "$PROVD_ETH_RPC_URL" >/dev/null && break
        sleep 0.1
    done
    echo "Started anvil (chain 31337): $PROVD_ETH_RPC_URL"
    PROVD_ETH_KEY_FILE=.provd-dev/anvil-dev.key
    (umask 077 && echo ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80 >"$PROVD_ETH_KEY_FILE")
    export PROVD_ANCHOR_INTERVAL_S=${PROVD_ANCHOR_INTERVAL_S:-10}
    export PROVD_ANCHOR_CONFIRMATIONS=${PROVD_ANCHOR_CONFIRMATIONS:-2}
fi
: "${PROVD_ETH_KEY_FILE:?set PROVD_ETH_KEY_FILE to the anchoring account key file}"
export PROVD_ETH_RPC_URL PROVD_ETH_KEY_FILE

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
  build/provd verify receipt.json --log-key "\$(curl -s $base/v1/log/key)" \\
      --rpc $PROVD_ETH_RPC_URL --anchor-confirmations ${PROVD_ANCHOR_CONFIRMATIONS:-12}
  curl -s $base/v1/anchors                              # Ethereum anchors of the log
API reference: openapi/openapi.yaml. Ctrl-C stops provd.

MSG
build/provd run
