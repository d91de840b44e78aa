/* SPDX-License-Identifier: Apache-2.0 */
/* Endpoints for datasets: /v1/datasets and /v1/datasets/{id}[/members|/seal|/receipt|/proof]. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/codec.h"
#include "util/jsonw.h"
#include "util/validate.h"
#include "core/dataset.h"
#include "core/item.h"
#include "http/auth.h"
#include "http/items.h"
#include "http/page.h"
#include "http/reply.h"
#include "http/route.h"
#include "http/tlog.h"
#include "registry/audit.h"
#include "registry/datasets.h"

#define LIST_DEFAULT_LIMIT    50
#define MEMBERS_DEFAULT_LIMIT 1000

static void write_time(struct jsonw *w, const char *key, bool set, int64_t us)
{
    char ts[RFC3339_US_LEN + 1];
    jw_key(w, key);
    if (!set) {
        jw_null(w);
        return;
    }
    format_rfc3339_us(us, ts);
    jw_string(w, ts);
}

/* The sealing signature and its signer (null while open). */
static void write_seal(struct jsonw *w, const struct dataset_row *d)
{
    if (d->sealed) {
        http_write_signature(w, d->scheme, d->signer, d->signer_name, d->signer_revoked,
                             d->signature_hex);
        return;
    }
    jw_key(w, "signer");
    jw_null(w);
    jw_key(w, "signature");
    jw_null(w);
}

static void write_dataset(struct jsonw *w, const struct dataset_row *d)
{
    jw_object_begin(w);
    jw_key(w, "id");
    jw_int(w, d->id);
    jw_key(w, "name");
    jw_string(w, d->name);
    jw_key(w, "version");
    jw_string(w, d->version);
    jw_key(w, "status");
    jw_string(w, d->sealed ? "sealed" : "open");
    jw_key(w, "member_count");
    jw_int(w, (int64_t)d->member_count);
    jw_key(w, "members_root");
    if (d->members_root_hex)
        jw_string(w, d->members_root_hex);
    else
        jw_null(w);
    jw_key(w, "metadata");
    jw_raw(w, d->metadata, d->metadata_len);
    jw_key(w, "policy");
    jw_raw(w, d->policy, d->policy_len);
    write_time(w, "created_at", true, d->created_us);
    write_time(w, "sealed_at", d->sealed, d->sealed_us);
    write_seal(w, d);
    jw_key(w, "log_index");
    if (d->logged)
        jw_int(w, (int64_t)d->log_index);
    else
        jw_null(w);
    jw_object_end(w);
}

static enum MHD_Result reply_dataset(struct http_request *req, unsigned status,
                                     const struct dataset_row *d)
{
    struct buf body = BUF_INIT;
    struct jsonw w;
    jw_init(&w, &body);
    write_dataset(&w, d);
    return reply_json(req, status, &body);
}

/* Authenticates a change (scope register) and parses the dataset id. */
static bool change_begin(struct http_request *req, const char *param, int64_t *key_id, int64_t *id,
                         enum MHD_Result *r)
{
    enum problem_code code = auth_require_key(req, "register", key_id);
    if (code != PROBLEM_NONE) {
        *r = reply_auth_problem(req, code, "register");
        return false;
    }
    if (param && !http_parse_id(param, id)) {
        *r = reply_problem(req, PROBLEM_INVALID_PARAMETER, "id",
                           "the dataset id must be a positive integer");
        return false;
    }
    return true;
}

static bool require_json(struct http_request *req, const char *what, enum MHD_Result *r)
{
    if (http_is_json(req))
        return true;
    *r = reply_problem(req, PROBLEM_UNSUPPORTED_MEDIA_TYPE, NULL,
                       "send the %s as Content-Type: application/json", what);
    return false;
}

enum MHD_Result handle_datasets_post(struct http_request *req, const char *param)
{
    int64_t key_id;
    enum MHD_Result r;
    if (!change_begin(req, param, &key_id, NULL, &r) || !require_json(req, "dataset", &r))
        return r;
    struct dataset_create c;
    struct problem p;
    if (!dataset_create_parse(req->body.data ? req->body.data : "", req->body.len, &c, &p))
        return reply_failure(req, &p);
    struct dataset_rows rows;
    if (registry_dataset_create(req->srv->reg, &c, key_id, &rows, &p)) {
        char location[64];
        snprintf(location, sizeof location, "/v1/datasets/%" PRId64, rows.v[0].id);
        http_add_header(req, "Location", location);
        r = reply_dataset(req, MHD_HTTP_CREATED, &rows.v[0]);
    } else {
        r = reply_failure(req, &p);
    }
    dataset_rows_free(&rows);
    dataset_create_free(&c);
    return r;
}

