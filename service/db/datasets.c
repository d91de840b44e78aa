/* SPDX-License-Identifier: Apache-2.0 */
#include "db/datasets.h"
#include "db/columns.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "util/codec.h"

/* Chunks bound a bulk statement's size. */
#define HASH_CHUNK 100000

void db_dataset_row_read(const PGresult *res, int row, struct dataset_row *out)
{
    *out = (struct dataset_row){
        .id = db_i64(res, row, DATASET_COL_ID),
        .name = PQgetvalue(res, row, DATASET_COL_NAME),
        .version = PQgetvalue(res, row, DATASET_COL_VERSION),
        .metadata = PQgetvalue(res, row, DATASET_COL_METADATA),
        .metadata_len = (size_t)PQgetlength(res, row, DATASET_COL_METADATA),
        .policy = PQgetvalue(res, row, DATASET_COL_POLICY),
        .policy_len = (size_t)PQgetlength(res, row, DATASET_COL_POLICY),
        .created_by = db_i64(res, row, DATASET_COL_CREATED_BY),
        .sealed = db_bool(res, row, DATASET_COL_SEALED),
        .member_count = db_u64(res, row, DATASET_COL_MEMBER_COUNT),
        .members_root_hex = db_str(res, row, DATASET_COL_MEMBERS_ROOT),
        .created_us = db_i64(res, row, DATASET_COL_CREATED_US),
        .sealed_us = db_i64(res, row, DATASET_COL_SEALED_US),
        .signer = db_str(res, row, DATASET_COL_SIGNER),
        .scheme = db_str(res, row, DATASET_COL_SCHEME),
        .signature_hex = db_str(res, row, DATASET_COL_SIGNATURE),
        .logged = !PQgetisnull(res, row, DATASET_COL_LOG_INDEX),
        .log_index = db_u64(res, row, DATASET_COL_LOG_INDEX),
        .signer_name = db_str(res, row, DATASET_COL_SIGNER_NAME),
        .signer_revoked = db_bool(res, row, DATASET_COL_SIGNER_REVOKED),
    };
}

void db_dataset_rows_read(const PGresult *res, int r, void *out, const void *arg)
{
    (void)arg;
    db_dataset_row_read(res, r, out);
}

static enum db_status exec_datasets(struct db_conn *conn, const struct db_stmt *stmt,
                                    const char *const *values, struct dataset_rows *out)
{
    PGresult *res = NULL;
    memset(out, 0, sizeof *out);
    enum db_status st = db_exec(conn, stmt, values, NULL, NULL, &res);
    if (st != DB_OK)
        return st;
    out->v = db_rows(res, sizeof *out->v, db_dataset_rows_read, NULL, &out->n, &out->owner);
    return out->v ? DB_OK : DB_ERROR;
}

static const struct db_stmt db_dataset_insert_stmt = {
    "db_dataset_insert",
    "WITH d AS (INSERT INTO datasets (name, version, metadata, policy, created_by) "
    "VALUES ($1, $2, $3, $4, $5) RETURNING *) "
    "SELECT " DATASET_COLUMNS " FROM d LEFT JOIN log_entries e ON false "
    "LEFT JOIN signers sg ON false",
    5};

enum db_status db_dataset_insert(struct db_conn *conn, const struct dataset_create *c,
                                 int64_t created_by, struct dataset_rows *out)
{
    char by[24];
    snprintf(by, sizeof by, "%" PRId64, created_by);
    const char *values[] = {c->name, c->version, c->metadata.data, c->policy.data, by};
    return exec_datasets(conn, &db_dataset_insert_stmt, values, out);
}

static const struct db_stmt db_dataset_get_stmts[] = {
    {"db_dataset_get", "SELECT " DATASET_COLUMNS DATASET_FROM "WHERE d.id = $1", 1},
    {"db_dataset_get_locked",
     "SELECT " DATASET_COLUMNS DATASET_FROM "WHERE d.id = $1 FOR UPDATE OF d", 1},
};

