/* SPDX-License-Identifier: Apache-2.0 */
#include "http/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netdb.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <unistd.h>

#include "util/codec.h"
#include "util/diag.h"
#include "util/validate.h"
#include "crypto/hash.h"
#include "http/auth.h"
#include "http/reply.h"
#include "http/route.h"

static char rid_prefix[9];
static atomic_uint_fast64_t rid_counter;

static bool rid_is_sane(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n >= sizeof(((struct http_request *)0)->rid))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!(s[i] == '-' || s[i] == '_' || s[i] == '.' || (s[i] >= '0' && s[i] <= '9') ||
              (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z')))
            return false;
    return true;
}

/* The connection's registration, NULL once it is closed (on_connection clears it). */
static struct http_conn *conn_of(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci ? ci->socket_context : NULL;
}

static struct MHD_Daemon *daemon_of(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_DAEMON);
    return ci ? ci->daemon : NULL;
}

static struct http_request *request_new(struct http_server *srv, struct MHD_Connection *conn,
                                        const char *url, const char *method)
{
    struct http_request *req = calloc(1, sizeof *req);
    if (!req)
        return NULL;
    req->srv = srv;
    req->conn = conn;
    req->url = url;
    req->method = method;
    req->route = -1;
    req->hc = conn_of(conn);
    req->internal = srv->metrics_daemon && daemon_of(conn) == srv->metrics_daemon;
    atomic_fetch_add(&srv->in_flight, 1);
    clock_gettime(CLOCK_MONOTONIC, &req->start);
    const char *given = http_header(req, "X-Request-Id");
    if (given && rid_is_sane(given))
        snprintf(req->rid, sizeof req->rid, "%s", given);
    else
        snprintf(req->rid, sizeof req->rid, "%s-%llu", rid_prefix,
                 (unsigned long long)atomic_fetch_add(&rid_counter, 1));
    return req;
}

void http_add_header(struct http_request *req, const char *name, const char *value)
{
    if (req->n_headers == HTTP_MAX_EXTRA_HEADERS)
        return;
    struct http_header *h = &req->headers[req->n_headers++];
    h->name = name;
    snprintf(h->value, sizeof h->value, "%s", value);
}

