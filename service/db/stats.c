/* SPDX-License-Identifier: Apache-2.0 */
#include "db/stats.h"
#include "db/exec.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* A bigint parameter of microseconds since the epoch as a timestamptz. */
#define US_TS(p) "('epoch'::timestamptz + (" p ")::bigint * interval '1 microsecond')"

/* The latest checkpoint is the primary key's last entry; the queues are counted whole, as for
 * GET /metrics (they are as large as the sequencer's backlog). */
static const struct db_stmt db_stats_log_stmt = {
    "db_stats_log",
    "SELECT c.tree_size, (extract(epoch FROM c.created_at) * 1000000)::bigint, "
    "(SELECT count(*) FROM log_queue) + (SELECT count(*) FROM log_queue_datasets) + "
    "(SELECT count(*) FROM log_queue_models) "
    "FROM (SELECT 1) one LEFT JOIN LATERAL (SELECT tree_size, created_at FROM log_checkpoints "
    "ORDER BY tree_size DESC LIMIT 1) c ON true",
    0};

/* Registrations in [$1, $2) per bucket of unit $3 ('hour' or 'day', in UTC): a range scan of
 * items_registered_at_idx over the window only (index-only once the table is vacuumed), grouped
 * by the truncated time; only non-empty buckets come back. */
static const struct db_stmt db_stats_registrations_stmt = {
    "db_stats_registrations",
    "SELECT (extract(epoch FROM b.at) * 1000000)::bigint, b.n FROM (SELECT date_trunc($3, "
    "registered_at AT TIME ZONE 'UTC') AS at, count(*) AS n FROM items WHERE registered_at "
    ">= " US_TS("$1") " AND registered_at < " US_TS("$2") " GROUP BY 1) b",
    3};

static void log_read(const PGresult *res, struct stats *out)
{
    if (PQntuples(res) != 1)
        return;
    out->has_checkpoint = !PQgetisnull(res, 0, 0);
    if (out->has_checkpoint) {
        out->tree_size = db_u64(res, 0, 0);
        out->checkpoint_us = db_i64(res, 0, 1);
    }
    out->backlog = db_u64(res, 0, 2);
}

static enum db_status counts_read(const PGresult *res, struct stats *out)
{
    for (int r = 0; r < PQntuples(res); r++) {
        int i = stats_bucket_index(&out->window, db_i64(res, r, 0));
        if (i < 0)
            return DB_ERROR; /* a bucket outside the window: the query is wrong */
        out->counts[i] = db_u64(res, r, 1);
    }
    return DB_OK;
}

enum db_status db_stats_read(struct db_conn *conn, struct stats *out)
{
    const struct stats_window *w = &out->window;
    out->tree_size = out->backlog = 0;
    out->has_checkpoint = false;
    out->checkpoint_us = 0;
    memset(out->counts, 0, sizeof out->counts);
    char since[24], until[24];
    snprintf(since, sizeof since, "%" PRId64, w->since_us);
    snprintf(until, sizeof until, "%" PRId64, stats_window_end(w));
    const char *values[] = {since, until, stats_bucket_name(w->bucket)};
    const struct db_call calls[] = {
        {&db_stats_log_stmt, NULL, NULL, NULL},
        {&db_stats_registrations_stmt, values, NULL, NULL},
    };
    PGresult *res[2];
    enum db_status st = db_exec_calls(conn, calls, 2, res);
    if (st != DB_OK)
        return st;
    log_read(res[0], out);
    st = counts_read(res[1], out);
    PQclear(res[0]);
    PQclear(res[1]);
    return st;
}
