#include "db/apikeys.h"
#include "db/exec.h"

#include <stdio.h>

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
