/* SPDX-License-Identifier: Apache-2.0 */
#include "db/tlog.h"
#include "db/columns.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/codec.h"
#include "db/events.h"

static const struct db_stmt db_log_try_lock_stmt = {"db_log_try_lock",
                                                    DB_LOCK_TRY(DB_LOCK_SEQUENCER), 0};

enum db_status db_log_try_lock(struct db_conn *conn, bool *got)
{
    return db_exec_flag(conn, &db_log_try_lock_stmt, got);
}

static const struct db_stmt db_log_holds_lock_stmt = {"db_log_holds_lock",
                                                      "SELECT " DB_LOCK_HELD(DB_LOCK_SEQUENCER), 0};

enum db_status db_log_holds_lock(struct db_conn *conn, bool *held)
{
    return db_exec_flag(conn, &db_log_holds_lock_stmt, held);
}

static const struct db_stmt db_log_state_create_stmt = {
    "db_log_state_create",
    "INSERT INTO log_state (origin, vkey) VALUES ($1, $2) ON CONFLICT DO NOTHING", 2};
static const struct db_stmt db_log_state_lock_stmt = {
    "db_log_state_lock", "SELECT origin, vkey, tree_size FROM log_state FOR UPDATE", 0};

enum db_status db_log_state_create(struct db_conn *conn, const char *origin, const char *vkey)
{
    const char *values[] = {origin, vkey};
    PGresult *res = NULL;
    enum db_status st = db_exec(conn, &db_log_state_create_stmt, values, NULL, NULL, &res);
    PQclear(res);
    return st;
}

/* Runs stmt (columns origin, vkey, tree_size[, root, note]) into head, which owns the result. */
static enum db_status exec_head(struct db_conn *conn, const struct db_stmt *stmt,
                                struct log_head *head)
{
    PGresult *res = NULL;
    enum db_status st = db_exec(conn, stmt, NULL, NULL, NULL, &res);
    memset(head, 0, sizeof *head);
    if (st != DB_OK)
        return st;
    if (PQntuples(res) == 1) {
        head->origin = db_str(res, 0, 0);
        head->vkey = db_str(res, 0, 1);
        head->tree_size = db_u64(res, 0, 2);
        if (PQnfields(res) == 5) {
            head->root_hex = db_str(res, 0, 3);
            head->note = db_str(res, 0, 4);
        }
    }
    db_own(&head->owner, res);
    return DB_OK;
}

enum db_status db_log_state_lock(struct db_conn *conn, struct log_head *head)
{
    return exec_head(conn, &db_log_state_lock_stmt, head);
}

static const struct db_stmt db_log_head_stmt = {
    "db_log_head",
    "SELECT s.origin, s.vkey, s.tree_size, encode(c.root, 'hex'), " DB_COSIGNED_NOTE(
        "c") " "
             "FROM log_state s "
             "LEFT JOIN log_checkpoints c ON c.tree_size = s.tree_size",
    0};

enum db_status db_log_head(struct db_conn *conn, struct log_head *head)
{
    return exec_head(conn, &db_log_head_stmt, head);
}

static const struct db_stmt db_log_queue_batch_stmt = {
    "db_log_queue_batch",
    "SELECT " ITEM_FIELDS(
        "i.") " FROM log_queue q JOIN items i ON i.id = q.item_id WHERE q.item_id > $1 "
              "ORDER BY q.item_id LIMIT $2",
    2};

enum db_status db_log_queue_batch(struct db_conn *conn, int64_t after, unsigned limit,
                                  struct item_rows *out)
{
    char after_s[24], limit_s[16];
    snprintf(after_s, sizeof after_s, "%" PRId64, after);
    snprintf(limit_s, sizeof limit_s, "%u", limit);
    const char *values[] = {after_s, limit_s};
    PGresult *res = NULL;
    memset(out, 0, sizeof *out);
    enum db_status st = db_exec(conn, &db_log_queue_batch_stmt, values, NULL, NULL, &res);
    if (st != DB_OK)
        return st;
    out->v = db_rows(res, sizeof *out->v, db_item_fields_read, NULL, &out->n, &out->owner);
    return out->v ? DB_OK : DB_ERROR;
}

static const struct db_stmt db_log_queue_datasets_stmt = {
    "db_log_queue_datasets",
    "SELECT " DATASET_COLUMNS DATASET_FROM "JOIN log_queue_datasets q ON q.dataset_id = d.id "
    "ORDER BY q.dataset_id LIMIT $1",
    1};

