/* SPDX-License-Identifier: Apache-2.0 */
#include "http/reply.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/jsonw.h"
#include "util/diag.h"
#include "util/validate.h"

/* With CORS on, every reply varies by Origin (also one without CORS headers, for a request with
 * no or another Origin), so that no cache hands one origin's reply to another. */
static void add_cors_headers(struct http_request *req, struct MHD_Response *resp)
{
    if (!cors_policy_enabled(&req->srv->cors))
        return;
    MHD_add_response_header(resp, "Vary", "Origin");
    const char *origin = http_header(req, "Origin");
    if (!cors_origin_allowed(&req->srv->cors, origin))
        return;
    MHD_add_response_header(resp, "Access-Control-Allow-Origin", origin);
    MHD_add_response_header(resp, "Access-Control-Expose-Headers",
                            "Location, Retry-After, X-Request-Id, WWW-Authenticate");
}

enum MHD_Result reply_response(struct http_request *req, unsigned status, const char *content_type,
                               struct MHD_Response *resp)
{
    if (content_type)
        MHD_add_response_header(resp, "Content-Type", content_type);
    MHD_add_response_header(resp, "X-Request-Id", req->rid);
    for (int i = 0; i < req->n_headers; i++)
        MHD_add_response_header(resp, req->headers[i].name, req->headers[i].value);
    add_cors_headers(req, resp);
    if (atomic_load(&req->srv->draining) && !MHD_get_response_header(resp, "Connection"))
        MHD_add_response_header(resp, "Connection", "close"); /* shutting down: no next request */
    enum MHD_Result r = MHD_queue_response(req->conn, status, resp);
    MHD_destroy_response(resp);
    req->responded = true;
    req->status = status;
    return r;
}

