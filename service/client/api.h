/* SPDX-License-Identifier: Apache-2.0 */
/* A client of provd's own HTTP API (libcurl), for the CLI commands that work over HTTP
 * (provd dataset …): one request at a time, the API key as a Bearer token. */
#ifndef PROVD_CLIENT_API_H
#define PROVD_CLIENT_API_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"

struct api_client {
    void *curl; /* CURL * */
    char *base; /* the service's URL without a trailing slash, owned */
    char *auth; /* "Authorization: Bearer …", owned; NULL without a token */
    char err[256];
};

/* Sets c up for base_url (http or https) with token (NULL: none). False (reason in c->err). */
bool api_client_init(struct api_client *c, const char *base_url, const char *token,
                     unsigned timeout_ms) __attribute__((warn_unused_result));
void api_client_free(struct api_client *c);

struct api_reply {
    long status;      /* HTTP status */
    struct buf body;  /* owned */
    json_t *json;     /* the body parsed, when it is JSON; owned */
    long retry_after; /* seconds of its Retry-After header; -1 when it has none */
};

void api_reply_free(struct api_reply *r);

/* Sends method path (starting with '/') with body of content_type (NULL: no body). False when no
 * HTTP reply came (reason in c->err); any status is a reply. */
bool api_call(struct api_client *c, const char *method, const char *path, const char *content_type,
              const char *body, size_t len, struct api_reply *out)
    __attribute__((warn_unused_result));
/* api_call, sent again (at most attempts times in all) while no reply comes or the reply is
 * 429 or 503: after its Retry-After, else after 0.5 s doubling up to 30 s. Counts the resends
 * in *retries. The last outcome is returned as api_call returns it. */
bool api_call_retry(struct api_client *c, const char *method, const char *path,
                    const char *content_type, const char *body, size_t len, unsigned attempts,
                    unsigned *retries, struct api_reply *out) __attribute__((warn_unused_result));
/* The reply's problem detail (or its status) as one line, for messages. */
void api_problem_text(const struct api_reply *r, char *out, size_t len);

#endif