enum db_status db_log_queue_datasets(struct db_conn *conn, unsigned limit, struct dataset_rows *out)
{
    char limit_s[16];
    snprintf(limit_s, sizeof limit_s, "%u", limit);
    const char *values[] = {limit_s};
    PGresult *res = NULL;
    memset(out, 0, sizeof *out);
    enum db_status st = db_exec(conn, &db_log_queue_datasets_stmt, values, NULL, NULL, &res);
    if (st != DB_OK)
        return st;
    out->v = db_rows(res, sizeof *out->v, db_dataset_rows_read, NULL, &out->n, &out->owner);
    return out->v ? DB_OK : DB_ERROR;
}

#define ENTRIES_INSERT_SQL(column, queue)                                                          \
    "WITH ids AS (SELECT * FROM unnest($2::bigint[]) WITH ORDINALITY AS t(id, n)), "               \
    "ins AS (INSERT INTO log_entries (log_index, " column ") "                                     \
    "SELECT $1::bigint + n - 1, id FROM ids) "                                                     \
    "DELETE FROM " queue " WHERE " column " IN (SELECT id FROM ids)"

static const struct db_stmt db_log_entries_insert_stmts[] = {
    [LOG_RECORD_ITEM] = {"db_log_entries_insert_items", ENTRIES_INSERT_SQL("item_id", "log_queue"),
                         2},
    [LOG_RECORD_DATASET] = {"db_log_entries_insert_datasets",
                            ENTRIES_INSERT_SQL("dataset_id", "log_queue_datasets"), 2},
    [LOG_RECORD_MODEL] = {"db_log_entries_insert_models",
                          ENTRIES_INSERT_SQL("model_id", "log_queue_models"), 2},
};

enum db_status db_log_entries_insert(struct db_conn *conn, enum log_record_kind kind,
                                     uint64_t first_index, const int64_t *ids, size_t n)
{
    struct buf arr = BUF_INIT;
    buf_putc(&arr, '{');
    for (size_t i = 0; i < n; i++)
        buf_printf(&arr, i ? ",%" PRId64 : "%" PRId64, ids[i]);
    buf_putc(&arr, '}');
    char first[24];
    snprintf(first, sizeof first, "%" PRIu64, first_index);
    const char *values[] = {first, arr.data};
    PGresult *res = NULL;
    enum db_status st =
        arr.oom ? DB_ERROR
                : db_exec(conn, &db_log_entries_insert_stmts[kind], values, NULL, NULL, &res);
    PQclear(res);
    buf_free(&arr);
    return st;
}

/* Tiles go in as one bytea of their hashes ($5, binary) cut by byte offsets ($3) and lengths
 * ($4): no hex to encode or decode. */
#define TILES_PUT_FROM                                                                             \
    "FROM unnest($1::smallint[], $2::bigint[], $3::int[], $4::int[]) AS t(l, i, o, n)"
#define TILES_PUT_HASHES "substring($5::bytea FROM t.o + 1 FOR t.n)"

static const struct db_stmt db_log_tiles_put_stmt = {
    "db_log_tiles_put",
    "INSERT INTO log_tiles (level, idx, hashes) SELECT t.l, t.i, " TILES_PUT_HASHES
    " " TILES_PUT_FROM " ON CONFLICT (level, idx) DO UPDATE SET hashes = EXCLUDED.hashes",
    5};

enum db_status db_log_tiles_put(struct db_conn *conn, const struct tile *const *tiles, size_t n)
{
    return db_tiles_put(conn, &db_log_tiles_put_stmt, NULL, tiles, n);
}