static bool parse_dataset_id(struct http_request *req, const char *param, int64_t *id,
                             enum MHD_Result *r)
{
    if (http_parse_id(param, id))
        return true;
    *r = reply_problem(req, PROBLEM_INVALID_PARAMETER, "id",
                       "the dataset id must be a positive integer");
    return false;
}

enum MHD_Result handle_dataset_get(struct http_request *req, const char *param)
{
    static const char *const none[] = {NULL};
    int64_t id;
    enum MHD_Result r;
    if (!parse_dataset_id(req, param, &id, &r) || !reply_check_query(req, none, &r))
        return r;
    struct dataset_rows rows;
    struct problem p;
    if (registry_dataset_get(req->srv->reg, id, &rows, &p))
        r = reply_dataset(req, MHD_HTTP_OK, &rows.v[0]);
    else
        r = reply_failure(req, &p);
    dataset_rows_free(&rows);
    return r;
}

enum MHD_Result handle_dataset_delete(struct http_request *req, const char *param)
{
    int64_t key_id = 0, id = 0;
    enum MHD_Result r;
    if (!change_begin(req, param, &key_id, &id, &r))
        return r;
    struct problem p;
    if (!registry_dataset_delete(req->srv->reg, id, key_id, &p))
        return reply_failure(req, &p);
    return reply_empty(req, MHD_HTTP_NO_CONTENT);
}

/* ---- GET /v1/datasets ---- */

static bool parse_filter(struct http_request *req, struct dataset_filter *f, char *signer_buf,
                         enum MHD_Result *r)
{
    static const char *const params[] = {"name", "signer", "limit", "cursor", NULL};
    memset(f, 0, sizeof *f);
    if (!reply_check_query(req, params, r) ||
        !reply_check_limit(req, LIST_DEFAULT_LIMIT, DATASET_LIST_MAX, &f->limit, r))
        return false;
    const char *v;
    if ((v = http_query(req, "name")) && (!*v || strlen(v) > DATASET_NAME_MAX)) {
        *r = reply_problem(req, PROBLEM_INVALID_PARAMETER, "name", "name must be 1 to %d bytes",
                           DATASET_NAME_MAX);
        return false;
    }
    f->name = v;
    if ((v = http_query(req, "signer")) && (!*v || strlen(v) >= SIGNER_MAX_LEN)) {
        *r = reply_problem(req, PROBLEM_INVALID_PARAMETER, "signer",
                           "signer must be a signer identity");
        return false;
    }
    f->signer = v ? sig_normalize_identity(v, signer_buf) : NULL;
    if ((v = http_query(req, "cursor"))) {
        if (!http_cursor_decode(v, &f->cursor_us, &f->cursor_id)) {
            *r = reply_problem(req, PROBLEM_INVALID_PARAMETER, "cursor",
                               "cursor must be a next_cursor value from an earlier reply");
            return false;
        }
        f->has_cursor = true;
    }
    return true;
}

static void write_list_dataset(struct jsonw *w, const void *rows, size_t i)
{
    write_dataset(w, &((const struct dataset_row *)rows)[i]);
}

static void list_dataset_cursor(const void *rows, size_t i, char out[PAGE_CURSOR_MAX])
{
    const struct dataset_row *last = &((const struct dataset_row *)rows)[i];
    http_cursor_encode(last->created_us, last->id, out);
}

enum MHD_Result handle_datasets_list(struct http_request *req, const char *param)
{
    (void)param;
    struct dataset_filter f;
    char signer_buf[SIGNER_MAX_LEN];
    enum MHD_Result r;
    if (!parse_filter(req, &f, signer_buf, &r))
        return r;
    unsigned limit = f.limit;
    f.limit = limit + 1; /* one more row tells whether there is a next page */
    f.max_bytes = req->srv->opt.max_reply;
    struct dataset_rows rows;
    struct problem p;
    if (!registry_datasets_list(req->srv->reg, &f, &rows, &p))
        return reply_failure(req, &p);
    const struct page_list list = {"datasets",         rows.v, rows.n, limit, write_list_dataset,
                                   list_dataset_cursor};
    r = page_reply_list(req, &list);
    dataset_rows_free(&rows);
    return r;
}

