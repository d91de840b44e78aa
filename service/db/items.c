/* SPDX-License-Identifier: Apache-2.0 */
#include "db/items.h"
#include "db/columns.h"

#include <inttypes.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/codec.h"
#include "db/events.h"

void db_item_row_read(const PGresult *res, int row, bool full, struct item_row *out)
{
    *out = (struct item_row){
        .id = db_i64(res, row, ITEM_COL_ID),
        .content_hash_hex = PQgetvalue(res, row, ITEM_COL_CONTENT_HASH),
        .metadata = PQgetvalue(res, row, ITEM_COL_METADATA),
        .metadata_len = (size_t)PQgetlength(res, row, ITEM_COL_METADATA),
        .signer = PQgetvalue(res, row, ITEM_COL_SIGNER),
        .scheme = PQgetvalue(res, row, ITEM_COL_SCHEME),
        .signature_hex = PQgetvalue(res, row, ITEM_COL_SIGNATURE),
        .registered_us = db_i64(res, row, ITEM_COL_REGISTERED_US),
    };
    if (!full)
        return;
    out->logged = !PQgetisnull(res, row, ITEM_COL_LOG_INDEX);
    out->log_index = out->logged ? db_u64(res, row, ITEM_COL_LOG_INDEX) : 0;
    out->signer_name = db_str(res, row, ITEM_COL_SIGNER_NAME);
    out->signer_revoked = db_bool(res, row, ITEM_COL_SIGNER_REVOKED);
    out->anchored = db_bool(res, row, ITEM_COL_ANCHORED);
}

/* What a statement adds after ITEM_COLUMNS. */
enum item_extra { EXTRA_NONE, EXTRA_CREATED, EXTRA_LOOKUP };

void db_item_fields_read(const PGresult *res, int r, void *out, const void *arg)
{
    (void)arg;
    db_item_row_read(res, r, false, out);
}

/* A db_row_reader of ITEM_COLUMNS and the extra column *arg (an enum item_extra). */
static void read_item(const PGresult *res, int r, void *out, const void *arg)
{
    enum item_extra extra = *(const enum item_extra *)arg;
    struct item_row *row = out;
    db_item_row_read(res, r, true, row);
    if (extra == EXTRA_CREATED)
        row->created = db_bool(res, r, ITEM_COL_COUNT_);
    else if (extra == EXTRA_LOOKUP) {
        row->lookup = (size_t)db_u64(res, r, ITEM_COL_COUNT_);
        row->withheld = db_bool(res, r, ITEM_COL_COUNT_ + 1);
    }
}

/* Turns res (taken over, also on failure) into rows. */
static enum db_status to_rows(PGresult *res, enum item_extra extra, struct item_rows *out)
{
    memset(out, 0, sizeof *out);
    out->v = db_rows(res, sizeof *out->v, read_item, &extra, &out->n, &out->owner);
    return out->v ? DB_OK : DB_ERROR;
}

/* Runs a statement and turns its result into rows. */
static enum db_status exec_rows(struct db_conn *conn, const struct db_stmt *stmt,
                                const char *const *values, const int *lengths, const int *formats,
                                enum item_extra extra, struct item_rows *out)
{
    PGresult *res = NULL;
    memset(out, 0, sizeof *out);
    enum db_status st = db_exec(conn, stmt, values, lengths, formats, &res);
    return st == DB_OK ? to_rows(res, extra, out) : st;
}

/* A bigint parameter of microseconds since the epoch as a timestamptz. */
#define US_TS(p) "('epoch'::timestamptz + (" p ")::bigint * interval '1 microsecond')"

/* Inserts the registration and queues it for the log in one statement, or returns the stored
 * registration of the same signer and statement. The transaction takes its id before the item
 * draws its own (db/events.h: the event feed's settled horizon relies on it). told is "" or a
 * RETURNING clause of the queue insert that NOTIFYs the event feed. */
