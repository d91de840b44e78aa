/* SPDX-License-Identifier: Apache-2.0 */
#include "http/ratelimit.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "util/buf.h"
#include "crypto/hash.h"
#include "http/reply.h"
#include "http/route.h"
#include "http/server.h"

static bool parse_rate(const char *flag, const char *s, struct bucket_rate *out, char *err,
                       size_t err_len)
{
    if (bucket_rate_parse(s ? s : "0", out))
        return true;
    snprintf(err, err_len, "--%s: '%s' is not RATE[:BURST] (e.g. 100:200, 0 for no limit)", flag,
             s);
    return false;
}

static bool parse_cidrs(const char *flag, const char *s, struct netaddr_cidrs *out, char *err,
                        size_t err_len)
{
    char why[160];
    if (netaddr_cidrs_parse(s, out, why, sizeof why))
        return true;
    snprintf(err, err_len, "--%s: %s", flag, why);
    return false;
}

bool ratelimit_init(struct ratelimit *rl, const char *per_ip, const char *per_key,
                    const char *trusted, const char *exempt, char *err, size_t err_len)
{
    struct bucket_rate ip, key;
    uint8_t seed[2][16];
    memset(rl, 0, sizeof *rl);
    if (!parse_rate("rate-limit-ip", per_ip, &ip, err, err_len) ||
        !parse_rate("rate-limit-key", per_key, &key, err, err_len) ||
        !parse_cidrs("trusted-proxy", trusted, &rl->trusted, err, err_len) ||
        !parse_cidrs("rate-limit-exempt", exempt, &rl->exempt, err, err_len))
        goto fail;
    if (!hash_random(&seed[0][0], sizeof seed) ||
        !bucket_table_init(&rl->by_address, &ip, RATELIMIT_ADDRESSES, seed[0]) ||
        !bucket_table_init(&rl->by_key, &key, RATELIMIT_KEYS, seed[1])) {
        snprintf(err, err_len, "out of memory (rate limits)");
        goto fail;
    }
    return true;
fail:
    ratelimit_destroy(rl);
    return false;
}

void ratelimit_destroy(struct ratelimit *rl)
{
    bucket_table_destroy(&rl->by_address);
    bucket_table_destroy(&rl->by_key);
    netaddr_cidrs_free(&rl->trusted);
    netaddr_cidrs_free(&rl->exempt);
}

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Every X-Forwarded-For header's value, in order, joined by commas. */
static enum MHD_Result join_forwarded(void *cls, enum MHD_ValueKind kind, const char *key,
                                      const char *value)
{
    (void)kind;
    struct buf *b = cls;
    if (value && !strcasecmp(key, "X-Forwarded-For")) {
        if (b->len)
            buf_putc(b, ',');
        buf_puts(b, value);
    }
    return MHD_YES;
}

bool ratelimit_client(struct http_request *req, struct netaddr *out)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(req->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (!ci || !netaddr_from_sockaddr(ci->client_addr, out))
        return false;
    const struct netaddr_cidrs *trusted = &req->srv->limits.trusted;
    if (!netaddr_cidrs_match(trusted, out))
        return true;
    struct buf xff = BUF_INIT;
    MHD_get_connection_values(req->conn, MHD_HEADER_KIND, join_forwarded, &xff);
    if (!xff.oom)
        *out = netaddr_forwarded_client(out, xff.data ? xff.data : "", xff.len, trusted);
    buf_free(&xff);
    return true;
}

static enum MHD_Result reply_limited(struct http_request *req, const struct netaddr *client)
{
    char text[NETADDR_STR_LEN];
    netaddr_format(client, text);
    req->route = route_find(req); /* counted under its route */
    return reply_problem(req, PROBLEM_RATE_LIMITED, NULL,
                         "requests from %s pass this server's limit (--rate-limit-ip); retry in "
                         "%u s",
                         text, req->retry_after);
}

bool ratelimit_admit(struct http_request *req, enum MHD_Result *r)
{
    struct ratelimit *rl = &req->srv->limits;
    struct netaddr client;
    uint8_t key[16];
    req->exempt = req->internal || !strcmp(req->url, "/healthz") ||
                  !ratelimit_client(req, &client) || netaddr_cidrs_match(&rl->exempt, &client);
    if (req->exempt)
        return true;
    netaddr_client_key(&client, key);
    if (bucket_table_take(&rl->by_address, key, now_ns(), &req->retry_after))
        return true;
    atomic_fetch_add_explicit(&rl->limited_address, 1, memory_order_relaxed);
    *r = reply_limited(req, &client);
    return false;
}

bool ratelimit_key(struct http_request *req, int64_t key_id)
{
    struct ratelimit *rl = &req->srv->limits;
    uint8_t key[16] = {0};
    if (req->exempt)
        return true;
    memcpy(key, &key_id, sizeof key_id);
    if (bucket_table_take(&rl->by_key, key, now_ns(), &req->retry_after))
        return true;
    atomic_fetch_add_explicit(&rl->limited_key, 1, memory_order_relaxed);
    return false;
}