const char *http_header(struct http_request *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

const char *http_query(struct http_request *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
}

struct query_check {
    const char *const *allowed;
    const char *bad;
    unsigned seen;
};

static enum MHD_Result check_one(void *cls, enum MHD_ValueKind kind, const char *key,
                                 const char *value)
{
    (void)kind, (void)value;
    struct query_check *qc = cls;
    for (unsigned i = 0; i < 32 && qc->allowed[i]; i++) {
        if (strcmp(key, qc->allowed[i]) != 0)
            continue;
        if (qc->seen & (1u << i))
            break;
        qc->seen |= 1u << i;
        return MHD_YES;
    }
    qc->bad = key;
    return MHD_NO;
}

const char *http_query_check(struct http_request *req, const char *const *allowed)
{
    struct query_check qc = {allowed, NULL, 0};
    MHD_get_connection_values(req->conn, MHD_GET_ARGUMENT_KIND, check_one, &qc);
    return qc.bad;
}

#define STRINGIFY_(x) #x
#define STRINGIFY(x)  STRINGIFY_(x)
_Static_assert(HTTP_PARAM_MAX >= URL_MAX_LEN, "the longest source_url is a valid filter");

/* What is wrong with a parameter's name or value s (len bytes), or NULL. */
static const char *param_problem(const char *s, size_t len)
{
    if (!valid_utf8_text(s, len))
        return "must be UTF-8 without NUL";
    return len > HTTP_PARAM_MAX ? "must be at most " STRINGIFY(HTTP_PARAM_MAX) " bytes" : NULL;
}

struct param_check {
    const char *bad, *why;
};

static enum MHD_Result check_param(void *cls, enum MHD_ValueKind kind, const char *key,
                                   size_t key_size, const char *value, size_t value_size)
{
    (void)kind;
    struct param_check *pc = cls;
    pc->why = param_problem(key, key_size);
    if (!pc->why && value)
        pc->why = param_problem(value, value_size);
    if (!pc->why)
        return MHD_YES;
    pc->bad = key;
    return MHD_NO;
}

bool http_params_valid(struct http_request *req, const char *param, const char **bad,
                       const char **why)
{
    struct param_check pc = {NULL, param ? param_problem(param, strlen(param)) : NULL};
    if (!pc.why)
        MHD_get_connection_values_n(req->conn, MHD_GET_ARGUMENT_KIND, check_param, &pc);
    *bad = pc.bad;
    *why = pc.why;
    return !pc.why;
}

bool http_parse_id(const char *s, int64_t *id)
{
    uint64_t v;
    if (!parse_u64(s, &v) || v == 0 || v > INT64_MAX)
        return false;
    *id = (int64_t)v;
    return true;
}

bool http_query_limit(struct http_request *req, unsigned def, unsigned max, unsigned *out)
{
    const char *v = http_query(req, "limit");
    uint64_t l;
    *out = def;
    if (!v)
        return true;
    if (!parse_u64(v, &l) || l < 1 || l > max)
        return false;
    *out = (unsigned)l;
    return true;
}

void http_cursor_encode(int64_t us, int64_t id, char out[64])
{
    char raw[48];
    int n = snprintf(raw, sizeof raw, "%" PRId64 ".%" PRId64, us, id);
    base64url_encode((const uint8_t *)raw, (size_t)n, out);
}

/* A decimal int64 as http_cursor_encode writes one: an optional '-', no leading zeros. */
static bool parse_i64(const char *s, int64_t *v)
{
    bool neg = *s == '-';
    uint64_t u;
    if (!parse_u64(s + neg, &u) || u > INT64_MAX)
        return false;
    *v = neg ? -(int64_t)u : (int64_t)u;
    return true;
}

bool http_cursor_decode(const char *s, int64_t *us, int64_t *id)
{
    uint8_t raw[48];
    size_t n;
    if (strlen(s) > 64 || !base64_decode(s, strlen(s), raw, sizeof raw - 1, &n))
        return false;
    raw[n] = '\0';
    char *dot = strchr((char *)raw, '.');
    if (!dot || strlen((char *)raw) != n)
        return false;
    *dot = '\0';
    /* a time outside RFC 3339's years would overflow PostgreSQL's timestamp arithmetic */
    return parse_i64((char *)raw, us) && *us >= UNIX_US_MIN && *us <= UNIX_US_MAX &&
           http_parse_id(dot + 1, id);
}

bool http_is_json(struct http_request *req)
{
    const char *ct = http_header(req, "Content-Type");
    if (!ct)
        return false;
    size_t n = strcspn(ct, ";");
    while (n && ct[n - 1] == ' ')
        n--;
    if (n != 16 || strncasecmp(ct, "application/json", 16) != 0)
        return false;
    const char *cs = strcasestr(ct + 16, "charset=");
    return !cs || !strncasecmp(cs + 8, "utf-8", 5) || !strncasecmp(cs + 8, "\"utf-8\"", 7);
}

bool http_is_text(struct http_request *req)
{
    const char *ct = http_header(req, "Content-Type");
    size_t n = ct ? strcspn(ct, ";") : 0;
    while (n && ct[n - 1] == ' ')
        n--;
    return n == 10 && !strncasecmp(ct, "text/plain", 10);
}

/* The request's Content-Length, when it has one. */
static bool content_length(struct http_request *req, uint64_t *n)
{
    const char *cl = http_header(req, "Content-Length");
    *n = cl ? strtoull(cl, NULL, 10) : 0;
    return cl != NULL;
}

/* Makes room for n more body bytes, taking the growth from the budget first, so that buf_append
 * never reallocates and the budget counts what the buffer holds (its capacity). False when the
 * budget has no room; an allocation failure only sets body.oom. */
static bool body_room(struct http_request *req, size_t n)
{
    struct buf *b = &req->body;
    size_t want = b->len + n + 1, limit = req->srv->opt.max_body + 1;
    if (want <= b->cap)
        return true;
    size_t cap = b->cap && 2 * b->cap > want ? 2 * b->cap : want; /* chunked: double */
    if (cap > limit && want <= limit)
        cap = limit;
    if (!conns_take(&req->srv->conns, cap - b->cap))
        return false;
    char *p = realloc(b->data, cap);
    if (!p) {
        conns_give(&req->srv->conns, cap - b->cap);
        b->oom = true;
        return true;
    }
    p[b->len] = '\0';
    req->held += cap - b->cap;
    b->data = p;
    b->cap = cap;
    return true;
}

/* Takes from the budget what req->lines may hold once `more` bytes are fed (32 bytes a hash). */
static bool lines_room(struct http_request *req, uint64_t more)
{
    size_t need = hash_lines_cap_after(req->lines, more) * sizeof *req->lines->list.v;
    if (need <= req->held)
        return true;
    if (!conns_take(&req->srv->conns, need - req->held))
        return false;
    req->held = need;
    return true;
}

/* Frees the body or the lines received so far and gives their bytes back to the budget. */
static void release_body(struct http_request *req)
{
    buf_free(&req->body);
    if (req->lines)
        hash_list_free(&req->lines->list);
    conns_give(&req->srv->conns, req->held);
    req->held = 0;
}

static enum MHD_Result reply_busy(struct http_request *req)
{
    return reply_problem(req, PROBLEM_SERVER_BUSY, NULL,
                         "request bodies being received use the server's %zu bytes for them; "
                         "retry shortly",
                         req->srv->opt.max_buffered);
}

static enum MHD_Result reply_too_large(struct http_request *req)
{
    return reply_problem(req, PROBLEM_BODY_TOO_LARGE, NULL,
                         "the request body is larger than %zu bytes", req->srv->opt.max_body);
}

/* 408 with Connection: close, while MHD can still reply (before or after the body, not during). */
static enum MHD_Result reply_timeout(struct http_request *req)
{
    http_add_header(req, "Connection", "close");
    return reply_problem(req, PROBLEM_REQUEST_TIMEOUT, NULL,
                         "the request did not arrive within %u seconds",
                         req->srv->opt.request_timeout);
}

/* A text/plain list of content hashes: parsed as it arrives, not buffered, and may be long, so
 * only for a valid key. */
static enum MHD_Result lines_begin(struct http_request *req, uint64_t length)
{
    enum problem_code code = auth_require(req, "register");
    if (code != PROBLEM_NONE)
        return reply_auth_problem(req, code, "register");
    req->lines = malloc(sizeof *req->lines);
    if (!req->lines)
        return MHD_NO;
    hash_lines_init(req->lines);
    return lines_room(req, length) ? MHD_YES : reply_busy(req);
}

/* The headers are in: MHD can still reply before reading the body, so refuse it here when the
 * request is late, too large or finds no room in the budget (then MHD closes the connection). */
static enum MHD_Result request_begin(struct http_request *req)
{
    if (!req->hc)
        return MHD_NO; /* not registered (out of memory): no deadline, no service */
    if (conns_expired(req->hc))
        return reply_timeout(req);
    enum MHD_Result limited;
    if (!ratelimit_admit(req, &limited))
        return limited; /* 429, before the body is read */
    uint64_t length;
    bool has_length = content_length(req, &length);
    if (http_is_text(req) && route_takes_lines(req))
        return lines_begin(req, length);
    if (length > req->srv->opt.max_body)
        return reply_too_large(req);
    if (has_length && length && !body_room(req, (size_t)length))
        return reply_busy(req);
    return MHD_YES;
}

/* Part of the body. Past the deadline MHD cannot reply mid-body, so the connection is closed. */
static enum MHD_Result request_upload(struct http_request *req, const char *data, size_t n)
{
    if (conns_expired(req->hc)) {
        diag_msg(DIAG_INFO, req->rid, "%s %s: body still arriving at the %u s deadline, closing",
                 req->method, req->url, req->srv->opt.request_timeout);
        return MHD_NO;
    }
    if (req->responded || req->busy || req->body_too_large)
        return MHD_YES; /* dropped */
    if (req->lines) {
        req->busy = !lines_room(req, n);
        if (!req->busy && !hash_lines_feed(req->lines, data, n))
            req->body.oom = true;
    } else if (req->body.len + n > req->srv->opt.max_body) {
        req->body_too_large = true;
    } else if (body_room(req, n)) {
        buf_append(&req->body, data, n);
    } else {
        req->busy = true;
    }
    if (req->busy || req->body_too_large)
        release_body(req);
    return MHD_YES;
}

void http_suspend(struct http_request *req, http_continuation k, void (*drop)(void *arg), void *arg)
{
    req->resume = k;
    req->resume_drop = drop;
    req->resume_arg = arg;
    atomic_fetch_add(&req->srv->suspended, 1);
    MHD_suspend_connection(req->conn);
}

void http_resume(struct http_request *req)
{
    MHD_resume_connection(req->conn);
}

/* A resumed request: its continuation queues the reply. */
static enum MHD_Result request_resumed(struct http_request *req)
{
    http_continuation k = req->resume;
    req->resume = NULL;
    enum MHD_Result r = k(req, req->resume_arg);
    atomic_fetch_sub(&req->srv->suspended, 1);
    return r;
}

/* The whole request is in: the handler runs, unless the request is late or was refused. */
static enum MHD_Result request_end(struct http_request *req)
{
    if (req->responded)
        return MHD_YES;
    if (req->resume)
        return request_resumed(req);
    if (conns_expired(req->hc))
        return reply_timeout(req);
    if (req->body_too_large)
        return reply_too_large(req);
    if (req->busy)
        return reply_busy(req);
    if (req->body.oom)
        return reply_problem(req, PROBLEM_INTERNAL, NULL, "out of memory");
    conns_disarm(req->hc);
    return route_dispatch(req);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
    (void)version;
    struct http_server *srv = cls;
    struct http_request *req = *con_cls;
    enum MHD_Result r = MHD_NO;
    conns_busy(&srv->conns); /* this thread's other connections wait meanwhile */
    if (!req) {
        req = request_new(srv, conn, url, method);
        if (!req)
            goto done;
        *con_cls = req;
        r = request_begin(req);
    } else if (*upload_size) {
        r = request_upload(req, upload, *upload_size);
        *upload_size = 0;
    } else {
        r = request_end(req);
    }
    if (req->responded && req->hc)
        conns_disarm(req->hc); /* a reply is queued: the deadline is met */
done:
    conns_idle(&srv->conns);
    return r;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls, (void)toe;
    struct http_request *req = *con_cls;
    if (!req)
        return;
    if (req->resume) { /* resumed, but the client hung up before its continuation ran */
        req->resume_drop(req->resume_arg);
        req->resume = NULL;
        atomic_fetch_sub(&req->srv->suspended, 1);
    }
    if (req->responded) {
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        int64_t us =
            (now.tv_sec - req->start.tv_sec) * 1000000 + (now.tv_nsec - req->start.tv_nsec) / 1000;
        metrics_observe(&req->srv->metrics, req->route, req->status, us > 0 ? (uint64_t)us : 0);
    }
    struct http_conn *hc = conn_of(conn);
    if (hc)
        conns_arm(hc); /* the next request on a kept-alive connection */
    release_body(req);
    atomic_fetch_sub(&req->srv->in_flight, 1);
    free(req->lines);
    free(req);
    *con_cls = NULL;
}

/* Registers each connection with the deadline (socket_context holds it) and unregisters it before
 * MHD closes the socket. Runs on the worker that owns the connection. */
static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
    struct http_server *srv = cls;
    if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
        conns_close(&srv->conns, *socket_context);
        *socket_context = NULL;
        return;
    }
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    *socket_context = ci ? conns_open(&srv->conns, ci->connect_fd) : NULL;
}