// clang-format off
#define ITEM_INSERT_SQL(told)                                                                      \
    "WITH sg AS (SELECT name, revoked_at FROM signers WHERE identity = $4), "                      \
    "ins AS (INSERT INTO items (content_hash, metadata, source_url, signer, sig_scheme, "          \
    "signature, statement_hash) SELECT $1, $2, $3, $4, $5, $6, $7 "                                \
    "WHERE pg_current_xact_id() IS NOT NULL "                                                      \
    "AND NOT EXISTS (SELECT 1 FROM sg WHERE revoked_at IS NOT NULL) "                              \
    "AND (NOT $8::boolean OR EXISTS (SELECT 1 FROM sg)) "                                          \
    "ON CONFLICT (signer, statement_hash) DO NOTHING "                                             \
    "RETURNING " ITEM_FIELDS("") ", NULL::bigint, (SELECT name FROM sg), false, false, true), "    \
    "queued AS (INSERT INTO log_queue (item_id) SELECT id FROM ins" told ") "                      \
    "SELECT * FROM ins UNION ALL "                                                                 \
    "SELECT " ITEM_COLUMNS ", false" ITEM_FROM "WHERE i.signer = $4 AND i.statement_hash = $7 "    \
    "LIMIT 1"
// clang-format on

static const struct db_stmt db_item_insert_stmt = {"db_item_insert", ITEM_INSERT_SQL(""), 8};
/* The same, announcing the registration to the event feeds (NOTIFY, sent at commit). */
static const struct db_stmt db_item_insert_told_stmt = {
    "db_item_insert_told", ITEM_INSERT_SQL(" RETURNING pg_notify('" DB_EVENTS_CHANNEL "', 'r')"),
    8};

/* A NOTIFY makes its transaction take a lock that serialises every notifying commit in the
 * cluster until it is flushed, which at thousands of registrations a second would cap them at
 * one commit per WAL flush. So a process announces registrations at most every
 * ANNOUNCE_EVERY_MS: the feeds read every registration past their position whenever they wake
 * (and stay awake a while after a notification, registry/events.h), so one NOTIFY covers those that
 * follow it within the window. */
#define ANNOUNCE_EVERY_MS 20
static _Atomic int64_t announce_after_ms;

static const struct db_stmt *insert_stmt(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    int64_t now = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    int64_t after = atomic_load(&announce_after_ms);
    if (now < after ||
        !atomic_compare_exchange_strong(&announce_after_ms, &after, now + ANNOUNCE_EVERY_MS))
        return &db_item_insert_stmt;
    return &db_item_insert_told_stmt;
}

#define INSERT_PARAMS 8
static const int insert_formats[INSERT_PARAMS] = {1, 0, 0, 0, 0, 1, 1, 0};

/* The db_item_insert_stmt parameters of req (borrowed). */
static void insert_params(const struct item_request *req, bool require_known,
                          const char *values[INSERT_PARAMS], int lengths[INSERT_PARAMS])
{
    const char *v[INSERT_PARAMS] = {(const char *)req->content_hash,
                                    req->metadata.data,
                                    req->source_url,
                                    req->sig.signer,
                                    sig_scheme_name(req->sig.scheme),
                                    (const char *)req->sig.signature,
                                    (const char *)req->statement_hash,
                                    require_known ? "true" : "false"};
    const int l[INSERT_PARAMS] = {SHA256_LEN, 0, 0, 0, 0, (int)req->sig.signature_len,
                                  SHA256_LEN, 0};
    memcpy(values, v, sizeof v);
    memcpy(lengths, l, sizeof l);
}

enum db_status db_item_insert(struct db_conn *conn, const struct item_request *req,
                              bool require_known, struct item_rows *out)
{
    const char *values[INSERT_PARAMS];
    int lengths[INSERT_PARAMS];
    insert_params(req, require_known, values, lengths);
    return exec_rows(conn, insert_stmt(), values, lengths, insert_formats, EXTRA_CREATED, out);
}

/* db_item_insert for many registrations in one statement: the requests come as arrays
 * (unnested WITH ORDINALITY, k is the request's position from 1), every row of the result
 * carries its k. A registration's first occurrence in the arrays is the one inserted (and
 * answered "created"); a later occurrence of the same (signer, statement) gets no row, since
 * the statement's snapshot does not see what the statement inserted: its caller resolves it
 * after the commit. */
