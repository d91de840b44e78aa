/* SPDX-License-Identifier: Apache-2.0 */
/* Rate limits: a token bucket per client address (--rate-limit-ip), taken by every request but
 * /healthz as soon as its headers are in, and one per API key (--rate-limit-key), taken by every
 * request the key authenticates; past either, 429 rate-limited with Retry-After. The client
 * address is the connection's peer or, when the peer is a trusted proxy (--trusted-proxy), the
 * one X-Forwarded-For names (util/netaddr.h); clients in --rate-limit-exempt (loopback by
 * default) are not limited. Both tables are fixed-size (util/bucket.h). */
#ifndef PROVD_HTTP_RATELIMIT_H
#define PROVD_HTTP_RATELIMIT_H

#include <microhttpd.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/bucket.h"
#include "util/netaddr.h"

#define RATELIMIT_ADDRESSES 8192 /* client addresses remembered at once (about 0.4 MiB) */
#define RATELIMIT_KEYS      1024 /* API keys remembered at once */

struct ratelimit {
    struct bucket_table by_address, by_key;
    struct netaddr_cidrs trusted, exempt;              /* owned */
    atomic_uint_fast64_t limited_address, limited_key; /* 429s answered */
};

struct http_request;

/* Sets rl up from the option strings: per_ip and per_key "RATE[:BURST]" ("0" for no limit),
 * trusted and exempt CIDR lists (NULL, "" or "none" for none). False with a one-line reason in
 * err on a malformed option or no memory. */
bool ratelimit_init(struct ratelimit *rl, const char *per_ip, const char *per_key,
                    const char *trusted, const char *exempt, char *err, size_t err_len)
    __attribute__((warn_unused_result));
void ratelimit_destroy(struct ratelimit *rl);

/* The request's client address as ratelimit_admit sees it, into *out. False when MHD does not
 * say (not a TCP connection). */
bool ratelimit_client(struct http_request *req, struct netaddr *out);
/* At the request's start: takes a token from its client address's bucket unless the request is
 * exempt (/healthz, the metrics listener, an exempt client; req->exempt says so afterwards).
 * True to go on; false with 429 rate-limited queued in *r. */
bool ratelimit_admit(struct http_request *req, enum MHD_Result *r)
    __attribute__((warn_unused_result));
/* For a request that key_id authenticated: takes a token from the key's bucket unless the request
 * is exempt. False when there is none: req->retry_after is then set for the 429. */
bool ratelimit_key(struct http_request *req, int64_t key_id) __attribute__((warn_unused_result));

#endif
