/* Endpoints for registrations: POST/GET /v1/items, GET /v1/items/{id}. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/codec.h"
#include "core/item.h"
#include "util/jsonw.h"
#include "util/validate.h"
#include "crypto/ethsig.h"
#include "crypto/p256.h"
#include "db/items.h"
#include "db/signers.h"
#include "http/items.h"
#include "http/auth.h"
#include "http/reply.h"
#include "http/route.h"
#include "registry/registry.h"

#define LIST_DEFAULT_LIMIT 50
#define LIST_MAX_LIMIT     1000

/* Opens an object with the scheme and the signer's key or address. */
static void write_signer_key(struct jsonw *w, const struct item_record *rec)
{
    jw_object_begin(w);
    jw_key(w, "scheme");
    jw_string(w, rec->scheme);
    jw_key(w, rec->key_field);
    jw_string(w, rec->public_key);
}

void http_write_item(struct jsonw *w, PGresult *res, int row)
{
    struct item_record rec;
    struct item_strings strs;
    db_item_record(res, row, &rec, &strs);
    bool logged = !PQgetisnull(res, row, ITEM_COL_LOG_INDEX);

    jw_object_begin(w);
    jw_key(w, "id");
    jw_int(w, strtoll(PQgetvalue(res, row, ITEM_COL_ID), NULL, 10));
    jw_key(w, "content_hash");
    char ch[CONTENT_HASH_STR_LEN + 1];
    snprintf(ch, sizeof ch, "sha256:%s", rec.content_hash_hex);
    jw_string(w, ch);
    jw_key(w, "metadata");
    jw_raw(w, rec.metadata, rec.metadata_len);
    bool known = !PQgetisnull(res, row, ITEM_COL_SIGNER_NAME);
    jw_key(w, "signer");
    write_signer_key(w, &rec);
    jw_key(w, "known");
    jw_bool(w, known);
    jw_key(w, "name");
    if (known)
        jw_string(w, PQgetvalue(res, row, ITEM_COL_SIGNER_NAME));
    else
        jw_null(w);
    jw_key(w, "revoked");
    jw_bool(w, PQgetvalue(res, row, ITEM_COL_SIGNER_REVOKED)[0] == 't');
    jw_object_end(w);
    jw_key(w, "signature");
    write_signer_key(w, &rec);
    jw_key(w, "value");
    jw_string(w, rec.signature);
    jw_object_end(w);
    jw_key(w, "registered_at");
    jw_string(w, rec.registered_at);
    jw_key(w, "status");
    jw_string(w, !logged                                             ? "registered"
                 : PQgetvalue(res, row, ITEM_COL_ANCHORED)[0] == 't' ? "anchored"
                                                                     : "logged");
    jw_key(w, "log_index");
    if (logged)
        jw_int(w, strtoll(PQgetvalue(res, row, ITEM_COL_LOG_INDEX), NULL, 10));
    else
        jw_null(w);
    jw_object_end(w);
}

static enum MHD_Result reply_registration(struct http_request *req, PGresult *res)
{
    bool created = PQgetvalue(res, 0, ITEM_COL_CREATED)[0] == 't';
    struct buf body = BUF_INIT;
    struct jsonw w;
    jw_init(&w, &body);
    http_write_item(&w, res, 0);
    char location[64];
    snprintf(location, sizeof location, "/v1/items/%s", PQgetvalue(res, 0, ITEM_COL_ID));
    http_add_header(req, "Location", location);
    return reply_json(req, created ? MHD_HTTP_CREATED : MHD_HTTP_OK, &body);
}

/* Why db_item_insert returned no row for item: err->code is PROBLEM_SIGNER_REVOKED or
 * PROBLEM_SIGNER_UNKNOWN, or PROBLEM_NONE when the signer is fine (a concurrent insert of the
 * same registration: insert again). */
static enum db_status refusal(struct db_conn *conn, const struct item_request *item,
                              bool require_known, bool keyless, struct problem *err)
{
    PGresult *res = NULL;
    enum db_status st = db_signer_get(conn, item->signer, &res);
    err->code = PROBLEM_NONE;
    snprintf(err->field, sizeof err->field, "signature");
    if (st != DB_OK)
        return st;
    if (PQntuples(res) == 1 && !PQgetisnull(res, 0, SIGNER_COL_REVOKED_AT)) {
        err->code = PROBLEM_SIGNER_REVOKED;
        snprintf(err->detail, sizeof err->detail, "signer %s was revoked at %s", item->signer,
                 PQgetvalue(res, 0, SIGNER_COL_REVOKED_AT));
    } else if (PQntuples(res) == 0 && require_known) {
        err->code = PROBLEM_SIGNER_UNKNOWN;
        snprintf(err->detail, sizeof err->detail,
                 "signer %s is not in the signer registry, which this service requires%s",
                 item->signer, keyless ? " for requests without an API key" : "");
    }
    PQclear(res);
    return DB_OK;
}

