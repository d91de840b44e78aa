/* SPDX-License-Identifier: Apache-2.0 */
/* The HTTP server: libmicrohttpd with a pool of worker threads (epoll), each request handled to
 * completion on its worker. Per-request state (struct http_request) is allocated on MHD's first
 * callback and freed in the completion callback. */
#ifndef PROVD_HTTP_SERVER_H
#define PROVD_HTTP_SERVER_H

#include <microhttpd.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "http/conns.h"
#include "http/cors.h"
#include "http/events.h"
#include "http/metrics.h"
#include "http/ratelimit.h"
#include "util/buf.h"
#include "core/dataset.h"
#include "tlog/note.h"

#define HTTP_MAX_EXTRA_HEADERS 8

struct registry;

/* How to listen (strings borrowed from the caller for the server's life). */
struct http_options {
    const char *listen;      /* HOST:PORT as given, for messages */
    const char *listen_host; /* parsed from listen */
    uint16_t listen_port;    /* 0: any free port (read it back from port) */
    unsigned threads;
    size_t max_body;          /* bytes */
    const char *cors_origins; /* comma-separated, "*" for any; NULL for none */

    unsigned max_connections;        /* open at once, in all; at least threads */
    unsigned max_connections_per_ip; /* open at once from one address; 0: no limit */
    unsigned request_timeout;        /* seconds from accept (or the previous reply) to a handler */
    unsigned idle_timeout;           /* seconds without traffic before a connection is closed */
    size_t max_buffered;             /* bytes of request bodies held across connections */
    size_t max_reply;                /* bytes of a list or provenance reply (http/page.h) */

    /* Rate limits (http/ratelimit.h) */
    const char *rate_limit_ip, *rate_limit_key; /* "RATE[:BURST]", "0" for none */
    const char *rate_limit_exempt;              /* CIDR list of clients never limited */
    const char *trusted_proxies;                /* CIDR list; NULL: X-Forwarded-For is ignored */
    /* A second listener for /metrics, /healthz and /readyz only (then /metrics is not served on
     * listen); NULL: none. */
    const char *metrics_listen, *metrics_listen_host;
    uint16_t metrics_listen_port;
    const char *metrics_token;      /* NULL: /metrics needs no Authorization: Bearer */
    unsigned max_event_subscribers; /* GET /v1/events streams open at once */
    const char *explorer_tx_url;    /* GET /explorer/config.json: "{tx}" in it; NULL: none */
    const char *tiles_prefix;       /* tlog-tiles under this path ("/log/"); NULL: not served */
};

/* The handlers' context: what the HTTP adapter owns, and the domain it serves. */
struct http_server {
    struct http_options opt;
    struct registry *reg;    /* borrowed: the domain layer the handlers call */
    struct cors_policy cors; /* owned */
    struct http_metrics metrics;
    struct conns conns;        /* the request deadline and the buffered-bytes budget */
    struct http_events events; /* GET /v1/events: the subscribers (http/events.h) */
    struct MHD_Daemon *daemon;
    uint16_t port;                     /* bound port */
    const struct note_key *log_key;    /* borrowed, NULL: no model attestations */
    struct ratelimit limits;           /* owned */
    struct MHD_Daemon *metrics_daemon; /* with --metrics-listen */
    uint16_t metrics_port;             /* its bound port */
    /* Shutdown (http_server_quiesce): requests between their first callback and their
     * completion; set once new connections are no longer accepted; the listening socket MHD
     * handed back, closed after MHD stopped. */
    atomic_uint in_flight;
    atomic_uint suspended; /* requests waiting, suspended, for their continuation (http_suspend) */
    atomic_bool draining;
    bool quiesced;
    MHD_socket listen_fd;
};

struct http_request;
/* What a suspended request does once resumed (on its MHD thread): queue its reply. arg is the
 * handler's, which the continuation takes back. */
typedef enum MHD_Result (*http_continuation)(struct http_request *req, void *arg);

struct http_header {
    const char *name; /* static string */
    char value[256];
};

