#include "db/items.h"
#include "db/exec.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/codec.h"
#include "db/anchors.h"

/* The ITEM_COL_* columns; p is the items table's alias with its dot, or "". */
#define ITEM_FIELDS(p)                                                                             \
    p "id, encode(" p "content_hash, 'hex'), " p "metadata, " p "signer, " p "sig_scheme, "        \
      "encode(" p "signature, 'hex'), "                                                            \
      "(extract(epoch FROM " p "registered_at) * 1000000)::bigint"
#define ITEM_COLUMNS                                                                               \
    ITEM_FIELDS("i.")                                                                              \
    ", e.log_index, sg.name, sg.revoked_at IS NOT NULL, "                                          \
    "e.log_index < (SELECT max(tree_size) FROM anchors WHERE status = 'confirmed')"
#define ITEM_FROM                                                                                  \
    " FROM items i LEFT JOIN log_entries e ON e.item_id = i.id "                                   \
    "LEFT JOIN signers sg ON sg.identity = i.signer "

/* A bigint parameter of microseconds since the epoch as a timestamptz. */
#define US_TS(p) "('epoch'::timestamptz + (" p ")::bigint * interval '1 microsecond')"

/* Inserts the registration and queues it for the log in one statement, or returns the stored
 * registration of the same signer and statement. */
static const struct db_stmt db_item_insert_stmt = {
    "db_item_insert",
    "WITH sg AS (SELECT name, revoked_at FROM signers WHERE identity = $4), "
    "ins AS (INSERT INTO items (content_hash, metadata, source_url, signer, sig_scheme, "
    "signature, statement_hash) SELECT $1, $2, $3, $4, $5, $6, $7 "
    "WHERE NOT EXISTS (SELECT 1 FROM sg WHERE revoked_at IS NOT NULL) "
    "AND (NOT $8::boolean OR EXISTS (SELECT 1 FROM sg)) "
    "ON CONFLICT (signer, statement_hash) DO NOTHING "
    "RETURNING " ITEM_FIELDS("") ", NULL::bigint, (SELECT name FROM sg), false, false, true), "
                                 "queued AS (INSERT INTO log_queue (item_id) SELECT id FROM ins) "
                                 "SELECT * FROM ins UNION ALL "
                                 "SELECT " ITEM_COLUMNS ", false" ITEM_FROM
                                 "WHERE i.signer = $4 AND i.statement_hash = $7 "
                                 "LIMIT 1",
    8};

#define INSERT_PARAMS 8
static const int insert_formats[INSERT_PARAMS] = {1, 0, 0, 0, 0, 1, 1, 0};

/* The db_item_insert_stmt parameters of req (borrowed). */
static void insert_params(const struct item_request *req, bool require_known,
                          const char *values[INSERT_PARAMS], int lengths[INSERT_PARAMS])
{
    const char *v[INSERT_PARAMS] = {(const char *)req->content_hash,
                                    req->metadata.data,
                                    req->source_url,
                                    req->signer,
                                    sig_scheme_name(req->scheme),
                                    (const char *)req->signature,
                                    (const char *)req->statement_hash,
                                    require_known ? "true" : "false"};
    const int l[INSERT_PARAMS] = {SHA256_LEN, 0, 0, 0, 0, (int)req->signature_len, SHA256_LEN, 0};
    memcpy(values, v, sizeof v);
    memcpy(lengths, l, sizeof l);
}

enum db_status db_item_insert(struct db_conn *conn, const struct item_request *req,
                              bool require_known, PGresult **res)
{
    const char *values[INSERT_PARAMS];
    int lengths[INSERT_PARAMS];
    insert_params(req, require_known, values, lengths);
    return db_exec(conn, &db_item_insert_stmt, values, lengths, insert_formats, res);
}

enum db_status db_item_insert_many(struct db_conn *conn, const struct item_request *const *reqs,
                                   size_t n, bool require_known, PGresult **res)
{
    const char **values = malloc(n * INSERT_PARAMS * sizeof *values);
    int *lengths = malloc(n * INSERT_PARAMS * sizeof *lengths);
    enum db_status st = DB_ERROR;
    if (!values || !lengths)
        goto out;
    for (size_t i = 0; i < n; i++)
        insert_params(reqs[i], require_known, values + i * INSERT_PARAMS,
                      lengths + i * INSERT_PARAMS);
    st = db_exec_many(conn, &db_item_insert_stmt, n, values, lengths, insert_formats, res);
out:
    free(values);
    free(lengths);
    return st;
}