/* MHD's own %HH decoding of the path and the query, except that %00 becomes the byte 0xFF: a
 * NUL would silently cut a path or value short, while 0xFF, which never occurs in UTF-8, makes
 * http_params_valid refuse it. */
static size_t unescape(void *cls, struct MHD_Connection *conn, char *s)
{
    (void)cls, (void)conn;
    for (char *p = s; (p = strstr(p, "%00")) != NULL; p += 3)
        p[1] = p[2] = 'F';
    return MHD_http_unescape(s);
}

/* MHD hands us its own format strings. */
static void on_mhd_log(void *cls, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    msg[strcspn(msg, "\n")] = '\0';
    diag_msg(DIAG_WARN, NULL, "http: %s", msg);
}

static bool resolve(const struct http_options *opt, struct sockaddr_storage *ss, socklen_t *len)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC,
                             .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_NUMERICSERV | AI_PASSIVE};
    struct addrinfo *ai = NULL;
    char port[8];
    snprintf(port, sizeof port, "%u", opt->listen_port);
    int rc = getaddrinfo(opt->listen_host, port, &hints, &ai);
    if (rc != 0 || !ai) {
        diag_error("cannot resolve listen address %s: %s", opt->listen, gai_strerror(rc));
        return false;
    }
    memcpy(ss, ai->ai_addr, ai->ai_addrlen);
    *len = ai->ai_addrlen;
    freeaddrinfo(ai);
    return true;
}

