/* SPDX-License-Identifier: Apache-2.0 */
/* Endpoints for models: POST/GET /v1/models, GET /v1/models/{id} and its receipt, lineage,
 * proof and attestation. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/codec.h"
#include "util/jsonw.h"
#include "util/validate.h"
#include "core/item.h"
#include "core/model.h"
#include "http/auth.h"
#include "http/items.h"
#include "http/page.h"
#include "http/reply.h"
#include "http/route.h"
#include "http/tlog.h"
#include "registry/models.h"

#define LIST_DEFAULT_LIMIT 50

static void write_model(struct jsonw *w, const struct model_row *m)
{
    char at[RFC3339_US_LEN + 1];
    format_rfc3339_us(m->registered_us, at);
    jw_object_begin(w);
    jw_key(w, "id");
    jw_int(w, m->id);
    jw_key(w, "status");
    jw_string(w, !m->logged ? "registered" : m->anchored ? "anchored" : "logged");
    jw_key(w, "model");
    jw_raw(w, m->f.model, m->f.model_len);
    jw_key(w, "datasets");
    jw_raw(w, m->f.datasets, m->f.datasets_len);
    jw_key(w, "metadata");
    jw_raw(w, m->f.metadata, m->f.metadata_len);
    http_write_signature(w, m->scheme, m->signer, m->signer_name, m->signer_revoked,
                         m->signature_hex);
    jw_key(w, "registered_at");
    jw_string(w, at);
    jw_key(w, "log_index");
    if (m->logged)
        jw_int(w, (int64_t)m->log_index);
    else
        jw_null(w);
    jw_object_end(w);
}

static enum MHD_Result reply_model(struct http_request *req, unsigned status,
                                   const struct model_row *m)
{
    struct buf body = BUF_INIT;
    struct jsonw w;
    jw_init(&w, &body);
    write_model(&w, m);
    return reply_json(req, status, &body);
}

static bool parse_model_id(struct http_request *req, const char *param, int64_t *id,
                           enum MHD_Result *r)
{
    if (http_parse_id(param, id))
        return true;
    *r = reply_problem(req, PROBLEM_INVALID_PARAMETER, "id",
                       "the model id must be a positive integer");
    return false;
}

enum MHD_Result handle_models_post(struct http_request *req, const char *param)
{
    (void)param;
    int64_t key_id;
    enum problem_code code = auth_require_key(req, "register", &key_id);
    if (code != PROBLEM_NONE)
        return reply_auth_problem(req, code, "register");
    if (!http_is_json(req))
        return reply_problem(req, PROBLEM_UNSUPPORTED_MEDIA_TYPE, NULL,
                             "send the model as Content-Type: application/json");
    struct model_request *m = malloc(sizeof *m);
    if (!m)
        return reply_problem(req, PROBLEM_INTERNAL, NULL, "out of memory");
    struct problem p;
    struct model_rows rows = {0};
    enum MHD_Result r;
    if (!model_request_parse(req->body.data ? req->body.data : "", req->body.len, m, &p)) {
        free(m);
        return reply_failure(req, &p);
    }
    if (registry_model_register(req->srv->reg, m, key_id, &rows, &p)) {
        char location[64];
        snprintf(location, sizeof location, "/v1/models/%" PRId64, rows.v[0].id);
        http_add_header(req, "Location", location);
        r = reply_model(req, rows.v[0].created ? MHD_HTTP_CREATED : MHD_HTTP_OK, &rows.v[0]);
    } else {
        r = reply_failure(req, &p);
    }
    model_rows_free(&rows);
    model_request_free(m);
    free(m);
    return r;
}

enum MHD_Result handle_model_get(struct http_request *req, const char *param)
{
    static const char *const none[] = {NULL};
    int64_t id;
    enum MHD_Result r;
    if (!parse_model_id(req, param, &id, &r) || !reply_check_query(req, none, &r))
        return r;
    struct model_rows rows;
    struct problem p;
    if (registry_model_get(req->srv->reg, id, &rows, &p))
        r = reply_model(req, MHD_HTTP_OK, &rows.v[0]);
    else
        r = reply_failure(req, &p);
    model_rows_free(&rows);
    return r;
}

/* ---- GET /v1/models ---- */

static bool bad_param(struct http_request *req, const char *name, const char *detail,
                      enum MHD_Result *r)
{
    *r = reply_problem(req, PROBLEM_INVALID_PARAMETER, name, "%s", detail);
    return false;
}

