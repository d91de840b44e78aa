/* SPDX-License-Identifier: Apache-2.0 */
#include "db/pool.h"
#include "db/exec.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "util/diag.h"
#include "util/sleep.h"
#include "db/stmt_count.h" /* generated (cmake/db_stmt_count.cmake): DB_STMT_COUNT */

/* A connection prepares each statement once, in a slot; one past the slots would be prepared
 * again on every use and fail (42P05), so every statement must have one. */
#define MAX_PREPARED  128
#define WATCH_TICK_MS 100 /* how often the watchdog looks for calls past their deadline */
_Static_assert(DB_STMT_COUNT <= MAX_PREPARED,
               "more prepared statements in service/db/ than MAX_PREPARED slots: raise it");

struct db_conn {
    PGconn *pg;
    struct db_pool *pool; /* the pool it belongs to, NULL for db_connect()'s */
    char *url;
    struct db_limits limits;
    const struct db_stmt *prepared[MAX_PREPARED];
    int n_prepared;
    time_t last_reset;
    bool in_use;
    bool in_txn; /* inside db_transaction(): never re-run a statement on its own */
    /* The watchdog's view of the call in flight (pooled connections only, under watch_lock):
     * a dup of the socket (-1: none), so that cutting it never hits a descriptor reused after
     * libpq closed its own; when to cut it; whether it was cut. */
    unsigned cut_after_ms; /* 0: never cut */
    pthread_mutex_t watch_lock;
    int watch_fd;
    int64_t deadline_ms;
    bool cut;
};

struct db_pool {
    pthread_mutex_t lock;
    pthread_cond_t available; /* on CLOCK_MONOTONIC */
    unsigned size;
    struct db_conn *conns;
    unsigned acquire_timeout_ms;
    pthread_t watchdog;
    bool watching;
    atomic_bool stop;
    /* While the last reconnect failed or a call was cut (PostgreSQL is down or stalled), one
     * connection at a time tries to reconnect, at most one a second, and the others fail at
     * once, so that requests do not all spend the connect timeout on finding out (nor the
     * requests queued behind them on an HTTP thread). */
    atomic_bool down, probing;
    _Atomic int64_t next_probe_ms; /* CLOCK_MONOTONIC: no probe before */
};