// clang-format off
#define ITEM_INSERT_MANY_SQL(told)                                                                 \
    "WITH r AS (SELECT * FROM unnest(" DB_ARRAY("$1", "bytea") ", " DB_ARRAY("$2", "text") ", "     \
    DB_ARRAY("$3", "text") ", " DB_ARRAY("$4", "text") ", " DB_ARRAY("$5", "text") ", "             \
    DB_ARRAY("$6", "bytea") ", " DB_ARRAY("$7", "bytea") ") WITH ORDINALITY AS r(content_hash, "    \
    "metadata, source_url, signer, sig_scheme, signature, statement_hash, k)), "                   \
    "sg AS (SELECT identity, name, revoked_at FROM signers "                                       \
    "WHERE identity IN (SELECT signer FROM r)), "                                                  \
    "ins AS (INSERT INTO items (content_hash, metadata, source_url, signer, sig_scheme, "          \
    "signature, statement_hash) SELECT r.content_hash, r.metadata, r.source_url, r.signer, "       \
    "r.sig_scheme, r.signature, r.statement_hash FROM r LEFT JOIN sg ON sg.identity = r.signer "   \
    "WHERE pg_current_xact_id() IS NOT NULL AND sg.revoked_at IS NULL "                            \
    "AND (NOT $8::boolean OR sg.identity IS NOT NULL) ORDER BY r.k "                               \
    "ON CONFLICT (signer, statement_hash) DO NOTHING "                                             \
    "RETURNING id, content_hash, metadata, signer, sig_scheme, signature, registered_at, "         \
    "statement_hash), "                                                                            \
    "queued AS (INSERT INTO log_queue (item_id) SELECT id FROM ins ORDER BY id" told "), "         \
    "firsts AS (SELECT signer, statement_hash, min(k) AS k FROM r GROUP BY 1, 2) "                 \
    "SELECT " ITEM_FIELDS("ins.") ", NULL::bigint, sg.name, false, false, true, f.k "              \
    "FROM ins JOIN firsts f USING (signer, statement_hash) LEFT JOIN sg ON sg.identity = ins.signer "\
    "UNION ALL SELECT " ITEM_COLUMNS ", false, r.k FROM r JOIN items i "                           \
    "ON i.signer = r.signer AND i.statement_hash = r.statement_hash "                              \
    "LEFT JOIN log_entries e ON e.item_id = i.id LEFT JOIN signers sg ON sg.identity = i.signer"
// clang-format on

static const struct db_stmt db_item_insert_many_stmt = {"db_item_insert_many",
                                                        ITEM_INSERT_MANY_SQL(""), 8};
static const struct db_stmt db_item_insert_many_told_stmt = {
    "db_item_insert_many_told",
    ITEM_INSERT_MANY_SQL(" RETURNING pg_notify('" DB_EVENTS_CHANNEL "', 'r')"), 8};

/* PostgreSQL's binary array format (array_send): a one-dimensional array of n elements of type
 * oid, each added with array_put (NULL data: a NULL element). */
#define OID_INT8  20
#define OID_BYTEA 17
#define OID_TEXT  25

static void put_be32(struct buf *b, uint32_t v)
{
    const unsigned char c[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16),
                                (unsigned char)(v >> 8), (unsigned char)v};
    buf_append(b, c, sizeof c);
}

static void array_begin(struct buf *b, size_t n, uint32_t oid)
{
    put_be32(b, 1);           /* dimensions */
    put_be32(b, 1);           /* may hold NULLs */
    put_be32(b, oid);         /* element type */
    put_be32(b, (uint32_t)n); /* length */
    put_be32(b, 1);           /* lower bound */
}

static void array_put(struct buf *b, const void *data, size_t len)
{
    put_be32(b, data ? (uint32_t)len : UINT32_MAX);
    if (data)
        buf_append(b, data, len);
}

static void array_put_i64(struct buf *b, int64_t v)
{
    put_be32(b, 8);
    put_be32(b, (uint32_t)((uint64_t)v >> 32));
    put_be32(b, (uint32_t)v);
}

#define MANY_ARRAYS 7
static const uint32_t many_oids[MANY_ARRAYS] = {OID_BYTEA, OID_TEXT,  OID_TEXT, OID_TEXT,
                                                OID_TEXT,  OID_BYTEA, OID_BYTEA};

/* The arrays of db_item_insert_many_stmt for reqs (the caller frees a[]). */
static bool many_arrays(const struct item_request *const *reqs, size_t n, struct buf a[MANY_ARRAYS])
{
    for (int c = 0; c < MANY_ARRAYS; c++)
        array_begin(&a[c], n, many_oids[c]);
    for (size_t i = 0; i < n; i++) {
        const struct item_request *q = reqs[i];
        const char *scheme = sig_scheme_name(q->sig.scheme);
        array_put(&a[0], q->content_hash, SHA256_LEN);
        array_put(&a[1], q->metadata.data, q->metadata.len);
        array_put(&a[2], q->source_url, q->source_url ? strlen(q->source_url) : 0);
        array_put(&a[3], q->sig.signer, strlen(q->sig.signer));
        array_put(&a[4], scheme, strlen(scheme));
        array_put(&a[5], q->sig.signature, q->sig.signature_len);
        array_put(&a[6], q->statement_hash, SHA256_LEN);
    }
    bool ok = true;
    for (int c = 0; c < MANY_ARRAYS; c++)
        ok = ok && !a[c].oom && a[c].len <= INT_MAX;
    return ok;
}