enum db_status http_item_register(struct db_conn *conn, const struct item_request *item,
                                  bool require_known, bool keyless, PGresult **res,
                                  struct problem *err)
{
    enum db_status st = DB_RETRY;
    err->code = PROBLEM_NONE;
    for (int attempt = 0; attempt < 3 && st == DB_RETRY; attempt++) {
        st = db_item_insert(conn, item, require_known, res);
        if (st != DB_OK || PQntuples(*res) == 1)
            return st;
        PQclear(*res);
        *res = NULL;
        st = refusal(conn, item, require_known, keyless, err);
        if (st == DB_OK && err->code == PROBLEM_NONE)
            st = DB_RETRY; /* a concurrent insert of the same registration: look again */
    }
    return st;
}

bool http_items_authorize(struct http_request *req, bool *require_known, bool *keyless,
                          enum MHD_Result *r)
{
    const struct registry_policy *policy = &req->srv->reg->policy;
    /* With --open-registration a request without credentials may register for a known,
     * unrevoked signer: the signature is the credential. Credentials given must be valid. */
    *keyless = policy->open_registration && !http_header(req, "Authorization");
    *require_known = policy->require_known_signer || *keyless;
    if (!*keyless) {
        enum problem_code code = auth_require(req, "register");
        if (code != PROBLEM_NONE) {
            *r = reply_auth_problem(req, code, "register");
            return false;
        }
    }
    if (!http_is_json(req)) {
        *r = reply_problem(req, PROBLEM_UNSUPPORTED_MEDIA_TYPE, NULL,
                           "send the registration as Content-Type: application/json");
        return false;
    }
    return true;
}

enum MHD_Result handle_items_post(struct http_request *req, const char *param)
{
    (void)param;
    bool require_known, keyless;
    enum MHD_Result r;
    if (!http_items_authorize(req, &require_known, &keyless, &r))
        return r;
    struct item_request item;
    struct problem err;
    if (!item_parse(req->body.data ? req->body.data : "", req->body.len, &item, &err))
        return reply_problem(req, err.code, err.field, "%s", err.detail);
    struct db_conn *conn = db_acquire(req->srv->reg->pool);
    PGresult *res = NULL;
    enum db_status st =
        conn ? http_item_register(conn, &item, require_known, keyless, &res, &err) : DB_UNAVAILABLE;
    db_release(req->srv->reg->pool, conn);
    if (st != DB_OK)
        r = reply_db_error(req, st);
    else if (err.code != PROBLEM_NONE)
        r = reply_problem(req, err.code, err.field, "%s", err.detail);
    else
        r = reply_registration(req, res);
    PQclear(res);
    item_request_free(&item);
    return r;
}

enum MHD_Result handle_item_get(struct http_request *req, const char *param)
{
    int64_t id;
    if (!http_parse_id(param, &id))
        return reply_problem(req, PROBLEM_INVALID_PARAMETER, "id",
                             "the item id must be a positive integer");
    PGresult *res = NULL;
    struct db_conn *conn = db_acquire(req->srv->reg->pool);
    enum db_status st = conn ? db_item_get(conn, id, &res) : DB_UNAVAILABLE;
    db_release(req->srv->reg->pool, conn);
    if (st != DB_OK)
        return reply_db_error(req, st);
    enum MHD_Result r;
    if (PQntuples(res) == 0) {
        r = reply_problem(req, PROBLEM_ITEM_NOT_FOUND, NULL, "no item with id %" PRId64, id);
    } else {
        struct buf body = BUF_INIT;
        struct jsonw w;
        jw_init(&w, &body);
        http_write_item(&w, res, 0);
        r = reply_json(req, MHD_HTTP_OK, &body);
    }
    PQclear(res);
    return r;
}

/* ---- GET /v1/items ---- */

static const char *const list_params[] = {"content_hash", "signer", "source_url", "since",
                                          "until",        "limit",  "cursor",     NULL};

