/* The signer registry: POST/GET /v1/signers, GET /v1/signers/{identity},
 * POST /v1/signers/{identity}/revoke. Writes need an API key with scope admin. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/codec.h"
#include "util/jsonw.h"
#include "util/validate.h"
#include "crypto/sig.h"
#include "db/signers.h"
#include "http/auth.h"
#include "http/reply.h"
#include "http/route.h"
#include "registry/registry.h"

#define SIGNERS_DEFAULT_LIMIT 100
#define SIGNERS_MAX_LIMIT     1000

static void write_signer(struct jsonw *w, PGresult *res, int row)
{
    static const char *const names[] = {"identity", "kind",  "name",       "organization",
                                        "url",      "notes", "created_at", "revoked_at"};
    jw_object_begin(w);
    for (int c = 0; c < (int)(sizeof names / sizeof *names); c++) {
        jw_key(w, names[c]);
        if (PQgetisnull(res, row, c))
            jw_null(w);
        else
            jw_string(w, PQgetvalue(res, row, c));
    }
    jw_object_end(w);
}

static enum MHD_Result reply_signer(struct http_request *req, unsigned status, PGresult *res)
{
    struct buf body = BUF_INIT;
    struct jsonw w;
    jw_init(&w, &body);
    write_signer(&w, res, 0);
    return reply_json(req, status, &body);
}

/* An optional string member of at most max bytes; false (problem queued in *r) if invalid. */
static bool optional_string(struct http_request *req, json_t *body, const char *key, size_t max,
                            const char **out, enum MHD_Result *r)
{
    json_t *v = json_object_get(body, key);
    *out = NULL;
    if (!v || json_typeof(v) == JSON_NULL)
        return true;
    if (!json_is_string(v) || json_string_length(v) > max || json_string_length(v) == 0 ||
        strlen(json_string_value(v)) != json_string_length(v)) {
        *r = reply_problem(req, PROBLEM_INVALID_FIELD, key,
                           "%s must be a non-empty string of at most %zu bytes", key, max);
        return false;
    }
    *out = json_string_value(v);
    return true;
}

static const char *kind_of(enum sig_scheme scheme)
{
    return sig_is_ethereum(scheme) ? "ethereum" : sig_scheme_name(scheme);
}

/* Validates the body into f (strings borrowed from body, identity written to identity). */
static bool parse_signer(struct http_request *req, json_t *body, struct signer_fields *f,
                         char identity[SIG_IDENTITY_MAX], enum MHD_Result *r)
{
    static const char *const allowed[] = {"scheme",       "public_key", "address", "name",
                                          "organization", "url",        "notes",   NULL};
    const char *k;
    json_t *v;
    json_object_foreach(body, k, v)
    {
        bool ok = false;
        for (const char *const *a = allowed; *a; a++)
            ok = ok || !strcmp(k, *a);
        if (!ok) {
            *r = reply_problem(req, PROBLEM_INVALID_FIELD, k, "unknown field %.64s", k);
            return false;
        }
    }
    const char *scheme_s = json_string_value(json_object_get(body, "scheme"));
    enum sig_scheme scheme = scheme_s ? sig_scheme_parse(scheme_s) : SIG_UNKNOWN;
    if (scheme == SIG_UNKNOWN) {
        *r = reply_problem(req, PROBLEM_INVALID_FIELD, "scheme",
                           "scheme must be one of: ed25519, ecdsa-p256, eip191, eip712");
        return false;
    }
    const char *field = sig_key_field(scheme);
    const char *key = json_string_value(json_object_get(body, field));
    if (!key || !sig_parse_identity(scheme, key, identity) ||
        json_object_get(body, sig_is_ethereum(scheme) ? "public_key" : "address")) {
        *r = reply_problem(req, PROBLEM_INVALID_FIELD, field,
                           "%s must be a valid %s %s (and the only key field)", field, scheme_s,
                           sig_is_ethereum(scheme) ? "address" : "public key");
        return false;
    }
    *f = (struct signer_fields){.identity = identity, .kind = kind_of(scheme)};
    if (!optional_string(req, body, "name", 200, &f->name, r) ||
        !optional_string(req, body, "organization", 200, &f->organization, r) ||
        !optional_string(req, body, "url", 2048, &f->url, r) ||
        !optional_string(req, body, "notes", 4096, &f->notes, r))
        return false;
    if (!f->name) {
        *r = reply_problem(req, PROBLEM_INVALID_FIELD, "name", "name is required");
        return false;
    }
    if (f->url && !valid_http_url(f->url)) {
        *r = reply_problem(req, PROBLEM_INVALID_FIELD, "url", "url must be an http(s) URL");
        return false;
    }
    return true;
}