/* One result shared by the rows of several registrations: the last release frees it. */
struct shared_result {
    PGresult *res;
    atomic_size_t refs;
};

static void shared_release(void *ptr)
{
    struct shared_result *s = ptr;
    if (atomic_fetch_sub(&s->refs, 1) == 1) {
        PQclear(s->res);
        free(s);
    }
}

/* Gives out[k - 1] the row of res that carries k (the first, should there be two). */
static enum db_status many_rows(PGresult *res, size_t n, struct item_rows *out)
{
    struct shared_result *s = malloc(sizeof *s);
    if (!s) {
        PQclear(res);
        return DB_ERROR;
    }
    s->res = res;
    atomic_init(&s->refs, 1); /* this function's own reference */
    const enum item_extra extra = EXTRA_CREATED;
    enum db_status st = DB_OK;
    for (int r = 0; r < PQntuples(res) && st == DB_OK; r++) {
        int64_t k = db_i64(res, r, ITEM_COL_COUNT_ + 1);
        if (k < 1 || (uint64_t)k > n || out[k - 1].n)
            continue;
        struct item_rows *o = &out[k - 1];
        if (!(o->v = calloc(1, sizeof *o->v))) {
            st = DB_ERROR;
            break;
        }
        read_item(res, r, o->v, &extra);
        o->n = 1;
        atomic_fetch_add(&s->refs, 1);
        o->owner = (struct rows_owner){s, shared_release};
    }
    shared_release(s);
    return st;
}

enum db_status db_item_insert_many(struct db_conn *conn, const struct item_request *const *reqs,
                                   size_t n, bool require_known, struct item_rows *out)
{
    struct buf a[MANY_ARRAYS] = {BUF_INIT, BUF_INIT, BUF_INIT, BUF_INIT,
                                 BUF_INIT, BUF_INIT, BUF_INIT};
    const char *values[MANY_ARRAYS + 1];
    int lengths[MANY_ARRAYS + 1];
    static const int formats[MANY_ARRAYS + 1] = {1, 1, 1, 1, 1, 1, 1, 0};
    enum db_status st = DB_ERROR;
    memset(out, 0, n * sizeof *out);
    if (!many_arrays(reqs, n, a))
        goto out;
    for (int c = 0; c < MANY_ARRAYS; c++) {
        values[c] = a[c].data;
        lengths[c] = (int)a[c].len;
    }
    values[MANY_ARRAYS] = require_known ? "true" : "false";
    lengths[MANY_ARRAYS] = 0;
    const struct db_stmt *stmt = insert_stmt() == &db_item_insert_stmt
                                     ? &db_item_insert_many_stmt
                                     : &db_item_insert_many_told_stmt;
    PGresult *res = NULL;
    st = db_exec(conn, stmt, values, lengths, formats, &res);
    if (st == DB_OK)
        st = many_rows(res, n, out);
    if (st != DB_OK)
        for (size_t i = 0; i < n; i++)
            item_rows_free(&out[i]);
out:
    for (int c = 0; c < MANY_ARRAYS; c++)
        buf_free(&a[c]);
    return st;
}

static const struct db_stmt db_item_get_stmt = {
    "db_item_get", "SELECT " ITEM_COLUMNS ITEM_FROM "WHERE i.id = $1", 1};

enum db_status db_item_get(struct db_conn *conn, int64_t id, struct item_rows *out)
{
    char id_s[24];
    snprintf(id_s, sizeof id_s, "%" PRId64, id);
    const char *values[] = {id_s};
    return exec_rows(conn, &db_item_get_stmt, values, NULL, NULL, EXTRA_NONE, out);
}

static const struct db_stmt db_item_get_for_receipt_stmt = {
    "db_item_get_for_receipt",
    "SELECT " ITEM_COLUMNS ", " LOG_CONTEXT_COLUMNS ", " LOG_CONTEXT_SPAN_COLUMNS("e.log_index")
        ITEM_FROM LOG_CONTEXT_FROM("e.log_index") "WHERE i.id = $1",
    1};