/* Runs a statement whose one parameter is an item id. */
static enum db_status exec_by_id(struct db_conn *conn, const struct db_stmt *stmt, int64_t id,
                                 PGresult **res)
{
    char id_s[24];
    snprintf(id_s, sizeof id_s, "%" PRId64, id);
    const char *values[] = {id_s};
    return db_exec(conn, stmt, values, NULL, NULL, res);
}

static const struct db_stmt db_item_get_stmt = {
    "db_item_get", "SELECT " ITEM_COLUMNS ITEM_FROM "WHERE i.id = $1", 1};

enum db_status db_item_get(struct db_conn *conn, int64_t id, PGresult **res)
{
    return exec_by_id(conn, &db_item_get_stmt, id, res);
}

static const struct db_stmt db_item_get_for_receipt_stmt = {
    "db_item_get_for_receipt",
    "SELECT " ITEM_COLUMNS ", s.tree_size, c.note, an.*" ITEM_FROM
    "LEFT JOIN log_state s ON true LEFT JOIN log_checkpoints c ON c.tree_size = s.tree_size "
    "LEFT JOIN LATERAL (SELECT " DB_ANCHOR_COLUMNS
    " FROM anchors a WHERE a.tree_size > e.log_index "
    "AND a.status IN ('mined', 'confirmed') ORDER BY a.tree_size LIMIT 1) an ON true "
    "WHERE i.id = $1",
    1};

enum db_status db_item_get_for_receipt(struct db_conn *conn, int64_t id, PGresult **res)
{
    return exec_by_id(conn, &db_item_get_for_receipt_stmt, id, res);
}

static const struct db_stmt db_item_by_content_hash_stmt = {
    "db_item_by_content_hash",
    "SELECT " ITEM_COLUMNS ITEM_FROM "WHERE i.content_hash = $1 "
    "ORDER BY i.registered_at, i.id LIMIT $2",
    2};

enum db_status db_item_by_content_hash(struct db_conn *conn, const uint8_t hash[SHA256_LEN],
                                       unsigned limit, PGresult **res)
{
    char limit_s[16];
    snprintf(limit_s, sizeof limit_s, "%u", limit);
    const char *values[] = {(const char *)hash, limit_s};
    const int lengths[] = {SHA256_LEN, 0};
    const int formats[] = {1, 0};
    return db_exec(conn, &db_item_by_content_hash_stmt, values, lengths, formats, res);
}

static const struct db_stmt db_item_by_content_hashes_stmt = {
    "db_item_by_content_hashes",
    "SELECT r.* FROM unnest($1::text[]) WITH ORDINALITY AS h(hex, ord) CROSS JOIN LATERAL ("
    "SELECT " ITEM_COLUMNS
    ", h.ord, row_number() OVER (ORDER BY i.registered_at, i.id) AS rn" ITEM_FROM
    "WHERE i.content_hash = decode(h.hex, 'hex') "
    "ORDER BY i.registered_at, i.id LIMIT $2) r ORDER BY r.ord, r.rn",
    2};

enum db_status db_item_by_content_hashes(struct db_conn *conn, const uint8_t (*hashes)[SHA256_LEN],
                                         size_t n, unsigned limit, PGresult **res)
{
    struct buf array = BUF_INIT; /* {hex,hex,...}: hex needs no quoting */
    char hex[2 * SHA256_LEN + 1], limit_s[16];
    buf_putc(&array, '{');
    for (size_t i = 0; i < n; i++) {
        hex_encode(hashes[i], SHA256_LEN, hex);
        if (i)
            buf_putc(&array, ',');
        buf_append(&array, hex, 2 * SHA256_LEN);
    }
    buf_puts(&array, "}");
    snprintf(limit_s, sizeof limit_s, "%u", limit);
    enum db_status st = DB_ERROR;
    *res = NULL;
    if (!array.oom) {
        const char *values[] = {array.data, limit_s};
        st = db_exec(conn, &db_item_by_content_hashes_stmt, values, NULL, NULL, res);
    }
    buf_free(&array);
    return st;
}

/* The list query comes in one variant per leading index, so that each prepared (generic)
 * plan has a fixed index condition; the remaining filters are optional residual predicates.
 * Parameters: $1 content_hash, $2 signer, $3 source_url, $4 since_us, $5 until_us,
 * $6 cursor_us, $7 cursor_id, $8 limit. */
