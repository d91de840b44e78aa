#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# deploy/run-local.sh for real, on ports of its own and a dev directory of its own
# (PROVD_DEV_DIR; PROVD_BIN, so it installs and builds nothing): it starts PostgreSQL, anvil and
# provd (PostgreSQL with deploy/postgres/provd.conf's settings), its banner gives a register and
# an admin key that work, and deploy/examples/register.mjs
# registers an item that gets logged and anchored. SIGTERM to the runner's PID alone stops every
# process it started and leaves no temp directory; a restart serves the same log (same key,
# same entries, a consistent tree) anchored on the same chain, also after Ctrl-C (SIGINT);
# --reset starts a new log on a new chain; a busy port exits 1 with provd's reason, not 143, and
# stops everything too. PROVD_BIN is the binary (default build/provd).
set -euo pipefail
cd "$(dirname "$0")/../.."
top=$PWD
export PROVD_BIN=${PROVD_BIN:-$top/build/provd}
[ -x "$PROVD_BIN" ] || { echo "run-local: no provd binary at $PROVD_BIN (build first)" >&2; exit 2; }
[ -x tests/blackbox/node_modules/.bin/anvil ] || { echo "run-local: npm ci in tests/blackbox first" >&2; exit 2; }
# shellcheck source=tests/lib/pg.sh
. tests/lib/pg.sh

work=$(mktemp -d /tmp/provd-runlocal-test.XXXXXX)
chmod 755 "$work"
dev=$work/dev
runner='' blocker=''
alive() {
    local s
    s=$(ps -o stat= -p "$1" 2>/dev/null) && [ "${s#Z}" = "$s" ]
}
cleanup() {
    set +e
    [ -z "$blocker" ] || kill "$blocker" 2>/dev/null
    if [ -n "$runner" ]; then
        kill -TERM "$runner" 2>/dev/null
        wait "$runner" 2>/dev/null
    fi
    # Whatever outlived a failed test: the processes it recorded, and the cluster.
    for p in $(cat "$work/pids" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
    if [ -f "$dev/pg/data/postmaster.pid" ]; then
        pg_as_owner "$(pg_bindir)/pg_ctl" -D "$dev/pg/data" -m immediate -w stop >/dev/null 2>&1
    fi
    rm -rf "$work"
}
trap cleanup EXIT
fail() {
    echo "run-local: FAIL: $*" >&2
    [ ! -f "$work/runner.log" ] || tail -n 40 "$work/runner.log" >&2
    echo "run-local: 0 passed, 1 failed"
    exit 1
}

port=$(pg_free_port)
base=http://127.0.0.1:$port
json() { node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const v=JSON.parse(s);console.log(eval(process.argv[1]))})' "$@"; }
rpc() { # URL METHOD PARAMS_JSON: the result
    curl -sf -H 'content-type: application/json' \
        -d "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"$2\",\"params\":$3}" "$1" | json 'JSON.stringify(v.result)'
}
# The runner's PID and all its descendants' (postgres is not one: pg_ctl detaches it).
descendants() {
    ps -e -o pid=,ppid= | awk -v root="$1" '{ parent[$1] = $2 }
        END { for (p in parent) { q = p; while (q != root && q in parent && q > 1) q = parent[q]; if (q == root) print p } }'
}
# A setting as pg_settings shows it (8GB as 512 of 16MB, 15min as 900s) in bytes or seconds.
pg_norm() {
    echo "$1" | awk '{ v = $0; n = v + 0; u = v; sub(/^[0-9]+/, "", u)
        m["kB"] = 1024; m["MB"] = 1048576; m["16MB"] = 16777216; m["GB"] = 1073741824
        m["s"] = 1; m["min"] = 60; m["h"] = 3600; m["ms"] = 0.001
        print (u in m) ? n * m[u] : v }'
}
tmpdirs() { ls -d /tmp/provd-local.* 2>/dev/null | sort || true; }

