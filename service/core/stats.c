/* SPDX-License-Identifier: Apache-2.0 */
#include "core/stats.h"

#include <string.h>

#define HOUR_US (3600LL * 1000000)
#define DAY_US  (24 * HOUR_US)

bool stats_bucket_parse(const char *s, enum stats_bucket *b)
{
    if (s && !strcmp(s, "hour"))
        *b = STATS_HOUR;
    else if (s && !strcmp(s, "day"))
        *b = STATS_DAY;
    else
        return false;
    return true;
}

const char *stats_bucket_name(enum stats_bucket b)
{
    return b == STATS_DAY ? "day" : "hour";
}

unsigned stats_buckets_max(enum stats_bucket b)
{
    return b == STATS_DAY ? 365 : 168;
}

unsigned stats_buckets_default(enum stats_bucket b)
{
    return b == STATS_DAY ? 30 : 48;
}

/* Rounds down to a multiple of m (m > 0), also below zero. */
static int64_t floor_to(int64_t v, int64_t m)
{
    int64_t r = v % m;
    return r < 0 ? v - r - m : v - r;
}

void stats_window_at(enum stats_bucket b, unsigned n, int64_t now_us, struct stats_window *w)
{
    w->bucket = b;
    w->n = n;
    w->width_us = b == STATS_DAY ? DAY_US : HOUR_US;
    w->since_us = floor_to(now_us, w->width_us) - ((int64_t)n - 1) * w->width_us;
}

int64_t stats_window_end(const struct stats_window *w)
{
    return w->since_us + (int64_t)w->n * w->width_us;
}

int stats_bucket_index(const struct stats_window *w, int64_t at_us)
{
    if (at_us < w->since_us || at_us >= stats_window_end(w))
        return -1;
    return (int)((at_us - w->since_us) / w->width_us);
}

static const struct {
    enum stats_bucket bucket;
    unsigned n;
} sizes[STATS_SIZES] = {{STATS_HOUR, 24}, {STATS_HOUR, 48}, {STATS_HOUR, 168}, {STATS_DAY, 7},
                        {STATS_DAY, 30},  {STATS_DAY, 90},  {STATS_DAY, 365}};

unsigned stats_size_index(enum stats_bucket b, unsigned n)
{
    unsigned last = 0;
    for (unsigned i = 0; i < STATS_SIZES; i++) {
        if (sizes[i].bucket != b)
            continue;
        last = i;
        if (sizes[i].n >= n)
            return i;
    }
    return last; /* n above stats_buckets_max: the largest */
}

unsigned stats_size_buckets(unsigned size_index)
{
    return sizes[size_index < STATS_SIZES ? size_index : STATS_SIZES - 1].n;
}

void stats_slice(const struct stats *from, unsigned n, struct stats *out)
{
    const struct stats_window *w = &from->window;
    unsigned skip = n <= w->n ? w->n - n : 0;
    *out = *from;
    memset(out->counts, 0, sizeof out->counts);
    out->window.n = w->n - skip;
    out->window.since_us = w->since_us + (int64_t)skip * w->width_us;
    memcpy(out->counts, from->counts + skip, out->window.n * sizeof *out->counts);
}
