/* SPDX-License-Identifier: Apache-2.0 */
#include "db/metrics.h"
#include "db/exec.h"

#include <string.h>

/* Every part is an index lookup or a small table, except the queue count, which is as large as
 * the sequencer's backlog (a scrape every few seconds costs little even at a million). */
static const struct db_stmt db_metrics_gauges_stmt = {
    "db_metrics_gauges",
    "SELECT (SELECT count(*) FROM log_queue), (SELECT tree_size FROM log_state), "
    "(SELECT extract(epoch FROM now() - created_at)::float8 FROM log_checkpoints "
    " ORDER BY tree_size DESC LIMIT 1), "
    "count(*) FILTER (WHERE status = 'pending'), count(*) FILTER (WHERE status = 'submitted'), "
    "count(*) FILTER (WHERE status = 'mined'), count(*) FILTER (WHERE status = 'confirmed'), "
    "max(tree_size) FILTER (WHERE status = 'confirmed'), "
    "extract(epoch FROM now() - max(confirmed_at))::float8 FROM anchors",
    0};

enum db_status db_metrics_gauges(struct db_conn *conn, struct gauges *out)
{
    PGresult *res = NULL;
    memset(out, 0, sizeof *out);
    enum db_status st = db_exec(conn, &db_metrics_gauges_stmt, NULL, NULL, NULL, &res);
    if (st != DB_OK)
        return st;
    for (int g = 0; g < GAUGE_COUNT_ && PQntuples(res) == 1; g++)
        out->v[g] = db_str(res, 0, g);
    db_own(&out->owner, res);
    return DB_OK;
}