enum db_status db_tiles_put(struct db_conn *conn, const struct db_stmt *stmt, const char *id_s,
                            const struct tile *const *tiles, size_t n)
{
    struct buf levels = BUF_INIT, idxs = BUF_INIT, offs = BUF_INIT, lens = BUF_INIT,
               blob = BUF_INIT;
    for (size_t i = 0; i < n; i++) {
        const struct tile *t = tiles[i];
        char sep = i ? ',' : '{';
        buf_printf(&levels, "%c%u", sep, t->level);
        buf_printf(&idxs, "%c%" PRIu64, sep, t->idx);
        buf_printf(&offs, "%c%zu", sep, blob.len);
        buf_printf(&lens, "%c%u", sep, t->width * MERKLE_HASH_LEN);
        buf_append(&blob, t->hashes, (size_t)t->width * MERKLE_HASH_LEN);
    }
    struct buf *arrays[] = {&levels, &idxs, &offs, &lens};
    bool oom = blob.oom;
    for (int i = 0; i < 4; i++) {
        buf_puts(arrays[i], n ? "}" : "{}");
        oom = oom || arrays[i]->oom;
    }
    const char *values[] = {
        levels.data, idxs.data, offs.data, lens.data, blob.data ? blob.data : "", id_s};
    const int lengths[] = {0, 0, 0, 0, (int)blob.len, 0};
    const int formats[] = {0, 0, 0, 0, 1, 0};
    PGresult *res = NULL;
    enum db_status st = oom ? DB_ERROR : db_exec(conn, stmt, values, lengths, formats, &res);
    PQclear(res);
    for (int i = 0; i < 4; i++)
        buf_free(arrays[i]);
    buf_free(&blob);
    return st;
}

static const struct db_stmt db_log_tiles_get_stmt = {
    "db_log_tiles_get",
    "SELECT t.level, t.idx, t.hashes FROM log_tiles t "
    "JOIN unnest($1::smallint[], $2::bigint[]) AS w(level, idx) "
    "ON t.level = w.level AND t.idx = w.idx",
    2, true};

/* Big-endian integer of len bytes (binary result format). */
static uint64_t be_uint(const char *p, int len)
{
    uint64_t v = 0;
    for (int i = 0; i < len; i++)
        v = v << 8 | (uint8_t)p[i];
    return v;
}

enum db_status db_log_tiles_get(struct db_conn *conn, const unsigned *levels, const uint64_t *idxs,
                                size_t n, struct tile *out, size_t *found)
{
    return db_tiles_get(conn, &db_log_tiles_get_stmt, NULL, levels, idxs, n, out, found);
}

/* Row r of a (level, idx, hashes) result in binary format as a tile; false when malformed. */
static bool tile_row_read(const PGresult *res, int r, struct tile *t)
{
    int bytes = PQgetlength(res, r, 2);
    if (PQgetlength(res, r, 0) != 2 || PQgetlength(res, r, 1) != 8 ||
        bytes % MERKLE_HASH_LEN != 0 || bytes > TILE_WIDTH * MERKLE_HASH_LEN)
        return false;
    t->level = (unsigned)be_uint(PQgetvalue(res, r, 0), 2);
    t->idx = be_uint(PQgetvalue(res, r, 1), 8);
    t->width = (unsigned)bytes / MERKLE_HASH_LEN;
    memcpy(t->hashes, PQgetvalue(res, r, 2), (size_t)bytes);
    return true;
}

enum db_status db_tiles_get(struct db_conn *conn, const struct db_stmt *stmt, const char *id_s,
                            const unsigned *levels, const uint64_t *idxs, size_t n,
                            struct tile *out, size_t *found)
{
    struct buf lv = BUF_INIT, ix = BUF_INIT;
    for (size_t i = 0; i < n; i++) {
        buf_printf(&lv, "%c%u", i ? ',' : '{', levels[i]);
        buf_printf(&ix, "%c%" PRIu64, i ? ',' : '{', idxs[i]);
    }
    buf_puts(&lv, n ? "}" : "{}");
    buf_puts(&ix, n ? "}" : "{}");
    const char *values[] = {lv.data, ix.data, id_s};
    const int formats[] = {0, 0, 0};
    PGresult *res = NULL;
    *found = 0;
    enum db_status st =
        lv.oom || ix.oom ? DB_ERROR : db_exec(conn, stmt, values, NULL, formats, &res);
    for (int r = 0; st == DB_OK && r < PQntuples(res) && *found < n; r++) {
        struct tile *t = &out[(*found)++];
        if (!tile_row_read(res, r, t)) {
            st = DB_ERROR;
            break;
        }
    }
    PQclear(res);
    buf_free(&lv);
    buf_free(&ix);
    return st;
}

static const struct db_stmt db_log_checkpoint_insert_stmt = {
    "db_log_checkpoint_insert",
    "WITH cp AS (INSERT INTO log_checkpoints (tree_size, root, note) VALUES ($1, $2, $3) "
    "RETURNING pg_notify('" DB_EVENTS_CHANNEL "', 'l' || tree_size)) " /* db/events.h */
    "UPDATE log_state SET tree_size = $1",
    3};

