/* SPDX-License-Identifier: Apache-2.0 */
#include "tlog/tilecache.h"

#include <stdlib.h>
#include <string.h>

#define TILE_CACHE_SETS (TILE_CACHE_SLOTS / TILE_CACHE_WAYS)

bool tile_cache_init(struct tile_cache *c)
{
    c->slots = calloc(TILE_CACHE_SLOTS, sizeof *c->slots);
    if (!c->slots)
        return false;
    for (int i = 0; i < TILE_CACHE_LOCKS; i++)
        pthread_mutex_init(&c->locks[i], NULL);
    return true;
}

void tile_cache_destroy(struct tile_cache *c)
{
    if (!c->slots)
        return;
    for (int i = 0; i < TILE_CACHE_LOCKS; i++)
        pthread_mutex_destroy(&c->locks[i]);
    free(c->slots);
    c->slots = NULL;
}

/* Consecutive tiles of a level go to consecutive sets, so that a level of up to
 * TILE_CACHE_SLOTS tiles fits whole (hashed sets overflowed: with 3,907 level-0 tiles in 4,096
 * slots, one receipt in seven fetched its tile); each tree and level starts at a set of its own. */
static size_t set_of(uint64_t tree, unsigned level, uint64_t idx)
{
    uint64_t start =
        ((tree * 0xC2B2AE3D27D4EB4Full) ^ ((uint64_t)level << 59)) * 0x9E3779B97F4A7C15ull;
    return (size_t)(((start >> 32) + idx) % TILE_CACHE_SETS);
}

static pthread_mutex_t *lock_of(struct tile_cache *c, size_t set)
{
    return &c->locks[set % TILE_CACHE_LOCKS];
}

/* The entry of set holding tile (tree, level, idx), or NULL. */
static struct tile_cache_entry *find(struct tile_cache_entry *set, uint64_t tree, unsigned level,
                                     uint64_t idx)
{
    for (int w = 0; w < TILE_CACHE_WAYS; w++) {
        struct tile_cache_entry *e = &set[w];
        if (e->tile.width > 0 && e->tile.level == level && e->tile.idx == idx && e->tree == tree)
            return e;
    }
    return NULL;
}

/* Marks e the set's most recently used entry. */
static void touch(struct tile_cache_entry *set, struct tile_cache_entry *e)
{
    uint64_t newest = 0;
    for (int w = 0; w < TILE_CACHE_WAYS; w++)
        if (set[w].used > newest)
            newest = set[w].used;
    e->used = newest + 1;
}

bool tile_cache_get(struct tile_cache *c, uint64_t tree, unsigned level, uint64_t idx,
                    unsigned need, struct tile *out, struct tile_summary *sum)
{
    size_t s = set_of(tree, level, idx);
    struct tile_cache_entry *set = &c->slots[s * TILE_CACHE_WAYS];
    pthread_mutex_t *lock = lock_of(c, s);
    pthread_mutex_lock(lock);
    struct tile_cache_entry *e = find(set, tree, level, idx);
    bool hit = e && e->tile.width >= need;
    if (hit) {
        touch(set, e);
        memcpy(out, &e->tile, sizeof *out);
        if (sum) {
            if (e->sum.width != e->tile.width)
                tile_summarize(&e->tile, &e->sum);
            memcpy(sum, &e->sum, sizeof *sum);
        }
    }
    pthread_mutex_unlock(lock);
    return hit;
}

/* The entry a new tile takes in set: an empty one, else the least recently used. */
static struct tile_cache_entry *victim(struct tile_cache_entry *set)
{
    struct tile_cache_entry *v = &set[0];
    for (int w = 0; w < TILE_CACHE_WAYS; w++) {
        if (set[w].tile.width == 0)
            return &set[w];
        if (set[w].used < v->used)
            v = &set[w];
    }
    return v;
}

void tile_cache_put(struct tile_cache *c, uint64_t tree, const struct tile *t,
                    const struct tile_summary *sum)
{
    if (t->width == 0)
        return;
    size_t s = set_of(tree, t->level, t->idx);
    struct tile_cache_entry *set = &c->slots[s * TILE_CACHE_WAYS];
    pthread_mutex_t *lock = lock_of(c, s);
    pthread_mutex_lock(lock);
    struct tile_cache_entry *e = find(set, tree, t->level, t->idx);
    if (!e || e->tile.width < t->width) {
        if (!e)
            e = victim(set);
        memcpy(&e->tile, t, sizeof *t);
        e->tree = tree;
        e->sum.width = 0;
        if (sum && sum->width == t->width)
            memcpy(&e->sum, sum, sizeof *sum);
    }
    touch(set, e);
    pthread_mutex_unlock(lock);
}
