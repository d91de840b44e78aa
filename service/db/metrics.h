/* SPDX-License-Identifier: Apache-2.0 */
/* The database side of GET /metrics: one row of gauges about the log and the anchors. */
#ifndef PROVD_DB_METRICS_H
#define PROVD_DB_METRICS_H

#include "core/gauges.h"
#include "db/pool.h"

/* Reads the gauges; the caller releases out->owner. */
enum db_status db_metrics_gauges(struct db_conn *conn, struct gauges *out)
    __attribute__((warn_unused_result));

#endif