enum db_status db_dataset_get(struct db_conn *conn, int64_t id, bool lock, struct dataset_rows *out)
{
    char id_s[24];
    snprintf(id_s, sizeof id_s, "%" PRId64, id);
    const char *values[] = {id_s};
    return exec_datasets(conn, &db_dataset_get_stmts[lock], values, out);
}

/* A lower bound of a dataset's bytes in a reply: its metadata and policy, and more than 256
 * bytes of the other members. */
#define DATASET_BYTES "(octet_length(d.metadata) + octet_length(d.policy) + 256)"

static const struct db_stmt db_dataset_list_stmt = {
    "db_dataset_list",
    DB_PAGE("SELECT " DATASET_COLUMNS ", " DB_BYTES_BEFORE(DATASET_BYTES, "d.created_at, d.id")
                DATASET_FROM "WHERE ($1::text IS NULL OR d.name = $1) AND ($2::text IS NULL OR "
                             "d.signer = $2) AND ($3::bigint IS NULL OR (d.created_at, d.id) > "
                             "(to_timestamp($3::bigint / 1e6), $4::bigint)) "
                             "ORDER BY d.created_at, d.id LIMIT $5",
            "$6"),
    6};

enum db_status db_dataset_list(struct db_conn *conn, const struct dataset_filter *f,
                               struct dataset_rows *out)
{
    char cur_us[24], cur_id[24], limit[16], bytes[24];
    snprintf(cur_us, sizeof cur_us, "%" PRId64, f->cursor_us);
    snprintf(cur_id, sizeof cur_id, "%" PRId64, f->cursor_id);
    snprintf(limit, sizeof limit, "%u", f->limit);
    snprintf(bytes, sizeof bytes, "%zu", f->max_bytes);
    const char *values[] = {
        f->name, f->signer, f->has_cursor ? cur_us : NULL, f->has_cursor ? cur_id : NULL,
        limit,   bytes};
    return exec_datasets(conn, &db_dataset_list_stmt, values, out);
}

static const struct db_stmt db_dataset_delete_stmt = {
    "db_dataset_delete",
    "WITH m AS (DELETE FROM dataset_members WHERE dataset_id = $1), "
    "t AS (DELETE FROM dataset_tiles WHERE dataset_id = $1) "
    "DELETE FROM datasets WHERE id = $1 AND status = 'open'",
    1};

static enum db_status exec_void(struct db_conn *conn, const struct db_stmt *stmt,
                                const char *const *values, const int *lengths, const int *formats)
{
    PGresult *res = NULL;
    enum db_status st = db_exec(conn, stmt, values, lengths, formats, &res);
    PQclear(res);
    return st;
}

enum db_status db_dataset_delete(struct db_conn *conn, int64_t id)
{
    char id_s[24];
    snprintf(id_s, sizeof id_s, "%" PRId64, id);
    const char *values[] = {id_s};
    return exec_void(conn, &db_dataset_delete_stmt, values, NULL, NULL);
}

static const struct db_stmt db_dataset_members_existing_stmt = {
    "db_dataset_members_existing",
    "SELECT h.g FROM " HASHES_SQL(
        "content_hash") " h JOIN dataset_members m "
                        "ON m.dataset_id = $1 AND m.content_hash = h.content_hash",
    2};

/* db_dataset_members_existing for one chunk of k hashes. */
static enum db_status existing_chunk(struct db_conn *conn, const char *id_s,
                                     const uint8_t (*hashes)[SHA256_LEN], size_t k, bool *exists)
{
    const char *values[] = {id_s, (const char *)hashes[0]};
    const int lengths[] = {0, (int)(k * SHA256_LEN)};
    const int formats[] = {0, 1};
    PGresult *res = NULL;
    enum db_status st =
        db_exec(conn, &db_dataset_members_existing_stmt, values, lengths, formats, &res);
    for (int r = 0; st == DB_OK && r < PQntuples(res); r++) {
        size_t g = (size_t)db_u64(res, r, 0);
        if (g < k)
            exists[g] = true;
        else
            st = DB_ERROR; /* not one of the hashes sent */
    }
    PQclear(res);
    return st;
}

