#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The TLS reverse proxy of deploy/nginx/provd.conf, for real: a throwaway PostgreSQL
# (tests/lib/pg.sh), provd serve trusting the proxy's X-Forwarded-For, and Debian's nginx
# running the shipped file with only its listen, upstream and certificate lines pointed at this
# test's ports and a throwaway self-signed certificate (openssl). Over HTTPS and HTTP/2 (curl
# --http2) it registers an Ed25519-signed item and looks it up, and checks TLS 1.2/1.3 only,
# the HTTP redirect, nginx's refusals in provd's problem form, a text/plain member upload
# larger than --max-body streamed through, and that provd rate-limits the client's own address
# (from X-Forwarded-For), not the proxy's, and believes no address a client forges. Installs
# nothing: without nginx (deploy/install-deps.sh --test installs it) it fails in CI and is
# skipped elsewhere. PROVD_BIN is the binary (default build/provd). Loopback only.
set -euo pipefail
cd "$(dirname "$0")/../.."
top=$PWD
export PROVD_BIN=${PROVD_BIN:-$top/build/provd}
conf=$top/deploy/nginx/provd.conf

nginx_bin=$(command -v nginx || true)
[ -n "$nginx_bin" ] || [ ! -x /usr/sbin/nginx ] || nginx_bin=/usr/sbin/nginx
if [ -z "$nginx_bin" ]; then
    echo "tls: nginx is not installed (deploy/install-deps.sh --test installs it)" >&2
    if [ -n "${CI:-}" ]; then echo "tls: 0 passed, 1 failed"; exit 1; fi
    echo "tls: skipped"
    exit 0
fi
for tool in curl openssl; do
    command -v "$tool" >/dev/null || { echo "tls: $tool is missing" >&2; exit 1; }
done
[ -x "$PROVD_BIN" ] || { echo "tls: no provd binary at $PROVD_BIN (build first)" >&2; exit 2; }

tmp=$(mktemp -d /tmp/provd-tls.XXXXXX)
chmod 755 "$tmp" # nginx's workers (nobody) and PostgreSQL (postgres) look inside
provd_pid='' nginx_pid=''
# shellcheck source=tests/lib/pg.sh
. tests/lib/pg.sh
cleanup() {
    [ -z "$nginx_pid" ] || kill "$nginx_pid" 2>/dev/null || true
    [ -z "$provd_pid" ] || kill "$provd_pid" 2>/dev/null || true
    wait 2>/dev/null || true
    pg_stop
    rm -rf "$tmp"
}
trap cleanup EXIT

passed=0 failed=0
check() { # check NAME COMMAND...: runs the command, an ok / not ok line
    local name=$1
    shift
    if "$@"; then
        echo "ok - $name"
        passed=$((passed + 1))
    else
        echo "not ok - $name"
        failed=$((failed + 1))
    fi
}
fail_now() {
    echo "tls: $*" >&2
    [ ! -f "$tmp/provd.log" ] || tail -n 20 "$tmp/provd.log" >&2
    [ ! -f "$tmp/error.log" ] || tail -n 20 "$tmp/error.log" >&2
    echo "tls: $passed passed, $((failed + 1)) failed"
    exit 1
}

pg_start "$tmp/pg" || fail_now "no PostgreSQL"
"$PROVD_BIN" migrate >/dev/null 2>&1 || fail_now "provd migrate failed"
token=$("$PROVD_BIN" apikey create --name tls-test --scope register 2>/dev/null) \
    || fail_now "provd apikey create failed"

# provd as deploy/nginx/provd.conf says to run it, plus a per-address limit small enough to
# reach (and no loopback exemption): a 429 names the address provd took for the client. As
# variables, so that a provd without the options starts and fails on its behaviour.
PROVD_TRUSTED_PROXY=127.0.0.1 PROVD_RATE_LIMIT_IP=1:20 PROVD_RATE_LIMIT_EXEMPT=none \
    "$PROVD_BIN" serve --listen 127.0.0.1:0 --threads 2 2>"$tmp/provd.log" &
provd_pid=$!
provd_port=''
for _ in $(seq 1 200); do
    provd_port=$(sed -nE 's/.*listening on http:\/\/127\.0\.0\.1:([0-9]+).*/\1/p' "$tmp/provd.log")
    [ -n "$provd_port" ] && break
    kill -0 "$provd_pid" 2>/dev/null || fail_now "provd serve exited"
    sleep 0.1
done
[ -n "$provd_port" ] || fail_now "provd serve did not start"

# A throwaway certificate for localhost.
mkdir "$tmp/tls"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
    -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 \
    -keyout "$tmp/tls/privkey.pem" -out "$tmp/tls/fullchain.pem" >/dev/null 2>&1 \
    || fail_now "openssl could not make a certificate"