static enum MHD_Result insert_signer(struct http_request *req, const struct signer_fields *f)
{
    struct db_conn *conn = db_acquire(req->srv->reg->pool);
    if (!conn)
        return reply_db_error(req, DB_UNAVAILABLE);
    PGresult *res = NULL;
    enum db_status st = db_signer_insert(conn, f, &res);
    db_release(req->srv->reg->pool, conn);
    enum MHD_Result r;
    if (st == DB_CONFLICT) {
        r = reply_problem(req, PROBLEM_SIGNER_EXISTS, "identity", "signer %s is already known",
                          f->identity);
    } else if (st != DB_OK) {
        r = reply_db_error(req, st);
    } else {
        char location[200];
        snprintf(location, sizeof location, "/v1/signers/%s", f->identity);
        http_add_header(req, "Location", location);
        r = reply_signer(req, MHD_HTTP_CREATED, res);
    }
    PQclear(res);
    return r;
}

enum MHD_Result handle_signers_post(struct http_request *req, const char *param)
{
    (void)param;
    enum problem_code code = auth_require(req, "admin");
    if (code != PROBLEM_NONE)
        return reply_auth_problem(req, code, "admin");
    if (!http_is_json(req))
        return reply_problem(req, PROBLEM_UNSUPPORTED_MEDIA_TYPE, NULL,
                             "send the signer as Content-Type: application/json");
    enum MHD_Result r;
    json_t *body = reply_parse_body(req, JSON_REJECT_DUPLICATES, &r);
    if (!body)
        return r;
    struct signer_fields f;
    char identity[SIG_IDENTITY_MAX];
    if (!json_is_object(body))
        r = reply_problem(req, PROBLEM_INVALID_FIELD, NULL, "the body must be a JSON object");
    else if (parse_signer(req, body, &f, identity, &r))
        r = insert_signer(req, &f);
    json_decref(body);
    return r;
}

/* Runs fn (get or revoke) for the path's identity and replies with the signer or 404. */
static enum MHD_Result one_signer(struct http_request *req, const char *param,
                                  enum db_status (*fn)(struct db_conn *, const char *, PGresult **))
{
    char buf[SIG_IDENTITY_MAX];
    const char *identity = sig_normalize_identity(param, buf);
    struct db_conn *conn = db_acquire(req->srv->reg->pool);
    if (!conn)
        return reply_db_error(req, DB_UNAVAILABLE);
    PGresult *res = NULL;
    enum db_status st = fn(conn, identity, &res);
    db_release(req->srv->reg->pool, conn);
    enum MHD_Result r;
    if (st != DB_OK)
        r = reply_db_error(req, st);
    else if (PQntuples(res) == 0)
        r = reply_problem(req, PROBLEM_SIGNER_NOT_FOUND, NULL, "no signer %.150s", param);
    else
        r = reply_signer(req, MHD_HTTP_OK, res);
    PQclear(res);
    return r;
}

enum MHD_Result handle_signer_get(struct http_request *req, const char *param)
{
    return one_signer(req, param, db_signer_get);
}

enum MHD_Result handle_signer_revoke(struct http_request *req, const char *param)
{
    enum problem_code code = auth_require(req, "admin");
    if (code != PROBLEM_NONE)
        return reply_auth_problem(req, code, "admin");
    return one_signer(req, param, db_signer_revoke);
}

enum MHD_Result handle_signers_list(struct http_request *req, const char *param)
{
    (void)param;
    static const char *const allowed[] = {"limit", "cursor", NULL};
    unsigned limit;
    enum MHD_Result r;
    if (!reply_check_query(req, allowed, &r) ||
        !reply_check_limit(req, SIGNERS_DEFAULT_LIMIT, SIGNERS_MAX_LIMIT, &limit, &r))
        return r;
    const char *v;
    char after[SIG_IDENTITY_MAX] = "";
    size_t n = 0;
    if ((v = http_query(req, "cursor")) &&
        (!base64_decode(v, strlen(v), (uint8_t *)after, sizeof after - 1, &n) || n == 0))
        return reply_problem(req, PROBLEM_INVALID_PARAMETER, "cursor",
                             "cursor must be a next_cursor value from an earlier reply");
    after[n] = '\0';
    struct db_conn *conn = db_acquire(req->srv->reg->pool);
    if (!conn)
        return reply_db_error(req, DB_UNAVAILABLE);
    PGresult *res = NULL;
    enum db_status st = db_signer_list(conn, after, limit + 1, &res);
    db_release(req->srv->reg->pool, conn);
    if (st != DB_OK)
        return reply_db_error(req, st);
    int rows = PQntuples(res);
    struct buf body = BUF_INIT;
    struct jsonw w;
    jw_init(&w, &body);
    jw_object_begin(&w);
    jw_key(&w, "signers");
    jw_array_begin(&w);
    for (int i = 0; i < rows && i < (int)limit; i++)
        write_signer(&w, res, i);
    jw_array_end(&w);
    jw_key(&w, "next_cursor");
    if (rows > (int)limit) {
        const char *last = PQgetvalue(res, (int)limit - 1, SIGNER_COL_IDENTITY);
        char cursor[2 * SIG_IDENTITY_MAX];
        base64url_encode((const uint8_t *)last, strlen(last), cursor);
        jw_string(&w, cursor);
    } else {
        jw_null(&w);
    }
    jw_object_end(&w);
    PQclear(res);
    return reply_json(req, MHD_HTTP_OK, &body);
}