enum db_status db_dataset_members_existing(struct db_conn *conn, int64_t id,
                                           const uint8_t (*hashes)[SHA256_LEN], size_t n,
                                           bool *exists)
{
    char id_s[24];
    snprintf(id_s, sizeof id_s, "%" PRId64, id);
    memset(exists, 0, n * sizeof *exists);
    enum db_status st = DB_OK;
    for (size_t at = 0; st == DB_OK && at < n; at += HASH_CHUNK)
        st = existing_chunk(conn, id_s, hashes + at, n - at < HASH_CHUNK ? n - at : HASH_CHUNK,
                            exists + at);
    return st;
}

static uint8_t *put_be(uint8_t *p, uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; i++)
        p[i] = (uint8_t)(v >> (8 * (bytes - 1 - i)));
    return p + bytes;
}

struct keyed {
    uint64_t key; /* the hash's first 8 bytes, big-endian: their bytea order */
    uint32_t index;
};

/* Sorts v (n) by key: LSD radix sort, 8 passes of 8 bits, through tmp. */
static void radix_sort(struct keyed *v, struct keyed *tmp, size_t n)
{
    for (unsigned shift = 0; shift < 64; shift += 8) {
        size_t count[257] = {0};
        for (size_t i = 0; i < n; i++)
            count[((v[i].key >> shift) & 0xff) + 1]++;
        for (int b = 0; b < 256; b++)
            count[b + 1] += count[b];
        for (size_t i = 0; i < n; i++)
            tmp[count[(v[i].key >> shift) & 0xff]++] = v[i];
        memcpy(v, tmp, n * sizeof *v);
    }
}

/* COPY's binary format: a 19-byte header (signature, flags, extension length), then per row the
 * field count and each field's length and value. */
#define COPY_HEADER "PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0"
#define COPY_ROW    (2 + 4 + 8 + 4 + 8 + 4 + SHA256_LEN)

/* The rows (id, first + i, hashes[i]) in COPY's binary format (*len bytes, caller frees), in
 * hash order so that the hash index's pages are visited in order. NULL when out of memory. */
static uint8_t *copy_rows(int64_t id, uint64_t first, const uint8_t (*hashes)[SHA256_LEN], size_t n,
                          size_t *len)
{
    struct keyed *order = malloc((n ? n : 1) * sizeof *order);
    struct keyed *tmp = malloc((n ? n : 1) * sizeof *tmp);
    *len = 19 + n * COPY_ROW + 2;
    uint8_t *out = order && tmp ? malloc(*len) : NULL, *p = out;
    for (size_t i = 0; out && i < n; i++) {
        uint64_t k = 0;
        for (int j = 0; j < 8; j++)
            k = k << 8 | hashes[i][j];
        order[i] = (struct keyed){k, (uint32_t)i};
    }
    if (out) {
        radix_sort(order, tmp, n);
        memcpy(p, COPY_HEADER, 19);
        p += 19;
    }
    for (size_t k = 0; out && k < n; k++) {
        p = put_be(p, 3, 2); /* fields, then each one's length and value */
        p = put_be(put_be(p, 8, 4), (uint64_t)id, 8);
        p = put_be(put_be(p, 8, 4), first + order[k].index, 8);
        p = put_be(p, SHA256_LEN, 4);
        memcpy(p, hashes[order[k].index], SHA256_LEN);
        p += SHA256_LEN;
    }
    if (out)
        put_be(p, 0xffff, 2); /* trailer */
    free(order);
    free(tmp);
    return out;
}

enum db_status db_dataset_members_insert(struct db_conn *conn, int64_t id, uint64_t first,
                                         const uint8_t (*hashes)[SHA256_LEN], size_t n)
{
    enum db_status st = DB_OK;
    for (size_t at = 0; st == DB_OK && at < n; at += HASH_CHUNK) {
        size_t k = n - at < HASH_CHUNK ? n - at : HASH_CHUNK, len;
        uint8_t *rows = copy_rows(id, first + at, hashes + at, k, &len);
        st = rows ? db_copy_in(conn,
                               "COPY dataset_members (dataset_id, position, content_hash) "
                               "FROM STDIN (FORMAT binary)",
                               (const char *)rows, len)
                  : DB_ERROR;
        free(rows);
    }
    return st;
}