struct http_request {
    struct http_server *srv;
    struct MHD_Connection *conn;
    const char *method;
    const char *url;
    char rid[40];             /* request id: X-Request-Id if sane, else generated */
    struct buf body;          /* request body, bounded by --max-body */
    struct hash_lines *lines; /* instead of body: a text/plain list of content hashes, parsed as
                                 it arrives (route_takes_lines), owned */
    bool body_too_large;
    bool busy; /* the budget had no room for the body: 503 server-busy */
    bool responded;
    bool internal;         /* arrived on the metrics listener (--metrics-listen) */
    bool exempt;           /* from the rate limits (ratelimit_admit) */
    unsigned retry_after;  /* seconds, for a 429 */
    int route;             /* index in the route table once matched, else -1 */
    unsigned status;       /* of the response queued */
    struct timespec start; /* CLOCK_MONOTONIC, when the request arrived */
    struct http_header headers[HTTP_MAX_EXTRA_HEADERS]; /* extra response headers */
    int n_headers;

    struct http_conn *hc;     /* the request's connection (srv->conns owns it) */
    size_t held;              /* bytes taken from srv->conns' budget for body or lines */
    http_continuation resume; /* set while suspended (http_suspend), with its argument */
    void (*resume_drop)(void *arg);
    void *resume_arg;
};

/* Sets srv up for opt: false with a one-line reason in err when the CORS list is malformed. */
bool http_server_init(struct http_server *srv, const struct http_options *opt, char *err,
                      size_t err_len) __attribute__((warn_unused_result));
/* Starts listening, serving reg, on the server's own threads. False on failure (logged).
 * http_server_stop undoes init and start (also after a failure). */
bool http_server_start(struct http_server *srv, struct registry *reg)
    __attribute__((warn_unused_result));
void http_server_stop(struct http_server *srv);
/* Shutdown, first step: stops accepting connections (they wait in the listen backlog until
 * http_server_stop) and makes every later reply close its connection; the requests in flight
 * go on. False (logged) when MHD cannot. */
bool http_server_quiesce(struct http_server *srv);
/* Requests received (at least their headers) and not yet answered and completed. */
unsigned http_server_in_flight(struct http_server *srv);

/* From a handler that queues no reply now: suspends req's connection until http_resume, then
 * runs k(req, arg) on the request's thread to queue the reply. When the client has gone by
 * then, k does not run and drop(arg) frees arg instead. The server waits for every suspended
 * request to be resumed before it stops, so whoever holds arg must resume it in bounded time. */
void http_suspend(struct http_request *req, http_continuation k, void (*drop)(void *arg),
                  void *arg);
/* Resumes a request suspended by http_suspend; from any thread, once. */
void http_resume(struct http_request *req);
/* Adds a response header for the reply that follows (value copied, truncated at 255 bytes). */
void http_add_header(struct http_request *req, const char *name, const char *value);
/* A request header or query parameter; NULL when absent. Valid for the request's life. */
const char *http_header(struct http_request *req, const char *name);
const char *http_query(struct http_request *req, const char *name);
/* Longest query parameter value (and name) accepted, bytes. */
#define HTTP_PARAM_MAX 2048
/* The path parameter param (NULL when the route has none) and every query parameter's name and
 * value are UTF-8 without NUL and at most HTTP_PARAM_MAX bytes: true, or false with *bad the
 * offending query parameter's name (NULL: the path parameter) and *why what is wrong. */
bool http_params_valid(struct http_request *req, const char *param, const char **bad,
                       const char **why) __attribute__((warn_unused_result));
/* A positive decimal id without sign or leading zeros. */
bool http_parse_id(const char *s, int64_t *id) __attribute__((warn_unused_result));
/* The "limit" query parameter (1..max), def when absent; false when it is malformed. */
/* A keyset cursor over (time in microseconds, id) as lists show it (base64url, < 64 bytes); the
 * decoder takes exactly what the encoder writes, with a time in UNIX_US_MIN..UNIX_US_MAX. */
void http_cursor_encode(int64_t us, int64_t id, char out[64]);
bool http_cursor_decode(const char *s, int64_t *us, int64_t *id)
    __attribute__((warn_unused_result));
/* True when the request's Content-Type is text/plain (any charset parameter). */
bool http_is_text(struct http_request *req);
bool http_query_limit(struct http_request *req, unsigned def, unsigned max, unsigned *out)
    __attribute__((warn_unused_result));
/* Content-Type is application/json (parameters allowed; a charset must be utf-8). */
bool http_is_json(struct http_request *req);
/* The first query parameter not in allowed (NULL-terminated, at most 32) or given twice; NULL
 * when all are fine. */
const char *http_query_check(struct http_request *req, const char *const *allowed);

#endif
