/* SPDX-License-Identifier: Apache-2.0 */
#include "registry/status.h"

#include <inttypes.h>
#include <string.h>

#include "db/anchors.h"
#include "db/metrics.h"
#include "db/migrate.h"

bool registry_anchors_list(struct registry *reg, int64_t before, unsigned limit,
                           struct anchor_rows *out, struct problem *p)
{
    memset(out, 0, sizeof *out);
    struct db_conn *conn = db_acquire(reg->pool);
    enum db_status st = conn ? db_anchor_list(conn, before, limit, out) : DB_UNAVAILABLE;
    db_release(reg->pool, conn);
    return registry_db_result(st, p);
}

bool registry_anchor_get(struct registry *reg, int64_t id, struct anchor_rows *out,
                         struct problem *p)
{
    memset(out, 0, sizeof *out);
    struct db_conn *conn = db_acquire(reg->pool);
    enum db_status st = conn ? db_anchor_get(conn, id, out) : DB_UNAVAILABLE;
    db_release(reg->pool, conn);
    if (st != DB_OK)
        return registry_db_problem(st, p);
    if (out->n == 0) {
        anchor_rows_free(out);
        return problem_set(p, PROBLEM_ANCHOR_NOT_FOUND, NULL, "no anchor with id %" PRId64, id);
    }
    p->code = PROBLEM_NONE;
    return true;
}

bool registry_ready(struct registry *reg, int *version, struct problem *p)
{
    *version = 0;
    struct db_conn *conn = db_acquire(reg->pool);
    enum db_status st = conn ? migrate_current_version(conn, version) : DB_UNAVAILABLE;
    db_release(reg->pool, conn);
    if (st != DB_OK)
        return problem_set(p, PROBLEM_NOT_READY, NULL, "the database is unreachable");
    if (*version != migrate_latest_version())
        return problem_set(p, PROBLEM_NOT_READY, NULL,
                           "the schema is at version %d, this provd expects %d", *version,
                           migrate_latest_version());
    p->code = PROBLEM_NONE;
    return true;
}

bool registry_gauges(struct registry *reg, struct gauges *out)
{
    memset(out, 0, sizeof *out);
    struct db_conn *conn = db_acquire(reg->pool);
    enum db_status st = conn ? db_metrics_gauges(conn, out) : DB_UNAVAILABLE;
    db_release(reg->pool, conn);
    return st == DB_OK;
}