enum db_status db_log_checkpoint_insert(struct db_conn *conn, uint64_t size,
                                        const uint8_t root[MERKLE_HASH_LEN], const char *note)
{
    char size_s[24];
    snprintf(size_s, sizeof size_s, "%" PRIu64, size);
    const char *values[] = {size_s, (const char *)root, note};
    const int lengths[] = {0, MERKLE_HASH_LEN, 0};
    const int formats[] = {0, 1, 0};
    PGresult *res = NULL;
    enum db_status st =
        db_exec(conn, &db_log_checkpoint_insert_stmt, values, lengths, formats, &res);
    PQclear(res);
    return st;
}

/* Reads LOG_CONTEXT_COLUMNS starting at column first. */
static void log_context_read(const PGresult *res, int row, int first, struct log_context *out)
{
    out->has_checkpoint = !PQgetisnull(res, row, first + 1);
    out->tree_size = out->has_checkpoint ? db_u64(res, row, first) : 0;
    out->note = db_str(res, row, first + 1);
    out->has_anchor = db_anchor_row_read(res, row, first + 2, &out->anchor);
}

/* Reads LOG_CONTEXT_SPAN_COLUMNS from column first for entry e of context ctx; false when the log
 * has no state yet (nothing to keep). */
static bool log_context_span_read(const PGresult *res, int row, int first, uint64_t e,
                                  const struct log_context *ctx, struct log_context_span *out)
{
    if (PQgetisnull(res, row, first))
        return false;
    *out = log_context_span_of(db_i64(res, row, first), e, db_u64(res, row, first + 2),
                               ctx->has_anchor, ctx->anchor.tree_size, db_u64(res, row, first + 1));
    return true;
}

void db_receipt_context_read(const PGresult *res, int row, int first, bool lean, bool logged,
                             uint64_t e, struct receipt_context *out)
{
    memset(out, 0, sizeof *out);
    if (lean) {
        out->has_tag = !PQgetisnull(res, row, first);
        out->tag = out->has_tag ? db_i64(res, row, first) : 0;
        return;
    }
    log_context_read(res, row, first, &out->ctx);
    out->has_span = logged && log_context_span_read(res, row, first + LOG_CONTEXT_COL_COUNT_, e,
                                                    &out->ctx, &out->span);
}

/* tlog-tiles reads (registry/logread.c). */

static const struct db_stmt db_log_checkpoint_between_stmt = {
    "db_log_checkpoint_between",
    "SELECT EXISTS (SELECT 1 FROM log_checkpoints WHERE tree_size BETWEEN $1 AND $2)", 2};

enum db_status db_log_checkpoint_between(struct db_conn *conn, uint64_t lo, uint64_t hi,
                                         bool *exists)
{
    char lo_s[24], hi_s[24];
    snprintf(lo_s, sizeof lo_s, "%" PRIu64, lo);
    snprintf(hi_s, sizeof hi_s, "%" PRIu64, hi);
    const char *values[] = {lo_s, hi_s};
    PGresult *res = NULL;
    *exists = false;
    enum db_status st = db_exec(conn, &db_log_checkpoint_between_stmt, values, NULL, NULL, &res);
    if (st == DB_OK && PQntuples(res) == 1)
        *exists = db_bool(res, 0, 0);
    PQclear(res);
    return st;
}

/* The records of a log-index range ($1..$2), one statement per kind, ordered by log index. */
static const struct db_stmt db_log_records_range_stmts[] = {
    {"db_log_records_range_items",
     "SELECT " ITEM_FIELDS("i.") ", e.log_index FROM log_entries e JOIN items i ON i.id = "
                                 "e.item_id WHERE e.log_index BETWEEN $1 AND $2 ORDER BY "
                                 "e.log_index",
     2},
    {"db_log_records_range_datasets",
     "SELECT " DATASET_COLUMNS DATASET_FROM "WHERE e.log_index BETWEEN $1 AND $2 "
     "ORDER BY e.log_index",
     2},
    {"db_log_records_range_models",
     "SELECT " MODEL_COLUMNS MODEL_FROM "WHERE e.log_index BETWEEN $1 AND $2 "
     "ORDER BY e.log_index",
     2},
};

/* A db_row_reader of ITEM_FIELDS and the log index after them. */
static void read_logged_item(const PGresult *res, int r, void *out, const void *arg)
{
    (void)arg;
    struct item_row *row = out;
    db_item_row_read(res, r, false, row);
    row->logged = true;
    row->log_index = db_u64(res, r, ITEM_COL_FIELDS_);
}