static void on_notice(void *arg, const char *message)
{
    (void)arg;
    diag_msg(DIAG_DEBUG, NULL, "postgres: %.*s", (int)strcspn(message, "\n"), message);
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

bool db_session_options(const struct db_limits *l, char *out, size_t len)
{
    /* JIT is off: every statement is a few index lookups, which JIT compiling (chosen from the
     * generic plans' cost estimates) would slow down tenfold. So are parallel plans: a generic
     * plan made while the log's queue was long read the sequencer's next batch through two
     * parallel workers, 18 ms a batch of 100 that one process reads in well under one
     * (README "Performance"). */
    int n = snprintf(out, len,
                     "-c jit=off -c max_parallel_workers_per_gather=0 "
                     "-c statement_timeout=%u -c lock_timeout=%u "
                     "-c idle_in_transaction_session_timeout=%u",
                     l->statement_timeout_ms, l->lock_timeout_ms, l->idle_in_transaction_ms);
    return n > 0 && (size_t)n < len;
}

static PGconn *connect_once(const char *url, const struct db_limits *l)
{
    /* Our defaults come first so that the URL can override them; the client encoding comes
     * last because everything we send and read is UTF-8. */
    char connect_s[16], options[256];
    snprintf(connect_s, sizeof connect_s, "%u", l->connect_timeout_s);
    if (!db_session_options(l, options, sizeof options))
        return NULL;
    const char *keys[] = {"connect_timeout",
                          "keepalives",
                          "keepalives_idle",
                          "keepalives_interval",
                          "keepalives_count",
                          "tcp_user_timeout",
                          "application_name",
                          "options",
                          "dbname",
                          "client_encoding",
                          NULL};
    const char *app = l->application_name ? l->application_name : "provd";
    const char *vals[] = {connect_s, "1", "10", "5", "4", "30000", app, options, url, "UTF8", NULL};
    PGconn *pg = PQconnectdbParams(keys, vals, 1);
    if (pg)
        PQsetNoticeProcessor(pg, on_notice, NULL);
    return pg;
}

static bool conn_open(struct db_conn *c, const char *url, unsigned wait_s)
{
    time_t deadline = time(NULL) + wait_s;
    unsigned delay_ms = 100;
    for (;;) {
        c->pg = connect_once(url, &c->limits);
        if (c->pg && PQstatus(c->pg) == CONNECTION_OK)
            return true;
        if (time(NULL) >= deadline) {
            diag_error("cannot connect to PostgreSQL: %s",
                       c->pg ? PQerrorMessage(c->pg) : "out of memory");
            PQfinish(c->pg);
            c->pg = NULL;
            return false;
        }
        PQfinish(c->pg);
        c->pg = NULL;
        usleep(delay_ms * 1000);
        delay_ms = delay_ms < 2000 ? delay_ms * 2 : 2000;
    }
}

/* Sets up c (no I/O); cut_after_ms 0 means nothing cuts its calls. */
static bool conn_init(struct db_conn *c, const char *url, const struct db_limits *l,
                      unsigned cut_after_ms)
{
    c->url = strdup(url);
    c->limits = *l;
    c->cut_after_ms = cut_after_ms;
    c->watch_fd = -1;
    pthread_mutex_init(&c->watch_lock, NULL);
    return c->url != NULL;
}

static void conn_free(struct db_conn *c)
{
    PQfinish(c->pg);
    c->pg = NULL;
    free(c->url);
    c->url = NULL;
    pthread_mutex_destroy(&c->watch_lock);
}

struct db_conn *db_connect(const char *url, unsigned wait_s, const struct db_limits *l)
{
    struct db_conn *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    if (!conn_init(c, url, l, 0) || !conn_open(c, url, wait_s)) {
        conn_free(c);
        free(c);
        return NULL;
    }
    return c;
}

void db_disconnect(struct db_conn *conn)
{
    if (!conn)
        return;
    conn_free(conn);
    free(conn);
}

/* Cuts c's call in flight once it is past its deadline: shutting the socket down wakes libpq,
 * which sees the connection lost. */
static void watch_check(struct db_conn *c, int64_t now)
{
    pthread_mutex_lock(&c->watch_lock);
    if (c->watch_fd >= 0 && !c->cut && now >= c->deadline_ms) {
        shutdown(c->watch_fd, SHUT_RDWR);
        c->cut = true;
        atomic_store(&c->pool->down, true);
        diag_warn("PostgreSQL has not answered for %u ms: dropping the connection",
                  c->cut_after_ms);
    }
    pthread_mutex_unlock(&c->watch_lock);
}

static void *watchdog_main(void *arg)
{
    struct db_pool *pool = arg;
    while (!atomic_load(&pool->stop)) {
        sleep_ms_unless(WATCH_TICK_MS, &pool->stop);
        int64_t now = now_ms();
        for (unsigned i = 0; i < pool->size; i++)
            watch_check(&pool->conns[i], now);
    }
    return NULL;
}

/* Arms the watchdog for a call on c (a no-op outside pools). */
static void watch_arm(struct db_conn *c)
{
    if (!c->cut_after_ms || !c->pg)
        return;
    int fd = dup(PQsocket(c->pg));
    pthread_mutex_lock(&c->watch_lock);
    c->watch_fd = fd;
    c->deadline_ms = now_ms() + c->cut_after_ms;
    c->cut = false;
    pthread_mutex_unlock(&c->watch_lock);
}

/* Disarms it after a call that returned st: DB_TIMEOUT if the watchdog cut the call. */
static enum db_status watch_disarm(struct db_conn *c, enum db_status st)
{
    if (!c->cut_after_ms)
        return st;
    pthread_mutex_lock(&c->watch_lock);
    int fd = c->watch_fd;
    bool cut = c->cut;
    c->watch_fd = -1;
    c->cut = false;
    pthread_mutex_unlock(&c->watch_lock);
    if (fd >= 0)
        close(fd);
    return cut && st != DB_OK ? DB_TIMEOUT : st;
}

static bool pool_init_sync(struct db_pool *pool)
{
    pthread_condattr_t attr;
    pthread_mutex_init(&pool->lock, NULL);
    if (pthread_condattr_init(&attr) != 0)
        return false;
    bool ok = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) == 0 &&
              pthread_cond_init(&pool->available, &attr) == 0;
    pthread_condattr_destroy(&attr);
    return ok;
}

