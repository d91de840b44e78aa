/* SPDX-License-Identifier: Apache-2.0 */
/* The database side of GET /v1/stats (core/stats.h). */
#ifndef PROVD_DB_STATS_H
#define PROVD_DB_STATS_H

#include "core/stats.h"
#include "db/pool.h"

/* Fills out's log members (tree size, checkpoint time, backlog) and its counts over out->window
 * (set by the caller), in one round trip. */
enum db_status db_stats_read(struct db_conn *conn, struct stats *out)
    __attribute__((warn_unused_result));

#endif
