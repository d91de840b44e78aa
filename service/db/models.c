/* SPDX-License-Identifier: Apache-2.0 */
#include "db/models.h"
#include "db/columns.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"

void db_model_rows_read(const PGresult *res, int r, void *out, const void *arg)
{
    (void)arg;
    const char *datasets = db_str(res, r, MODEL_COL_DATASETS);
    *(struct model_row *)out = (struct model_row){
        .id = db_i64(res, r, MODEL_COL_ID),
        .f =
            {
                .name = PQgetvalue(res, r, MODEL_COL_NAME),
                .version = PQgetvalue(res, r, MODEL_COL_VERSION),
                .digest_hex = PQgetvalue(res, r, MODEL_COL_DIGEST),
                .model = PQgetvalue(res, r, MODEL_COL_MODEL),
                .model_len = (size_t)PQgetlength(res, r, MODEL_COL_MODEL),
                .datasets = datasets ? datasets : "[]",
                .datasets_len = datasets ? (size_t)PQgetlength(res, r, MODEL_COL_DATASETS) : 2,
                .metadata = PQgetvalue(res, r, MODEL_COL_METADATA),
                .metadata_len = (size_t)PQgetlength(res, r, MODEL_COL_METADATA),
            },
        .signer = PQgetvalue(res, r, MODEL_COL_SIGNER),
        .scheme = PQgetvalue(res, r, MODEL_COL_SCHEME),
        .signature_hex = PQgetvalue(res, r, MODEL_COL_SIGNATURE),
        .registered_us = db_i64(res, r, MODEL_COL_REGISTERED_US),
        .logged = !PQgetisnull(res, r, MODEL_COL_LOG_INDEX),
        .log_index = db_u64(res, r, MODEL_COL_LOG_INDEX),
        .signer_name = db_str(res, r, MODEL_COL_SIGNER_NAME),
        .signer_revoked = db_bool(res, r, MODEL_COL_SIGNER_REVOKED),
        .anchored = db_bool(res, r, MODEL_COL_ANCHORED),
    };
}

static enum db_status exec_models(struct db_conn *conn, const struct db_stmt *stmt,
                                  const char *const *values, const int *lengths, const int *formats,
                                  struct model_rows *out)
{
    PGresult *res = NULL;
    memset(out, 0, sizeof *out);
    enum db_status st = db_exec(conn, stmt, values, lengths, formats, &res);
    if (st != DB_OK)
        return st;
    out->v = db_rows(res, sizeof *out->v, db_model_rows_read, NULL, &out->n, &out->owner);
    return out->v ? DB_OK : DB_ERROR;
}

/* A bigint[] literal of n ids (the caller frees out). */
static void ids_literal(struct buf *out, const int64_t *ids, size_t stride, size_t n)
{
    buf_putc(out, '{');
    for (size_t i = 0; i < n; i++) {
        const int64_t *id = (const int64_t *)(const void *)((const char *)ids + i * stride);
        buf_printf(out, i ? ",%" PRId64 : "%" PRId64, *id);
    }
    buf_putc(out, '}');
}

static const struct db_stmt db_model_datasets_state_stmt = {
    "db_model_datasets_state",
    "SELECT d.id IS NOT NULL, d.status = 'sealed', encode(d.members_root, 'hex') "
    "FROM unnest($1::bigint[]) WITH ORDINALITY AS u(id, n) LEFT JOIN datasets d ON d.id = u.id "
    "ORDER BY u.n",
    1};

enum db_status db_model_datasets_state(struct db_conn *conn, const struct model_request *req,
                                       struct model_dataset_state *out)
{
    struct buf ids = BUF_INIT;
    ids_literal(&ids, &req->datasets[0].id, sizeof req->datasets[0], req->n_datasets);
    const char *values[] = {ids.data};
    PGresult *res = NULL;
    enum db_status st =
        ids.oom ? DB_ERROR : db_exec(conn, &db_model_datasets_state_stmt, values, NULL, NULL, &res);
    buf_free(&ids);
    if (st != DB_OK)
        return st;
    if ((size_t)PQntuples(res) != req->n_datasets) {
        PQclear(res);
        return DB_ERROR;
    }
    for (size_t i = 0; i < req->n_datasets; i++) {
        const char *root = db_str(res, (int)i, 2);
        out[i].found = db_bool(res, (int)i, 0);
        out[i].sealed = out[i].found && db_bool(res, (int)i, 1);
        snprintf(out[i].members_root_hex, sizeof out[i].members_root_hex, "%s", root ? root : "");
    }
    PQclear(res);
    return DB_OK;
}