static void cursor_encode(int64_t us, int64_t id, char out[64])
{
    char raw[48];
    int n = snprintf(raw, sizeof raw, "%" PRId64 ".%" PRId64, us, id);
    base64url_encode((const uint8_t *)raw, (size_t)n, out);
}

static bool cursor_decode(const char *s, int64_t *us, int64_t *id)
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

/* Fills f from the query string; on a bad value sets *bad_field and returns false. signer_buf
 * may back f->signer. */
static bool parse_list_filter(struct http_request *req, struct item_filter *f,
                              const char **bad_field, char signer_buf[SIGNER_MAX_LEN])
{
    memset(f, 0, sizeof *f);
    const char *v;
    if ((v = http_query(req, "content_hash"))) {
        *bad_field = "content_hash";
        if (!item_parse_content_hash(v, f->content_hash))
            return false;
        f->has_content_hash = true;
    }
    if ((v = http_query(req, "signer"))) {
        *bad_field = "signer";
        if (!*v || strlen(v) >= SIGNER_MAX_LEN)
            return false;
        f->signer = sig_normalize_identity(v, signer_buf);
    }
    if ((v = http_query(req, "source_url"))) {
        *bad_field = "source_url";
        if (!valid_http_url(v))
            return false;
        f->source_url = v;
    }
    if ((v = http_query(req, "since"))) {
        *bad_field = "since";
        if (!valid_rfc3339(v, &f->since_us))
            return false;
        f->has_since = true;
    }
    if ((v = http_query(req, "until"))) {
        *bad_field = "until";
        if (!valid_rfc3339(v, &f->until_us))
            return false;
        f->has_until = true;
    }
    *bad_field = "limit";
    if (!http_query_limit(req, LIST_DEFAULT_LIMIT, LIST_MAX_LIMIT, &f->limit))
        return false;
    if ((v = http_query(req, "cursor"))) {
        *bad_field = "cursor";
        if (!cursor_decode(v, &f->cursor_us, &f->cursor_id))
            return false;
        f->has_cursor = true;
    }
    return true;
}

static enum MHD_Result reply_list(struct http_request *req, PGresult *res, unsigned limit)
{
    int n = PQntuples(res);
    struct buf body = BUF_INIT;
    struct jsonw w;
    jw_init(&w, &body);
    jw_object_begin(&w);
    jw_key(&w, "items");
    jw_array_begin(&w);
    for (int i = 0; i < n && i < (int)limit; i++)
        http_write_item(&w, res, i);
    jw_array_end(&w);
    jw_key(&w, "next_cursor");
    if (n > (int)limit) {
        char cursor[64];
        cursor_encode(strtoll(PQgetvalue(res, (int)limit - 1, ITEM_COL_REGISTERED_US), NULL, 10),
                      strtoll(PQgetvalue(res, (int)limit - 1, ITEM_COL_ID), NULL, 10), cursor);
        jw_string(&w, cursor);
    } else {
        jw_null(&w);
    }
    jw_object_end(&w);
    return reply_json(req, MHD_HTTP_OK, &body);
}

static const char *const list_param_help[] = {
    "content_hash must be sha256: followed by 64 lowercase hex digits",
    "signer must be a signer identity",
    "source_url must be an absolute http(s) URL",
    "since must be an RFC 3339 date-time",
    "until must be an RFC 3339 date-time",
    "limit must be an integer from 1 to 1000",
    "cursor must be a next_cursor value from an earlier reply",
};

enum MHD_Result handle_items_list(struct http_request *req, const char *param)
{
    (void)param;
    enum MHD_Result r;
    if (!reply_check_query(req, list_params, &r))
        return r;
    struct item_filter f;
    char signer_buf[SIGNER_MAX_LEN];
    const char *bad = NULL;
    if (!parse_list_filter(req, &f, &bad, signer_buf)) {
        for (unsigned i = 0; list_params[i]; i++)
            if (!strcmp(bad, list_params[i]))
                return reply_problem(req, PROBLEM_INVALID_PARAMETER, bad, "%s", list_param_help[i]);
    }
    unsigned limit = f.limit;
    f.limit = limit + 1; /* one more row tells whether there is a next page */
    PGresult *res = NULL;
    struct db_conn *conn = db_acquire(req->srv->reg->pool);
    enum db_status st = conn ? db_item_list(conn, &f, &res) : DB_UNAVAILABLE;
    db_release(req->srv->reg->pool, conn);
    if (st != DB_OK)
        return reply_db_error(req, st);
    r = reply_list(req, res, limit);
    PQclear(res);
    return r;
}
