/* SPDX-License-Identifier: Apache-2.0 */
#include "db/apikeys.h"
#include "db/exec.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static const struct db_stmt db_apikey_insert_stmt = {
    "db_apikey_insert", "INSERT INTO api_keys (name, scope, token_hash) VALUES ($1, $2, $3)", 3};

enum db_status db_apikey_insert(struct db_conn *conn, const char *name, const char *scope,
                                const uint8_t token_hash[SHA256_LEN])
{
    const char *values[] = {name, scope, (const char *)token_hash};
    const int lengths[] = {0, 0, SHA256_LEN};
    const int formats[] = {0, 0, 1};
    PGresult *res;
    enum db_status st = db_exec(conn, &db_apikey_insert_stmt, values, lengths, formats, &res);
    PQclear(res);
    return st;
}

static const struct db_stmt db_apikey_scope_stmt = {
    "db_apikey_scope",
    "SELECT scope, id FROM api_keys WHERE token_hash = $1 AND revoked_at IS NULL", 1};

enum db_status db_apikey_scope(struct db_conn *conn, const uint8_t token_hash[SHA256_LEN],
                               char scope[APIKEY_SCOPE_MAX], int64_t *id)
{
    const char *values[] = {(const char *)token_hash};
    const int lengths[] = {SHA256_LEN};
    const int formats[] = {1};
    PGresult *res;
    scope[0] = '\0';
    enum db_status st = db_exec(conn, &db_apikey_scope_stmt, values, lengths, formats, &res);
    if (st == DB_OK) {
        if (PQntuples(res) == 1) {
            snprintf(scope, APIKEY_SCOPE_MAX, "%s", PQgetvalue(res, 0, 0));
            *id = db_i64(res, 0, 1);
        }
        PQclear(res);
    }
    return st;
}

#define APIKEY_TS(c)   "to_char(" c " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
#define APIKEY_COLUMNS "id, name, scope, " APIKEY_TS("created_at") ", " APIKEY_TS("revoked_at")

static void read_apikey(const PGresult *res, int r, void *out, const void *arg)
{
    (void)arg;
    *(struct apikey_row *)out =
        (struct apikey_row){db_i64(res, r, 0), db_str(res, r, 1), db_str(res, r, 2),
                            db_str(res, r, 3), db_str(res, r, 4)};
}

static enum db_status exec_apikey_rows(struct db_conn *conn, const struct db_stmt *stmt,
                                       const char *const *values, struct apikey_rows *out)
{
    PGresult *res = NULL;
    memset(out, 0, sizeof *out);
    enum db_status st = db_exec(conn, stmt, values, NULL, NULL, &res);
    if (st != DB_OK)
        return st;
    out->v = db_rows(res, sizeof *out->v, read_apikey, NULL, &out->n, &out->owner);
    return out->v ? DB_OK : DB_ERROR;
}

static const struct db_stmt db_apikey_list_stmt = {
    "db_apikey_list", "SELECT " APIKEY_COLUMNS " FROM api_keys WHERE id > $1 ORDER BY id LIMIT $2",
    2};

enum db_status db_apikey_list(struct db_conn *conn, int64_t after, unsigned limit,
                              struct apikey_rows *out)
{
    char after_s[24], limit_s[16];
    snprintf(after_s, sizeof after_s, "%" PRId64, after);
    snprintf(limit_s, sizeof limit_s, "%u", limit);
    const char *values[] = {after_s, limit_s};
    return exec_apikey_rows(conn, &db_apikey_list_stmt, values, out);
}

/* revoked_at = now() (the transaction's start) only when this statement set it. */
static const struct db_stmt db_apikey_revoke_stmt = {
    "db_apikey_revoke",
    "UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 "
    "RETURNING " APIKEY_COLUMNS ", revoked_at = now()",
    1};

enum db_status db_apikey_revoke(struct db_conn *conn, int64_t id, struct apikey_rows *out,
                                bool *newly)
{
    char id_s[24];
    snprintf(id_s, sizeof id_s, "%" PRId64, id);
    const char *values[] = {id_s};
    PGresult *res = NULL;
    memset(out, 0, sizeof *out);
    *newly = false;
    enum db_status st = db_exec(conn, &db_apikey_revoke_stmt, values, NULL, NULL, &res);
    if (st != DB_OK)
        return st;
    *newly = PQntuples(res) == 1 && PQgetvalue(res, 0, 5)[0] == 't';
    out->v = db_rows(res, sizeof *out->v, read_apikey, NULL, &out->n, &out->owner);
    return out->v ? DB_OK : DB_ERROR;
}
