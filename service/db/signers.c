/* SPDX-License-Identifier: Apache-2.0 */
#include "db/signers.h"
#include "db/exec.h"

#include <stdio.h>
#include <string.h>

#include "util/buf.h"

#define TS(c) "to_char(" c " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
#define SIGNER_COLUMNS                                                                             \
    "identity, kind, name, organization, url, notes, " TS("created_at") ", " TS("revoked_at")

static void read_signer(const PGresult *res, int r, void *out, const void *arg)
{
    (void)arg;
    *(struct signer_row *)out = (struct signer_row){
        db_str(res, r, 0), db_str(res, r, 1), db_str(res, r, 2), db_str(res, r, 3),
        db_str(res, r, 4), db_str(res, r, 5), db_str(res, r, 6), db_str(res, r, 7)};
}

/* Runs a signer query and turns its rows into out. */
static enum db_status exec_signer_rows(struct db_conn *conn, const struct db_stmt *stmt,
                                       const char *const *values, struct signer_rows *out)
{
    PGresult *res = NULL;
    memset(out, 0, sizeof *out);
    enum db_status st = db_exec(conn, stmt, values, NULL, NULL, &res);
    if (st != DB_OK)
        return st;
    out->v = db_rows(res, sizeof *out->v, read_signer, NULL, &out->n, &out->owner);
    return out->v ? DB_OK : DB_ERROR;
}

static const struct db_stmt db_signer_insert_stmt = {
    "db_signer_insert",
    "INSERT INTO signers (identity, kind, name, organization, url, notes) "
    "VALUES ($1, $2, $3, $4, $5, $6) RETURNING " SIGNER_COLUMNS,
    6};

enum db_status db_signer_insert(struct db_conn *conn, const struct signer_fields *f,
                                struct signer_rows *out)
{
    const char *values[] = {f->identity, f->kind, f->name, f->organization, f->url, f->notes};
    return exec_signer_rows(conn, &db_signer_insert_stmt, values, out);
}

static const struct db_stmt db_signer_get_stmt = {
    "db_signer_get", "SELECT " SIGNER_COLUMNS " FROM signers WHERE identity = $1", 1};

enum db_status db_signer_get(struct db_conn *conn, const char *identity, struct signer_rows *out)
{
    const char *values[] = {identity};
    return exec_signer_rows(conn, &db_signer_get_stmt, values, out);
}

/* A lower bound of a signer's bytes in a reply: its texts, and more than 64 bytes of names. */
#define SIGNER_BYTES                                                                               \
    "(octet_length(identity) + octet_length(name) + coalesce(octet_length(organization), 0) + "    \
    "coalesce(octet_length(url), 0) + coalesce(octet_length(notes), 0) + 64)"

static const struct db_stmt db_signer_list_stmt = {
    "db_signer_list",
    DB_PAGE("SELECT " SIGNER_COLUMNS ", " DB_BYTES_BEFORE(
                SIGNER_BYTES,
                "identity") " FROM signers WHERE identity > $1 ORDER BY identity LIMIT $2",
            "$3"),
    3};

enum db_status db_signer_list(struct db_conn *conn, const char *after, unsigned limit,
                              size_t max_bytes, struct signer_rows *out)
{
    char limit_s[16], bytes_s[24];
    snprintf(limit_s, sizeof limit_s, "%u", limit);
    snprintf(bytes_s, sizeof bytes_s, "%zu", max_bytes);
    const char *values[] = {after, limit_s, bytes_s};
    return exec_signer_rows(conn, &db_signer_list_stmt, values, out);
}

static const struct db_stmt db_signer_revoke_stmt = {
    "db_signer_revoke",
    "UPDATE signers SET revoked_at = coalesce(revoked_at, now()) WHERE identity = $1 "
    "RETURNING " SIGNER_COLUMNS,
    1};

enum db_status db_signer_revoke(struct db_conn *conn, const char *identity, struct signer_rows *out)
{
    const char *values[] = {identity};
    return exec_signer_rows(conn, &db_signer_revoke_stmt, values, out);
}

static const struct db_stmt db_signers_known_stmt = {
    "db_signers_known",
    "SELECT u.n FROM unnest($1::text[]) WITH ORDINALITY AS u(identity, n) "
    "JOIN signers s ON s.identity = u.identity",
    1};

/* identities as a PostgreSQL array literal, each element quoted. */
static void text_array(struct buf *out, const char *const *identities, size_t n)
{
    buf_putc(out, '{');
    for (size_t i = 0; i < n; i++) {
        buf_puts(out, i ? ",\"" : "\"");
        for (const char *c = identities[i]; *c; c++) {
            if (*c == '"' || *c == '\\')
                buf_putc(out, '\\');
            buf_putc(out, *c);
        }
        buf_putc(out, '"');
    }
    buf_putc(out, '}');
}

enum db_status db_signers_known(struct db_conn *conn, const char *const *identities, size_t n,
                                bool *known)
{
    struct buf array = BUF_INIT;
    PGresult *res = NULL;
    memset(known, 0, n * sizeof *known);
    text_array(&array, identities, n);
    const char *values[] = {array.data};
    enum db_status st =
        array.oom ? DB_ERROR : db_exec(conn, &db_signers_known_stmt, values, NULL, NULL, &res);
    buf_free(&array);
    for (int r = 0; st == DB_OK && r < PQntuples(res); r++) {
        uint64_t at = db_u64(res, r, 0);
        if (at >= 1 && at <= n)
            known[at - 1] = true;
    }
    PQclear(res);
    return st;
}
