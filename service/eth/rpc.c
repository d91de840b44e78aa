/* SPDX-License-Identifier: Apache-2.0 */
#include "eth/rpc.h"

#include <curl/curl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/codec.h"

#define RPC_MAX_REPLY (16u << 20)

bool eth_rpc_global_init(void)
{
    return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
}

static size_t collect(char *data, size_t size, size_t n, void *arg)
{
    struct buf *b = arg;
    if (b->len + size * n > RPC_MAX_REPLY)
        return 0; /* aborts the transfer */
    buf_append(b, data, size * n);
    return b->oom ? 0 : size * n;
}

static bool curl_transport(void *ctx, const char *body, size_t len, struct buf *reply, char *err,
                           size_t err_len)
{
    struct eth_rpc *rpc = ctx;
    CURL *c = rpc->curl;
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)len);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, reply);
    CURLcode rc = curl_easy_perform(c);
    if (rc != CURLE_OK) {
        snprintf(err, err_len, "%s", curl_easy_strerror(rc));
        return false;
    }
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    if (status != 200) {
        snprintf(err, err_len, "HTTP status %ld", status);
        return false;
    }
    return true;
}

bool eth_rpc_init_http(struct eth_rpc *rpc, const char *url, unsigned timeout_ms)
{
    memset(rpc, 0, sizeof *rpc);
    CURL *c = curl_easy_init();
    rpc->url = strdup(url);
    struct curl_slist *hdrs = curl_slist_append(NULL, "Content-Type: application/json");
    if (!c || !rpc->url || !hdrs) {
        curl_easy_cleanup(c);
        curl_slist_free_all(hdrs);
        free(rpc->url);
        return false;
    }
    curl_easy_setopt(c, CURLOPT_URL, rpc->url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(c, CURLOPT_PRIVATE, hdrs);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)timeout_ms);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_USERAGENT, "provd");
    rpc->curl = c;
    rpc->transport = curl_transport;
    rpc->ctx = rpc;
    return true;
}

void eth_rpc_init_custom(struct eth_rpc *rpc, rpc_transport_fn fn, void *ctx)
{
    memset(rpc, 0, sizeof *rpc);
    rpc->transport = fn;
    rpc->ctx = ctx;
}

void eth_rpc_free(struct eth_rpc *rpc)
{
    if (rpc->curl) {
        struct curl_slist *hdrs = NULL;
        curl_easy_getinfo(rpc->curl, CURLINFO_PRIVATE, (char **)&hdrs);
        curl_easy_cleanup(rpc->curl);
        curl_slist_free_all(hdrs);
    }
    free(rpc->url);
    memset(rpc, 0, sizeof *rpc);
}

static enum rpc_status fail(struct rpc_error *err, enum rpc_status st, long code, const char *msg)
{
    err->code = code;
    snprintf(err->message, sizeof err->message, "%s", msg);
    return st;
}

enum rpc_status eth_rpc_parse_reply(const char *body, size_t len, uint64_t id, json_t **result,
                                    struct rpc_error *err)
{
    *result = NULL;
    json_t *root = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL);
    if (!json_is_object(root)) {
        json_decref(root);
        return fail(err, RPC_UNAVAILABLE, 0, "the node's reply is not a JSON-RPC object");
    }
    enum rpc_status st;
    json_t *jid = json_object_get(root, "id"), *res = json_object_get(root, "result");
    json_t *e = json_object_get(root, "error");
    if (!json_is_integer(jid) || (uint64_t)json_integer_value(jid) != id)
        st = fail(err, RPC_UNAVAILABLE, 0, "the node's reply has the wrong id");
    else if (json_is_object(e)) {
        json_t *code = json_object_get(e, "code"), *msg = json_object_get(e, "message");
        st = fail(err, RPC_NODE_ERROR, json_is_integer(code) ? (long)json_integer_value(code) : 0,
                  json_is_string(msg) ? json_string_value(msg) : "error without a message");
    } else if (res) {
        *result = json_incref(res);
        st = RPC_OK;
    } else
        st = fail(err, RPC_UNAVAILABLE, 0, "the node's reply has neither result nor error");
    json_decref(root);
    return st;
}

enum rpc_status eth_rpc_call(struct eth_rpc *rpc, const char *method, json_t *params,
                             json_t **result, struct rpc_error *err)
{
    *result = NULL;
    uint64_t id = ++rpc->next_id;
    json_t *req = json_pack("{s:s, s:I, s:s, s:o}", "jsonrpc", "2.0", "id", (json_int_t)id,
                            "method", method, "params", params ? params : json_array());
    char *body = req ? json_dumps(req, JSON_COMPACT) : NULL;
    json_decref(req);
    if (!body)
        return fail(err, RPC_UNAVAILABLE, 0, "out of memory");
    struct buf reply = BUF_INIT;
    char why[200];
    enum rpc_status st;
    if (!rpc->transport(rpc->ctx, body, strlen(body), &reply, why, sizeof why)) {
        st = RPC_UNAVAILABLE;
        snprintf(err->message, sizeof err->message, "%s: %s", method, why);
        err->code = 0;
    } else if (reply.oom)
        st = fail(err, RPC_UNAVAILABLE, 0, "out of memory");
    else
        st = eth_rpc_parse_reply(reply.data ? reply.data : "", reply.len, id, result, err);
    buf_free(&reply);
    free(body);
    return st;
}

static bool hex_digits(const json_t *v, const char **digits, size_t *n)
{
    const char *s = json_string_value(v);
    if (!s || s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
        return false;
    *digits = s + 2;
    *n = json_string_length(v) - 2;
    return true;
}

bool eth_parse_u64(const json_t *v, uint64_t *out)
{
    const char *d;
    size_t n;
    if (!hex_digits(v, &d, &n) || n == 0)
        return false;
    while (n > 1 && *d == '0')
        d++, n--;
    if (n > 16)
        return false;
    uint64_t x = 0;
    for (size_t i = 0; i < n; i++) {
        char c = d[i];
        int h = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
        if (h < 0)
            return false;
        x = x << 4 | (uint64_t)h;
    }
    *out = x;
    return true;
}

static bool parse_fixed(const json_t *v, uint8_t *out, size_t len)
{
    const char *d;
    size_t n;
    return hex_digits(v, &d, &n) && n == 2 * len && hex_decode(d, n, out, len, false);
}

bool eth_parse_bytes32(const json_t *v, uint8_t out[32])
{
    return parse_fixed(v, out, 32);
}

bool eth_parse_address(const json_t *v, uint8_t out[ETH_ADDRESS_LEN])
{
    return parse_fixed(v, out, ETH_ADDRESS_LEN);
}

bool eth_parse_data(const json_t *v, struct buf *out)
{
    const char *d;
    size_t n;
    if (!hex_digits(v, &d, &n) || n % 2)
        return false;
    buf_reset(out);
    for (size_t i = 0; i < n; i += 2) {
        uint8_t byte;
        if (!hex_decode(d + i, 2, &byte, 1, false))
            return false;
        buf_putc(out, (char)byte);
    }
    return !out->oom;
}

char *eth_hex(const uint8_t *data, size_t len)
{
    char *s = malloc(2 * len + 3);
    if (s) {
        s[0] = '0', s[1] = 'x';
        hex_encode(data, len, s + 2);
    }
    return s;
}

void eth_quantity(uint64_t v, char out[19])
{
    snprintf(out, 19, "0x%" PRIx64, v);
}
