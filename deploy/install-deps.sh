#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs the Debian 12 packages provd needs, skipping what is already there.
#   deploy/install-deps.sh           build + run (compiler, libraries, PostgreSQL server)
#   deploy/install-deps.sh --test    also what the test suite needs (cmocka, Node.js, clang for
#                                    the fuzzers, clang-format, clang-tidy, cppcheck, nginx and
#                                    openssl for the TLS proxy test, chromium for the explorer,
#                                    python3-cryptography for deploy/examples/register_dir.py,
#                                    docker-compose to validate docker-compose.yml, prometheus
#                                    for promtool, tests/deploy/operations.test.sh, Go and
#                                    golang.org/x/mod for the tlog-tiles interop client
#                                    tests/interop/tlog-go)
#   deploy/install-deps.sh --bench   also the load generator (wrk)
#   deploy/install-deps.sh --node    also Node.js and npm (for the local anvil dev chain)
# Needs root (or sudo) only when something is missing.
set -euo pipefail

pkgs=(build-essential cmake pkg-config ca-certificates curl
      libmicrohttpd-dev libjansson-dev libpq-dev libssl-dev libsodium-dev libsecp256k1-dev
      libcurl4-openssl-dev
      postgresql postgresql-client)
for arg in "$@"; do
    case "$arg" in
    --test) pkgs+=(libcmocka-dev clang-format clang-tidy cppcheck clang libclang-rt-dev nginx openssl
                  chromium fonts-dejavu-core python3 python3-cryptography
                  docker-compose prometheus golang-go golang-golang-x-mod-dev) ;;
    --bench) pkgs+=(wrk) ;;
    --node) ;;
    *) echo "install-deps.sh: unknown option $arg" >&2; exit 2 ;;
    esac
done
# Node.js (>= 18) and npm run the black-box tests; Debian's are used unless newer ones are
# already installed (e.g. from NodeSource).
if [[ " $* " == *" --test "* || " $* " == *" --node "* ]]; then
    if ! command -v node >/dev/null || [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 18 ]; then
        pkgs+=(nodejs)
    fi
    command -v npm >/dev/null || pkgs+=(npm)
fi

missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}" >&2
SUDO=
[ "$(id -u)" = 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
exit 0
