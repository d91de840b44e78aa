/* SPDX-License-Identifier: Apache-2.0 */
/* Gauges of the log and the anchors, as stored (GET /metrics reads them on each scrape). */
#ifndef PROVD_CORE_GAUGES_H
#define PROVD_CORE_GAUGES_H

#include "util/rows.h"

enum gauge {
    GAUGE_QUEUE,           /* registrations waiting for the sequencer */
    GAUGE_TREE_SIZE,       /* absent before the first sequencer run */
    GAUGE_CHECKPOINT_AGE,  /* seconds since the latest checkpoint; absent without one */
    GAUGE_ANCHORS_PENDING, /* anchors by status ... */
    GAUGE_ANCHORS_SUBMITTED,
    GAUGE_ANCHORS_MINED,
    GAUGE_ANCHORS_CONFIRMED,
    GAUGE_ANCHORED_SIZE, /* largest confirmed anchored tree size; absent without one */
    GAUGE_ANCHOR_AGE,    /* seconds since the latest confirmation; absent without one */
    GAUGE_COUNT_
};

/* Each value as decimal text, NULL when absent; strings borrowed from owner. */
struct gauges {
    const char *v[GAUGE_COUNT_];
    struct rows_owner owner;
};

#endif