start() { # [--reset]: starts the runner in the background, returns when provd is ready
    # Job control on: a background job's SIGINT is not ignored then (bash ignores it otherwise,
    # and a script cannot trap a signal ignored on entry), as a terminal's Ctrl-C reaches it.
    set -m
    env -u PROVD_DATABASE_URL -u PROVD_ETH_RPC_URL -u PROVD_ETH_KEY_FILE -u PROVD_LOG_KEY_FILE \
        -u PROVD_CORS_ORIGINS -u PROVD_OPEN_REGISTRATION \
        PROVD_DEV_DIR="$dev" PROVD_LISTEN="127.0.0.1:$port" PROVD_ANCHOR_INTERVAL_S=2 \
        PROVD_ANCHOR_CONFIRMATIONS=1 deploy/run-local.sh "$@" >"$work/runner.log" 2>&1 &
    runner=$!
    set +m
    for _ in $(seq 1 600); do
        curl -sf "$base/readyz" >/dev/null && return 0
        alive "$runner" || fail "the runner exited before provd was ready"
        sleep 0.1
    done
    fail "provd did not get ready"
}
stop() { # SIGNAL EXPECTED_STATUS: signals the runner alone, checks that all it started is gone
    local sig=$1 want=$2 pids pg_pid rc=0
    pids=$(descendants "$runner" | tr '\n' ' ')
    pg_pid=$(head -n1 "$dev/pg/data/postmaster.pid")
    echo "$pids $pg_pid" >>"$work/pids"
    [ "$(echo "$pids" | wc -w)" -ge 3 ] || fail "expected provd and anvil under the runner: $pids"
    kill "-$sig" "$runner"
    for _ in $(seq 1 600); do
        alive "$runner" || break
        sleep 0.1
    done
    alive "$runner" && fail "the runner did not stop on SIG$sig"
    wait "$runner" || rc=$?
    runner=''
    [ "$rc" = "$want" ] || fail "the runner exited $rc on SIG$sig, not $want"
    for p in $pids $pg_pid; do
        alive "$p" && fail "process $p ($(ps -o args= -p "$p")) outlived the runner (SIG$sig)"
    done
    [ ! -f "$dev/pg/data/postmaster.pid" ] || fail "PostgreSQL was not stopped (SIG$sig)"
    if pgrep -f "$dev" >/dev/null; then fail "left running: $(pgrep -af "$dev")"; fi
    [ "$(tmpdirs)" = "$before_tmp" ] || fail "temp directories left: $(tmpdirs)"
    ! curl -s "$base/healthz" >/dev/null || fail "provd still answers"
}
banner() { sed -nE "s/^  API key \(scope $1\): *(provd_[A-Za-z0-9_-]+).*/\1/p" "$work/runner.log"; }
tree_size() { curl -sf "$base/v1/log/checkpoint" | sed -n 2p; }

before_tmp=$(tmpdirs)