struct db_pool *db_pool_create(const char *url, unsigned size, unsigned wait_s,
                               const struct db_limits *l)
{
    struct db_pool *pool = calloc(1, sizeof *pool);
    if (!pool)
        return NULL;
    atomic_init(&pool->stop, false);
    atomic_init(&pool->down, false);
    atomic_init(&pool->probing, false);
    atomic_init(&pool->next_probe_ms, 0);
    if (!pool_init_sync(pool)) {
        pthread_mutex_destroy(&pool->lock);
        free(pool);
        return NULL;
    }
    pool->acquire_timeout_ms = l->acquire_timeout_ms;
    unsigned cut_after = l->statement_timeout_ms ? l->statement_timeout_ms + DB_STALL_GRACE_MS : 0;
    pool->conns = calloc(size, sizeof *pool->conns);
    if (!pool->conns)
        goto fail;
    for (unsigned i = 0; i < size; i++) {
        pool->size = i + 1;
        pool->conns[i].pool = pool;
        if (!conn_init(&pool->conns[i], url, l, cut_after) ||
            !conn_open(&pool->conns[i], url, i == 0 ? wait_s : 5))
            goto fail;
    }
    if (cut_after && pthread_create(&pool->watchdog, NULL, watchdog_main, pool) != 0)
        goto fail;
    pool->watching = cut_after != 0;
    return pool;
fail:
    db_pool_destroy(pool);
    return NULL;
}

void db_pool_destroy(struct db_pool *pool)
{
    if (!pool)
        return;
    atomic_store(&pool->stop, true);
    if (pool->watching)
        pthread_join(pool->watchdog, NULL);
    for (unsigned i = 0; pool->conns && i < pool->size; i++)
        conn_free(&pool->conns[i]);
    free(pool->conns);
    pthread_cond_destroy(&pool->available);
    pthread_mutex_destroy(&pool->lock);
    free(pool);
}

#define PROBE_EVERY_MS 1000 /* while PostgreSQL is down */

static bool conn_reopen(struct db_conn *c)
{
    c->n_prepared = 0;
    if (!c->pg) {
        c->pg = connect_once(c->url, &c->limits);
    } else {
        PQreset(c->pg);
    }
    if (c->pg && PQstatus(c->pg) == CONNECTION_OK) {
        diag_info("reconnected to PostgreSQL");
        return true;
    }
    return false;
}

/* Re-establishes a broken connection, at most once a second per connection, and while its
 * pool is down only when no other connection is trying. */
static bool conn_heal(struct db_conn *c)
{
    if (c->pg && PQstatus(c->pg) == CONNECTION_OK)
        return true;
    time_t now = time(NULL);
    if (now == c->last_reset)
        return false;
    struct db_pool *pool = c->pool;
    bool probe = pool && atomic_load(&pool->down);
    if (probe &&
        (now_ms() < atomic_load(&pool->next_probe_ms) || atomic_exchange(&pool->probing, true)))
        return false;
    c->last_reset = now;
    bool ok = conn_reopen(c);
    if (pool) {
        atomic_store(&pool->next_probe_ms, ok ? 0 : now_ms() + PROBE_EVERY_MS);
        atomic_store(&pool->down, !ok);
    }
    if (probe)
        atomic_store(&pool->probing, false);
    return ok;
}

static struct db_conn *free_conn(struct db_pool *pool)
{
    for (unsigned i = 0; i < pool->size; i++)
        if (!pool->conns[i].in_use)
            return &pool->conns[i];
    return NULL;
}

struct db_conn *db_acquire(struct db_pool *pool)
{
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += pool->acquire_timeout_ms / 1000;
    deadline.tv_nsec += (long)(pool->acquire_timeout_ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    struct db_conn *c = NULL;
    int rc = 0;
    pthread_mutex_lock(&pool->lock);
    while (!(c = free_conn(pool)) && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&pool->available, &pool->lock, &deadline);
    if (c)
        c->in_use = true;
    pthread_mutex_unlock(&pool->lock);
    if (!c) {
        diag_warn("no free database connection within %u ms", pool->acquire_timeout_ms);
        return NULL;
    }
    if (!conn_heal(c)) {
        db_release(pool, c);
        return NULL;
    }
    return c;
}

void db_release(struct db_pool *pool, struct db_conn *conn)
{
    if (!conn)
        return;
    pthread_mutex_lock(&pool->lock);
    conn->in_use = false;
    pthread_cond_signal(&pool->available);
    pthread_mutex_unlock(&pool->lock);
}

PGconn *db_pg(struct db_conn *conn)
{
    return conn->pg;
}

enum db_status db_sqlstate_status(const char *state)
{
    if (!state || !strncmp(state, "08", 2) || !strncmp(state, "57P", 3))
        return DB_UNAVAILABLE; /* connection exception, server shutting down or starting */
    if (!strcmp(state, "57014") || !strcmp(state, "55P03"))
        return DB_TIMEOUT; /* statement cancelled (statement_timeout), lock_timeout */
    if (!strcmp(state, "40001") || !strcmp(state, "40P01"))
        return DB_RETRY;
    if (!strcmp(state, "23505"))
        return DB_CONFLICT;
    return DB_ERROR;
}

static enum db_status classify(PGconn *pg, PGresult *res)
{
    ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK)
        return DB_OK;
    if (PQstatus(pg) != CONNECTION_OK)
        return DB_UNAVAILABLE;
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    enum db_status s = db_sqlstate_status(state);
    if (s == DB_TIMEOUT)
        diag_warn("database statement cancelled: %s", PQresultErrorMessage(res));
    else if (s == DB_ERROR)
        diag_error("database error %s: %s", state, PQresultErrorMessage(res));
    return s;
}

