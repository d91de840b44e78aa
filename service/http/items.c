/* SPDX-License-Identifier: Apache-2.0 */
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
#include "crypto/sig.h"
#include "http/items.h"
#include "http/auth.h"
#include "http/page.h"
#include "http/reply.h"
#include "http/route.h"
#include "registry/items.h"

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

void http_write_item(struct jsonw *w, const struct item_row *row)
{
    struct item_record rec;
    struct item_strings strs;
    item_row_record(row, &rec, &strs);
    jw_object_begin(w);
    jw_key(w, "id");
    jw_int(w, row->id);
    jw_key(w, "content_hash");
    char ch[CONTENT_HASH_STR_LEN + 1];
    snprintf(ch, sizeof ch, "sha256:%s", rec.content_hash_hex);
    jw_string(w, ch);
    jw_key(w, "metadata");
    jw_raw(w, rec.metadata, rec.metadata_len);
    jw_key(w, "signer");
    write_signer_key(w, &rec);
    jw_key(w, "known");
    jw_bool(w, row->signer_name != NULL);
    jw_key(w, "name");
    if (row->signer_name)
        jw_string(w, row->signer_name);
    else
        jw_null(w);
    jw_key(w, "revoked");
    jw_bool(w, row->signer_revoked);
    jw_object_end(w);
    jw_key(w, "signature");
    write_signer_key(w, &rec);
    jw_key(w, "value");
    jw_string(w, rec.signature);
    jw_object_end(w);
    jw_key(w, "registered_at");
    jw_string(w, rec.registered_at);
    jw_key(w, "status");
    jw_string(w, !row->logged ? "registered" : row->anchored ? "anchored" : "logged");
    jw_key(w, "log_index");
    if (row->logged)
        jw_int(w, (int64_t)row->log_index);
    else
        jw_null(w);
    jw_object_end(w);
}

void http_write_signature(struct jsonw *w, const char *scheme, const char *signer,
                          const char *signer_name, bool revoked, const char *signature_hex)
{
    enum sig_scheme s = sig_scheme_parse(scheme);
    uint8_t sig[128];
    size_t len = strlen(signature_hex) / 2;
    char value[SIG_VALUE_MAX];
    if (len > sizeof sig || !hex_decode(signature_hex, 2 * len, sig, len, true))
        len = 0;
    sig_format_value(s, sig, len, value);
    for (int k = 0; k < 2; k++) {
        jw_key(w, k ? "signature" : "signer");
        jw_object_begin(w);
        jw_key(w, "scheme");
        jw_string(w, scheme);
        jw_key(w, sig_key_field(s));
        jw_string(w, signer);
        if (k) {
            jw_key(w, "value");
            jw_string(w, value);
        } else {
            jw_key(w, "known");
            jw_bool(w, signer_name != NULL);
            jw_key(w, "name");
            if (signer_name)
                jw_string(w, signer_name);
            else
                jw_null(w);
            jw_key(w, "revoked");
            jw_bool(w, revoked);
        }
        jw_object_end(w);
    }
}

static enum MHD_Result reply_registration(struct http_request *req, const struct item_row *row)
{
    struct buf body = BUF_INIT;
    struct jsonw w;
    jw_init(&w, &body);
    http_write_item(&w, row);
    char location[64];
    snprintf(location, sizeof location, "/v1/items/%" PRId64, row->id);
    http_add_header(req, "Location", location);
    return reply_json(req, row->created ? MHD_HTTP_CREATED : MHD_HTTP_OK, &body);
}

bool http_items_authorize(struct http_request *req, bool *keyless, enum MHD_Result *r)
{
    /* With --open-registration a request without credentials may register for a known,
     * unrevoked signer: the signature is the credential. Credentials given must be valid. */
    *keyless = req->srv->reg->policy.open_registration && !http_header(req, "Authorization");
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

/* The committer has the registration's outcome (registry/items.h): its request runs
 * registration_reply. On a committer thread. */
static void registration_done(struct group_job *g)
{
    http_resume(g->arg);
}

static void registration_free(void *arg)
{
    struct register_job *job = arg;
    register_entries_free(&job->e, 1);
    free(job);
}

/* The continuation of a registration resumed after its commit. */
static enum MHD_Result registration_reply(struct http_request *req, void *arg)
{
    struct register_job *job = arg;
    enum MHD_Result r = job->e.err.code == PROBLEM_NONE ? reply_registration(req, &job->e.rows.v[0])
                                                        : reply_failure(req, &job->e.err);
    registration_free(job);
    return r;
}

/* The signer policy and the signature are checked here, on this thread; the registration then
 * waits, its connection suspended, for the commit it shares with those that came meanwhile. */
enum MHD_Result handle_items_post(struct http_request *req, const char *param)
{
    (void)param;
    bool keyless;
    enum MHD_Result r;
    if (!http_items_authorize(req, &keyless, &r))
        return r;
    struct register_job *job = calloc(1, sizeof *job);
    if (!job)
        return reply_problem(req, PROBLEM_INTERNAL, NULL, "out of memory");
    job->g = (struct group_job){.done = registration_done, .arg = req};
    job->keyless = keyless;
    if (item_read(req->body.data ? req->body.data : "", req->body.len, &job->e.req, &job->e.err) &&
        registry_register_admit(req->srv->reg, job)) {
        http_suspend(req, registration_reply, registration_free,
                     job); /* before the committer may resume it */
        registry_register_queue(req->srv->reg, job);
        return MHD_YES;
    }
    r = reply_failure(req, &job->e.err);
    register_entries_free(&job->e, 1);
    free(job);
    return r;
}

enum MHD_Result handle_item_get(struct http_request *req, const char *param)
{
    int64_t id;
    if (!http_parse_id(param, &id))
        return reply_problem(req, PROBLEM_INVALID_PARAMETER, "id",
                             "the item id must be a positive integer");
    struct item_rows rows;
    struct problem p;
    if (!registry_item_get(req->srv->reg, id, &rows, &p))
        return reply_failure(req, &p);
    struct buf body = BUF_INIT;
    struct jsonw w;
    jw_init(&w, &body);
    http_write_item(&w, &rows.v[0]);
    item_rows_free(&rows);
    return reply_json(req, MHD_HTTP_OK, &body);
}

/* ---- GET /v1/items ---- */

static const char *const list_params[] = {"content_hash", "signer", "source_url", "since",
                                          "until",        "limit",  "cursor",     NULL};

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
        if (!http_cursor_decode(v, &f->cursor_us, &f->cursor_id))
            return false;
        f->has_cursor = true;
    }
    return true;
}

static void write_list_item(struct jsonw *w, const void *rows, size_t i)
{
    http_write_item(w, &((const struct item_row *)rows)[i]);
}

static void list_item_cursor(const void *rows, size_t i, char out[PAGE_CURSOR_MAX])
{
    const struct item_row *last = &((const struct item_row *)rows)[i];
    http_cursor_encode(last->registered_us, last->id, out);
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
    f.max_bytes = req->srv->opt.max_reply;
    struct item_rows rows;
    struct problem p;
    if (!registry_items_list(req->srv->reg, &f, &rows, &p))
        return reply_failure(req, &p);
    const struct page_list list = {"items", rows.v,          rows.n,
                                   limit,   write_list_item, list_item_cursor};
    r = page_reply_list(req, &list);
    item_rows_free(&rows);
    return r;
}