static bool parse_filter(struct http_request *req, struct model_filter *f, char *signer_buf,
                         enum MHD_Result *r)
{
    static const char *const params[] = {"digest", "name",   "signer", "dataset",
                                         "limit",  "cursor", NULL};
    memset(f, 0, sizeof *f);
    if (!reply_check_query(req, params, r) ||
        !reply_check_limit(req, LIST_DEFAULT_LIMIT, MODEL_LIST_MAX, &f->limit, r))
        return false;
    const char *v;
    if ((v = http_query(req, "digest")) && !(f->has_digest = item_parse_content_hash(v, f->digest)))
        return bad_param(req, "digest",
                         "digest must be sha256: followed by 64 lowercase hex digits", r);
    if ((v = http_query(req, "name")) && (!*v || strlen(v) > MODEL_NAME_MAX))
        return bad_param(req, "name", "name must be 1 to 200 bytes", r);
    f->name = v;
    if ((v = http_query(req, "signer")) && (!*v || strlen(v) >= SIGNER_MAX_LEN))
        return bad_param(req, "signer", "signer must be a signer identity", r);
    f->signer = v ? sig_normalize_identity(v, signer_buf) : NULL;
    if ((v = http_query(req, "dataset")) && !http_parse_id(v, &f->dataset))
        return bad_param(req, "dataset", "dataset must be a dataset id (a positive integer)", r);
    if ((v = http_query(req, "cursor"))) {
        if (!http_cursor_decode(v, &f->cursor_us, &f->cursor_id))
            return bad_param(req, "cursor",
                             "cursor must be a next_cursor value from an earlier reply", r);
        f->has_cursor = true;
    }
    return true;
}

static void write_list_model(struct jsonw *w, const void *rows, size_t i)
{
    write_model(w, &((const struct model_row *)rows)[i]);
}

static void list_model_cursor(const void *rows, size_t i, char out[PAGE_CURSOR_MAX])
{
    const struct model_row *last = &((const struct model_row *)rows)[i];
    http_cursor_encode(last->registered_us, last->id, out);
}

enum MHD_Result handle_models_list(struct http_request *req, const char *param)
{
    (void)param;
    struct model_filter f;
    char signer_buf[SIGNER_MAX_LEN];
    enum MHD_Result r;
    if (!parse_filter(req, &f, signer_buf, &r))
        return r;
    unsigned limit = f.limit;
    f.limit = limit + 1; /* one more row tells whether there is a next page */
    f.max_bytes = req->srv->opt.max_reply;
    struct model_rows rows;
    struct problem p;
    if (!registry_models_list(req->srv->reg, &f, &rows, &p))
        return reply_failure(req, &p);
    const struct page_list list = {"models", rows.v,           rows.n,
                                   limit,    write_list_model, list_model_cursor};
    r = page_reply_list(req, &list);
    model_rows_free(&rows);
    return r;
}

/* ---- receipt, lineage ---- */

enum MHD_Result handle_model_receipt(struct http_request *req, const char *param)
{
    static const char *const none[] = {NULL};
    int64_t id;
    enum MHD_Result r;
    if (!parse_model_id(req, param, &id, &r) || !reply_check_query(req, none, &r))
        return r;
    return http_reply_receipt_of(req, id, registry_model_receipt);
}

enum MHD_Result handle_model_lineage(struct http_request *req, const char *param)
{
    static const char *const none[] = {NULL};
    int64_t id;
    enum MHD_Result r;
    if (!parse_model_id(req, param, &id, &r) || !reply_check_query(req, none, &r))
        return r;
    struct model_lineage l;
    struct problem p;
    if (!registry_model_lineage(req->srv->reg, id, &l, &p)) {
        model_lineage_free(&l);
        return reply_failure(req, &p);
    }
    const struct model_row *m = &l.model.v[0];
    struct buf body = BUF_INIT;
    struct jsonw w;
    jw_init(&w, &body);
    jw_object_begin(&w);
    jw_key(&w, "model_id");
    jw_int(&w, m->id);
    jw_key(&w, "model");
    jw_object_begin(&w);
    jw_key(&w, "name");
    jw_string(&w, m->f.name);
    jw_key(&w, "version");
    jw_string(&w, m->f.version);
    jw_key(&w, "digest");
    char digest[CONTENT_HASH_STR_LEN + 1];
    snprintf(digest, sizeof digest, "sha256:%s", m->f.digest_hex);
    jw_string(&w, digest);
    jw_object_end(&w);
    model_lineage_write(&w, &l);
    jw_object_end(&w);
    model_lineage_free(&l);
    return reply_json(req, MHD_HTTP_OK, &body);
}