/* File descriptors beyond the connections: per worker its epoll set, wake-up channel and
 * database connection, and a margin for the listener, logs and the worker's connections. */
#define FDS_PER_THREAD 4
#define FDS_MARGIN     64

/* Raises the soft descriptor limit when the connections and threads need more (up to the hard
 * limit); false, logged, when even the hard limit is too low. */
static bool fd_limit_fits(const struct http_options *opt)
{
    struct rlimit rl;
    rlim_t need = (rlim_t)opt->max_connections + (rlim_t)FDS_PER_THREAD * opt->threads + FDS_MARGIN;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= need)
        return true;
    rlim_t was = rl.rlim_cur;
    if (rl.rlim_max >= need) {
        rl.rlim_cur = need;
        if (setrlimit(RLIMIT_NOFILE, &rl) == 0) {
            diag_info("raised the open file limit from %llu to %llu for --max-connections %u",
                      (unsigned long long)was, (unsigned long long)need, opt->max_connections);
            return true;
        }
    }
    diag_error("--max-connections %u and %u threads need %llu file descriptors, the limit is "
               "%llu: raise it (ulimit -n, LimitNOFILE=) or lower --max-connections",
               opt->max_connections, opt->threads, (unsigned long long)need,
               (unsigned long long)rl.rlim_max);
    return false;
}