/* ---- members ---- */

/* The content hashes of an append: a text/plain list parsed while it arrived, or JSON. */
static bool append_hashes(struct http_request *req, struct hash_list *own,
                          const struct hash_list **out, enum MHD_Result *r)
{
    struct problem p;
    memset(own, 0, sizeof *own);
    if (req->lines) {
        if (!hash_lines_finish(req->lines, &p)) {
            *r = reply_failure(req, &p);
            return false;
        }
        *out = &req->lines->list;
        return true;
    }
    if (!http_is_json(req)) {
        *r = reply_problem(req, PROBLEM_UNSUPPORTED_MEDIA_TYPE, NULL,
                           "send members as application/json {\"content_hashes\": [...]} or as "
                           "text/plain, one sha256:<hex> per line");
        return false;
    }
    if (!hash_list_parse_json(req->body.data ? req->body.data : "", req->body.len, own, &p)) {
        *r = reply_failure(req, &p);
        return false;
    }
    *out = own;
    return true;
}

enum MHD_Result handle_dataset_members_post(struct http_request *req, const char *param)
{
    int64_t key_id = 0, id = 0;
    enum MHD_Result r;
    struct hash_list own;
    const struct hash_list *hashes;
    if (!change_begin(req, param, &key_id, &id, &r) || !append_hashes(req, &own, &hashes, &r))
        return r;
    struct dataset_append_result res;
    struct problem p;
    if (registry_dataset_append(req->srv->reg, id, key_id, hashes, &res, &p)) {
        struct buf body = BUF_INIT;
        struct jsonw w;
        jw_init(&w, &body);
        jw_object_begin(&w);
        jw_key(&w, "appended");
        jw_int(&w, (int64_t)res.appended);
        jw_key(&w, "duplicates");
        jw_int(&w, (int64_t)res.duplicates);
        jw_key(&w, "member_count");
        jw_int(&w, (int64_t)res.member_count);
        jw_key(&w, "members_root");
        if (res.members_root_hex[0])
            jw_string(&w, res.members_root_hex);
        else
            jw_null(&w);
        jw_object_end(&w);
        r = reply_json(req, MHD_HTTP_OK, &body);
    } else {
        r = reply_failure(req, &p);
    }
    hash_list_free(&own);
    return r;
}

struct position_page {
    int64_t id, after;
    unsigned limit;
};

/* A page request over positions: the dataset id, limit (def, max) and the cursor (the last
 * position seen; -1 for the first page). On false the reply is queued in *r. */
static bool parse_position_page(struct http_request *req, const char *param, unsigned def,
                                unsigned max, struct position_page *pg, enum MHD_Result *r)
{
    static const char *const params[] = {"limit", "cursor", NULL};
    pg->after = -1;
    if (!parse_dataset_id(req, param, &pg->id, r) || !reply_check_query(req, params, r) ||
        !reply_check_limit(req, def, max, &pg->limit, r))
        return false;
    const char *v = http_query(req, "cursor");
    uint64_t pos;
    if (v && (!parse_u64(v, &pos) || pos > INT64_MAX)) {
        *r = reply_problem(req, PROBLEM_INVALID_PARAMETER, "cursor",
                           "cursor must be a next_cursor value from an earlier reply");
        return false;
    }
    if (v)
        pg->after = (int64_t)pos;
    return true;
}

static void write_member(struct jsonw *w, const void *rows, size_t i)
{
    const struct dataset_member *m = &((const struct dataset_member *)rows)[i];
    char hex[CONTENT_HASH_STR_LEN + 1] = "sha256:";
    hex_encode(m->content_hash, SHA256_LEN, hex + 7);
    jw_object_begin(w);
    jw_key(w, "position");
    jw_int(w, (int64_t)m->position);
    jw_key(w, "content_hash");
    jw_string(w, hex);
    jw_object_end(w);
}

static void member_cursor(const void *rows, size_t i, char out[PAGE_CURSOR_MAX])
{
    snprintf(out, PAGE_CURSOR_MAX, "%" PRIu64, ((const struct dataset_member *)rows)[i].position);
}