/* The record, its log index and the log's context tag (sql/0011). */
// clang-format off
#define RECEIPT_LEAN_SQL                                                                           \
    "SELECT " ITEM_FIELDS("i.") ", e.log_index, s.context_tag FROM items i "                       \
    "LEFT JOIN log_entries e ON e.item_id = i.id LEFT JOIN log_state s ON true WHERE i.id = $1"
// clang-format on
enum { LEAN_COL_LOG_INDEX = ITEM_COL_FIELDS_, LEAN_COL_TAG };
static const struct db_stmt db_item_get_receipt_lean_stmt = {"db_item_get_receipt_lean",
                                                             RECEIPT_LEAN_SQL, 1};

enum db_status db_item_get_for_receipt(struct db_conn *conn, int64_t id, bool lean,
                                       struct item_receipt_row *out)
{
    char id_s[24];
    snprintf(id_s, sizeof id_s, "%" PRId64, id);
    const char *values[] = {id_s};
    PGresult *res = NULL;
    memset(out, 0, sizeof *out);
    enum db_status st =
        db_exec(conn, lean ? &db_item_get_receipt_lean_stmt : &db_item_get_for_receipt_stmt, values,
                NULL, NULL, &res);
    if (st != DB_OK || PQntuples(res) == 0) {
        PQclear(res);
        return st;
    }
    out->found = true;
    struct item_row *item = &out->item;
    db_item_row_read(res, 0, !lean, item);
    if (lean) {
        item->logged = !PQgetisnull(res, 0, LEAN_COL_LOG_INDEX);
        item->log_index = item->logged ? db_u64(res, 0, LEAN_COL_LOG_INDEX) : 0;
    }
    db_receipt_context_read(res, 0, lean ? LEAN_COL_TAG : ITEM_COL_COUNT_, lean, item->logged,
                            item->log_index, &out->context);
    db_own(&out->owner, res);
    return DB_OK;
}

/* One statement for the provenance lookups of a group (a statement costs PostgreSQL more than
 * these index lookups do: one per lookup had held the rate to a third of what sharing gives).
 * Per hash of $1 (bytea[]) with its limit ($2) and reply budget ($3: DB_PAGE), in order: the
 * page of its registrations, then up to $4 sealed datasets containing it and up to $4 models
 * trained on them, told apart by the kind column (PROV_COL_KIND) and kept in order by
 * PROV_COL_ORD; the lookup's 1-based position comes last (PROV_COL_LOOKUP). The uses' columns
 * (PROV_COL_USE, NULL in the registrations' rows) hold the dataset's position as text where the
 * model's digest goes (every value comes as text anyway). The registrations are read per hash
 * (each page has a limit of its own), the datasets and models of all the hashes in one pass
 * each (DB_USES_OF_EACH): a sort and a limit per hash of those had cost a fifth of the
 * statement. The arrays are read through sub-selects (DB_ARRAY): see db/exec.h. */
enum { PROV_ITEM, PROV_DATASET, PROV_MODEL, PROV_KINDS };
enum {
    PROV_COL_KIND = ITEM_COL_COUNT_ + 2, /* after DB_PAGE's page_row and bytes_before */
    PROV_COL_ORD,
    PROV_COL_USE, /* id, name, version, position or digest, dataset ids */
    PROV_COL_LOOKUP = PROV_COL_USE + 5,
};
#define PROV_NO_ITEM "NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL"
#define PROV_NO_USE  "NULL::bigint, NULL::text, NULL::text, NULL::text, NULL::text"
// clang-format off
#define PROV_HASHES "unnest(" DB_ARRAY("$1", "bytea") ") WITH ORDINALITY AS h(hash, ord)"
#define PROVENANCE_MANY_SQL                                                                        \
    "SELECT x.* FROM (SELECT pg.*, 0 AS kind, pg.page_row AS ord, " PROV_NO_USE ", h.ord AS lookup " \
    "FROM unnest(" DB_ARRAY("$1", "bytea") ", " DB_ARRAY("$2", "bigint") ", "                       \
    DB_ARRAY("$3", "bigint") ") WITH ORDINALITY "                                                   \
    "AS h(hash, lim, budget, ord) CROSS JOIN LATERAL ("                                           \
    DB_PAGE("SELECT " ITEM_COLUMNS ", " DB_BYTES_BEFORE(ITEM_BYTES("i.metadata"),                  \
                                                        "i.registered_at, i.id") ITEM_FROM         \
            "WHERE i.content_hash = h.hash ORDER BY i.registered_at, i.id LIMIT h.lim", "h.budget") \
    ") pg UNION ALL SELECT " PROV_NO_ITEM ", 1, u.rn, u.id, u.name, u.version, u.position::text, " \
    "NULL, u.ord FROM (" DB_USES_OF_EACH(PROV_HASHES) ") u WHERE u.rn <= $4 "                       \
    "UNION ALL SELECT " PROV_NO_ITEM ", 2, u.rn, u.id, u.name, u.version, u.digest, "               \
    "u.dataset_ids, u.ord FROM (" DB_USED_IN_OF_EACH(PROV_HASHES) ") u WHERE u.rn <= $4"            \
    ") x ORDER BY x.lookup, x.kind, x.ord"