bool http_server_init(struct http_server *srv, const struct http_options *opt, char *err,
                      size_t err_len)
{
    memset(srv, 0, sizeof *srv);
    srv->opt = *opt;
    return cors_policy_parse(&srv->cors, opt->cors_origins, err, (unsigned)err_len) &&
           ratelimit_init(&srv->limits, opt->rate_limit_ip, opt->rate_limit_key,
                          opt->trusted_proxies, opt->rate_limit_exempt, err, err_len);
}

#define METRICS_CONNECTIONS 16 /* open at once on the metrics listener */

/* --metrics-listen: a second daemon, on one thread of its own, for the probes and scrapes
 * (route_dispatch serves it /metrics, /healthz and /readyz only). */
static bool start_metrics_listener(struct http_server *srv)
{
    struct http_options at = srv->opt;
    struct sockaddr_storage ss;
    socklen_t ss_len;
    at.listen = at.metrics_listen;
    at.listen_host = at.metrics_listen_host;
    at.listen_port = at.metrics_listen_port;
    if (!at.metrics_listen)
        return true;
    if (!resolve(&at, &ss, &ss_len))
        return false;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG;
    if (ss.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    srv->metrics_daemon = MHD_start_daemon(
        flags, at.listen_port, NULL, NULL, on_request, srv, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log,
        NULL, MHD_OPTION_UNESCAPE_CALLBACK, unescape, NULL, MHD_OPTION_SOCK_ADDR, &ss,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv, MHD_OPTION_NOTIFY_CONNECTION, on_connection,
        srv, MHD_OPTION_CONNECTION_LIMIT, (unsigned)METRICS_CONNECTIONS,
        MHD_OPTION_CONNECTION_TIMEOUT, srv->opt.idle_timeout, MHD_OPTION_LISTENING_ADDRESS_REUSE,
        (unsigned)1, MHD_OPTION_END);
    if (!srv->metrics_daemon) {
        diag_error("cannot listen on %s (--metrics-listen)", at.listen);
        return false;
    }
    srv->metrics_port = MHD_get_daemon_info(srv->metrics_daemon, MHD_DAEMON_INFO_BIND_PORT)->port;
    return true;
}

bool http_server_start(struct http_server *srv, struct registry *reg)
{
    srv->reg = reg;
    uint8_t rnd[4];
    if (!hash_random(rnd, sizeof rnd))
        return false;
    snprintf(rid_prefix, sizeof rid_prefix, "%02x%02x%02x%02x", rnd[0], rnd[1], rnd[2], rnd[3]);
    struct sockaddr_storage ss;
    socklen_t ss_len;
    if (!resolve(&srv->opt, &ss, &ss_len))
        return false;
    if (!fd_limit_fits(&srv->opt) ||
        !conns_start(&srv->conns, srv->opt.request_timeout, srv->opt.max_buffered))
        return false;
    /* keep-alive comments well within the idle timeout, which applies to streams too */
    if (!http_events_init(&srv->events, srv->opt.max_event_subscribers,
                          srv->opt.idle_timeout * 1000 / 3))
        return false;
    struct MHD_OptionItem limits[] = {
        {MHD_OPTION_CONNECTION_LIMIT, srv->opt.max_connections, NULL},
        {MHD_OPTION_PER_IP_CONNECTION_LIMIT, srv->opt.max_connections_per_ip, NULL},
        {MHD_OPTION_CONNECTION_TIMEOUT, srv->opt.idle_timeout, NULL},
        {MHD_OPTION_END, 0, NULL}};
    /* MHD_USE_ITC: MHD_quiesce_daemon needs it with internal threads; suspend and resume:
     * event streams (http/events.h) */
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG |
                     MHD_USE_ITC | MHD_ALLOW_SUSPEND_RESUME;
    if (ss.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    srv->daemon = MHD_start_daemon(
        flags, srv->opt.listen_port, NULL, NULL, on_request, srv, MHD_OPTION_EXTERNAL_LOGGER,
        on_mhd_log, NULL, MHD_OPTION_UNESCAPE_CALLBACK, unescape, NULL, MHD_OPTION_SOCK_ADDR, &ss,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)srv->opt.threads, MHD_OPTION_NOTIFY_COMPLETED,
        on_completed, srv, MHD_OPTION_NOTIFY_CONNECTION, on_connection, srv, MHD_OPTION_ARRAY,
        limits, MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned)1, MHD_OPTION_END);
    if (!srv->daemon) {
        diag_error("cannot listen on %s", srv->opt.listen);
        return false;
    }
    srv->port = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT)->port;
    return start_metrics_listener(srv);
}

