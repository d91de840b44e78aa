/* SPDX-License-Identifier: Apache-2.0 */
#include "registry/stats.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db/stats.h"
#include "registry/auth.h"
#include "registry/registry.h"

bool stats_cache_init(struct stats_cache *c)
{
    c->slot = calloc(STATS_SIZES, sizeof *c->slot);
    if (!c->slot)
        return false;
    pthread_mutex_init(&c->lock, NULL);
    pthread_cond_init(&c->filled, NULL);
    return true;
}

void stats_cache_destroy(struct stats_cache *c)
{
    if (!c->slot)
        return;
    pthread_cond_destroy(&c->filled);
    pthread_mutex_destroy(&c->lock);
    free(c->slot);
    c->slot = NULL;
}

static int64_t wall_clock_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* With c->lock held: true when s holds window w, fresh (copied to out). Otherwise s is marked
 * as being read, and the caller reads it. Waits while another request reads s. */
static bool lookup(struct stats_cache *c, struct stats_slot *s, const struct stats_window *w,
                   struct stats *out)
{
    while (s->filling)
        pthread_cond_wait(&c->filled, &c->lock);
    if (s->fresh && s->expires_ms > auth_clock_ms() && s->value.window.since_us == w->since_us) {
        *out = s->value;
        return true;
    }
    s->filling = true;
    return false;
}

/* With c->lock held: ends the read into s, keeping value when ok. */
static void store(struct stats_cache *c, struct stats_slot *s, const struct stats *value,
                  int64_t began_ms, bool ok)
{
    s->filling = false;
    s->fresh = ok;
    if (ok) {
        s->value = *value;
        s->expires_ms = began_ms + STATS_CACHE_TTL_MS;
    }
    pthread_cond_broadcast(&c->filled);
}

/* The window of the read size for n buckets of bucket, from the cache or the database. */
static enum db_status size_read(struct registry *reg, enum stats_bucket bucket, unsigned n,
                                struct stats *out)
{
    struct stats_cache *c = &reg->stats;
    unsigned size = stats_size_index(bucket, n);
    struct stats_slot *s = &c->slot[size];
    stats_window_at(bucket, stats_size_buckets(size), wall_clock_us(), &out->window);
    pthread_mutex_lock(&c->lock);
    bool hit = lookup(c, s, &out->window, out);
    pthread_mutex_unlock(&c->lock);
    if (hit)
        return DB_OK;
    int64_t began_ms = auth_clock_ms();
    struct db_conn *conn = db_acquire(reg->pool);
    enum db_status st = conn ? db_stats_read(conn, out) : DB_UNAVAILABLE;
    db_release(reg->pool, conn);
    pthread_mutex_lock(&c->lock);
    store(c, s, out, began_ms, st == DB_OK);
    pthread_mutex_unlock(&c->lock);
    return st;
}

bool registry_stats(struct registry *reg, enum stats_bucket bucket, unsigned n, struct stats *out,
                    struct problem *p)
{
    if (n < 1 || n > stats_buckets_max(bucket))
        return problem_set(p, PROBLEM_INTERNAL, NULL, "%s", ""); /* the adapter checks n */
    struct stats *whole = malloc(sizeof *whole);
    if (!whole)
        return problem_set(p, PROBLEM_INTERNAL, NULL, "%s", "");
    enum db_status st = size_read(reg, bucket, n, whole);
    if (st == DB_OK)
        stats_slice(whole, n, out);
    free(whole);
    return registry_db_result(st, p);
}