// clang-format on
static const struct db_stmt db_item_provenance_many_stmt = {"db_item_provenance_many",
                                                            PROVENANCE_MANY_SQL, 4};

/* The lookup (0-based) and kind of row r of res, false when they are out of range. */
static bool prov_row(const PGresult *res, int r, size_t n, size_t *at, int *kind)
{
    int64_t k = db_i64(res, r, PROV_COL_LOOKUP);
    long c = strtol(PQgetvalue(res, r, PROV_COL_KIND), NULL, 10);
    if (k < 1 || (uint64_t)k > n || c < PROV_ITEM || c >= PROV_KINDS)
        return false;
    *at = (size_t)k - 1;
    *kind = (int)c;
    return true;
}

/* Room in q[] for the rows of each lookup and kind of res. */
static bool prov_alloc(const PGresult *res, struct db_lookup *q, size_t n)
{
    size_t at;
    int kind;
    for (int r = 0; r < PQntuples(res); r++)
        if (prov_row(res, r, n, &at, &kind))
            *(kind == PROV_ITEM      ? &q[at].items.n
              : kind == PROV_DATASET ? &q[at].uses.n
                                     : &q[at].models.n) += 1;
    bool ok = true;
    for (size_t k = 0; k < n; k++) {
        q[k].items.v = calloc(q[k].items.n + 1, sizeof *q[k].items.v);
        q[k].uses.v = calloc(q[k].uses.n + 1, sizeof *q[k].uses.v);
        q[k].models.v = calloc(q[k].models.n + 1, sizeof *q[k].models.v);
        ok = ok && q[k].items.v && q[k].uses.v && q[k].models.v;
        q[k].items.n = q[k].uses.n = q[k].models.n = 0;
    }
    return ok;
}

/* Splits res (taken over, also on failure) into each lookup's lists; each lookup's items hold a
 * reference to it (the uses' strings point into it too). */
static enum db_status prov_take(PGresult *res, struct db_lookup *q, size_t n)
{
    struct shared_result *s = malloc(sizeof *s);
    if (!s || !prov_alloc(res, q, n)) {
        free(s);
        PQclear(res);
        return DB_ERROR;
    }
    s->res = res;
    atomic_init(&s->refs, 1 + n); /* this function's own reference, and one per lookup */
    enum item_extra extra = EXTRA_NONE;
    size_t at;
    int kind;
    for (int r = 0; r < PQntuples(res); r++) {
        if (!prov_row(res, r, n, &at, &kind))
            continue;
        if (kind == PROV_ITEM)
            read_item(res, r, &q[at].items.v[q[at].items.n++], &extra);
        else if (kind == PROV_DATASET)
            db_dataset_use_read(res, r, PROV_COL_USE, &q[at].uses.v[q[at].uses.n++]);
        else
            db_model_use_read(res, r, PROV_COL_USE, &q[at].models.v[q[at].models.n++]);
    }
    for (size_t k = 0; k < n; k++) {
        q[k].items.owner = (struct rows_owner){s, shared_release};
        for (size_t i = 0; i < q[k].uses.n; i++)
            q[k].uses.v[i].lookup = 1;
        for (size_t i = 0; i < q[k].models.n; i++)
            q[k].models.v[i].lookup = 1;
    }
    shared_release(s);
    return DB_OK;
}

/* Empties each lookup's lists, freeing what they hold (free: false when they hold nothing yet). */
static void prov_clear(struct db_lookup *q, size_t n, bool free_lists)
{
    for (size_t k = 0; k < n; k++) {
        if (free_lists) {
            item_rows_free(&q[k].items);
            dataset_uses_free(&q[k].uses);
            model_uses_free(&q[k].models);
        }
        memset(&q[k].items, 0, sizeof q[k].items);
        memset(&q[k].uses, 0, sizeof q[k].uses);
        memset(&q[k].models, 0, sizeof q[k].models);
    }
}

