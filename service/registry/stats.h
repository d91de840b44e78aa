/* SPDX-License-Identifier: Apache-2.0 */
/* GET /v1/stats (core/stats.h) and its cache. A public dashboard polled by many browsers must
 * cost PostgreSQL little: a window is read in one of STATS_SIZES sizes (core/stats.h; any other
 * number of buckets is the newest of a larger one), and each size at most once per
 * STATS_CACHE_TTL_MS per process, kept whole with the log's numbers. A request that finds its
 * size being read waits for that read instead of starting another; an entry also expires when
 * its window moves on (a new hour or day began). So however many clients ask, for whatever
 * windows, an instance sends PostgreSQL at most STATS_SIZES reads per TTL. */
#ifndef PROVD_REGISTRY_STATS_H
#define PROVD_REGISTRY_STATS_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/problem.h"
#include "core/stats.h"

#define STATS_CACHE_TTL_MS 5000

struct stats_slot {
    bool fresh;         /* value holds a read, valid until expires_ms */
    bool filling;       /* a request is reading it from the database */
    int64_t expires_ms; /* on auth_clock_ms: when the read began + STATS_CACHE_TTL_MS */
    struct stats value;
};

struct stats_cache {
    pthread_mutex_t lock;
    pthread_cond_t filled;   /* a read ended (successfully or not) */
    struct stats_slot *slot; /* STATS_SIZES, by size index; owned */
};

struct registry;

/* False when out of memory. */
bool stats_cache_init(struct stats_cache *c) __attribute__((warn_unused_result));
void stats_cache_destroy(struct stats_cache *c);

/* The statistics with n (1..stats_buckets_max(bucket)) buckets of bucket ending now, at most
 * STATS_CACHE_TTL_MS old; PROBLEM_DB_UNAVAILABLE when the database does not answer. */
bool registry_stats(struct registry *reg, enum stats_bucket bucket, unsigned n, struct stats *out,
                    struct problem *p) __attribute__((warn_unused_result));

#endif