bool http_server_quiesce(struct http_server *srv)
{
    atomic_store(&srv->draining, true);
    http_events_close(&srv->events); /* streams end now, not at the grace period's end */
    if (!srv->daemon || srv->quiesced)
        return srv->quiesced;
    srv->listen_fd = MHD_quiesce_daemon(srv->daemon);
    srv->quiesced = srv->listen_fd != MHD_INVALID_SOCKET;
    if (!srv->quiesced)
        diag_error("http: cannot stop accepting connections");
    return srv->quiesced;
}

unsigned http_server_in_flight(struct http_server *srv)
{
    return atomic_load(&srv->in_flight);
}

/* Waits until no request is suspended for its continuation: those that wait for a commit get
 * their outcome in bounded time (the database calls are). */
static void wait_resumed(struct http_server *srv)
{
    const struct timespec tick = {0, 10 * 1000000L};
    for (unsigned waited = 0; atomic_load(&srv->suspended) > 0; waited++) {
        if (waited && waited % 500 == 0)
            diag_warn("http: %u requests still waiting for the database at shutdown",
                      atomic_load(&srv->suspended));
        nanosleep(&tick, NULL);
    }
}

void http_server_stop(struct http_server *srv)
{
    if (srv->metrics_daemon)
        MHD_stop_daemon(srv->metrics_daemon);
    srv->metrics_daemon = NULL;
    /* MHD must not be stopped with a suspended connection: end the streams first, and let the
     * registrations waiting for their commit be answered */
    http_events_close(&srv->events);
    if (!http_events_drained(&srv->events, 2000))
        diag_warn("http: event streams still open at shutdown");
    wait_resumed(srv);
    if (srv->daemon)
        MHD_stop_daemon(srv->daemon);
    srv->daemon = NULL;
    http_events_destroy(&srv->events);
    if (srv->quiesced)
        close(srv->listen_fd); /* MHD no longer uses it once stopped */
    srv->quiesced = false;
    conns_stop(&srv->conns); /* after MHD closed every connection */
    cors_policy_free(&srv->cors);
    ratelimit_destroy(&srv->limits);
}