/* ---- proof, attestation ---- */

static void write_membership(struct jsonw *w, const struct membership_proof *m)
{
    char hex[2 * MERKLE_HASH_LEN + 1];
    jw_object_begin(w);
    jw_key(w, "position");
    jw_int(w, (int64_t)m->position);
    jw_key(w, "member_count");
    jw_int(w, (int64_t)m->member_count);
    jw_key(w, "members_root");
    jw_string(w, m->members_root_hex);
    jw_key(w, "inclusion_proof");
    jw_array_begin(w);
    for (int i = 0; i < m->n_proof; i++) {
        hex_encode(m->proof[i], MERKLE_HASH_LEN, hex);
        jw_string(w, hex);
    }
    jw_array_end(w);
    jw_object_end(w);
}

static enum MHD_Result reply_model_proof(struct http_request *req, int64_t id, const char *hash,
                                         const struct model_proof *m)
{
    struct buf body = BUF_INIT;
    struct jsonw w;
    jw_init(&w, &body);
    jw_object_begin(&w);
    jw_key(&w, "model_id");
    jw_int(&w, id);
    jw_key(&w, "content_hash");
    jw_string(&w, hash);
    jw_key(&w, "model");
    http_write_receipt(&w, &m->model);
    jw_key(&w, "dataset_id");
    jw_int(&w, m->dataset_id);
    jw_key(&w, "membership");
    write_membership(&w, &m->membership);
    jw_key(&w, "dataset");
    http_write_receipt(&w, &m->membership.dataset);
    jw_key(&w, "registrations");
    jw_array_begin(&w);
    for (size_t i = 0; i < m->n_registrations; i++)
        http_write_receipt(&w, &m->registrations[i]);
    jw_array_end(&w);
    jw_object_end(&w);
    if (!m->logged)
        http_add_header(req, "Retry-After", "1");
    return reply_json(req, m->logged ? MHD_HTTP_OK : MHD_HTTP_ACCEPTED, &body);
}

enum MHD_Result handle_model_proof(struct http_request *req, const char *param)
{
    static const char *const params[] = {"content_hash", NULL};
    int64_t id;
    enum MHD_Result r;
    if (!parse_model_id(req, param, &id, &r) || !reply_check_query(req, params, &r))
        return r;
    const char *hash_s = http_query(req, "content_hash");
    uint8_t hash[SHA256_LEN];
    if (!hash_s || !item_parse_content_hash(hash_s, hash))
        return reply_problem(req, PROBLEM_INVALID_PARAMETER, "content_hash",
                             "content_hash must be sha256: followed by 64 lowercase hex digits");
    struct model_proof *m = malloc(sizeof *m);
    if (!m)
        return reply_problem(req, PROBLEM_INTERNAL, NULL, "out of memory");
    struct problem p;
    r = registry_model_proof(req->srv->reg, id, hash, m, &p) ? reply_model_proof(req, id, hash_s, m)
                                                             : reply_failure(req, &p);
    model_proof_free(m);
    free(m);
    return r;
}

enum MHD_Result handle_model_attestation(struct http_request *req, const char *param)
{
    static const char *const none[] = {NULL};
    int64_t id;
    enum MHD_Result r;
    if (!parse_model_id(req, param, &id, &r) || !reply_check_query(req, none, &r))
        return r;
    struct buf body = BUF_INIT;
    struct problem p;
    bool pending;
    if (!registry_model_attestation(req->srv->reg, id, req->srv->log_key, &body, &pending, &p)) {
        buf_free(&body);
        return reply_failure(req, &p);
    }
    if (!pending)
        return reply_json(req, MHD_HTTP_OK, &body);
    /* 202 until a checkpoint covers the model record, like a receipt */
    struct jsonw w;
    jw_init(&w, &body);
    jw_object_begin(&w);
    jw_key(&w, "model_id");
    jw_int(&w, id);
    jw_key(&w, "status");
    jw_string(&w, "registered");
    jw_object_end(&w);
    http_add_header(req, "Retry-After", "1");
    return reply_json(req, MHD_HTTP_ACCEPTED, &body);
}