# The shipped file with exactly these lines changed; a line that is not there fails the test, so
# the file cannot drift from what is tested.
https_port=$(pg_free_port) http_port=$(pg_free_port)
rewrite() { # rewrite FROM TO: replaces the one line FROM (fixed string) of the config
    [ "$(grep -cxF "    $1" "$tmp/provd.conf")" = 1 ] || fail_now "deploy/nginx/provd.conf has no line '$1'"
    awk -v from="    $1" -v to="$2" '$0 == from { if (to != "") print "    " to; next } { print }' \
        "$tmp/provd.conf" >"$tmp/provd.conf.new"
    mv "$tmp/provd.conf.new" "$tmp/provd.conf"
}
cp "$conf" "$tmp/provd.conf"
rewrite 'listen 80;' "listen 127.0.0.1:$http_port;"
rewrite 'listen [::]:80;' ''
rewrite 'listen 443 ssl http2;' "listen 127.0.0.1:$https_port ssl http2;"
rewrite 'listen [::]:443 ssl http2;' ''
rewrite 'server 127.0.0.1:8080;' "server 127.0.0.1:$provd_port;"
rewrite 'ssl_certificate /etc/nginx/tls/fullchain.pem;' "ssl_certificate $tmp/tls/fullchain.pem;"
rewrite 'ssl_certificate_key /etc/nginx/tls/privkey.pem;' "ssl_certificate_key $tmp/tls/privkey.pem;"
cat >"$tmp/nginx.conf" <<CONF
worker_processes 1;
pid $tmp/nginx.pid;
error_log $tmp/error.log notice;
events { worker_connections 256; }
http {
    access_log $tmp/access.log;
    client_body_temp_path $tmp/body;
    proxy_temp_path $tmp/proxy;
    fastcgi_temp_path $tmp/fastcgi;
    uwsgi_temp_path $tmp/uwsgi;
    scgi_temp_path $tmp/scgi;
    include $tmp/provd.conf;
}
CONF
"$nginx_bin" -t -q -p "$tmp" -e "$tmp/error.log" -c "$tmp/nginx.conf" \
    || fail_now "nginx -t refuses the configuration: $(cat "$tmp/error.log")"