static enum db_status ensure_prepared(struct db_conn *c, const struct db_stmt *stmt)
{
    for (int i = 0; i < c->n_prepared; i++)
        if (c->prepared[i] == stmt)
            return DB_OK;
    PGresult *res = PQprepare(c->pg, stmt->name, stmt->sql, stmt->n_params, NULL);
    enum db_status st = classify(c->pg, res);
    PQclear(res);
    if (st == DB_OK && c->n_prepared < MAX_PREPARED)
        c->prepared[c->n_prepared++] = stmt;
    return st;
}

static enum db_status exec_once(struct db_conn *c, const struct db_stmt *stmt,
                                const char *const *values, const int *lengths, const int *formats,
                                PGresult **res)
{
    watch_arm(c);
    enum db_status st = ensure_prepared(c, stmt);
    PGresult *r = NULL;
    if (st == DB_OK) {
        r = PQexecPrepared(c->pg, stmt->name, stmt->n_params, values, lengths, formats,
                           stmt->binary_result ? 1 : 0);
        st = classify(c->pg, r);
    }
    st = watch_disarm(c, st);
    if (st == DB_OK)
        *res = r;
    else
        PQclear(r);
    return st;
}

enum db_status db_exec(struct db_conn *conn, const struct db_stmt *stmt, const char *const *values,
                       const int *lengths, const int *formats, PGresult **res)
{
    *res = NULL;
    enum db_status st = exec_once(conn, stmt, values, lengths, formats, res);
    /* Outside a transaction a lost connection can be healed and the statement re-run: all our
     * writes are idempotent. Inside one, the caller's transaction must start over. A timeout
     * is not re-run: it would only hang as long again. */
    if (st == DB_UNAVAILABLE && !conn->in_txn && db_reconnect(conn))
        st = exec_once(conn, stmt, values, lengths, formats, res);
    return st;
}

bool db_reconnect(struct db_conn *conn)
{
    conn->last_reset = 0;
    return conn_heal(conn);
}

/* Reads the results of n queued executions and the sync that ends them into res[0..n). After
 * a failure the rest are drained; returns the first failure. */
static enum db_status read_pipeline(PGconn *pg, size_t n, PGresult **res)
{
    enum db_status st = DB_OK;
    for (size_t i = 0; i < n; i++) {
        PGresult *r = PQgetResult(pg);
        enum db_status one = classify(pg, r);
        if (st == DB_OK && one == DB_OK)
            res[i] = r;
        else
            PQclear(r);
        if (st == DB_OK)
            st = one;
        if (r) /* each execution's results end with a NULL */
            while ((r = PQgetResult(pg)))
                PQclear(r);
    }
    PGresult *sync = PQgetResult(pg);
    if (PQresultStatus(sync) != PGRES_PIPELINE_SYNC && st == DB_OK)
        st = classify(pg, sync);
    PQclear(sync);
    return st;
}

/* Leaves pipeline mode after a pipeline that ended with st; clears res (n) on failure. */
static enum db_status leave_pipeline(struct db_conn *conn, enum db_status st, size_t n,
                                     PGresult **res)
{
    if (!PQexitPipelineMode(conn->pg)) {
        /* Results still queued (a send failed half-way): the connection cannot be trusted with
         * another statement. Drop it; the next db_acquire() reconnects. */
        diag_warn("leaving pipeline mode failed: %s", PQerrorMessage(conn->pg));
        PQfinish(conn->pg);
        conn->pg = NULL;
        if (st == DB_OK)
            st = DB_UNAVAILABLE;
    }
    if (st != DB_OK)
        for (size_t i = 0; i < n; i++) {
            PQclear(res[i]);
            res[i] = NULL;
        }
    return st;
}