enum db_status db_dataset_members_insert_new(struct db_conn *conn, int64_t id, uint64_t first,
                                             const uint8_t (*hashes)[SHA256_LEN], size_t n,
                                             bool *inserted)
{
    *inserted = false;
    enum db_status st = db_exec_simple(conn, "SAVEPOINT members_insert_new");
    if (st == DB_OK)
        st = db_dataset_members_insert(conn, id, first, hashes, n);
    if (st == DB_OK) {
        *inserted = true;
        return db_exec_simple(conn, "RELEASE SAVEPOINT members_insert_new");
    }
    if (st != DB_CONFLICT) /* a member already: the unique index said so */
        return st;
    return db_exec_simple(conn, "ROLLBACK TO SAVEPOINT members_insert_new");
}

static const struct db_stmt db_dataset_members_update_stmt = {
    "db_dataset_members_update",
    "UPDATE datasets SET member_count = $2, members_root = $3 WHERE id = $1", 3};

enum db_status db_dataset_members_update(struct db_conn *conn, int64_t id, uint64_t count,
                                         const uint8_t root[SHA256_LEN])
{
    char id_s[24], count_s[24];
    snprintf(id_s, sizeof id_s, "%" PRId64, id);
    snprintf(count_s, sizeof count_s, "%" PRIu64, count);
    const char *values[] = {id_s, count_s, (const char *)root};
    const int lengths[] = {0, 0, SHA256_LEN};
    const int formats[] = {0, 0, 1};
    return exec_void(conn, &db_dataset_members_update_stmt, values, lengths, formats);
}

static const struct db_stmt db_dataset_members_list_stmt = {
    "db_dataset_members_list",
    "SELECT position, content_hash FROM dataset_members WHERE dataset_id = $1 AND position > $2 "
    "ORDER BY position LIMIT $3",
    3, true};

/* Big-endian integer of len bytes (binary result format). */
static uint64_t be_uint(const char *p, int len)
{
    uint64_t v = 0;
    for (int i = 0; i < len; i++)
        v = v << 8 | (uint8_t)p[i];
    return v;
}

enum db_status db_dataset_members_list(struct db_conn *conn, int64_t id, int64_t after,
                                       unsigned limit, struct dataset_member *out, size_t *n)
{
    char id_s[24], after_s[24], limit_s[16];
    snprintf(id_s, sizeof id_s, "%" PRId64, id);
    snprintf(after_s, sizeof after_s, "%" PRId64, after);
    snprintf(limit_s, sizeof limit_s, "%u", limit);
    const char *values[] = {id_s, after_s, limit_s};
    PGresult *res = NULL;
    *n = 0;
    enum db_status st = db_exec(conn, &db_dataset_members_list_stmt, values, NULL, NULL, &res);
    for (int r = 0; st == DB_OK && r < PQntuples(res) && *n < limit; r++) {
        if (PQgetlength(res, r, 0) != 8 || PQgetlength(res, r, 1) != SHA256_LEN) {
            st = DB_ERROR;
            break;
        }
        out[*n].position = be_uint(PQgetvalue(res, r, 0), 8);
        memcpy(out[(*n)++].content_hash, PQgetvalue(res, r, 1), SHA256_LEN);
    }
    PQclear(res);
    return st;
}

static const struct db_stmt db_dataset_tiles_get_stmt = {
    "db_dataset_tiles_get",
    "SELECT t.level, t.idx, t.hashes FROM dataset_tiles t "
    "JOIN unnest($1::smallint[], $2::bigint[]) AS w(level, idx) "
    "ON t.dataset_id = $3 AND t.level = w.level AND t.idx = w.idx",
    3, true};

enum db_status db_dataset_tiles_get(struct db_conn *conn, int64_t id, const unsigned *levels,
                                    const uint64_t *idxs, size_t n, struct tile *out, size_t *found)
{
    char id_s[24];
    snprintf(id_s, sizeof id_s, "%" PRId64, id);
    return db_tiles_get(conn, &db_dataset_tiles_get_stmt, id_s, levels, idxs, n, out, found);
}