enum db_status db_log_records_range(struct db_conn *conn, uint64_t first, unsigned n,
                                    struct log_records *out)
{
    char lo_s[24], hi_s[24];
    snprintf(lo_s, sizeof lo_s, "%" PRIu64, first);
    snprintf(hi_s, sizeof hi_s, "%" PRIu64, first + (n ? n - 1 : 0));
    const char *values[] = {lo_s, hi_s};
    const struct db_call calls[] = {
        {&db_log_records_range_stmts[0], values, NULL, NULL},
        {&db_log_records_range_stmts[1], values, NULL, NULL},
        {&db_log_records_range_stmts[2], values, NULL, NULL},
    };
    PGresult *res[3];
    memset(out, 0, sizeof *out);
    enum db_status st = db_exec_calls(conn, calls, 3, res);
    if (st != DB_OK)
        return st;
    out->items.v = db_rows(res[0], sizeof *out->items.v, read_logged_item, NULL, &out->items.n,
                           &out->items.owner);
    out->datasets.v = db_rows(res[1], sizeof *out->datasets.v, db_dataset_rows_read, NULL,
                              &out->datasets.n, &out->datasets.owner);
    out->models.v = db_rows(res[2], sizeof *out->models.v, db_model_rows_read, NULL, &out->models.n,
                            &out->models.owner);
    if (out->items.v && out->datasets.v && out->models.v)
        return DB_OK;
    db_log_records_free(out);
    return DB_ERROR;
}

void db_log_records_free(struct log_records *r)
{
    item_rows_free(&r->items);
    dataset_rows_free(&r->datasets);
    model_rows_free(&r->models);
}

/* provd log check (registry/logcheck.h). */

/* The range reads walk log_entries by index and fetch each record by its primary key: a hash
 * join would scan the whole records table per range, which over a long log costs quadratic
 * time; sorts of a range stay in memory; no parallel workers (the check has its two sessions). */
#define LOGCHECK_SESSION                                                                           \
    "SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off; "                          \
    "SET LOCAL work_mem = '64MB'; SET LOCAL max_parallel_workers_per_gather = 0"

static const struct db_stmt db_logcheck_snapshot_stmt = {"db_logcheck_snapshot",
                                                         "SELECT pg_export_snapshot()", 0};

