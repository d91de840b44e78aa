#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Sets up and runs provd on this machine: installs what is missing (Debian 12, as root),
# builds, starts a PostgreSQL unless PROVD_DATABASE_URL is given, starts a local Ethereum dev
# chain (anvil, from npm) unless PROVD_ETH_RPC_URL is given, creates API keys and a log key, and
# runs `provd run` (API + log sequencer + Ethereum anchorer) on PROVD_LISTEN (default
# 127.0.0.1:8080).
#   deploy/run-local.sh [--reset]
# Everything it creates is dev state kept in PROVD_DEV_DIR (default .provd-dev/): the PostgreSQL
# cluster, the log key, the anvil chain and the API keys, so a restart serves the same log,
# anchored on the same chain. --reset deletes that state first and starts afresh (your own
# PROVD_DATABASE_URL database is never touched: empty it yourself).
# Ctrl-C, SIGTERM or SIGHUP to this script stops provd, anvil and PostgreSQL; the exit status is
# provd's when it stopped on its own (e.g. 1 when it cannot listen), 128 + the signal otherwise.
# With PROVD_ETH_RPC_URL, PROVD_ETH_KEY_FILE must name the anchoring account's key. With
# PROVD_BIN, that binary is used and nothing is installed or built.
set -euo pipefail
cd "$(dirname "$0")/.."

reset=
for arg in "$@"; do
    case $arg in
    --reset) reset=1 ;;
    -h | --help)
        sed -n '2,/^set /{/^set /d;s/^# \{0,1\}//;p}' "$0"
        exit 0
        ;;
    *)
        echo "usage: deploy/run-local.sh [--reset]" >&2
        exit 2
        ;;
    esac
done

dev=${PROVD_DEV_DIR:-.provd-dev}
if [ -n "${PROVD_BIN:-}" ]; then
    provd=$PROVD_BIN
else
    if [ -z "${PROVD_ETH_RPC_URL:-}" ]; then
        deploy/install-deps.sh --node
    else
        deploy/install-deps.sh
    fi
    cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
    cmake --build build -j"$(nproc)" >/dev/null
    provd=build/provd
fi

# shellcheck source=../tests/lib/pg.sh
. tests/lib/pg.sh