"$nginx_bin" -p "$tmp" -e "$tmp/error.log" -c "$tmp/nginx.conf" -g 'daemon off;' &
nginx_pid=$!
for _ in $(seq 1 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$https_port") 2>/dev/null && break
    kill -0 "$nginx_pid" 2>/dev/null || fail_now "nginx exited"
    sleep 0.1
done

base="https://localhost:$https_port"
# curl over HTTPS, certificate checked against the throwaway one, from a given loopback address.
tcurl() { # tcurl FROM_ADDRESS ARGS...
    local from=$1
    shift
    curl -sS --max-time 20 --cacert "$tmp/tls/fullchain.pem" --resolve "localhost:$https_port:127.0.0.1" \
        --interface "$from" "$@"
}

# A registration signed with Ed25519 (openssl), its statement in canonical (JCS) form by hand.
b64url() { base64 -w0 | tr '+/' '-_' | tr -d '='; }
openssl genpkey -algorithm ed25519 -out "$tmp/signer.pem" 2>/dev/null
pub=$(openssl pkey -in "$tmp/signer.pem" -pubout -outform DER | tail -c 32 | b64url)
hash=sha256:$(head -c 32 /dev/urandom | sha256sum | cut -c1-64)
meta='{"author":"tls test","source_url":"https://example.org/tls"}'
printf '{"content_hash":"%s","metadata":%s,"type":"provd.item.v1"}' "$hash" "$meta" >"$tmp/statement"
sig=$(openssl pkeyutl -sign -inkey "$tmp/signer.pem" -rawin -in "$tmp/statement" | b64url)
printf '{"content_hash":"%s","metadata":%s,"signature":{"scheme":"ed25519","public_key":"%s","value":"%s"}}' \
    "$hash" "$meta" "$pub" "$sig" >"$tmp/item.json"

# 1. Registration over HTTP/2 and TLS.
reg=$(tcurl 127.0.0.2 --http2 -o "$tmp/reg.out" -w '%{http_code} %{http_version}' \
    -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    --data-binary @"$tmp/item.json" "$base/v1/items") || reg="curl failed"
id=$(sed -nE 's/^\{"id": ?([0-9]+).*/\1/p' "$tmp/reg.out")
check "POST /v1/items over HTTP/2 + TLS: 201 ($reg, id ${id:-none})" \
    test "$reg" = "201 2" -a -n "$id"

# 2. Lookups over HTTP/2 (the item, its provenance) and HTTP/1.1.
got=$(tcurl 127.0.0.2 --http2 -o "$tmp/item.out" -w '%{http_code} %{http_version}' "$base/v1/items/${id:-0}") || got="curl failed"
item_ok() { [ "$got" = "200 2" ] && grep -qE "\"content_hash\": ?\"$hash\"" "$tmp/item.out"; }
check "GET /v1/items/$id over HTTP/2: 200 with the content hash ($got)" item_ok
got=$(tcurl 127.0.0.2 --http2 -o "$tmp/prov.out" -w '%{http_code} %{http_version}' "$base/v1/provenance/$hash") || got="curl failed"
provenance_ok() { [ "$got" = "200 2" ] && grep -qE "\"id\": ?${id}[,}]" "$tmp/prov.out"; }
check "GET /v1/provenance/{hash} over HTTP/2: 200 naming item $id ($got)" provenance_ok
got=$(tcurl 127.0.0.2 --http1.1 -o /dev/null -w '%{http_code} %{http_version}' "$base/v1/items/${id:-0}") || got="curl failed"
check "HTTP/1.1 over TLS still works ($got)" test "$got" = "200 1.1"

# 3. TLS versions: 1.2 and 1.3 accepted, older ones refused; HSTS sent.
check "TLS 1.3 accepted" tcurl 127.0.0.2 --tlsv1.3 -o /dev/null "$base/healthz"
check "TLS 1.2 accepted" tcurl 127.0.0.2 --tlsv1.2 --tls-max 1.2 -o /dev/null "$base/healthz"
tls11_refused() { ! tcurl 127.0.0.2 --tlsv1 --tls-max 1.1 -o /dev/null "$base/healthz" 2>/dev/null; }
check "TLS 1.1 refused" tls11_refused
hsts_sent() { tcurl 127.0.0.2 -D - -o /dev/null "$base/healthz" | grep -qi '^strict-transport-security: max-age='; }
check "Strict-Transport-Security sent" hsts_sent

# 4. Plain HTTP redirects to HTTPS.
got=$(curl -sS --max-time 10 -o /dev/null -w '%{http_code} %{redirect_url}' "http://127.0.0.1:$http_port/v1/log/key") || got="curl failed"
redirected() { [[ "$got" == "301 https://"* ]]; }
check "plain HTTP answers 301 to https:// ($got)" redirected

# 5. A JSON body over --max-body: nginx refuses it, in provd's problem form.
head -c $((1100 * 1024)) /dev/zero | tr '\0' ' ' >"$tmp/big.json"
got=$(tcurl 127.0.0.2 --http2 -o "$tmp/big.out" -w '%{http_code} %{content_type}' \
    -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    --data-binary @"$tmp/big.json" "$base/v1/items") || got="curl failed"
too_large() { [[ "$got" == "413 application/problem+json"* ]] && grep -q 'urn:provd:problem:body-too-large' "$tmp/big.out"; }
check "a 1.1 MB JSON body: 413 body-too-large as application/problem+json ($got)" too_large

# 6. A text/plain member upload larger than --max-body goes through (streamed to provd).
got=$(tcurl 127.0.0.2 --http2 -o "$tmp/ds.out" -w '%{http_code}' -H "Authorization: Bearer $token" \
    -H 'Content-Type: application/json' --data '{"name":"tls-test","version":"1"}' "$base/v1/datasets") || got="curl failed"
ds=$(sed -nE 's/^\{"id": ?([0-9]+).*/\1/p' "$tmp/ds.out")
for i in $(seq 1 20000); do printf 'sha256:%064x\n' "$i"; done >"$tmp/members.txt"
got=$(tcurl 127.0.0.2 --http2 -o "$tmp/members.out" -w '%{http_code}' -H "Authorization: Bearer $token" \
    -H 'Content-Type: text/plain' --data-binary @"$tmp/members.txt" "$base/v1/datasets/${ds:-0}/members") \
    || got="curl failed"
appended() { [ "$got" = 200 ] && grep -qE '"appended": ?20000' "$tmp/members.out"; }
check "a 1.4 MB text/plain member upload: 200, 20000 appended ($got, dataset ${ds:-none})" appended

# 7. provd saw each client's own address (X-Forwarded-For from the trusted proxy): 127.0.0.5
# exhausts its burst and the 429 names it; a client forging that address in its own
# X-Forwarded-For is still itself, with a bucket of its own.
limited=''
for _ in $(seq 1 40); do
    code=$(tcurl 127.0.0.5 --http2 -o "$tmp/limited.out" -w '%{http_code}' "$base/v1/items/${id:-0}") || code=000
    if [ "$code" = 429 ]; then limited=yes; break; fi
done
limited_by_own_address() { [ -n "$limited" ] && grep -q 'requests from 127.0.0.5 ' "$tmp/limited.out"; }
check "provd rate-limits the client's address from X-Forwarded-For: 429 names 127.0.0.5" \
    limited_by_own_address
got=$(tcurl 127.0.0.6 --http2 -o /dev/null -w '%{http_code}' -H 'X-Forwarded-For: 127.0.0.5' "$base/v1/items/${id:-0}") \
    || got="curl failed"
check "a forged X-Forwarded-For is not believed: 127.0.0.6 naming 127.0.0.5 gets 200 ($got)" test "$got" = 200

# 8. provd down: nginx answers 503 with Retry-After, in provd's problem form.
kill "$provd_pid"
wait "$provd_pid" 2>/dev/null || true
provd_pid=''
got=$(tcurl 127.0.0.2 --http2 -D "$tmp/down.h" -o "$tmp/down.out" -w '%{http_code} %{content_type}' "$base/v1/log/key") \
    || got="curl failed"
unavailable() { [[ "$got" == "503 application/problem+json"* ]] && grep -qi '^retry-after: 1' "$tmp/down.h"; }
check "provd down: 503 not-ready with Retry-After ($got)" unavailable

echo "tls: $passed passed, $failed failed"
[ "$failed" = 0 ]