echo "== first start"
start
token=$(banner register) admin=$(banner admin)
[ -n "$token" ] && [ -n "$admin" ] || fail "the banner lacks the API keys"
grep -q "apikey create --name NAME" "$work/runner.log" || fail "the banner lacks the apikey command"
grep -q "PROVD_DATABASE_URL='postgresql://" "$work/runner.log" || fail "the banner lacks the database URL"
db_url=$(sed -nE "s/^.*PROVD_DATABASE_URL='(postgresql:[^']+)'.*$/\1/p" "$work/runner.log" | head -n1)
for kv in $(grep -E '^[a-z_]+ *=' deploy/postgres/provd.conf | tr -d ' '); do
    got=$("$(pg_bindir)/psql" -X -At -d "$db_url" -c "SELECT setting || coalesce(unit, '') FROM pg_settings WHERE name = '${kv%%=*}'")
    [ "$(pg_norm "$got")" = "$(pg_norm "${kv#*=}")" ] ||
        fail "PostgreSQL runs with ${kv%%=*} = $got, not deploy/postgres/provd.conf's ${kv#*=}"
done
grep -q "PROVD_CORS_ORIGINS" "$work/runner.log" && grep -q "PROVD_OPEN_REGISTRATION" "$work/runner.log" ||
    fail "the banner lacks the browser settings"
echo "a file to register" >"$work/file.txt"
node deploy/examples/register.mjs "$base" "$token" "$work/file.txt" --key-file "$work/signer.jwk" >"$work/register.out" 2>&1 ||
    { cat "$work/register.out" >&2; fail "register.mjs failed"; }
grep -q 'POST /v1/items -> 201' "$work/register.out" || fail "register.mjs did not register"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$base/v1/signers" -H "authorization: Bearer $admin" \
    -H 'content-type: application/json' \
    -d '{"scheme": "eip191", "address": "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266", "name": "dev"}')
[ "$code" = 201 ] || fail "the admin key could not record a signer ($code)"
rpc_url=$(sed -nE 's/^Started anvil .*: (http:\/\/[0-9.:]+)$/\1/p' "$work/runner.log")
tx=
for _ in $(seq 1 600); do
    tx=$(curl -sf "$base/v1/anchors" | json 'v.anchors.find((a) => a.status === "confirmed")?.tx_hash ?? ""')
    [ -z "$tx" ] || break
    sleep 0.1
done
[ -n "$tx" ] || fail "no anchor was confirmed"
vkey=$(curl -sf "$base/v1/log/key") size=$(tree_size)
[ "$size" -ge 1 ] || fail "the log is empty"
[ "$(rpc "$rpc_url" eth_getTransactionReceipt "[\"$tx\"]")" != null ] || fail "the anchor is not on chain"
stop TERM 143
echo "ok: SIGTERM to the runner stopped provd, anvil and PostgreSQL; nothing left"

echo "== restart keeps the log and the chain"
start
grep -q "Deleted the dev state" "$work/runner.log" && fail "a plain restart reset the state"
[ "$(banner register)" = "$token" ] || fail "a new register key after a restart"
[ "$(curl -sf "$base/v1/log/key")" = "$vkey" ] || fail "the log key changed"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$base/v1/items/1")" = 200 ] || fail "item 1 is gone"
now=$(tree_size)
[ "$now" -ge "$size" ] || fail "the tree shrank from $size to $now"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$base/v1/log/consistency?from=$size&to=$now")" = 200 ] ||
    fail "no consistency proof from $size to $now"
rpc_url=$(sed -nE 's/^Started anvil .*: (http:\/\/[0-9.:]+)$/\1/p' "$work/runner.log")
[ "$(rpc "$rpc_url" eth_getTransactionReceipt "[\"$tx\"]")" != null ] || fail "the chain lost the anchor"
curl -sf "$base/v1/anchors" | json 'v.anchors.some((a) => a.tx_hash === process.argv[2] && a.status === "confirmed")' "$tx" |
    grep -qx true || fail "the anchor is no longer listed as confirmed"
stop INT 130
echo "ok: the restart served the same log and chain; SIGINT stopped everything"

echo "== --reset starts afresh"
start --reset
grep -q "Deleted the dev state" "$work/runner.log" || fail "--reset did not say what it did"
[ "$(curl -sf "$base/v1/log/key")" != "$vkey" ] || fail "--reset kept the log key"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$base/v1/items/1")" = 404 ] || fail "--reset kept item 1"
rpc_url=$(sed -nE 's/^Started anvil .*: (http:\/\/[0-9.:]+)$/\1/p' "$work/runner.log")
[ "$(rpc "$rpc_url" eth_getTransactionReceipt "[\"$tx\"]")" = null ] || fail "--reset kept the chain"
stop TERM 143
echo "ok: --reset started a new log on a new chain"

echo "== a busy port"
node -e 'require("net").createServer().listen(Number(process.argv[1]), "127.0.0.1")' "$port" &
blocker=$!
for _ in $(seq 1 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 0.1
done
rc=0
env -u PROVD_DATABASE_URL -u PROVD_ETH_RPC_URL -u PROVD_ETH_KEY_FILE -u PROVD_LOG_KEY_FILE \
    PROVD_DEV_DIR="$dev" PROVD_LISTEN="127.0.0.1:$port" timeout 120 deploy/run-local.sh \
    >"$work/runner.log" 2>&1 || rc=$?
kill "$blocker"
wait "$blocker" 2>/dev/null || true
blocker=''
[ "$rc" = 1 ] || fail "a busy port exited $rc, not 1"
grep -q "cannot listen on 127.0.0.1:$port" "$work/runner.log" || fail "the reason is not shown"
[ ! -f "$dev/pg/data/postmaster.pid" ] || fail "PostgreSQL was not stopped (busy port)"
if pgrep -f "$dev" >/dev/null; then fail "left running: $(pgrep -af "$dev")"; fi
[ "$(tmpdirs)" = "$before_tmp" ] || fail "temp directories left: $(tmpdirs)"
echo "ok: a busy port exits 1 with the reason and stops everything"
echo "run-local: 1 passed, 0 failed"
