/* SPDX-License-Identifier: Apache-2.0 */
/* Running statements: private to db/. Every other layer calls the typed functions of the db/
 * headers, which turn PGresults into rows of the core/ types; nothing above db/ sees libpq. */
#ifndef PROVD_DB_EXEC_H
#define PROVD_DB_EXEC_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "db/pool.h"
#include "util/rows.h"

/* A parameter array read through a sub-select, so that planning does not see its length.
 * PostgreSQL plans the first five runs of a prepared statement for their parameters, then keeps
 * a generic plan if that does not look dearer than they did. A statement over the arrays of a
 * group looked cheaper planned for the one or two elements of a group at low load than for an
 * array of unknown length, so a connection whose first runs came at low load (every connection
 * after a start) planned it afresh at every run for as long as it lived (pg_prepared_statements:
 * no generic plan in ten runs), at twice the CPU of a lookup. Through a sub-select both plans see
 * an array of unknown length, and the generic one is kept. */
#define DB_ARRAY(param, type) "(SELECT " param "::" type "[])"

struct db_stmt {
    const char *name; /* named like the C function that runs it */
    const char *sql;
    int n_params;
    bool binary_result; /* results in PostgreSQL's binary format (bulk bytea) */
};

/* Runs stmt with text parameters (NULL for SQL NULL; lengths/formats may be NULL for all-text).
 * On DB_OK *res holds the result, which the caller frees with PQclear; otherwise *res is NULL.
 * A statement that fails because the connection broke is retried once after a reconnect. */
enum db_status db_exec(struct db_conn *conn, const struct db_stmt *stmt, const char *const *values,
                       const int *lengths, const int *formats, PGresult **res)
    __attribute__((warn_unused_result));

/* Different statements in one round trip (pipelined): res[i] holds call i's result on DB_OK,
 * every res[i] is NULL otherwise. */
struct db_call {
    const struct db_stmt *stmt;
    const char *const *values;
    const int *lengths, *formats; /* may be NULL: all text */
};
enum db_status db_exec_calls(struct db_conn *conn, const struct db_call *calls, size_t n,
                             PGresult **res) __attribute__((warn_unused_result));

/* Plain SQL without parameters (migrations, BEGIN/COMMIT). */
enum db_status db_exec_simple(struct db_conn *conn, const char *sql)
    __attribute__((warn_unused_result));

/* COPY … FROM STDIN (sql) with data, the rows in the format sql names; inside a transaction. */
enum db_status db_copy_in(struct db_conn *conn, const char *sql, const char *data, size_t len)
    __attribute__((warn_unused_result));

/* The raw libpq handle, for one-off work such as migrations. */
PGconn *db_pg(struct db_conn *conn);

/* Hands res to o: rows whose strings point into res stay valid until rows_owner_release. */
void db_own(struct rows_owner *o, PGresult *res);

/* Reads row r of res into out, one element of the caller's row array (strings into res). */
typedef void (*db_row_reader)(const PGresult *res, int r, void *out, const void *arg);
/* Turns every row of res (taken over, also on failure) into an array of row_size-byte rows
 * filled by read (arg passed along), which it returns (caller frees) with *n, handing res to
 * owner. NULL when out of memory. */
void *db_rows(PGresult *res, size_t row_size, db_row_reader read, const void *arg, size_t *n,
              struct rows_owner *owner) __attribute__((warn_unused_result));
/* Runs stmt, whose one row's first column is a boolean, into *flag (false on failure). */
enum db_status db_exec_flag(struct db_conn *conn, const struct db_stmt *stmt, bool *flag)
    __attribute__((warn_unused_result));

/* Reading a text-format cell: NULL reads as NULL, 0 or false. */
static inline const char *db_str(const PGresult *res, int row, int col)
{
    return PQgetisnull(res, row, col) ? NULL : PQgetvalue(res, row, col);
}
static inline int64_t db_i64(const PGresult *res, int row, int col)
{
    return strtoll(PQgetvalue(res, row, col), NULL, 10);
}
static inline uint64_t db_u64(const PGresult *res, int row, int col)
{
    return strtoull(PQgetvalue(res, row, col), NULL, 10);
}
static inline bool db_bool(const PGresult *res, int row, int col)
{
    return PQgetvalue(res, row, col)[0] == 't';
}

/* The leader locks: session advisory locks in the two-int form, class "prov" (0x70726f76), one
 * object per role, so that one sequencer, one anchorer and one witness-cosigning thread run per
 * database. DB_LOCK_TRY is a query that takes the lock (true when this session holds it);
 * DB_LOCK_HELD is a condition that holds while this session still has it (a statement guarded by it
 * changes nothing after a failover). */
#define DB_LOCK_CLASS     "1886547574"
#define DB_LOCK_SEQUENCER "1"
#define DB_LOCK_ANCHORER  "2"
#define DB_LOCK_WITNESS   "3" /* registry/witness.c */
#define DB_LOCK_TRY(obj)  "SELECT pg_try_advisory_lock(" DB_LOCK_CLASS ", " obj ")"
#define DB_LOCK_HELD(obj)                                                                          \
    "EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() "       \
    "AND granted AND classid = " DB_LOCK_CLASS " AND objid = " obj " AND objsubid = 2)"

/* Pages that fetch no more than a reply can send (http/page.h). The inner query of DB_PAGE adds
 * DB_BYTES_BEFORE(len, order): len is a lower bound of one row's bytes in the reply (its stored
 * JSON, which replies embed as it is, and a constant below what the other members take), summed
 * over the rows before this one in order (the statement's ORDER BY). DB_PAGE keeps the rows that
 * start within the budget and the first two, so that what is cut was past the budget: the reply
 * cannot hold all the rows fetched either, and shows that there are more. (The rows keep their
 * order: the outer query only filters.) */
#define DB_BYTES_BEFORE(len, order)                                                                \
    "row_number() OVER (ORDER BY " order " ROWS UNBOUNDED PRECEDING) AS page_row, "                \
    "sum(" len ") OVER (ORDER BY " order " ROWS UNBOUNDED PRECEDING) - " len " AS bytes_before"
#define DB_PAGE(inner, budget)                                                                     \
    "SELECT * FROM (" inner ") pg WHERE pg.page_row <= 2 OR pg.bytes_before < " budget

#endif