enum db_status db_logcheck_snapshot(struct db_conn *conn, char id[DB_SNAPSHOT_ID_MAX])
{
    PGresult *res = NULL;
    enum db_status st =
        db_exec_simple(conn, "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
    if (st == DB_OK)
        st = db_exec_simple(conn, LOGCHECK_SESSION);
    if (st == DB_OK)
        st = db_exec(conn, &db_logcheck_snapshot_stmt, NULL, NULL, NULL, &res);
    if (st == DB_OK &&
        (PQntuples(res) != 1 || (size_t)PQgetlength(res, 0, 0) >= DB_SNAPSHOT_ID_MAX))
        st = DB_ERROR;
    if (st == DB_OK)
        snprintf(id, DB_SNAPSHOT_ID_MAX, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    return st;
}

enum db_status db_logcheck_snapshot_import(struct db_conn *conn, const char *id)
{
    if (!*id || strspn(id, "0123456789ABCDEFabcdef-") != strlen(id))
        return DB_ERROR; /* pasted into the statement below: only what PostgreSQL exports */
    char sql[DB_SNAPSHOT_ID_MAX + 128];
    snprintf(sql, sizeof sql,
             "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY; "
             "SET TRANSACTION SNAPSHOT '%s'",
             id);
    enum db_status st = db_exec_simple(conn, sql);
    return st == DB_OK ? db_exec_simple(conn, LOGCHECK_SESSION) : st;
}

_Static_assert(LOG_RECORD_ITEM == 0 && LOG_RECORD_DATASET == 1 && LOG_RECORD_MODEL == 2,
               "db_logcheck_entries_stmt numbers the kinds");
#define LOGCHECK_RANGE(column) " WHERE " column " >= $1 AND " column " < $2 ORDER BY " column

static const struct db_stmt db_logcheck_entries_stmt = {
    "db_logcheck_entries",
    "SELECT log_index, CASE WHEN item_id IS NOT NULL THEN 0 WHEN dataset_id IS NOT NULL THEN 1 "
    "ELSE 2 END, coalesce(item_id, dataset_id, model_id) FROM log_entries" LOGCHECK_RANGE(
        "log_index"),
    2};
/* A range's items come by id: by an id range when its ids are dense (registrations are logged
 * about in id order, so this is one index range scan), else each by its primary key
 * (LOGCHECK_SESSION) from the range's entries. */
static const struct db_stmt db_logcheck_items_by_id_stmt = {
    "db_logcheck_items_by_id",
    "SELECT " ITEM_FIELDS("i.") " FROM items i WHERE i.id >= $1 AND i.id <= $2 ORDER BY i.id", 2};
static const struct db_stmt db_logcheck_items_stmt = {
    "db_logcheck_items",
    "WITH e AS MATERIALIZED (SELECT item_id FROM log_entries" LOGCHECK_RANGE(
        "log_index") ") SELECT " ITEM_FIELDS("i.") " FROM e JOIN items i ON i.id = e.item_id "
                                                   "ORDER BY i.id",
    2};
static const struct db_stmt db_logcheck_datasets_stmt = {
    "db_logcheck_datasets", "SELECT " DATASET_COLUMNS DATASET_FROM LOGCHECK_RANGE("e.log_index"),
    2};
static const struct db_stmt db_logcheck_models_stmt = {
    "db_logcheck_models", "SELECT " MODEL_COLUMNS MODEL_FROM LOGCHECK_RANGE("e.log_index"), 2};
static const struct db_stmt db_logcheck_tiles_stmt = {
    "db_logcheck_tiles",
    "SELECT level, idx, hashes FROM log_tiles WHERE level = 0 AND idx >= $1 AND idx < $2 "
    "ORDER BY idx",
    2, true};
static const struct db_stmt db_logcheck_checkpoints_stmt = {
    "db_logcheck_checkpoints",
    "SELECT tree_size, encode(root, 'hex'), note FROM log_checkpoints "
    "WHERE (tree_size > $1 OR tree_size = 0) AND tree_size <= $2 ORDER BY tree_size",
    2};
static const struct db_stmt db_logcheck_anchors_stmt = {
    "db_logcheck_anchors",
    "SELECT id, chain_id, tree_size, encode(root, 'hex'), status FROM anchors "
    "WHERE tree_size > $1 AND tree_size <= $2 ORDER BY tree_size, id",
    2};

void db_logcheck_batch_free(struct db_logcheck_batch *b)
{
    free(b->entries);
    item_rows_free(&b->items);
    dataset_rows_free(&b->datasets);
    model_rows_free(&b->models);
    free(b->tiles);
    free(b->checkpoints);
    free(b->anchors);
    rows_owner_release(&b->checkpoints_owner);
    rows_owner_release(&b->anchors_owner);
    memset(b, 0, sizeof *b);
}

static bool hex_root(const char *hex, uint8_t root[MERKLE_HASH_LEN])
{
    return hex && hex_decode(hex, strlen(hex), root, MERKLE_HASH_LEN, true);
}

static void logcheck_checkpoint_read(const PGresult *res, int r, void *out, const void *arg)
{
    (void)arg;
    struct db_logcheck_checkpoint *c = out;
    c->tree_size = db_u64(res, r, 0);
    if (!hex_root(PQgetvalue(res, r, 1), c->root))
        memset(c->root, 0, MERKLE_HASH_LEN); /* the column's CHECK keeps it 32 bytes */
    c->note = PQgetvalue(res, r, 2);
    c->note_len = (size_t)PQgetlength(res, r, 2);
}

static void logcheck_anchor_read(const PGresult *res, int r, void *out, const void *arg)
{
    (void)arg;
    struct db_logcheck_anchor *a = out;
    a->id = db_i64(res, r, 0);
    a->chain_id = db_u64(res, r, 1);
    a->tree_size = db_u64(res, r, 2);
    if (!hex_root(PQgetvalue(res, r, 3), a->root))
        memset(a->root, 0, MERKLE_HASH_LEN);
    a->status = PQgetvalue(res, r, 4);
}

/* The binary level-0 tiles of res (taken over). */
static enum db_status logcheck_tiles_take(PGresult *res, struct db_logcheck_batch *b)
{
    int n = PQntuples(res);
    enum db_status st = DB_OK;
    b->tiles = calloc(n ? (size_t)n : 1, sizeof *b->tiles);
    if (!b->tiles)
        st = DB_ERROR;
    for (int r = 0; st == DB_OK && r < n; r++) {
        struct tile *t = &b->tiles[b->n_tiles++];
        if (!tile_row_read(res, r, t)) {
            st = DB_ERROR;
            break;
        }
    }
    PQclear(res);
    return st;
}

/* Points every entry at its record: the rows of each kind come by log index as well. */
static enum db_status logcheck_entries_take(PGresult *res, struct db_logcheck_batch *b)
{
    int n = PQntuples(res);
    b->entries = calloc(n ? (size_t)n : 1, sizeof *b->entries);
    if (!b->entries) {
        PQclear(res);
        return DB_ERROR;
    }
    size_t at[3] = {0, 0, 0};
    for (int r = 0; r < n; r++) {
        struct db_logcheck_entry *e = &b->entries[b->n_entries++];
        e->log_index = db_u64(res, r, 0);
        e->kind = (enum log_record_kind)db_i64(res, r, 1);
        e->record_id = PQgetisnull(res, r, 2) ? 0 : db_i64(res, r, 2);
        const void *row = NULL;
        uint64_t idx = UINT64_MAX;
        if (e->kind == LOG_RECORD_DATASET && at[1] < b->datasets.n) {
            row = &b->datasets.v[at[1]];
            idx = b->datasets.v[at[1]].log_index;
        } else if (e->kind == LOG_RECORD_MODEL && at[2] < b->models.n) {
            row = &b->models.v[at[2]];
            idx = b->models.v[at[2]].log_index;
        }
        if (row && idx == e->log_index) {
            e->row = row;
            at[e->kind]++;
        }
    }
    PQclear(res);
    return DB_OK;
}

/* Reads the items of b's entries (b->entries set) and points the entries at them. */
static enum db_status logcheck_items(struct db_conn *conn, const char *const range[2],
                                     struct db_logcheck_batch *b)
{
    int64_t lo = INT64_MAX, hi = INT64_MIN;
    size_t n = 0;
    for (size_t i = 0; i < b->n_entries; i++)
        if (b->entries[i].kind == LOG_RECORD_ITEM) {
            int64_t id = b->entries[i].record_id;
            lo = id < lo ? id : lo;
            hi = id > hi ? id : hi;
            n++;
        }
    if (n == 0) {
        b->items.v = calloc(1, sizeof *b->items.v);
        return b->items.v ? DB_OK : DB_ERROR;
    }
    char lo_s[24], hi_s[24];
    snprintf(lo_s, sizeof lo_s, "%" PRId64, lo);
    snprintf(hi_s, sizeof hi_s, "%" PRId64, hi);
    const char *ids[] = {lo_s, hi_s};
    bool dense = (uint64_t)(hi - lo) < 2 * (uint64_t)n + 1024;
    PGresult *res = NULL;
    enum db_status st =
        db_exec(conn, dense ? &db_logcheck_items_by_id_stmt : &db_logcheck_items_stmt,
                dense ? ids : range, NULL, NULL, &res);
    if (st != DB_OK)
        return st;
    b->items.v =
        db_rows(res, sizeof *b->items.v, db_item_fields_read, NULL, &b->items.n, &b->items.owner);
    if (!b->items.v)
        return DB_ERROR;
    for (size_t i = 0; i < b->n_entries; i++) { /* the rows are by id: binary search */
        struct db_logcheck_entry *e = &b->entries[i];
        size_t l = 0, r = b->items.n;
        while (e->kind == LOG_RECORD_ITEM && l < r) {
            size_t m = l + (r - l) / 2;
            if (b->items.v[m].id < e->record_id)
                l = m + 1;
            else
                r = m;
        }
        if (e->kind == LOG_RECORD_ITEM && l < b->items.n && b->items.v[l].id == e->record_id) {
            b->items.v[l].logged = true;
            b->items.v[l].log_index = e->log_index;
            e->row = &b->items.v[l];
        }
    }
    return DB_OK;
}

enum db_status db_logcheck_batch(struct db_conn *conn, uint64_t from, uint64_t to,
                                 struct db_logcheck_batch *out)
{
    char from_s[24], to_s[24], t0_s[24], t1_s[24];
    snprintf(from_s, sizeof from_s, "%" PRIu64, from);
    snprintf(to_s, sizeof to_s, "%" PRIu64, to);
    snprintf(t0_s, sizeof t0_s, "%" PRIu64, from / TILE_WIDTH);
    snprintf(t1_s, sizeof t1_s, "%" PRIu64, to / TILE_WIDTH + (to % TILE_WIDTH != 0));
    const char *range[] = {from_s, to_s}, *tiles[] = {t0_s, t1_s};
    const struct db_call calls[] = {
        {&db_logcheck_entries_stmt, range, NULL, NULL},
        {&db_logcheck_datasets_stmt, range, NULL, NULL},
        {&db_logcheck_models_stmt, range, NULL, NULL},
        {&db_logcheck_tiles_stmt, tiles, NULL, NULL},
        {&db_logcheck_checkpoints_stmt, range, NULL, NULL},
        {&db_logcheck_anchors_stmt, range, NULL, NULL},
    };
    PGresult *res[6];
    memset(out, 0, sizeof *out);
    enum db_status st = db_exec_calls(conn, calls, 6, res);
    if (st != DB_OK)
        return st;
    out->datasets.v = db_rows(res[1], sizeof *out->datasets.v, db_dataset_rows_read, NULL,
                              &out->datasets.n, &out->datasets.owner);
    out->models.v = db_rows(res[2], sizeof *out->models.v, db_model_rows_read, NULL, &out->models.n,
                            &out->models.owner);
    out->checkpoints = db_rows(res[4], sizeof *out->checkpoints, logcheck_checkpoint_read, NULL,
                               &out->n_checkpoints, &out->checkpoints_owner);
    out->anchors = db_rows(res[5], sizeof *out->anchors, logcheck_anchor_read, NULL,
                           &out->n_anchors, &out->anchors_owner);
    enum db_status tiles_st = logcheck_tiles_take(res[3], out);
    st = logcheck_entries_take(res[0], out);
    if (st == DB_OK)
        st = tiles_st;
    if (st == DB_OK && (!out->datasets.v || !out->models.v || !out->checkpoints || !out->anchors))
        st = DB_ERROR;
    if (st == DB_OK)
        st = logcheck_items(conn, range, out);
    return st;
}

static const struct db_stmt db_logcheck_beyond_stmt = {
    "db_logcheck_beyond",
    "SELECT (SELECT min(log_index) FROM log_entries WHERE log_index >= $1), "
    "(SELECT min(tree_size) FROM log_checkpoints WHERE tree_size > $1), "
    "a.id, a.tree_size, t.level, t.idx FROM (SELECT 1) one "
    "LEFT JOIN (SELECT id, tree_size FROM anchors WHERE tree_size > $1 "
    "ORDER BY tree_size, id LIMIT 1) a ON true "
    "LEFT JOIN (SELECT level, idx FROM log_tiles WHERE level >= 8 "
    "OR idx >= ($2::bigint[])[level + 1] ORDER BY level, idx LIMIT 1) t ON true",
    2};

enum db_status db_logcheck_beyond(struct db_conn *conn, uint64_t size,
                                  const uint64_t limits[TILE_MAX_LEVELS],
                                  struct db_logcheck_beyond *out)
{
    char size_s[24];
    struct buf arr = BUF_INIT;
    snprintf(size_s, sizeof size_s, "%" PRIu64, size);
    for (unsigned l = 0; l < TILE_MAX_LEVELS; l++)
        buf_printf(&arr, "%c%" PRIu64, l ? ',' : '{', limits[l]);
    buf_putc(&arr, '}');
    const char *values[] = {size_s, arr.data};
    PGresult *res = NULL;
    memset(out, 0, sizeof *out);
    enum db_status st =
        arr.oom ? DB_ERROR : db_exec(conn, &db_logcheck_beyond_stmt, values, NULL, NULL, &res);
    if (st == DB_OK && PQntuples(res) != 1)
        st = DB_ERROR;
    if (st == DB_OK) {
        if ((out->has_entry = !PQgetisnull(res, 0, 0)))
            out->entry = db_u64(res, 0, 0);
        if ((out->has_checkpoint = !PQgetisnull(res, 0, 1)))
            out->checkpoint = db_u64(res, 0, 1);
        if ((out->has_anchor = !PQgetisnull(res, 0, 2))) {
            out->anchor_id = db_i64(res, 0, 2);
            out->anchor_size = db_u64(res, 0, 3);
        }
        if ((out->has_tile = !PQgetisnull(res, 0, 4))) {
            out->tile_level = (unsigned)db_u64(res, 0, 4);
            out->tile_idx = db_u64(res, 0, 5);
        }
    }
    PQclear(res);
    buf_free(&arr);
    return st;
}