static const struct db_stmt db_dataset_tiles_put_stmt = {
    "db_dataset_tiles_put",
    "INSERT INTO dataset_tiles (dataset_id, level, idx, hashes) SELECT $6, t.l, t.i, "
    "substring($5::bytea FROM t.o + 1 FOR t.n) "
    "FROM unnest($1::smallint[], $2::bigint[], $3::int[], $4::int[]) AS t(l, i, o, n) "
    "ON CONFLICT (dataset_id, level, idx) DO UPDATE SET hashes = EXCLUDED.hashes",
    6};

enum db_status db_dataset_tiles_put(struct db_conn *conn, int64_t id,
                                    const struct tile *const *tiles, size_t n)
{
    char id_s[24];
    snprintf(id_s, sizeof id_s, "%" PRId64, id);
    return db_tiles_put(conn, &db_dataset_tiles_put_stmt, id_s, tiles, n);
}

static const struct db_stmt db_dataset_seal_stmt = {
    "db_dataset_seal",
    "WITH q AS (INSERT INTO log_queue_datasets (dataset_id) VALUES ($1)) "
    "UPDATE datasets SET status = 'sealed', signer = $2, sig_scheme = $3, signature = $4, "
    "sealed_at = clock_timestamp() WHERE id = $1 AND status = 'open'",
    4};

enum db_status db_dataset_seal(struct db_conn *conn, int64_t id, const struct sig_claim *sig)
{
    char id_s[24];
    snprintf(id_s, sizeof id_s, "%" PRId64, id);
    const char *values[] = {id_s, sig->signer, sig_scheme_name(sig->scheme),
                            (const char *)sig->signature};
    const int lengths[] = {0, 0, 0, (int)sig->signature_len};
    const int formats[] = {0, 0, 0, 1};
    return exec_void(conn, &db_dataset_seal_stmt, values, lengths, formats);
}

#define DATASET_MEMBER_POSITION                                                                    \
    "(SELECT m.position FROM dataset_members m WHERE m.content_hash = $2 AND m.dataset_id = d.id)"
static const struct db_stmt db_dataset_get_for_receipt_stmt = {
    "db_dataset_get_for_receipt",
    "SELECT " DATASET_COLUMNS ", " LOG_CONTEXT_COLUMNS
    ", " LOG_CONTEXT_SPAN_COLUMNS("e.log_index") ", " DATASET_MEMBER_POSITION DATASET_FROM
        LOG_CONTEXT_FROM("e.log_index") "WHERE d.id = $1",
    2};
static const struct db_stmt db_dataset_get_receipt_lean_stmt = {
    "db_dataset_get_receipt_lean",
    "SELECT " DATASET_COLUMNS ", s.context_tag, " DATASET_MEMBER_POSITION DATASET_FROM
    "LEFT JOIN log_state s ON true WHERE d.id = $1",
    2};

enum db_status db_dataset_get_for_receipt(struct db_conn *conn, int64_t id, const uint8_t *member,
                                          bool lean, struct dataset_receipt_row *out)
{
    char id_s[24];
    snprintf(id_s, sizeof id_s, "%" PRId64, id);
    const char *values[] = {id_s, (const char *)member};
    const int lengths[] = {0, SHA256_LEN};
    const int formats[] = {0, 1};
    PGresult *res = NULL;
    memset(out, 0, sizeof *out);
    enum db_status st =
        db_exec(conn, lean ? &db_dataset_get_receipt_lean_stmt : &db_dataset_get_for_receipt_stmt,
                values, lengths, formats, &res);
    if (st != DB_OK || PQntuples(res) == 0) {
        PQclear(res);
        return st;
    }
    out->found = true;
    const struct dataset_row *d = &out->dataset;
    db_dataset_row_read(res, 0, &out->dataset);
    db_receipt_context_read(res, 0, DATASET_COL_COUNT_, lean, d->logged, d->log_index,
                            &out->context);
    int pos = PQnfields(res) - 1;
    out->is_member = !PQgetisnull(res, 0, pos);
    out->position = db_u64(res, 0, pos);
    db_own(&out->owner, res);
    return DB_OK;
}