static const struct db_stmt db_model_insert_stmt = {
    "db_model_insert",
    "WITH ins AS (INSERT INTO models (name, version, digest, model, metadata, signer, sig_scheme, "
    "signature, statement_hash, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) "
    "ON CONFLICT (signer, statement_hash) DO NOTHING RETURNING id), "
    "ds AS (INSERT INTO model_datasets (model_id, position, dataset_id) "
    "SELECT ins.id, u.n - 1, u.d FROM ins, unnest($11::bigint[]) WITH ORDINALITY AS u(d, n)), "
    "fs AS (INSERT INTO model_files (model_id, position, digest) "
    "SELECT ins.id, g, substring($12::bytea FROM g * 32 + 1 FOR 32) FROM ins, "
    "generate_series(0, length($12::bytea) / 32 - 1) g), "
    "q AS (INSERT INTO log_queue_models (model_id) SELECT id FROM ins) "
    "SELECT id FROM ins",
    12};

enum db_status db_model_insert(struct db_conn *conn, const struct model_request *req,
                               int64_t created_by, int64_t *id)
{
    char by[24];
    snprintf(by, sizeof by, "%" PRId64, created_by);
    struct buf ids = BUF_INIT;
    ids_literal(&ids, &req->datasets[0].id, sizeof req->datasets[0], req->n_datasets);
    const char *values[] = {req->name,
                            req->version,
                            (const char *)req->digest,
                            req->model.data,
                            req->metadata.data,
                            req->sig.signer,
                            sig_scheme_name(req->sig.scheme),
                            (const char *)req->sig.signature,
                            (const char *)req->statement_hash,
                            by,
                            ids.data,
                            req->files ? (const char *)req->files : ""};
    const int lengths[] = {0,          0, SHA256_LEN, 0,
                           0,          0, 0,          (int)req->sig.signature_len,
                           SHA256_LEN, 0, 0,          (int)(req->n_files * SHA256_LEN)};
    const int formats[] = {0, 0, 1, 0, 0, 0, 0, 1, 1, 0, 0, 1};
    PGresult *res = NULL;
    *id = 0;
    enum db_status st =
        ids.oom ? DB_ERROR : db_exec(conn, &db_model_insert_stmt, values, lengths, formats, &res);
    buf_free(&ids);
    if (st == DB_OK && PQntuples(res) == 1)
        *id = db_i64(res, 0, 0);
    PQclear(res);
    return st;
}

static const struct db_stmt db_model_get_stmt = {
    "db_model_get", "SELECT " MODEL_COLUMNS MODEL_FROM "WHERE m.id = $1", 1};

enum db_status db_model_get(struct db_conn *conn, int64_t id, struct model_rows *out)
{
    char id_s[24];
    snprintf(id_s, sizeof id_s, "%" PRId64, id);
    const char *values[] = {id_s};
    return exec_models(conn, &db_model_get_stmt, values, NULL, NULL, out);
}

static const struct db_stmt db_model_find_stmt = {
    "db_model_find",
    "SELECT " MODEL_COLUMNS MODEL_FROM "WHERE m.signer = $1 AND m.statement_hash = $2", 2};

enum db_status db_model_find(struct db_conn *conn, const char *signer,
                             const uint8_t statement_hash[SHA256_LEN], struct model_rows *out)
{
    const char *values[] = {signer, (const char *)statement_hash};
    const int lengths[] = {0, SHA256_LEN};
    const int formats[] = {0, 1};
    return exec_models(conn, &db_model_find_stmt, values, lengths, formats, out);
}

/* A lower bound of a model's bytes in a reply: its model object and metadata, and more than 256
 * bytes of the other members. */
#define MODEL_BYTES "(octet_length(m.model) + octet_length(m.metadata) + 256)"

static const struct db_stmt db_model_list_stmt = {
    "db_model_list",
    DB_PAGE("SELECT " MODEL_COLUMNS ", " DB_BYTES_BEFORE(MODEL_BYTES, "m.registered_at, m.id")
                MODEL_FROM "WHERE ($1::bytea IS NULL OR m.digest = $1 OR m.id IN "
                           "(SELECT f.model_id FROM model_files f WHERE f.digest = $1)) "
                           "AND ($2::text IS NULL OR m.name = $2) AND ($3::text IS NULL OR "
                           "m.signer = $3) AND ($4::bigint IS NULL OR m.id IN "
                           "(SELECT md.model_id FROM model_datasets md WHERE md.dataset_id = $4)) "
                           "AND ($5::bigint IS NULL OR (m.registered_at, m.id) > "
                           "(to_timestamp($5::bigint / 1e6), $6::bigint)) "
                           "ORDER BY m.registered_at, m.id LIMIT $7",
            "$8"),
    8};