#define LIST_TAIL                                                                                  \
    " AND i.registered_at >= coalesce(" US_TS(                                                     \
        "$4") ", '-infinity') "                                                                    \
              "AND i.registered_at < coalesce(" US_TS(                                             \
                  "$5") ", 'infinity') "                                                           \
                        "AND (i.registered_at, i.id) > (coalesce(" US_TS(                          \
                            "$6") ", '-infinity'), "                                               \
                                  "coalesce($7::bigint, 0)) ORDER BY i.registered_at, i.id LIMIT " \
                                  "$8"
#define OPT_HASH        "($1::bytea IS NULL OR i.content_hash = $1)"
#define OPT_SIGNER      "($2::text IS NULL OR i.signer = $2)"
#define OPT_URL         "($3::text IS NULL OR i.source_url = $3)"
#define LIST_SQL(where) "SELECT " ITEM_COLUMNS ITEM_FROM "WHERE " where LIST_TAIL

static const struct db_stmt db_item_list_stmts[] = {
    {"db_item_list_by_content_hash", LIST_SQL("content_hash = $1 AND " OPT_SIGNER " AND " OPT_URL),
     8},
    {"db_item_list_by_signer", LIST_SQL("signer = $2 AND " OPT_HASH " AND " OPT_URL), 8},
    {"db_item_list_by_source_url", LIST_SQL("source_url = $3 AND " OPT_HASH " AND " OPT_SIGNER), 8},
    {"db_item_list_by_time", LIST_SQL(OPT_HASH " AND " OPT_SIGNER " AND " OPT_URL), 8},
};

enum db_status db_item_list(struct db_conn *conn, const struct item_filter *f, PGresult **res)
{
    char since[24], until[24], cur_us[24], cur_id[24], limit[16];
    snprintf(since, sizeof since, "%" PRId64, f->since_us);
    snprintf(until, sizeof until, "%" PRId64, f->until_us);
    snprintf(cur_us, sizeof cur_us, "%" PRId64, f->cursor_us);
    snprintf(cur_id, sizeof cur_id, "%" PRId64, f->cursor_id);
    snprintf(limit, sizeof limit, "%u", f->limit);
    const char *values[] = {f->has_content_hash ? (const char *)f->content_hash : NULL,
                            f->signer,
                            f->source_url,
                            f->has_since ? since : NULL,
                            f->has_until ? until : NULL,
                            f->has_cursor ? cur_us : NULL,
                            f->has_cursor ? cur_id : NULL,
                            limit};
    const int lengths[] = {SHA256_LEN, 0, 0, 0, 0, 0, 0, 0};
    const int formats[] = {1, 0, 0, 0, 0, 0, 0, 0};
    const struct db_stmt *stmt = f->has_content_hash ? &db_item_list_stmts[0]
                                 : f->signer         ? &db_item_list_stmts[1]
                                 : f->source_url     ? &db_item_list_stmts[2]
                                                     : &db_item_list_stmts[3];
    return db_exec(conn, stmt, values, lengths, formats, res);
}

void db_item_record(PGresult *res, int row, struct item_record *rec, struct item_strings *buf)
{
    const char *sig_hex = PQgetvalue(res, row, ITEM_COL_SIGNATURE);
    const char *scheme = PQgetvalue(res, row, ITEM_COL_SCHEME);
    enum sig_scheme s = sig_scheme_parse(scheme);
    uint8_t sig[128];
    size_t sig_len = strlen(sig_hex) / 2;
    if (sig_len > sizeof sig || !hex_decode(sig_hex, sig_len * 2, sig, sig_len, true))
        sig_len = 0;
    sig_format_value(s, sig, sig_len, buf->signature);
    format_rfc3339_us(strtoll(PQgetvalue(res, row, ITEM_COL_REGISTERED_US), NULL, 10),
                      buf->registered_at);
    *rec = (struct item_record){
        .content_hash_hex = PQgetvalue(res, row, ITEM_COL_CONTENT_HASH),
        .metadata = PQgetvalue(res, row, ITEM_COL_METADATA),
        .metadata_len = (size_t)PQgetlength(res, row, ITEM_COL_METADATA),
        .registered_at = buf->registered_at,
        .scheme = scheme,
        .key_field = sig_key_field(s),
        .public_key = PQgetvalue(res, row, ITEM_COL_SIGNER),
        .signature = buf->signature,
    };
}
