/* SPDX-License-Identifier: Apache-2.0 */
#include "db/witness.h"
#include "db/exec.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static const struct db_stmt db_witness_try_lock_stmt = {"db_witness_try_lock",
                                                        DB_LOCK_TRY(DB_LOCK_WITNESS), 0};

enum db_status db_witness_try_lock(struct db_conn *conn, bool *got)
{
    return db_exec_flag(conn, &db_witness_try_lock_stmt, got);
}

/* Runs stmt with text values and discards its result. */
static enum db_status exec_only(struct db_conn *conn, const struct db_stmt *stmt,
                                const char *const *values)
{
    PGresult *res = NULL;
    enum db_status st = db_exec(conn, stmt, values, NULL, NULL, &res);
    PQclear(res);
    return st;
}

static const struct db_stmt db_witness_reset_stmt = {
    "db_witness_reset",
    "WITH q AS (UPDATE log_state SET witness_quorum = $1) UPDATE witnesses SET active = false", 1};

enum db_status db_witness_reset(struct db_conn *conn, unsigned quorum)
{
    char q[16];
    snprintf(q, sizeof q, "%u", quorum);
    const char *values[] = {q};
    return exec_only(conn, &db_witness_reset_stmt, values);
}

static const struct db_stmt db_witness_upsert_stmt = {
    "db_witness_upsert",
    "INSERT INTO witnesses (name, key_id, url, vkey) VALUES ($1, $2, $3, $4) "
    "ON CONFLICT (name, key_id) DO UPDATE SET url = $3, vkey = $4, active = true "
    "RETURNING cosigned_size",
    4};

enum db_status db_witness_upsert(struct db_conn *conn, const char *name, uint32_t key_id,
                                 const char *url, const char *vkey, bool *has_size, uint64_t *size)
{
    char id[16];
    snprintf(id, sizeof id, "%" PRIu32, key_id);
    const char *values[] = {name, id, url, vkey};
    PGresult *res = NULL;
    *has_size = false;
    *size = 0;
    enum db_status st = db_exec(conn, &db_witness_upsert_stmt, values, NULL, NULL, &res);
    if (st == DB_OK && PQntuples(res) == 1 && !PQgetisnull(res, 0, 0)) {
        *has_size = true;
        *size = db_u64(res, 0, 0);
    }
    PQclear(res);
    return st;
}

static const struct db_stmt db_witness_cosignature_insert_stmt = {
    "db_witness_cosignature_insert",
    "WITH c AS (INSERT INTO witness_cosignatures (tree_size, name, key_id, signed_at, line) "
    "VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING) "
    "UPDATE witnesses SET cosigned_size = greatest(coalesce(cosigned_size, 0), $1), "
    "cosigned_at = now() WHERE name = $2 AND key_id = $3",
    5};

enum db_status db_witness_cosignature_insert(struct db_conn *conn, uint64_t tree_size,
                                             const char *name, uint32_t key_id, uint64_t signed_at,
                                             const char *line)
{
    char size_s[24], id[16], at[24];
    snprintf(size_s, sizeof size_s, "%" PRIu64, tree_size);
    snprintf(id, sizeof id, "%" PRIu32, key_id);
    snprintf(at, sizeof at, "%" PRIu64, signed_at);
    const char *values[] = {size_s, name, id, at, line};
    return exec_only(conn, &db_witness_cosignature_insert_stmt, values);
}

static const struct db_stmt db_witness_quorum_update_stmt = {
    "db_witness_quorum_update",
    "WITH n AS (SELECT count(*) AS n FROM witness_cosignatures c JOIN witnesses w "
    "USING (name, key_id) WHERE w.active AND c.tree_size = $1) "
    "UPDATE log_state SET cosigned_size = greatest(cosigned_size, $1) FROM n "
    "WHERE witness_quorum > 0 AND n.n >= witness_quorum RETURNING true",
    1};

enum db_status db_witness_quorum_update(struct db_conn *conn, uint64_t tree_size, bool *met)
{
    char size_s[24];
    snprintf(size_s, sizeof size_s, "%" PRIu64, tree_size);
    const char *values[] = {size_s};
    PGresult *res = NULL;
    enum db_status st = db_exec(conn, &db_witness_quorum_update_stmt, values, NULL, NULL, &res);
    *met = st == DB_OK && PQntuples(res) == 1;
    PQclear(res);
    return st;
}

