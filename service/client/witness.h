/* SPDX-License-Identifier: Apache-2.0 */
/* The HTTP side of witness cosigning (C2SP tlog-witness add-checkpoint) over libcurl: the
 * transport that cmd/worker.c hands to registry/witness.c (whose witness_transport_fn it
 * matches). One keep-alive handle, used by the witness thread alone. */
#ifndef PROVD_CLIENT_WITNESS_H
#define PROVD_CLIENT_WITNESS_H

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"

struct witness_http {
    void *curl; /* CURL *, owned */
    size_t max_reply;
};

/* Sets h up; false when libcurl cannot start. Free with witness_http_free. */
bool witness_http_init(struct witness_http *h, size_t max_reply)
    __attribute__((warn_unused_result));
void witness_http_free(struct witness_http *h);

/* POSTs body (text/plain) to url within timeout_ms (ctx is a struct witness_http *). False,
 * reason in err, when no reply came (connection error, timeout, a reply over max_reply);
 * otherwise *status, content_type ("" without the header) and reply (appended) describe it. */
bool witness_http_post(void *ctx, const char *url, const char *body, size_t len,
                       unsigned timeout_ms, long *status, char *content_type,
                       size_t content_type_len, struct buf *reply, char *err, size_t err_len);

#endif