static enum db_status exec_calls(struct db_conn *conn, const struct db_call *calls, size_t n,
                                 PGresult **res)
{
    enum db_status st = DB_OK;
    for (size_t i = 0; i < n && st == DB_OK; i++)
        st = ensure_prepared(conn, calls[i].stmt);
    if (st != DB_OK)
        return st;
    if (!PQenterPipelineMode(conn->pg))
        return DB_UNAVAILABLE;
    for (size_t i = 0; i < n && st == DB_OK; i++) {
        const struct db_call *c = &calls[i];
        if (!PQsendQueryPrepared(conn->pg, c->stmt->name, c->stmt->n_params, c->values, c->lengths,
                                 c->formats, c->stmt->binary_result ? 1 : 0))
            st = DB_UNAVAILABLE;
    }
    if (st == DB_OK && !PQpipelineSync(conn->pg))
        st = DB_UNAVAILABLE;
    if (st == DB_OK)
        st = read_pipeline(conn->pg, n, res);
    return leave_pipeline(conn, st, n, res);
}

enum db_status db_exec_calls(struct db_conn *conn, const struct db_call *calls, size_t n,
                             PGresult **res)
{
    memset(res, 0, n * sizeof *res);
    watch_arm(conn); /* on failure every res[i] is NULL already (leave_pipeline) */
    return watch_disarm(conn, exec_calls(conn, calls, n, res));
}

enum db_status db_exec_simple(struct db_conn *conn, const char *sql)
{
    watch_arm(conn);
    PGresult *res = PQexec(conn->pg, sql);
    enum db_status st = watch_disarm(conn, classify(conn->pg, res));
    PQclear(res);
    return st;
}

static enum db_status copy_in(struct db_conn *conn, const char *sql, const char *data, size_t len)
{
    PGresult *res = PQexec(conn->pg, sql);
    bool copying = PQresultStatus(res) == PGRES_COPY_IN;
    enum db_status st = copying ? DB_OK : classify(conn->pg, res);
    PQclear(res);
    if (!copying)
        return st == DB_OK ? DB_ERROR : st;
    const size_t chunk = 1u << 20;
    bool sent = true;
    for (size_t at = 0; sent && at < len; at += chunk)
        sent = PQputCopyData(conn->pg, data + at, (int)(len - at < chunk ? len - at : chunk)) == 1;
    if (PQputCopyEnd(conn->pg, sent ? NULL : "provd could not send the rows") != 1)
        return DB_UNAVAILABLE;
    res = PQgetResult(conn->pg);
    st = classify(conn->pg, res);
    PQclear(res);
    while ((res = PQgetResult(conn->pg))) /* the end of the command's results */
        PQclear(res);
    return st;
}

enum db_status db_copy_in(struct db_conn *conn, const char *sql, const char *data, size_t len)
{
    watch_arm(conn);
    return watch_disarm(conn, copy_in(conn, sql, data, len));
}

enum db_status db_transaction(struct db_conn *conn, enum db_status (*fn)(struct db_conn *, void *),
                              void *arg)
{
    enum db_status st = DB_RETRY;
    conn->in_txn = true;
    for (int attempt = 0; attempt < 3 && st == DB_RETRY; attempt++) {
        st = db_exec_simple(conn, "BEGIN");
        if (st != DB_OK)
            break;
        st = fn(conn, arg);
        if (st == DB_OK)
            st = db_exec_simple(conn, "COMMIT");
        if (st != DB_OK && PQstatus(conn->pg) == CONNECTION_OK &&
            db_exec_simple(conn, "ROLLBACK") != DB_OK)
            diag_warn("ROLLBACK failed: %s", PQerrorMessage(conn->pg));
    }
    conn->in_txn = false;
    return st;
}

static void release_result(void *res)
{
    PQclear(res);
}

void db_own(struct rows_owner *o, PGresult *res)
{
    o->ptr = res;
    o->release = res ? release_result : NULL;
}

void *db_rows(PGresult *res, size_t row_size, db_row_reader read, const void *arg, size_t *n,
              struct rows_owner *owner)
{
    int rows = PQntuples(res);
    unsigned char *v = calloc(rows ? (size_t)rows : 1, row_size);
    *n = 0;
    if (!v) {
        PQclear(res);
        return NULL;
    }
    for (int r = 0; r < rows; r++)
        read(res, r, v + (size_t)r * row_size, arg);
    *n = (size_t)rows;
    db_own(owner, res);
    return v;
}

enum db_status db_exec_flag(struct db_conn *conn, const struct db_stmt *stmt, bool *flag)
{
    PGresult *res = NULL;
    enum db_status st = db_exec(conn, stmt, NULL, NULL, NULL, &res);
    *flag = st == DB_OK && PQntuples(res) == 1 && PQgetvalue(res, 0, 0)[0] == 't';
    PQclear(res);
    return st;
}
