/* The database side of GET /metrics: one row of gauges about the log and the anchors. */
#ifndef PROVD_DB_METRICS_H
#define PROVD_DB_METRICS_H

#include "db/exec.h"

enum db_metrics_col {
    DB_METRICS_QUEUE,           /* registrations waiting for the sequencer */
    DB_METRICS_TREE_SIZE,       /* NULL before the first sequencer run */
    DB_METRICS_CHECKPOINT_AGE,  /* seconds since the latest checkpoint; NULL without one */
    DB_METRICS_ANCHORS_PENDING, /* anchors by status ... */
    DB_METRICS_ANCHORS_SUBMITTED,
    DB_METRICS_ANCHORS_MINED,
    DB_METRICS_ANCHORS_CONFIRMED,
    DB_METRICS_ANCHORED_SIZE, /* largest confirmed anchored tree size; NULL without one */
    DB_METRICS_ANCHOR_AGE,    /* seconds since the latest confirmation; NULL without one */
};

/* One row with the DB_METRICS_* columns; the caller PQclears *res. */
enum db_status db_metrics_gauges(struct db_conn *conn, PGresult **res)
    __attribute__((warn_unused_result));

#endif