static const struct db_stmt db_datasets_containing_one_stmt = {
    "db_datasets_containing_one", "SELECT 1::bigint, u.* FROM (" DB_USES_OF("$2", "$1") ") u", 2};

/* $2 the hashes, 32 bytes each */
#define CONTAINING_SQL                                                                             \
    "SELECT x.g + 1, u.* FROM " HASHES_SQL("h") " x CROSS JOIN LATERAL (" DB_USES_OF(              \
        "x.h", "$1") ") u "                                                                        \
                     "ORDER BY x.g, u.sealed_at, u.id"
static const struct db_stmt db_datasets_containing_stmt = {"db_datasets_containing", CONTAINING_SQL,
                                                           2};

void db_dataset_use_read(const PGresult *res, int r, int base, struct dataset_use *out)
{
    *out = (struct dataset_use){
        .id = db_i64(res, r, base),
        .name = PQgetvalue(res, r, base + 1),
        .version = PQgetvalue(res, r, base + 2),
        .position = db_u64(res, r, base + 3),
    };
}

static void read_use(const PGresult *res, int r, void *out, const void *arg)
{
    (void)arg;
    struct dataset_use *u = out;
    db_dataset_use_read(res, r, 1, u);
    u->lookup = (size_t)db_u64(res, r, 0);
}

/* Turns res (taken over) into uses. */
static enum db_status uses_take(PGresult *res, struct dataset_uses *out)
{
    memset(out, 0, sizeof *out);
    out->v = db_rows(res, sizeof *out->v, read_use, NULL, &out->n, &out->owner);
    return out->v ? DB_OK : DB_ERROR;
}

enum db_status db_datasets_containing(struct db_conn *conn, const uint8_t (*hashes)[SHA256_LEN],
                                      size_t n, unsigned limit, struct dataset_uses *out)
{
    char limit_s[16];
    snprintf(limit_s, sizeof limit_s, "%u", limit + 1);
    const char *values[] = {limit_s, (const char *)hashes[0]};
    const int lengths[] = {0, (int)(n * SHA256_LEN)};
    const int formats[] = {0, 1};
    PGresult *res = NULL;
    memset(out, 0, sizeof *out);
    enum db_status st =
        db_exec(conn, n > 1 ? &db_datasets_containing_stmt : &db_datasets_containing_one_stmt,
                values, lengths, formats, &res);
    return st == DB_OK ? uses_take(res, out) : st;
}

void dataset_uses_free(struct dataset_uses *u)
{
    free(u->v);
    rows_owner_release(&u->owner);
    memset(u, 0, sizeof *u);
}

