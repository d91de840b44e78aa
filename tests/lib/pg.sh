# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# Throwaway PostgreSQL cluster for tests and local runs. Source this file, then:
#   pg_start DIR   creates and starts a cluster under DIR on a free loopback port and exports
#                  PROVD_DATABASE_URL (database "provd") and PROVD_TEST_PG_* for the tests
#                  (PROVD_TEST_PG_SOCKET_URL: the same database over the cluster's Unix socket)
#                  (PROVD_TEST_PG_CONF, when set, is added to a new cluster's settings); a
#                  cluster an earlier pg_start left in DIR is started again (on a new port)
#   pg_start_provd DIR  pg_start, a new cluster getting deploy/postgres/provd.conf's settings
#                  (the ones provd ships for its PostgreSQL) before PROVD_TEST_PG_CONF's
#   pg_stop [MODE] stops it (the caller removes DIR); MODE is pg_ctl's, immediate by default
# As root, the server runs as the "postgres" system user (initdb refuses root).

pg_bindir() {
    local d
    for d in /usr/lib/postgresql/*/bin; do
        [ -x "$d/initdb" ] && { echo "$d"; return 0; }
    done
    command -v initdb >/dev/null && { dirname "$(command -v initdb)"; return 0; }
    return 1
}

pg_as_owner() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

pg_free_port() {
    local p
    for _ in $(seq 1 50); do
        p=$((20000 + RANDOM % 12000)) # below Linux's ephemeral ports (32768-60999)
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
            echo "$p"
            return 0
        fi
    done
    return 1
}

pg_start() {
    local dir=$1 bindir port
    bindir=$(pg_bindir) || { echo "pg.sh: PostgreSQL server binaries not found" >&2; return 1; }
    port=$(pg_free_port) || { echo "pg.sh: no free port" >&2; return 1; }
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres: "$dir"
    local fresh=
    if [ ! -f "$dir/data/PG_VERSION" ]; then
        fresh=1
        pg_as_owner "$bindir/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --no-locale \
            >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; return 1; }
        cat >>"$dir/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
max_connections = 200
shared_buffers = 256MB
log_min_messages = warning
CONF
        # PROVD_TEST_PG_CONF: more settings (tests/run: pg_stat_statements, for the plan test)
        if [ -n "${PROVD_TEST_PG_CONF:-}" ]; then
            printf '%s\n' "$PROVD_TEST_PG_CONF" >>"$dir/data/postgresql.conf"
        fi
    fi
    # A port found free may be taken before the server binds it: then another, twice more.
    local tries=1
    until pg_as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -o "-p $port" -w -t 60 \
        start >/dev/null; do
        if [ "$tries" -ge 3 ] || ! grep -q "Address already in use" "$dir/server.log"; then
            cat "$dir/server.log" >&2
            return 1
        fi
        tries=$((tries + 1))
        port=$(pg_free_port) || { echo "pg.sh: no free port" >&2; return 1; }
    done
    if [ -n "$fresh" ]; then
        pg_as_owner "$bindir/createdb" -h 127.0.0.1 -p "$port" -U postgres provd || return 1
    fi
    export PROVD_TEST_PG_BINDIR=$bindir PROVD_TEST_PG_DATA=$dir/data PROVD_TEST_PG_PORT=$port
    export PROVD_TEST_PG_ADMIN_URL="postgresql://postgres@127.0.0.1:$port/postgres"
    export PROVD_DATABASE_URL="postgresql://postgres@127.0.0.1:$port/provd"
    export PROVD_TEST_PG_SOCKET_URL="postgresql://postgres@/provd?host=$dir&port=$port"
    # Lets the black-box tests stop and start the server (PostgreSQL outage tests).
    PROVD_TEST_PG_CTL="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/pg-ctl"
    export PROVD_TEST_PG_CTL
}

pg_start_provd() {
    local conf
    conf="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/deploy/postgres/provd.conf"
    PROVD_TEST_PG_CONF="$(grep -E '^[a-z_]+ *=' "$conf")
${PROVD_TEST_PG_CONF:-}" pg_start "$1"
}

pg_stop() {
    [ -n "${PROVD_TEST_PG_DATA:-}" ] || return 0
    pg_as_owner "$PROVD_TEST_PG_BINDIR/pg_ctl" -D "$PROVD_TEST_PG_DATA" -m "${1:-immediate}" -w stop \
        >/dev/null 2>&1 || true
}
