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

#include "util/codec.h"
#include "util/diag.h"
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
    *out = def;
    if (!v)
        return true;
    char *end;
    errno = 0;
    long l = strtol(v, &end, 10);
    if (errno || *end || end == v || l < 1 || (unsigned long)l > max)
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

bool http_cursor_decode(const char *s, int64_t *us, int64_t *id)
{
    uint8_t raw[48];
    size_t n;
    if (strlen(s) > 64 || !base64_decode(s, strlen(s), raw, sizeof raw - 1, &n))
        return false;
    raw[n] = '\0';
    char *dot = strchr((char *)raw, '.');
    if (!dot)
        return false;
    *dot = '\0';
    char *end;
    errno = 0;
    *us = strtoll((char *)raw, &end, 10);
    if (errno || *end || end == (char *)raw)
        return false;
    return http_parse_id(dot + 1, id);
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

static bool content_length_too_large(struct http_request *req, size_t max)
{
    const char *cl = http_header(req, "Content-Length");
    return cl && strtoull(cl, NULL, 10) > max;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
    (void)version;
    struct http_server *srv = cls;
    struct http_request *req = *con_cls;
    if (!req) {
        req = request_new(srv, conn, url, method);
        if (!req)
            return MHD_NO;
        *con_cls = req;
        if (http_is_text(req) && route_takes_lines(url, method)) {
            /* The body is parsed, not buffered, and may be long: only for a valid key. */
            enum problem_code code = auth_require(req, "register");
            if (code != PROBLEM_NONE)
                return reply_auth_problem(req, code, "register");
            req->lines = malloc(sizeof *req->lines);
            if (!req->lines)
                return MHD_NO;
            hash_lines_init(req->lines);
            return MHD_YES;
        }
        if (content_length_too_large(req, srv->opt.max_body))
            return reply_problem(req, PROBLEM_BODY_TOO_LARGE, NULL,
                                 "the request body is larger than %zu bytes", srv->opt.max_body);
        return MHD_YES;
    }
    if (*upload_size && req->lines) {
        if (!hash_lines_feed(req->lines, upload, *upload_size))
            req->body.oom = true;
        *upload_size = 0;
        return MHD_YES;
    }
    if (*upload_size) {
        if (req->body.len + *upload_size > srv->opt.max_body)
            req->body_too_large = true;
        else if (!req->responded)
            buf_append(&req->body, upload, *upload_size);
        *upload_size = 0;
        return MHD_YES;
    }
    if (req->responded)
        return MHD_YES;
    if (req->body_too_large)
        return reply_problem(req, PROBLEM_BODY_TOO_LARGE, NULL,
                             "the request body is larger than %zu bytes", srv->opt.max_body);
    if (req->body.oom)
        return reply_problem(req, PROBLEM_INTERNAL, NULL, "out of memory");
    return route_dispatch(req);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls, (void)conn, (void)toe;
    struct http_request *req = *con_cls;
    if (!req)
        return;
    if (req->responded) {
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        int64_t us =
            (now.tv_sec - req->start.tv_sec) * 1000000 + (now.tv_nsec - req->start.tv_nsec) / 1000;
        metrics_observe(&req->srv->metrics, req->route, req->status, us > 0 ? (uint64_t)us : 0);
    }
    buf_free(&req->body);
    if (req->lines)
        hash_list_free(&req->lines->list);
    free(req->lines);
    free(req);
    *con_cls = NULL;
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

bool http_server_init(struct http_server *srv, const struct http_options *opt, char *err,
                      size_t err_len)
{
    memset(srv, 0, sizeof *srv);
    srv->opt = *opt;
    return cors_policy_parse(&srv->cors, opt->cors_origins, err, (unsigned)err_len);
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
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG;
    if (ss.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    srv->daemon = MHD_start_daemon(flags, srv->opt.listen_port, NULL, NULL, on_request, srv,
                                   MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL,
                                   MHD_OPTION_SOCK_ADDR, &ss, MHD_OPTION_THREAD_POOL_SIZE,
                                   (unsigned)srv->opt.threads, MHD_OPTION_NOTIFY_COMPLETED,
                                   on_completed, srv, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60,
                                   MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned)1, MHD_OPTION_END);
    if (!srv->daemon) {
        diag_error("cannot listen on %s", srv->opt.listen);
        return false;
    }
    srv->port = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT)->port;
    return true;
}

void http_server_stop(struct http_server *srv)
{
    if (srv->daemon)
        MHD_stop_daemon(srv->daemon);
    srv->daemon = NULL;
    cors_policy_free(&srv->cors);
}