enum db_status db_model_list(struct db_conn *conn, const struct model_filter *f,
                             struct model_rows *out)
{
    char dataset[24], cur_us[24], cur_id[24], limit[16], bytes[24];
    snprintf(dataset, sizeof dataset, "%" PRId64, f->dataset);
    snprintf(cur_us, sizeof cur_us, "%" PRId64, f->cursor_us);
    snprintf(cur_id, sizeof cur_id, "%" PRId64, f->cursor_id);
    snprintf(limit, sizeof limit, "%u", f->limit);
    snprintf(bytes, sizeof bytes, "%zu", f->max_bytes);
    const char *values[] = {f->has_digest ? (const char *)f->digest : NULL,
                            f->name,
                            f->signer,
                            f->dataset ? dataset : NULL,
                            f->has_cursor ? cur_us : NULL,
                            f->has_cursor ? cur_id : NULL,
                            limit,
                            bytes};
    const int lengths[] = {SHA256_LEN, 0, 0, 0, 0, 0, 0, 0};
    const int formats[] = {1, 0, 0, 0, 0, 0, 0, 0};
    return exec_models(conn, &db_model_list_stmt, values, lengths, formats, out);
}

static const struct db_stmt db_log_queue_models_stmt = {
    "db_log_queue_models",
    "SELECT " MODEL_COLUMNS MODEL_FROM "JOIN log_queue_models q ON q.model_id = m.id "
    "ORDER BY q.model_id LIMIT $1",
    1};

enum db_status db_log_queue_models(struct db_conn *conn, unsigned limit, struct model_rows *out)
{
    char limit_s[16];
    snprintf(limit_s, sizeof limit_s, "%u", limit);
    const char *values[] = {limit_s};
    return exec_models(conn, &db_log_queue_models_stmt, values, NULL, NULL, out);
}

static const struct db_stmt db_model_get_for_receipt_stmt = {
    "db_model_get_for_receipt",
    "SELECT " MODEL_COLUMNS ", " LOG_CONTEXT_COLUMNS ", " LOG_CONTEXT_SPAN_COLUMNS("e.log_index")
        MODEL_FROM LOG_CONTEXT_FROM("e.log_index") "WHERE m.id = $1",
    1};
static const struct db_stmt db_model_get_receipt_lean_stmt = {
    "db_model_get_receipt_lean",
    "SELECT " MODEL_COLUMNS ", s.context_tag" MODEL_FROM "LEFT JOIN log_state s ON true "
    "WHERE m.id = $1",
    1};

enum db_status db_model_get_for_receipt(struct db_conn *conn, int64_t id, bool lean,
                                        struct model_receipt_row *out)
{
    char id_s[24];
    snprintf(id_s, sizeof id_s, "%" PRId64, id);
    const char *values[] = {id_s};
    PGresult *res = NULL;
    memset(out, 0, sizeof *out);
    enum db_status st =
        db_exec(conn, lean ? &db_model_get_receipt_lean_stmt : &db_model_get_for_receipt_stmt,
                values, NULL, NULL, &res);
    if (st != DB_OK || PQntuples(res) == 0) {
        PQclear(res);
        return st;
    }
    out->found = true;
    db_model_rows_read(res, 0, &out->model, NULL);
    db_receipt_context_read(res, 0, MODEL_COL_COUNT_, lean, out->model.logged, out->model.log_index,
                            &out->context);
    db_own(&out->owner, res);
    return DB_OK;
}

static const struct db_stmt db_model_datasets_stmt = {
    "db_model_datasets",
    "SELECT " DATASET_COLUMNS DATASET_FROM "JOIN model_datasets md ON md.dataset_id = d.id "
    "WHERE md.model_id = $1 ORDER BY md.position",
    1};

enum db_status db_model_datasets(struct db_conn *conn, int64_t id, struct dataset_rows *out)
{
    char id_s[24];
    snprintf(id_s, sizeof id_s, "%" PRId64, id);
    const char *values[] = {id_s};
    PGresult *res = NULL;
    memset(out, 0, sizeof *out);
    enum db_status st = db_exec(conn, &db_model_datasets_stmt, values, NULL, NULL, &res);
    if (st != DB_OK)
        return st;
    out->v = db_rows(res, sizeof *out->v, db_dataset_rows_read, NULL, &out->n, &out->owner);
    return out->v ? DB_OK : DB_ERROR;
}