enum MHD_Result handle_dataset_members_list(struct http_request *req, const char *param)
{
    struct position_page pg;
    enum MHD_Result r;
    if (!parse_position_page(req, param, MEMBERS_DEFAULT_LIMIT, DATASET_MEMBERS_MAX, &pg, &r))
        return r;
    int64_t id = pg.id, after = pg.after;
    unsigned limit = pg.limit;
    struct dataset_member *m = malloc((limit + 1) * sizeof *m);
    if (!m)
        return reply_problem(req, PROBLEM_INTERNAL, NULL, "out of memory");
    size_t n;
    struct problem p;
    if (!registry_dataset_members(req->srv->reg, id, after, limit + 1, m, &n, &p)) {
        free(m);
        return reply_failure(req, &p);
    }
    const struct page_list list = {"members", m, n, limit, write_member, member_cursor};
    r = page_reply_list(req, &list);
    free(m);
    return r;
}

/* ---- seal, receipt, proof ---- */

enum MHD_Result handle_dataset_seal(struct http_request *req, const char *param)
{
    int64_t key_id = 0, id = 0;
    enum MHD_Result r;
    if (!change_begin(req, param, &key_id, &id, &r) || !require_json(req, "seal", &r))
        return r;
    struct dataset_seal seal;
    struct problem p;
    if (!dataset_seal_parse(req->body.data ? req->body.data : "", req->body.len, &seal, &p))
        return reply_failure(req, &p);
    struct dataset_rows rows;
    if (registry_dataset_seal(req->srv->reg, id, key_id, &seal, &rows, &p))
        r = reply_dataset(req, MHD_HTTP_OK, &rows.v[0]);
    else
        r = reply_failure(req, &p);
    dataset_rows_free(&rows);
    return r;
}

enum MHD_Result handle_dataset_receipt(struct http_request *req, const char *param)
{
    static const char *const none[] = {NULL};
    int64_t id;
    enum MHD_Result r;
    if (!parse_dataset_id(req, param, &id, &r) || !reply_check_query(req, none, &r))
        return r;
    return http_reply_receipt_of(req, id, registry_dataset_receipt);
}

static void write_proof_hashes(struct jsonw *w, const uint8_t (*proof)[MERKLE_HASH_LEN], int n)
{
    char hex[2 * MERKLE_HASH_LEN + 1];
    jw_array_begin(w);
    for (int i = 0; i < n; i++) {
        hex_encode(proof[i], MERKLE_HASH_LEN, hex);
        jw_string(w, hex);
    }
    jw_array_end(w);
}

static enum MHD_Result reply_proof(struct http_request *req, int64_t id, const char *hash,
                                   const struct membership_proof *m)
{
    struct buf body = BUF_INIT;
    struct jsonw w;
    jw_init(&w, &body);
    jw_object_begin(&w);
    jw_key(&w, "dataset_id");
    jw_int(&w, id);
    jw_key(&w, "content_hash");
    jw_string(&w, hash);
    jw_key(&w, "position");
    jw_int(&w, (int64_t)m->position);
    jw_key(&w, "member_count");
    jw_int(&w, (int64_t)m->member_count);
    jw_key(&w, "members_root");
    jw_string(&w, m->members_root_hex);
    jw_key(&w, "inclusion_proof");
    write_proof_hashes(&w, (const uint8_t(*)[MERKLE_HASH_LEN])m->proof, m->n_proof);
    jw_key(&w, "dataset");
    http_write_receipt(&w, &m->dataset);
    jw_object_end(&w);
    if (!m->dataset.logged)
        http_add_header(req, "Retry-After", "1");
    return reply_json(req, m->dataset.logged ? MHD_HTTP_OK : MHD_HTTP_ACCEPTED, &body);
}

enum MHD_Result handle_dataset_proof(struct http_request *req, const char *param)
{
    static const char *const params[] = {"content_hash", NULL};
    int64_t id;
    enum MHD_Result r;
    if (!parse_dataset_id(req, param, &id, &r) || !reply_check_query(req, params, &r))
        return r;
    const char *hash_s = http_query(req, "content_hash");
    uint8_t hash[SHA256_LEN];
    if (!hash_s || !item_parse_content_hash(hash_s, hash))
        return reply_problem(req, PROBLEM_INVALID_PARAMETER, "content_hash",
                             "content_hash must be sha256: followed by 64 lowercase hex digits");
    struct membership_proof *m = malloc(sizeof *m);
    if (!m)
        return reply_problem(req, PROBLEM_INTERNAL, NULL, "out of memory");
    struct problem p;
    r = registry_dataset_proof(req->srv->reg, id, hash, m, &p) ? reply_proof(req, id, hash_s, m)
                                                               : reply_failure(req, &p);
    membership_proof_free(m);
    free(m);
    return r;
}

