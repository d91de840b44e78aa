/* PostgreSQL connection pool.
 *
 * DESIGN: a fixed set of connections, one per HTTP worker thread, handed out under a mutex and
 * condvar. Statements are described by static struct db_stmt values and prepared lazily, once
 * per connection, on first use; a reconnect forgets them. A connection that broke is reset on
 * its next use (at most once a second), so the service heals by itself when PostgreSQL returns,
 * and callers see DB_UNAVAILABLE (HTTP 503) meanwhile. */
#ifndef PROVD_DB_POOL_H
#define PROVD_DB_POOL_H

#include <stdbool.h>

enum db_status {
    DB_OK = 0,          /* statement succeeded */
    DB_RETRY = 1,       /* serialization failure or deadlock: run the transaction again */
    DB_UNAVAILABLE = 2, /* connection lost or server shutting down: 503 */
    DB_ERROR = 3,       /* anything else: our bug or a broken schema, 500 */
    DB_CONFLICT = 4,    /* unique violation (23505) */
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

/* Runs fn inside BEGIN … COMMIT, rolling back on failure and running it again (at most 3 times)
 * on DB_RETRY. fn returns DB_OK to commit. */
enum db_status db_transaction(struct db_conn *conn, enum db_status (*fn)(struct db_conn *, void *),
                              void *arg) __attribute__((warn_unused_result));

/* Re-establishes conn now if it broke (true when it is usable), for a caller that will run its
 * idempotent transaction once more. */
bool db_reconnect(struct db_conn *conn) __attribute__((warn_unused_result));

/* Opens a single connection outside any pool (commands like migrate); NULL on failure. */
struct db_conn *db_connect(const char *url, unsigned wait_s);
void db_disconnect(struct db_conn *conn);

#endif