enum db_status db_item_provenance_many(struct db_conn *conn, struct db_lookup *q, size_t n,
                                       unsigned uses_limit)
{
    struct buf a[3] = {BUF_INIT, BUF_INIT, BUF_INIT};
    static const int formats[4] = {1, 1, 1, 0};
    const char *values[4];
    int lengths[4] = {0, 0, 0, 0};
    char uses_s[16];
    enum db_status st = DB_ERROR;
    prov_clear(q, n, false);
    array_begin(&a[0], n, OID_BYTEA);
    array_begin(&a[1], n, OID_INT8);
    array_begin(&a[2], n, OID_INT8);
    for (size_t k = 0; k < n; k++) {
        array_put(&a[0], q[k].hash, SHA256_LEN);
        array_put_i64(&a[1], q[k].limit);
        array_put_i64(&a[2], q[k].max_bytes > INT64_MAX ? INT64_MAX : (int64_t)q[k].max_bytes);
    }
    if (a[0].oom || a[1].oom || a[2].oom)
        goto out;
    for (int c = 0; c < 3; c++) {
        values[c] = a[c].data;
        lengths[c] = (int)a[c].len;
    }
    snprintf(uses_s, sizeof uses_s, "%u", uses_limit);
    values[3] = uses_s;
    PGresult *res = NULL;
    st = db_exec(conn, &db_item_provenance_many_stmt, values, lengths, formats, &res);
    if (st == DB_OK)
        st = prov_take(res, q, n);
    if (st != DB_OK)
        prov_clear(q, n, true);
out:
    for (int c = 0; c < 3; c++)
        buf_free(&a[c]);
    return st;
}

/* Per hash ($1, in order) its oldest $2 + 1 registrations (y, the columns named c0 to c10 to
 * pick them below), their bytes summed over the whole reply in order (x, the one more row
 * counting nothing), and of those the rows that tell the reply something: the $2 oldest that
 * start within the budget $3 with their metadata, and withheld (the metadata NULL) the first of
 * each hash (it is registered), the one more (it has more) and the first past the budget. A
 * hash's rows cut after that one show it as truncated anyway. */
#define LOOKUP_COLUMNS "c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, c10"
_Static_assert(ITEM_COL_COUNT_ == 11 && ITEM_COL_METADATA == 2,
               "LOOKUP_COLUMNS names each of ITEM_COLUMNS, c2 the metadata");
#define LOOKUP_LEN   "CASE WHEN y.rn <= $2 THEN " ITEM_BYTES("y.c2") " ELSE 0 END"
#define LOOKUP_SHOWN "(x.rn <= $2 AND x.bytes_before < $3)"
static const struct db_stmt db_item_by_content_hashes_stmt = {
    "db_item_by_content_hashes",
    "SELECT x.c0, x.c1, CASE WHEN " LOOKUP_SHOWN " THEN x.c2 END, x.c3, x.c4, x.c5, x.c6, x.c7, "
    "x.c8, x.c9, x.c10, x.ord, NOT " LOOKUP_SHOWN " FROM (SELECT h.ord, y.*, sum(" LOOKUP_LEN
    ") OVER (ORDER BY h.ord, y.rn ROWS UNBOUNDED PRECEDING) - " LOOKUP_LEN " AS bytes_before "
    "FROM unnest(" DB_ARRAY(
        "$1", "text") ") WITH ORDINALITY AS h(hex, ord) CROSS JOIN LATERAL ("
                      "SELECT " ITEM_COLUMNS
                      ", row_number() OVER (ORDER BY i.registered_at, i.id) AS rn" ITEM_FROM
                      "WHERE i.content_hash = decode(h.hex, 'hex') "
                      "ORDER BY i.registered_at, i.id LIMIT $2::bigint + 1) y(" LOOKUP_COLUMNS
                      ", rn)) x "
                      "WHERE x.rn = 1 OR x.rn > $2 OR x.bytes_before < $3 ORDER BY x.ord, x.rn",
    3};