/* ---- audit ---- */

static void write_reasons(struct jsonw *w, unsigned reasons)
{
    jw_array_begin(w);
    for (unsigned i = 0; i < AUDIT_REASONS; i++)
        if (reasons & (1u << i))
            jw_string(w, audit_reason_name(i));
    jw_array_end(w);
}

static void write_nullable(struct jsonw *w, const char *key, const char *v)
{
    jw_key(w, key);
    if (v)
        jw_string(w, v);
    else
        jw_null(w);
}

static void write_failure(struct jsonw *w, const struct audit_member *m)
{
    char hash[CONTENT_HASH_STR_LEN + 1] = "sha256:";
    hex_encode(m->content_hash, SHA256_LEN, hash + 7);
    jw_object_begin(w);
    jw_key(w, "position");
    jw_int(w, (int64_t)m->position);
    jw_key(w, "content_hash");
    jw_string(w, hash);
    jw_key(w, "reasons");
    write_reasons(w, m->reasons);
    jw_key(w, "registrations_considered");
    jw_int(w, (int64_t)m->n_regs);
    jw_key(w, "registrations");
    jw_array_begin(w);
    for (size_t i = 0; i < m->n_shown; i++) {
        const struct audit_reg *g = &m->regs[i];
        jw_object_begin(w);
        jw_key(w, "id");
        jw_int(w, g->item_id);
        jw_key(w, "signer");
        jw_string(w, g->signer);
        jw_key(w, "log_index");
        if (g->logged)
            jw_int(w, (int64_t)g->log_index);
        else
            jw_null(w);
        write_nullable(w, "license", g->license);
        write_nullable(w, "content_usage", g->content_usage);
        jw_key(w, "reasons");
        write_reasons(w, g->reasons);
        jw_object_end(w);
    }
    jw_array_end(w);
    jw_object_end(w);
}

static void write_audit(struct jsonw *w, const struct audit_report *r)
{
    const struct dataset_row *d = &r->dataset.v[0];
    jw_object_begin(w);
    jw_key(w, "dataset_id");
    jw_int(w, d->id);
    jw_key(w, "status");
    jw_string(w, d->sealed ? "sealed" : "open");
    jw_key(w, "final");
    jw_bool(w, r->final);
    jw_key(w, "as_of");
    if (d->sealed) {
        jw_object_begin(w);
        jw_key(w, "log_index");
        if (r->final)
            jw_int(w, (int64_t)d->log_index);
        else
            jw_null(w);
        write_time(w, "sealed_at", true, d->sealed_us);
        jw_object_end(w);
    } else {
        jw_null(w);
    }
    jw_key(w, "policy");
    jw_raw(w, d->policy, d->policy_len);
    audit_totals_write(w, r);
    jw_key(w, "failures");
    jw_array_begin(w);
    for (size_t i = 0; i < r->n_failures; i++)
        write_failure(w, &r->failures[i]);
    jw_array_end(w);
    jw_key(w, "next_cursor");
    if (r->more && r->n_failures) {
        char cursor[24];
        snprintf(cursor, sizeof cursor, "%" PRIu64, r->failures[r->n_failures - 1].position);
        jw_string(w, cursor);
    } else {
        jw_null(w);
    }
    jw_object_end(w);
}

enum MHD_Result handle_dataset_audit(struct http_request *req, const char *param)
{
    struct position_page pg;
    enum MHD_Result r;
    if (!parse_position_page(req, param, AUDIT_PAGE_DEFAULT, AUDIT_PAGE_MAX, &pg, &r))
        return r;
    struct audit_report rep;
    struct problem p;
    if (registry_dataset_audit(req->srv->reg, pg.id, pg.after, pg.limit, &rep, &p)) {
        struct buf body = BUF_INIT;
        struct jsonw w;
        jw_init(&w, &body);
        write_audit(&w, &rep);
        r = reply_json(req, MHD_HTTP_OK, &body);
    } else {
        r = reply_failure(req, &p);
    }
    audit_report_free(&rep);
    return r;
}
