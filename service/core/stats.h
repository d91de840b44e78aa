/* SPDX-License-Identifier: Apache-2.0 */
/* GET /v1/stats, the explorer's dashboard: the log's size, its latest checkpoint's time, the
 * sequencer's backlog and registrations per hour or day over a window of whole UTC buckets
 * ending with the one now falls in. The window arithmetic is here, pure, so that the database
 * query and the reply agree on it. */
#ifndef PROVD_CORE_STATS_H
#define PROVD_CORE_STATS_H

#include <stdbool.h>
#include <stdint.h>

enum stats_bucket { STATS_HOUR, STATS_DAY };

#define STATS_MAX_BUCKETS 365 /* the most of any bucket width (days) */

/* n buckets of width_us each, the oldest starting at since_us (a multiple of width_us since the
 * epoch, so buckets are aligned to UTC hours or midnights). */
struct stats_window {
    enum stats_bucket bucket;
    unsigned n;
    int64_t width_us, since_us;
};

struct stats {
    struct stats_window window;
    uint64_t tree_size;    /* of the latest checkpoint; 0 without one */
    bool has_checkpoint;   /* false while the log is empty */
    int64_t checkpoint_us; /* when the latest checkpoint was published */
    uint64_t backlog;      /* registrations, datasets and models waiting for the sequencer */
    uint64_t counts[STATS_MAX_BUCKETS]; /* registrations per bucket, oldest first (n of them) */
};

/* "hour" or "day"; false for anything else. */
bool stats_bucket_parse(const char *s, enum stats_bucket *b) __attribute__((warn_unused_result));
const char *stats_bucket_name(enum stats_bucket b);
/* The buckets a window of b may have (1..max) and has by default: 168 and 48 hours, 365 and 30
 * days. */
unsigned stats_buckets_max(enum stats_bucket b);
unsigned stats_buckets_default(enum stats_bucket b);
/* The window of n (1..stats_buckets_max) buckets of b whose newest holds now_us. */
void stats_window_at(enum stats_bucket b, unsigned n, int64_t now_us, struct stats_window *w);
/* The end of the window (exclusive): since_us + n * width_us. */
int64_t stats_window_end(const struct stats_window *w);
/* The index (0 = oldest) of the bucket of w that holds at_us; -1 when it is outside w. */
int stats_bucket_index(const struct stats_window *w, int64_t at_us);

/* Windows are read from the database in a few sizes only, so that any number of buckets costs
 * one of STATS_SIZES reads (and cache entries): 24, 48 and 168 hours, 7, 30, 90 and 365 days. A
 * window of n buckets is the newest n of the smallest size of at least n. */
#define STATS_SIZES 7
/* The size index (0..STATS_SIZES-1) of the window to read for n buckets of b, and its number of
 * buckets. */
unsigned stats_size_index(enum stats_bucket b, unsigned n);
unsigned stats_size_buckets(unsigned size_index);
/* out = the newest n (1..from->window.n) buckets of from, with from's log members. */
void stats_slice(const struct stats *from, unsigned n, struct stats *out);

#endif