static const struct db_stmt db_witness_failure_add_stmt = {
    "db_witness_failure_add",
    "INSERT INTO witness_failures (name, key_id, reason, count) VALUES ($1, $2, $3, 1) "
    "ON CONFLICT (name, key_id, reason) DO UPDATE SET count = witness_failures.count + 1",
    3};

enum db_status db_witness_failure_add(struct db_conn *conn, const char *name, uint32_t key_id,
                                      const char *reason)
{
    char id[16];
    snprintf(id, sizeof id, "%" PRIu32, key_id);
    const char *values[] = {name, id, reason};
    return exec_only(conn, &db_witness_failure_add_stmt, values);
}

static const struct db_stmt db_witness_gauges_stmt = {
    "db_witness_gauges",
    "SELECT name, key_id, cosigned_size, "
    "extract(epoch FROM now() - cosigned_at)::bigint, "
    "(SELECT witness_quorum FROM log_state), "
    "(SELECT witness_quorum > 0 AND cosigned_size = tree_size FROM log_state), "
    "(SELECT cosigned_size FROM log_state) "
    "FROM (SELECT 1) one LEFT JOIN witnesses ON active ORDER BY name, key_id",
    0};
static const struct db_stmt db_witness_failures_stmt = {
    "db_witness_failures",
    "SELECT f.name, f.key_id, f.reason, f.count FROM witness_failures f JOIN witnesses w "
    "USING (name, key_id) WHERE w.active ORDER BY f.name, f.key_id, f.reason",
    0};

static void read_status(const PGresult *res, int r, void *out, const void *arg)
{
    (void)arg;
    struct witness_status *w = out;
    w->name = db_str(res, r, 0);
    w->key_id = (uint32_t)db_u64(res, r, 1);
    w->has_cosigned = !PQgetisnull(res, r, 2);
    w->cosigned_size = w->has_cosigned ? db_u64(res, r, 2) : 0;
    w->age_s = db_str(res, r, 3);
}

static void read_failure(const PGresult *res, int r, void *out, const void *arg)
{
    (void)arg;
    struct witness_failure *f = out;
    f->name = db_str(res, r, 0);
    f->key_id = (uint32_t)db_u64(res, r, 1);
    f->reason = db_str(res, r, 2);
    f->count = db_u64(res, r, 3);
}

/* The quorum columns of the first row, then the witness rows (the LEFT JOIN yields one row of
 * NULLs when there are none). */
static enum db_status take_status(PGresult *res, struct witness_gauges *out)
{
    if (PQntuples(res) < 1) {
        PQclear(res);
        return DB_OK;
    }
    out->quorum = PQgetisnull(res, 0, 4) ? 0 : (unsigned)db_u64(res, 0, 4);
    out->quorum_met = !PQgetisnull(res, 0, 5) && db_bool(res, 0, 5);
    out->cosigned_size = PQgetisnull(res, 0, 6) ? 0 : db_u64(res, 0, 6);
    bool none = PQgetisnull(res, 0, 0);
    out->w = db_rows(res, sizeof *out->w, read_status, NULL, &out->n, &out->owner);
    if (!out->w)
        return DB_ERROR;
    if (none)
        out->n = 0;
    return DB_OK;
}

enum db_status db_witness_gauges(struct db_conn *conn, struct witness_gauges *out)
{
    PGresult *res = NULL;
    memset(out, 0, sizeof *out);
    enum db_status st = db_exec(conn, &db_witness_gauges_stmt, NULL, NULL, NULL, &res);
    if (st != DB_OK)
        return st;
    st = take_status(res, out);
    if (st != DB_OK)
        return st;
    st = db_exec(conn, &db_witness_failures_stmt, NULL, NULL, NULL, &res);
    if (st != DB_OK)
        return st;
    out->f = db_rows(res, sizeof *out->f, read_failure, NULL, &out->n_f, &out->owner_f);
    return out->f ? DB_OK : DB_ERROR;
}