static const struct db_stmt db_model_dataset_containing_stmt = {
    "db_model_dataset_containing",
    "SELECT md.dataset_id FROM model_datasets md JOIN dataset_members dm "
    "ON dm.content_hash = $2 AND dm.dataset_id = md.dataset_id "
    "WHERE md.model_id = $1 ORDER BY md.position LIMIT 1",
    2};

enum db_status db_model_dataset_containing(struct db_conn *conn, int64_t id,
                                           const uint8_t hash[SHA256_LEN], int64_t *dataset)
{
    char id_s[24];
    snprintf(id_s, sizeof id_s, "%" PRId64, id);
    const char *values[] = {id_s, (const char *)hash};
    const int lengths[] = {0, SHA256_LEN};
    const int formats[] = {0, 1};
    PGresult *res = NULL;
    *dataset = 0;
    enum db_status st =
        db_exec(conn, &db_model_dataset_containing_stmt, values, lengths, formats, &res);
    if (st == DB_OK && PQntuples(res) == 1)
        *dataset = db_i64(res, 0, 0);
    PQclear(res);
    return st;
}

static const struct db_stmt db_items_logged_before_stmt = {
    "db_items_logged_before",
    "SELECT i.id FROM items i JOIN log_entries e ON e.item_id = i.id "
    "WHERE i.content_hash = $1 AND e.log_index < $2 ORDER BY e.log_index LIMIT $3",
    3};

enum db_status db_items_logged_before(struct db_conn *conn, const uint8_t hash[SHA256_LEN],
                                      uint64_t below, unsigned limit, int64_t *ids, size_t *n)
{
    char below_s[24], limit_s[16];
    snprintf(below_s, sizeof below_s, "%" PRIu64, below);
    snprintf(limit_s, sizeof limit_s, "%u", limit);
    const char *values[] = {(const char *)hash, below_s, limit_s};
    const int lengths[] = {SHA256_LEN, 0, 0};
    const int formats[] = {1, 0, 0};
    PGresult *res = NULL;
    *n = 0;
    enum db_status st = db_exec(conn, &db_items_logged_before_stmt, values, lengths, formats, &res);
    for (int r = 0; st == DB_OK && r < PQntuples(res) && *n < limit; r++)
        ids[(*n)++] = db_i64(res, r, 0);
    PQclear(res);
    return st;
}

static const struct db_stmt db_models_using_one_stmt = {
    "db_models_using_one", "SELECT 1::bigint, u.* FROM (" DB_USED_IN_OF("$2", "$1") ") u", 2};

static const struct db_stmt db_models_using_stmt = {
    "db_models_using",
    "SELECT x.g + 1, u.* FROM " HASHES_SQL("h") " x CROSS JOIN LATERAL (" DB_USED_IN_OF(
        "x.h", "$1") ") u ORDER BY x.g, u.registered_at, u.id",
    2};

void db_model_use_read(const PGresult *res, int r, int base, struct model_use *out)
{
    *out = (struct model_use){
        .id = db_i64(res, r, base),
        .name = PQgetvalue(res, r, base + 1),
        .version = PQgetvalue(res, r, base + 2),
        .digest_hex = PQgetvalue(res, r, base + 3),
        .dataset_ids = PQgetvalue(res, r, base + 4),
    };
}

static void read_model_use(const PGresult *res, int r, void *out, const void *arg)
{
    (void)arg;
    struct model_use *u = out;
    db_model_use_read(res, r, 1, u);
    u->lookup = (size_t)db_u64(res, r, 0);
}

/* Turns res (taken over) into uses. */
static enum db_status uses_take(PGresult *res, struct model_uses *out)
{
    memset(out, 0, sizeof *out);
    out->v = db_rows(res, sizeof *out->v, read_model_use, NULL, &out->n, &out->owner);
    return out->v ? DB_OK : DB_ERROR;
}

enum db_status db_models_using(struct db_conn *conn, const uint8_t (*hashes)[SHA256_LEN], size_t n,
                               unsigned limit, struct model_uses *out)
{
    char limit_s[16];
    snprintf(limit_s, sizeof limit_s, "%u", limit + 1);
    const char *values[] = {limit_s, (const char *)hashes[0]};
    const int lengths[] = {0, (int)(n * SHA256_LEN)};
    const int formats[] = {0, 1};
    PGresult *res = NULL;
    memset(out, 0, sizeof *out);
    enum db_status st = db_exec(conn, n > 1 ? &db_models_using_stmt : &db_models_using_one_stmt,
                                values, lengths, formats, &res);
    return st == DB_OK ? uses_take(res, out) : st;
}

void model_uses_free(struct model_uses *u)
{
    free(u->v);
    rows_owner_release(&u->owner);
    memset(u, 0, sizeof *u);
}
