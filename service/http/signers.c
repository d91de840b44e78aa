/* SPDX-License-Identifier: Apache-2.0 */
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
#include "http/auth.h"
#include "http/page.h"
#include "http/reply.h"
#include "http/route.h"
#include "registry/signers.h"

#define SIGNERS_DEFAULT_LIMIT 100
#define SIGNERS_MAX_LIMIT     1000

static void write_signer(struct jsonw *w, const struct signer_row *sg)
{
    const char *const names[] = {"identity", "kind",  "name",       "organization",
                                 "url",      "notes", "created_at", "revoked_at"};
    const char *const values[] = {sg->identity, sg->kind,  sg->name,       sg->organization,
                                  sg->url,      sg->notes, sg->created_at, sg->revoked_at};
    jw_object_begin(w);
    for (size_t c = 0; c < sizeof names / sizeof *names; c++) {
        jw_key(w, names[c]);
        if (values[c])
            jw_string(w, values[c]);
        else
            jw_null(w);
    }
    jw_object_end(w);
}

/* Replies with the one signer of rows (or the failure), freeing rows. */
static enum MHD_Result reply_signer(struct http_request *req, unsigned status, bool ok,
                                    struct signer_rows *rows, const struct problem *p)
{
    if (!ok)
        return reply_failure(req, p);
    struct buf body = BUF_INIT;
    struct jsonw w;
    jw_init(&w, &body);
    write_signer(&w, &rows->v[0]);
    signer_rows_free(rows);
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
    struct signer_rows rows;
    struct problem p;
    bool ok = registry_signer_create(req->srv->reg, f, &rows, &p);
    if (ok) {
        char location[200];
        snprintf(location, sizeof location, "/v1/signers/%s", f->identity);
        http_add_header(req, "Location", location);
    }
    return reply_signer(req, MHD_HTTP_CREATED, ok, &rows, &p);
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

enum MHD_Result handle_signer_get(struct http_request *req, const char *param)
{
    char buf[SIG_IDENTITY_MAX];
    struct signer_rows rows;
    struct problem p;
    bool ok = registry_signer_get(req->srv->reg, sig_normalize_identity(param, buf), &rows, &p);
    return reply_signer(req, MHD_HTTP_OK, ok, &rows, &p);
}

enum MHD_Result handle_signer_revoke(struct http_request *req, const char *param)
{
    enum problem_code code = auth_require(req, "admin");
    if (code != PROBLEM_NONE)
        return reply_auth_problem(req, code, "admin");
    char buf[SIG_IDENTITY_MAX];
    struct signer_rows rows;
    struct problem p;
    bool ok = registry_signer_revoke(req->srv->reg, sig_normalize_identity(param, buf), &rows, &p);
    return reply_signer(req, MHD_HTTP_OK, ok, &rows, &p);
}

static void write_list_signer(struct jsonw *w, const void *rows, size_t i)
{
    write_signer(w, &((const struct signer_row *)rows)[i]);
}

/* The last identity in base64url: SIG_IDENTITY_MAX - 1 bytes take 172 characters. */
static void list_signer_cursor(const void *rows, size_t i, char out[PAGE_CURSOR_MAX])
{
    const char *last = ((const struct signer_row *)rows)[i].identity;
    base64url_encode((const uint8_t *)last, strlen(last), out);
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
        (!base64_decode(v, strlen(v), (uint8_t *)after, sizeof after - 1, &n) || n == 0 ||
         !valid_utf8_text(after, n)))
        return reply_problem(req, PROBLEM_INVALID_PARAMETER, "cursor",
                             "cursor must be a next_cursor value from an earlier reply");
    after[n] = '\0';
    struct signer_rows res;
    struct problem p;
    if (!registry_signers_list(req->srv->reg, after, limit + 1, req->srv->opt.max_reply, &res, &p))
        return reply_failure(req, &p);
    const struct page_list list = {"signers",         res.v, res.n, limit, write_list_signer,
                                   list_signer_cursor};
    r = page_reply_list(req, &list);
    signer_rows_free(&res);
    return r;
}
