/* SPDX-License-Identifier: Apache-2.0 */
/* PostgreSQL connection pool.
 *
 * DESIGN: a fixed set of connections, one per HTTP worker thread and committer, handed out under a
 * mutex and condvar. Statements are described by static struct db_stmt values and prepared lazily,
 * once per connection, on first use; a reconnect forgets them. A connection that broke is reset on
 * its next use (at most once a second), so the service heals by itself when PostgreSQL returns,
 * and callers see DB_UNAVAILABLE (HTTP 503) meanwhile. Nothing waits for ever on a stalled
 * server: db_acquire's wait is bounded, and a watchdog thread per pool cuts a call that has not
 * answered in time (struct db_limits). */
#ifndef PROVD_DB_POOL_H
#define PROVD_DB_POOL_H

#include <stdbool.h>
#include <stddef.h>

enum db_status {
    DB_OK = 0,          /* statement succeeded */
    DB_RETRY = 1,       /* serialization failure or deadlock: run the transaction again */
    DB_UNAVAILABLE = 2, /* connection lost or server shutting down: 503 */
    DB_ERROR = 3,       /* anything else: our bug or a broken schema, 500 */
    DB_CONFLICT = 4,    /* unique violation (23505) */
    DB_TIMEOUT = 5,     /* statement or lock timeout (57014, 55P03), or no answer in time: 503,
                           never retried (a retry would only hang as long again) */
};

/* A session's time limits (0: none). The statement, lock and idle-in-transaction timeouts are
 * PostgreSQL's own, sent at connect time in the startup options (a URL that sets options= replaces
 * them); keepalives (idle 10 s, then every 5 s, 4 probes; tcp_user_timeout 30 s) notice a dead
 * peer in about 30 s. A server that stops answering altogether cancels nothing, so a pool also
 * cuts the connection of a call that has not answered within the statement timeout plus
 * DB_STALL_GRACE_MS: the call fails with DB_TIMEOUT and the connection is reopened on its next
 * use. README "When PostgreSQL stalls" says which sessions get which limits. */
struct db_limits {
    unsigned connect_timeout_s;      /* libpq connect_timeout, each attempt (libpq: at least 2) */
    unsigned statement_timeout_ms;   /* statement_timeout */
    unsigned lock_timeout_ms;        /* lock_timeout */
    unsigned idle_in_transaction_ms; /* idle_in_transaction_session_timeout */
    unsigned acquire_timeout_ms;     /* pools: db_acquire's wait for a free connection */
    const char *application_name;    /* pg_stat_activity's name of the session; NULL: "provd" */
};
#define DB_STALL_GRACE_MS 1000

/* The status of a failed statement from its SQLSTATE (NULL: no server answer). */
enum db_status db_sqlstate_status(const char *sqlstate);
/* The startup options (-c name=value …) that set l's server-side limits, into out (len bytes).
 * False if they do not fit. */
bool db_session_options(const struct db_limits *l, char *out, size_t len)
    __attribute__((warn_unused_result));

struct db_pool;
struct db_conn;

/* Opens size connections to url (libpq URI or conninfo) with the limits l (copied), retrying for
 * up to wait_s seconds while the server is unreachable. NULL on failure (reason logged). Caller
 * owns the pool. */
struct db_pool *db_pool_create(const char *url, unsigned size, unsigned wait_s,
                               const struct db_limits *l);
void db_pool_destroy(struct db_pool *pool);

/* Takes a connection, waiting at most the pool's acquire timeout while all are busy. NULL means
 * the database is unreachable or too slow to free one. Give it back with db_release(). */
struct db_conn *db_acquire(struct db_pool *pool) __attribute__((warn_unused_result));
void db_release(struct db_pool *pool, struct db_conn *conn);

/* Runs fn inside BEGIN … COMMIT, rolling back on failure and running it again (at most 3 times)
 * on DB_RETRY. fn returns DB_OK to commit. */
enum db_status db_transaction(struct db_conn *conn, enum db_status (*fn)(struct db_conn *, void *),
                              void *arg) __attribute__((warn_unused_result));

/* Re-establishes conn now if it broke (true when it is usable), for a caller that will run its
 * idempotent transaction once more. */
bool db_reconnect(struct db_conn *conn) __attribute__((warn_unused_result));

/* Opens a single connection outside any pool (commands like migrate, the worker's sessions)
 * with the server-side limits of l (copied; nothing cuts its calls on provd's side). NULL on
 * failure. */
struct db_conn *db_connect(const char *url, unsigned wait_s, const struct db_limits *l);
void db_disconnect(struct db_conn *conn);

#endif