enum MHD_Result reply_body(struct http_request *req, unsigned status, const char *content_type,
                           struct buf *body)
{
    size_t len = 0;
    char *data = body ? buf_steal(body, &len) : NULL;
    if (body && !data)
        return MHD_NO; /* out of memory: drop the connection */
    struct MHD_Response *resp = MHD_create_response_from_buffer(
        len, data ? data : (char *)"", data ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
    if (!resp) {
        free(data);
        return MHD_NO;
    }
    return reply_response(req, status, content_type, resp);
}

enum MHD_Result reply_static(struct http_request *req, unsigned status, const char *content_type,
                             const char *data, size_t len)
{
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(len, (void *)(data ? data : ""), MHD_RESPMEM_PERSISTENT);
    return resp ? reply_response(req, status, content_type, resp) : MHD_NO;
}

enum MHD_Result reply_json(struct http_request *req, unsigned status, struct buf *body)
{
    return reply_body(req, status, "application/json", body);
}

enum MHD_Result reply_empty(struct http_request *req, unsigned status)
{
    return reply_body(req, status, NULL, NULL);
}

/* A string member whose value may hold client input (a URL, a parameter name, a detail cut at
 * a byte count): each byte of invalid UTF-8 becomes U+FFFD, so that the reply stays JSON. */
static void write_text(struct jsonw *w, const char *key, const char *s)
{
    struct buf b = BUF_INIT;
    size_t len = strlen(s);
    for (size_t i = 0; i < len;) {
        size_t n = utf8_char_len(s + i, len - i);
        if (n)
            buf_append(&b, s + i, n);
        else
            buf_puts(&b, "\xef\xbf\xbd"); /* U+FFFD */
        i += n ? n : 1;
    }
    jw_key(w, key);
    jw_string_len(w, b.data ? b.data : "", b.len);
    buf_free(&b);
}

/* The request's log line: the message for text logs, its parts as fields for JSON logs. */
static void log_problem(struct http_request *req, const struct problem_info *p, const char *detail)
{
    const struct diag_field fields[] = {{"method", req->method, 0},
                                        {"path", req->url, 0},
                                        {"status", NULL, p->status},
                                        {"problem", p->type, 0}};
    diag_fields(p->status >= 500 ? DIAG_ERROR : DIAG_INFO, req->rid, fields,
                sizeof fields / sizeof *fields, "%s %s -> %u %s: %s", req->method, req->url,
                p->status, p->type, detail);
}

enum MHD_Result reply_problem(struct http_request *req, enum problem_code code, const char *field,
                              const char *fmt, ...)
{
    const struct problem_info *p = problem_info(code);
    char detail[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    log_problem(req, p, detail);
    struct buf body = BUF_INIT;
    struct jsonw w;
    jw_init(&w, &body);
    jw_object_begin(&w);
    jw_key(&w, "type");
    jw_string(&w, p->type);
    jw_key(&w, "title");
    jw_string(&w, p->title);
    jw_key(&w, "status");
    jw_int(&w, p->status);
    write_text(&w, "detail", detail);
    if (field && *field)
        write_text(&w, "field", field);
    write_text(&w, "instance", req->url);
    jw_key(&w, "request_id");
    jw_string(&w, req->rid);
    jw_object_end(&w);
    if (code == PROBLEM_UNAUTHORIZED)
        http_add_header(req, "WWW-Authenticate", "Bearer realm=\"provd\"");
    if (p->status == 503)
        http_add_header(req, "Retry-After", "1");
    if (code == PROBLEM_RATE_LIMITED) {
        char secs[16];
        snprintf(secs, sizeof secs, "%u", req->retry_after ? req->retry_after : 1);
        http_add_header(req, "Retry-After", secs);
    }
    return reply_body(req, p->status, "application/problem+json", &body);
}

enum MHD_Result reply_auth_problem(struct http_request *req, enum problem_code code,
                                   const char *scope)
{
    if (code == PROBLEM_UNAUTHORIZED)
        return reply_problem(req, code, NULL,
                             "this needs Authorization: Bearer <API key> with scope %s", scope);
    if (code == PROBLEM_FORBIDDEN)
        return reply_problem(req, code, NULL, "this API key lacks scope %s", scope);
    if (code == PROBLEM_RATE_LIMITED)
        return reply_problem(req, code, NULL,
                             "this API key's requests pass this server's limit (--rate-limit-key); "
                             "retry in %u s",
                             req->retry_after);
    return reply_problem(req, PROBLEM_DB_UNAVAILABLE, NULL,
                         "the database is unavailable; retry shortly");
}

json_t *reply_parse_body(struct http_request *req, size_t flags, enum MHD_Result *r)
{
    json_error_t jerr;
    json_t *root = json_loadb(req->body.data ? req->body.data : "", req->body.len, flags, &jerr);
    if (!root)
        *r = reply_problem(req, PROBLEM_MALFORMED_JSON, NULL, "%s at line %d column %d", jerr.text,
                           jerr.line, jerr.column);
    return root;
}

bool reply_check_query(struct http_request *req, const char *const *allowed, enum MHD_Result *r)
{
    const char *bad = http_query_check(req, allowed);
    if (bad)
        *r = reply_problem(req, PROBLEM_INVALID_PARAMETER, bad,
                           "unknown or repeated query parameter %.64s", bad);
    return !bad;
}

bool reply_check_params(struct http_request *req, const char *name, const char *param,
                        enum MHD_Result *r)
{
    const char *bad, *why;
    if (http_params_valid(req, param, &bad, &why))
        return true;
    bad = bad ? bad : name;
    *r = reply_problem(req, PROBLEM_INVALID_PARAMETER, bad, "%.64s %s", bad, why);
    return false;
}

bool reply_check_limit(struct http_request *req, unsigned def, unsigned max, unsigned *limit,
                       enum MHD_Result *r)
{
    if (http_query_limit(req, def, max, limit))
        return true;
    *r = reply_problem(req, PROBLEM_INVALID_PARAMETER, "limit",
                       "limit must be an integer from 1 to %u", max);
    return false;
}

enum MHD_Result reply_failure(struct http_request *req, const struct problem *p)
{
    if (p->code == PROBLEM_INTERNAL && !p->detail[0])
        return reply_problem(req, p->code, p->field, "internal error (request %s)", req->rid);
    return reply_problem(req, p->code, p->field, "%s", p->detail);
}
