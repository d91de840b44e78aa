#include "db/pool.h"
#include "db/exec.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/diag.h"

#define MAX_PREPARED 64

struct db_conn {
    PGconn *pg;
    char *url;
    const struct db_stmt *prepared[MAX_PREPARED];
    int n_prepared;
    time_t last_reset;
    bool in_use;
    bool in_txn; /* inside db_transaction(): never re-run a statement on its own */
};

struct db_pool {
    pthread_mutex_t lock;
    pthread_cond_t available;
    unsigned size;
    struct db_conn *conns;
};

static void on_notice(void *arg, const char *message)
{
    (void)arg;
    diag_msg(DIAG_DEBUG, NULL, "postgres: %.*s", (int)strcspn(message, "\n"), message);
}

static PGconn *connect_once(const char *url)
{
    /* Our defaults come first so that the URL can override them; the client encoding comes
     * last because everything we send and read is UTF-8. JIT is off: every statement is a few
     * index lookups, which JIT compiling (chosen from the generic plans' cost estimates) would
     * slow down tenfold. */
    const char *keys[] = {"connect_timeout", "application_name", "options",
                          "dbname",          "client_encoding",  NULL};
    const char *vals[] = {"5", "provd", "-c jit=off", url, "UTF8", NULL};
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
        c->pg = connect_once(url);
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

struct db_conn *db_connect(const char *url, unsigned wait_s)
{
    struct db_conn *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->url = strdup(url);
    if (!c->url || !conn_open(c, url, wait_s)) {
        free(c->url);
        free(c);
        return NULL;
    }
    return c;
}

void db_disconnect(struct db_conn *conn)
{
    if (!conn)
        return;
    PQfinish(conn->pg);
    free(conn->url);
    free(conn);
}

struct db_pool *db_pool_create(const char *url, unsigned size, unsigned wait_s)
{
    struct db_pool *pool = calloc(1, sizeof *pool);
    if (!pool)
        return NULL;
    pthread_mutex_init(&pool->lock, NULL);
    pthread_cond_init(&pool->available, NULL);
    pool->conns = calloc(size, sizeof *pool->conns);
    if (!pool->conns)
        goto fail;
    pool->size = size;
    for (unsigned i = 0; i < size; i++) {
        pool->conns[i].url = strdup(url);
        if (!pool->conns[i].url || !conn_open(&pool->conns[i], url, i == 0 ? wait_s : 5))
            goto fail;
    }
    return pool;
fail:
    db_pool_destroy(pool);
    return NULL;
}

void db_pool_destroy(struct db_pool *pool)
{
    if (!pool)
        return;
    for (unsigned i = 0; pool->conns && i < pool->size; i++) {
        PQfinish(pool->conns[i].pg);
        free(pool->conns[i].url);
    }
    free(pool->conns);
    pthread_cond_destroy(&pool->available);
    pthread_mutex_destroy(&pool->lock);
    free(pool);
}

/* Re-establishes a broken connection, at most once a second per connection. */
static bool conn_heal(struct db_conn *c)
{
    if (c->pg && PQstatus(c->pg) == CONNECTION_OK)
        return true;
    time_t now = time(NULL);
    if (now == c->last_reset)
        return false;
    c->last_reset = now;
    c->n_prepared = 0;
    if (!c->pg) {
        c->pg = connect_once(c->url);
    } else {
        PQreset(c->pg);
    }
    if (c->pg && PQstatus(c->pg) == CONNECTION_OK) {
        diag_info("reconnected to PostgreSQL");
        return true;
    }
    return false;
}

struct db_conn *db_acquire(struct db_pool *pool)
{
    struct db_conn *c = NULL;
    pthread_mutex_lock(&pool->lock);
    for (;;) {
        for (unsigned i = 0; i < pool->size && !c; i++)
            if (!pool->conns[i].in_use)
                c = &pool->conns[i];
        if (c)
            break;
        pthread_cond_wait(&pool->available, &pool->lock);
    }
    c->in_use = true;
    pthread_mutex_unlock(&pool->lock);
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

static enum db_status classify(PGconn *pg, PGresult *res)
{
    ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK)
        return DB_OK;
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    if (PQstatus(pg) != CONNECTION_OK || !state || !strncmp(state, "08", 2) ||
        !strncmp(state, "57P", 3))
        return DB_UNAVAILABLE;
    if (!strcmp(state, "40001") || !strcmp(state, "40P01"))
        return DB_RETRY;
    if (!strcmp(state, "23505"))
        return DB_CONFLICT;
    diag_error("database error %s: %s", state, PQresultErrorMessage(res));
    return DB_ERROR;
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
    enum db_status st = ensure_prepared(c, stmt);
    if (st != DB_OK)
        return st;
    PGresult *r = PQexecPrepared(c->pg, stmt->name, stmt->n_params, values, lengths, formats,
                                 stmt->binary_result ? 1 : 0);
    st = classify(c->pg, r);
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
     * writes are idempotent. Inside one, the caller's transaction must start over. */
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

/* One pipelined round trip of n executions (values/lengths are n rows of n_params). */
static enum db_status exec_chunk(struct db_conn *c, const struct db_stmt *stmt, size_t n,
                                 const char *const *values, const int *lengths, const int *formats,
                                 PGresult **res)
{
    int np = stmt->n_params;
    for (size_t i = 0; i < n; i++)
        if (!PQsendQueryPrepared(c->pg, stmt->name, np, values + i * (size_t)np,
                                 lengths ? lengths + i * (size_t)np : NULL, formats,
                                 stmt->binary_result ? 1 : 0))
            return DB_UNAVAILABLE;
    if (!PQpipelineSync(c->pg))
        return DB_UNAVAILABLE;
    return read_pipeline(c->pg, n, res);
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

enum db_status db_exec_calls(struct db_conn *conn, const struct db_call *calls, size_t n,
                             PGresult **res)
{
    memset(res, 0, n * sizeof *res);
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

enum db_status db_exec_many(struct db_conn *conn, const struct db_stmt *stmt, size_t n,
                            const char *const *values, const int *lengths, const int *formats,
                            PGresult **res)
{
    memset(res, 0, n * sizeof *res);
    enum db_status st = ensure_prepared(conn, stmt);
    if (st != DB_OK)
        return st;
    if (!PQenterPipelineMode(conn->pg))
        return DB_UNAVAILABLE;
    size_t np = (size_t)stmt->n_params;
    for (size_t done = 0; done < n && st == DB_OK; done += DB_PIPELINE_CHUNK) {
        size_t k = n - done < DB_PIPELINE_CHUNK ? n - done : DB_PIPELINE_CHUNK;
        st = exec_chunk(conn, stmt, k, values + done * np, lengths ? lengths + done * np : NULL,
                        formats, res + done);
    }
    return leave_pipeline(conn, st, n, res);
}

enum db_status db_exec_simple(struct db_conn *conn, const char *sql)
{
    PGresult *res = PQexec(conn->pg, sql);
    enum db_status st = classify(conn->pg, res);
    PQclear(res);
    return st;
}

enum db_status db_copy_in(struct db_conn *conn, const char *sql, const char *data, size_t len)
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