enum db_status db_item_by_content_hashes(struct db_conn *conn, const uint8_t (*hashes)[SHA256_LEN],
                                         size_t n, unsigned limit, size_t max_bytes,
                                         struct item_rows *out)
{
    struct buf array = BUF_INIT; /* {hex,hex,...}: hex needs no quoting */
    char hex[2 * SHA256_LEN + 1], limit_s[16], bytes_s[24];
    buf_putc(&array, '{');
    for (size_t i = 0; i < n; i++) {
        hex_encode(hashes[i], SHA256_LEN, hex);
        if (i)
            buf_putc(&array, ',');
        buf_append(&array, hex, 2 * SHA256_LEN);
    }
    buf_puts(&array, "}");
    snprintf(limit_s, sizeof limit_s, "%u", limit);
    snprintf(bytes_s, sizeof bytes_s, "%zu", max_bytes);
    enum db_status st = DB_ERROR;
    memset(out, 0, sizeof *out);
    if (!array.oom) {
        const char *values[] = {array.data, limit_s, bytes_s};
        st =
            exec_rows(conn, &db_item_by_content_hashes_stmt, values, NULL, NULL, EXTRA_LOOKUP, out);
    }
    buf_free(&array);
    return st;
}

/* The list query comes in one variant per leading index, so that each prepared (generic)
 * plan has a fixed index condition; the remaining filters are optional residual predicates.
 * Parameters: $1 content_hash, $2 signer, $3 source_url, $4 since_us, $5 until_us,
 * $6 cursor_us, $7 cursor_id, $8 limit, $9 the reply budget (DB_PAGE). */
#define LIST_TAIL                                                                                  \
    " AND i.registered_at >= coalesce(" US_TS(                                                     \
        "$4") ", '-infinity') "                                                                    \
              "AND i.registered_at < coalesce(" US_TS(                                             \
                  "$5") ", 'infinity') "                                                           \
                        "AND (i.registered_at, i.id) > (coalesce(" US_TS(                          \
                            "$6") ", '-infinity'), "                                               \
                                  "coalesce($7::bigint, 0)) ORDER BY i.registered_at, i.id LIMIT " \
                                  "$8"
#define OPT_HASH   "($1::bytea IS NULL OR i.content_hash = $1)"
#define OPT_SIGNER "($2::text IS NULL OR i.signer = $2)"
#define OPT_URL    "($3::text IS NULL OR i.source_url = $3)"
#define LIST_SQL(where)                                                                            \
    DB_PAGE("SELECT " ITEM_COLUMNS                                                                 \
            ", " DB_BYTES_BEFORE(ITEM_BYTES("i.metadata"), "i.registered_at, i.id") ITEM_FROM      \
            "WHERE " where LIST_TAIL,                                                              \
            "$9")

static const struct db_stmt db_item_list_stmts[] = {
    {"db_item_list_by_content_hash", LIST_SQL("content_hash = $1 AND " OPT_SIGNER " AND " OPT_URL),
     9},
    {"db_item_list_by_signer", LIST_SQL("signer = $2 AND " OPT_HASH " AND " OPT_URL), 9},
    {"db_item_list_by_source_url", LIST_SQL("source_url = $3 AND " OPT_HASH " AND " OPT_SIGNER), 9},
    {"db_item_list_by_time", LIST_SQL(OPT_HASH " AND " OPT_SIGNER " AND " OPT_URL), 9},
};

enum db_status db_item_list(struct db_conn *conn, const struct item_filter *f,
                            struct item_rows *out)
{
    char since[24], until[24], cur_us[24], cur_id[24], limit[16], bytes[24];
    snprintf(since, sizeof since, "%" PRId64, f->since_us);
    snprintf(until, sizeof until, "%" PRId64, f->until_us);
    snprintf(cur_us, sizeof cur_us, "%" PRId64, f->cursor_us);
    snprintf(cur_id, sizeof cur_id, "%" PRId64, f->cursor_id);
    snprintf(limit, sizeof limit, "%u", f->limit);
    snprintf(bytes, sizeof bytes, "%zu", f->max_bytes);
    const char *values[] = {f->has_content_hash ? (const char *)f->content_hash : NULL,
                            f->signer,
                            f->source_url,
                            f->has_since ? since : NULL,
                            f->has_until ? until : NULL,
                            f->has_cursor ? cur_us : NULL,
                            f->has_cursor ? cur_id : NULL,
                            limit,
                            bytes};
    const int lengths[] = {SHA256_LEN, 0, 0, 0, 0, 0, 0, 0, 0};
    const int formats[] = {1, 0, 0, 0, 0, 0, 0, 0, 0};
    const struct db_stmt *stmt = f->has_content_hash ? &db_item_list_stmts[0]
                                 : f->signer         ? &db_item_list_stmts[1]
                                 : f->source_url     ? &db_item_list_stmts[2]
                                                     : &db_item_list_stmts[3];
    return exec_rows(conn, stmt, values, lengths, formats, EXTRA_NONE, out);
}
