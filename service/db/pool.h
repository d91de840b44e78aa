/* PostgreSQL connection pool.
 *
 * DESIGN: a fixed set of connections, one per HTTP worker thread, handed out under a mutex and
 * condvar. Statements are described by static struct db_stmt values and prepared lazily, once
 * per connection, on first use; a reconnect forgets them. A connection that broke is reset on
 * its next use (at most once a second), so the service heals by itself when PostgreSQL returns,
 * and callers see DB_UNAVAILABLE (HTTP 503) meanwhile. */
#ifndef PROVD_DB_POOL_H
#define PROVD_DB_POOL_H

#include <libpq-fe.h>
#include <stdbool.h>

enum db_status {
    DB_OK = 0,          /* statement succeeded */
    DB_RETRY = 1,       /* serialization failure or deadlock: run the transaction again */
    DB_UNAVAILABLE = 2, /* connection lost or server shutting down: 503 */
    DB_ERROR = 3,       /* anything else: our bug or a broken schema, 500 */
    DB_CONFLICT = 4,    /* unique violation (23505) */
};

struct db_stmt {
    const char *name; /* named like the C function that runs it */
    const char *sql;
    int n_params;
    bool binary_result; /* results in PostgreSQL's binary format (bulk bytea) */
};

struct db_pool;
struct db_conn;

/* Opens size connections to url (libpq URI or conninfo), retrying for up to wait_s seconds
 * while the server is unreachable. NULL on failure (reason logged). Caller owns the pool. */
struct db_pool *db_pool_create(const char *url, unsigned size, unsigned wait_s);
void db_pool_destroy(struct db_pool *pool);

/* Takes a connection (waits while all are busy). NULL means the database is unreachable.
 * Give it back with db_release(). */
struct db_conn *db_acquire(struct db_pool *pool) __attribute__((warn_unused_result));
void db_release(struct db_pool *pool, struct db_conn *conn);

/* Runs stmt with text parameters (NULL for SQL NULL; lengths/formats may be NULL for all-text).
 * On DB_OK *res holds the result, which the caller frees with PQclear; otherwise *res is NULL.
 * A statement that fails because the connection broke is retried once after a reconnect. */
enum db_status db_exec(struct db_conn *conn, const struct db_stmt *stmt, const char *const *values,
                       const int *lengths, const int *formats, PGresult **res)
    __attribute__((warn_unused_result));

/* Runs fn inside BEGIN … COMMIT, rolling back on failure and running it again (at most 3 times)
 * on DB_RETRY. fn returns DB_OK to commit. */
enum db_status db_transaction(struct db_conn *conn, enum db_status (*fn)(struct db_conn *, void *),
                              void *arg) __attribute__((warn_unused_result));

/* Runs stmt n times, parameter set i being values[i * n_params ...] (lengths likewise, or NULL;
 * formats is shared), pipelined: one round trip per DB_PIPELINE_CHUNK executions. Use inside
 * db_transaction(). On DB_OK res[i] holds each result (caller PQclears them); otherwise every
 * res[i] is NULL. */
#define DB_PIPELINE_CHUNK                                                                          \
    64 /* bounded so neither side's socket buffer fills while the other                            \
          waits: about 100 KiB of queries, less of results */
enum db_status db_exec_many(struct db_conn *conn, const struct db_stmt *stmt, size_t n,
                            const char *const *values, const int *lengths, const int *formats,
                            PGresult **res) __attribute__((warn_unused_result));

/* Re-establishes conn now if it broke (true when it is usable), for a caller that will run its
 * idempotent transaction once more. */
bool db_reconnect(struct db_conn *conn) __attribute__((warn_unused_result));

/* Plain SQL without parameters (migrations, BEGIN/COMMIT). */
enum db_status db_exec_simple(struct db_conn *conn, const char *sql)
    __attribute__((warn_unused_result));

/* The raw libpq handle, for one-off work such as migrations. */
PGconn *db_pg(struct db_conn *conn);

/* Opens a single connection outside any pool (commands like migrate); NULL on failure. */
struct db_conn *db_connect(const char *url, unsigned wait_s);
void db_disconnect(struct db_conn *conn);

#endif