enum db_status db_snapshot(struct db_conn *conn)
{
    enum db_status st =
        db_exec_simple(conn, "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
    /* provd's sessions run without parallel plans (db_session_options), which suit its short
     * statements; an audit's scan of a dataset's members is long, and two parallel workers
     * shorten it (see the README's dataset figures). */
    return st == DB_OK ? db_exec_simple(conn, "SET LOCAL max_parallel_workers_per_gather = 2") : st;
}

static const struct db_stmt db_anchor_max_confirmed_stmt = {
    "db_anchor_max_confirmed",
    "SELECT max(tree_size) FROM anchors WHERE status = 'confirmed' "
    "AND ($1::bigint IS NULL OR tree_size <= $1)",
    1};

enum db_status db_anchor_max_confirmed(struct db_conn *conn, bool has_limit, uint64_t limit,
                                       bool *found, uint64_t *max)
{
    char limit_s[24];
    snprintf(limit_s, sizeof limit_s, "%" PRIu64, limit);
    const char *values[] = {has_limit ? limit_s : NULL};
    PGresult *res = NULL;
    *found = false;
    enum db_status st = db_exec(conn, &db_anchor_max_confirmed_stmt, values, NULL, NULL, &res);
    if (st == DB_OK && PQntuples(res) == 1 && !PQgetisnull(res, 0, 0)) {
        *found = true;
        *max = db_u64(res, 0, 0);
    }
    PQclear(res);
    return st;
}

/* A top-level string member of the canonical metadata when want (a boolean parameter): the
 * substring test spares parsing the JSON of registrations that do not have one. */
#define METADATA_MEMBER(key, want)                                                                 \
    "CASE WHEN " want "::boolean AND strpos(i.metadata, '\"" key "\":') > 0 "                      \
    "THEN i.metadata::json ->> '" key "' END"

/* The time of an as-of, as SQL: $3 microseconds since the epoch, NULL for now. */
#define AS_OF_TIME "coalesce(to_timestamp($3::bigint / 1e6), 'infinity')"

static const struct db_stmt db_dataset_audit_rows_stmt = {
    "db_dataset_audit_rows",
    "SELECT m.position, encode(m.content_hash, 'hex'), r.id, r.signer, r.log_index, r.known, "
    "r.revoked, r.license, r.usage FROM dataset_members m LEFT JOIN LATERAL ("
    "SELECT i.id, i.signer, e.log_index, i.registered_at, "
    "sg.identity IS NOT NULL AND sg.created_at < " AS_OF_TIME " AS known, "
    "sg.revoked_at IS NOT NULL AND sg.revoked_at < " AS_OF_TIME
    " AS revoked, " METADATA_MEMBER("license", "$6") " AS license, " METADATA_MEMBER(
        "content_usage", "$7") " AS usage FROM items i LEFT JOIN log_entries e ON e.item_id = i.id "
                               "LEFT JOIN signers sg ON sg.identity = i.signer "
                               "WHERE i.content_hash = m.content_hash AND ($2::bigint IS NULL OR "
                               "e.log_index < $2)) r ON true "
                               "WHERE m.dataset_id = $1 AND m.position >= $4 AND m.position < $5 "
                               "ORDER BY m.position, r.log_index NULLS LAST, r.registered_at, r.id",
    7};

enum db_status db_dataset_audit_rows(struct db_conn *conn, int64_t id, const struct audit_as_of *a,
                                     const struct audit_range *range,
                                     void (*row)(void *arg, const struct audit_row *r), void *arg)
{
    uint64_t lo = range->lo, hi = range->hi, anchored_below = range->anchored_below;
    char id_s[24], index_s[24], time_s[24], lo_s[24], hi_s[24];
    snprintf(id_s, sizeof id_s, "%" PRId64, id);
    snprintf(index_s, sizeof index_s, "%" PRIu64, a->index);
    snprintf(time_s, sizeof time_s, "%" PRId64, a->time_us);
    snprintf(lo_s, sizeof lo_s, "%" PRIu64, lo);
    snprintf(hi_s, sizeof hi_s, "%" PRIu64, hi);
    const char *values[] = {
        id_s, a->has_index ? index_s : NULL,      a->has_time ? time_s : NULL,    lo_s,
        hi_s, range->licenses ? "true" : "false", range->usage ? "true" : "false"};
    PGresult *res = NULL;
    enum db_status st = db_exec(conn, &db_dataset_audit_rows_stmt, values, NULL, NULL, &res);
    uint8_t hash[SHA256_LEN];
    uint64_t decoded = UINT64_MAX; /* the position whose hash is in hash */
    for (int i = 0; st == DB_OK && i < PQntuples(res); i++) {
        struct audit_row r = {
            .position = db_u64(res, i, 0),
            .registered = !PQgetisnull(res, i, 2),
            .item_id = db_i64(res, i, 2),
            .signer = db_str(res, i, 3),
            .logged = !PQgetisnull(res, i, 4),
            .log_index = db_u64(res, i, 4),
            .known = db_bool(res, i, 5),
            .revoked = db_bool(res, i, 6),
            .license = db_str(res, i, 7),
            .content_usage = db_str(res, i, 8),
        };
        r.anchored = r.logged && r.log_index < anchored_below;
        if (r.position != decoded &&
            !hex_decode(PQgetvalue(res, i, 1), 2 * SHA256_LEN, hash, SHA256_LEN, true)) {
            st = DB_ERROR;
            break;
        }
        decoded = r.position;
        memcpy(r.content_hash, hash, SHA256_LEN);
        row(arg, &r);
    }
    PQclear(res);
    return st;
}
