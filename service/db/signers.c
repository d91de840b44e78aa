#include "db/signers.h"
#include "db/exec.h"

#include <stdio.h>

#define TS(c) "to_char(" c " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
#define SIGNER_COLUMNS                                                                             \
    "identity, kind, name, organization, url, notes, " TS("created_at") ", " TS("revoked_at")

static const struct db_stmt db_signer_insert_stmt = {
    "db_signer_insert",
    "INSERT INTO signers (identity, kind, name, organization, url, notes) "
    "VALUES ($1, $2, $3, $4, $5, $6) RETURNING " SIGNER_COLUMNS,
    6};

enum db_status db_signer_insert(struct db_conn *conn, const struct signer_fields *f, PGresult **res)
{
    const char *values[] = {f->identity, f->kind, f->name, f->organization, f->url, f->notes};
    return db_exec(conn, &db_signer_insert_stmt, values, NULL, NULL, res);
}

static const struct db_stmt db_signer_get_stmt = {
    "db_signer_get", "SELECT " SIGNER_COLUMNS " FROM signers WHERE identity = $1", 1};

enum db_status db_signer_get(struct db_conn *conn, const char *identity, PGresult **res)
{
    const char *values[] = {identity};
    return db_exec(conn, &db_signer_get_stmt, values, NULL, NULL, res);
}

static const struct db_stmt db_signer_list_stmt = {
    "db_signer_list",
    "SELECT " SIGNER_COLUMNS " FROM signers WHERE identity > $1 ORDER BY identity LIMIT $2", 2};

enum db_status db_signer_list(struct db_conn *conn, const char *after, unsigned limit,
                              PGresult **res)
{
    char limit_s[16];
    snprintf(limit_s, sizeof limit_s, "%u", limit);
    const char *values[] = {after, limit_s};
    return db_exec(conn, &db_signer_list_stmt, values, NULL, NULL, res);
}

static const struct db_stmt db_signer_revoke_stmt = {
    "db_signer_revoke",
    "UPDATE signers SET revoked_at = coalesce(revoked_at, now()) WHERE identity = $1 "
    "RETURNING " SIGNER_COLUMNS,
    1};

enum db_status db_signer_revoke(struct db_conn *conn, const char *identity, PGresult **res)
{
    const char *values[] = {identity};
    return db_exec(conn, &db_signer_revoke_stmt, values, NULL, NULL, res);
}