# Whatever was started is stopped on every way out (set -e failures included), each step
# independent of the others, so a child that fails to stop does not leak the rest.
provd_pid= anvil_pid= pg_dir=
alive() {
    local s
    s=$(ps -o stat= -p "$1" 2>/dev/null) && [ "${s#Z}" = "$s" ]
}
stop_child() { # PID NAME: SIGTERM, SIGKILL after 30 s
    kill -TERM "$1" 2>/dev/null || true
    for _ in $(seq 1 300); do
        alive "$1" || break
        sleep 0.1
    done
    if alive "$1"; then
        echo "run-local: $2 did not stop, killing it" >&2
        kill -KILL "$1" 2>/dev/null || true
    fi
    wait "$1" 2>/dev/null || true
}
cleanup() {
    set +e
    trap '' INT TERM HUP
    [ -n "$provd_pid" ] && stop_child "$provd_pid" provd
    [ -n "$anvil_pid" ] && stop_child "$anvil_pid" anvil
    [ -n "$pg_dir" ] && pg_stop fast
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

if [ -n "$reset" ] && [ -d "$dev" ]; then
    # A cluster an earlier run could not stop (it was killed with SIGKILL) goes first.
    if [ -f "$dev/pg/data/postmaster.pid" ] && bindir=$(pg_bindir); then
        pg_as_owner "$bindir/pg_ctl" -D "$dev/pg/data" -m fast -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dev"
    echo "Deleted the dev state in $dev/"
fi
mkdir -p "$dev"
chmod 755 "$dev"

if [ -z "${PROVD_DATABASE_URL:-}" ]; then
    if [ -f "$dev/pg/data/postmaster.pid" ] && bindir=$(pg_bindir); then
        pg_as_owner "$bindir/pg_ctl" -D "$dev/pg/data" -m fast -w stop >/dev/null 2>&1 || true
    fi
    pg_dir=$dev/pg
    # A new cluster gets the settings provd ships for PostgreSQL (README "PostgreSQL for provd").
    pg_start_provd "$pg_dir"
    echo "Started PostgreSQL (data in $pg_dir/): $PROVD_DATABASE_URL"
    keys=$dev/api-keys
else
    keys= # your database: new keys each run
fi
export PROVD_DATABASE_URL
export PROVD_LISTEN=${PROVD_LISTEN:-127.0.0.1:8080}
export PROVD_LOG_ORIGIN=${PROVD_LOG_ORIGIN:-localhost/provd}
# The browser upload example (node deploy/examples/serve.mjs, http://127.0.0.1:8000) works out of
# the box: its origin may call the API, and known signers may register without an API key.
export PROVD_CORS_ORIGINS=${PROVD_CORS_ORIGINS:-http://127.0.0.1:8000}
export PROVD_OPEN_REGISTRATION=${PROVD_OPEN_REGISTRATION:-true}
if [ -z "${PROVD_LOG_KEY_FILE:-}" ]; then
    PROVD_LOG_KEY_FILE=$dev/log-$(echo "$PROVD_LOG_ORIGIN" | tr -c 'A-Za-z0-9.\n-' _).key
    [ -f "$PROVD_LOG_KEY_FILE" ] ||
        "$provd" logkey create --log-key-file "$PROVD_LOG_KEY_FILE" >/dev/null
fi
export PROVD_LOG_KEY_FILE

# Anvil's first dev account: its key is public (the "test test ... junk" mnemonic), so it
# only ever anchors to the local dev chain. The chain is dumped to $dev/ when anvil stops.
if [ -z "${PROVD_ETH_RPC_URL:-}" ]; then
    [ -x tests/blackbox/node_modules/.bin/anvil ] || npm ci --prefix tests/blackbox --no-audit --no-fund >/dev/null
    # The platform binary itself, not the npm wrapper (a node process that forwards signals and
    # may exit before anvil has written its state).
    anvil=$(ls tests/blackbox/node_modules/@foundry-rs/anvil-*/bin/anvil 2>/dev/null | head -n1)
    anvil=${anvil:-tests/blackbox/node_modules/.bin/anvil}
    port=$(pg_free_port)
    "$anvil" --host 127.0.0.1 --port "$port" --block-time 2 --state "$dev/anvil-state.json" \
        >"$dev/anvil.log" 2>&1 &
    anvil_pid=$!
    export PROVD_ETH_RPC_URL=http://127.0.0.1:$port
    up=
    for _ in $(seq 1 100); do
        if curl -sf -H 'content-type: application/json' \
            -d '{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}' \
            "$PROVD_ETH_RPC_URL" >/dev/null; then
            up=1
            break
        fi
        alive "$anvil_pid" || break
        sleep 0.1
    done
    [ -n "$up" ] || { cat "$dev/anvil.log" >&2; echo "run-local: anvil did not start" >&2; exit 1; }
    echo "Started anvil (chain 31337, state in $dev/anvil-state.json): $PROVD_ETH_RPC_URL"
    PROVD_ETH_KEY_FILE=$dev/anvil-dev.key
    (umask 077 && echo ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80 >"$PROVD_ETH_KEY_FILE")
    export PROVD_ANCHOR_INTERVAL_S=${PROVD_ANCHOR_INTERVAL_S:-10}
    export PROVD_ANCHOR_CONFIRMATIONS=${PROVD_ANCHOR_CONFIRMATIONS:-2}
fi
: "${PROVD_ETH_KEY_FILE:?set PROVD_ETH_KEY_FILE to the anchoring account key file}"
export PROVD_ETH_RPC_URL PROVD_ETH_KEY_FILE

"$provd" migrate
# KEYS_DIR/SCOPE holds the key of that scope made by an earlier run on the same database.
api_key() {
    if [ -n "$keys" ] && [ -s "$keys/$1" ]; then
        cat "$keys/$1"
        return
    fi
    local t
    t=$("$provd" apikey create --name "local-dev-$1" --scope "$1" 2>/dev/null)
    if [ -n "$keys" ]; then
        (umask 077 && mkdir -p "$keys" && echo "$t" >"$keys/$1")
    fi
    echo "$t"
}
token=$(api_key register)
admin=$(api_key admin)
base="http://$PROVD_LISTEN"
cat <<MSG

provd is starting on $base
  API key (scope register): $token
  API key (scope admin):    $admin     (signers: POST /v1/signers, .../revoke)
  More keys: PROVD_DATABASE_URL='$PROVD_DATABASE_URL' $provd apikey create --name NAME --scope register|admin
  Dev state: $dev/ (kept across restarts; deploy/run-local.sh --reset starts afresh)

A browser frontend on another origin needs these set when this script starts:
  PROVD_CORS_ORIGINS       now ${PROVD_CORS_ORIGINS}: the frontend's origin (e.g. http://localhost:5173) or *
  PROVD_OPEN_REGISTRATION  now ${PROVD_OPEN_REGISTRATION}: true lets requests without an API key register
                           items of known signers; record a signer with the admin key:
  curl -s -X POST $base/v1/signers -H 'authorization: Bearer $admin' \\
      -H 'content-type: application/json' -d '{"scheme": "eip712", "address": "0x…", "name": "…"}'

The explorer (look up, verify in the browser, dashboard): $base/
The browser upload example: node deploy/examples/serve.mjs 8000, then open http://127.0.0.1:8000/

Try it from another terminal:
  curl -s $base/readyz
  node deploy/examples/register.mjs $base $token      # sign and register an item
  curl -s "$base/v1/items?limit=10"
  curl -s $base/v1/provenance/sha256:<64 hex digits>
  curl -s $base/v1/log/checkpoint                       # the signed tree head
  curl -s $base/v1/items/1/receipt | $provd verify - --log-key "\$(curl -s $base/v1/log/key)" \\
      --rpc $PROVD_ETH_RPC_URL --anchor-confirmations ${PROVD_ANCHOR_CONFIRMATIONS:-12}
  curl -s $base/v1/anchors                              # Ethereum anchors of the log
API reference: openapi/openapi.yaml. Ctrl-C stops provd, anvil and PostgreSQL.

MSG
# In the background, so that this script's traps run as soon as a signal arrives; the wait
# returns provd's own status when it stops by itself.
"$provd" run &
provd_pid=$!
rc=0
wait "$provd_pid" || rc=$?
provd_pid=
exit "$rc"
