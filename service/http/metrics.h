/* SPDX-License-Identifier: Apache-2.0 */
/* Prometheus metrics: request counters and latency histograms per route, recorded lock-free by
 * the HTTP workers, and gauges of the log and the anchors read from PostgreSQL on each scrape
 * (so one `provd serve` also shows how the workers are doing). */
#ifndef PROVD_HTTP_METRICS_H
#define PROVD_HTTP_METRICS_H

#include <stdatomic.h>
#include <stdint.h>

#define METRICS_ROUTES   48 /* at least the routes in the table, plus one for "no route" */
#define METRICS_STATUSES 17 /* METRICS_STATUS_CODES, plus one for any other */
#define METRICS_BUCKETS  12 /* METRICS_BUCKET_US, plus +Inf */

struct http_metrics {
    atomic_uint_fast64_t requests[METRICS_ROUTES][METRICS_STATUSES];
    atomic_uint_fast64_t buckets[METRICS_ROUTES][METRICS_BUCKETS]; /* not cumulative */
    atomic_uint_fast64_t sum_us[METRICS_ROUTES];
};

/* Counts one answered request: route is route_index()'s (or -1 for none). */
void metrics_observe(struct http_metrics *m, int route, unsigned status, uint64_t elapsed_us);

#endif
