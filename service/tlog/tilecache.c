/* SPDX-License-Identifier: Apache-2.0 */
#include "tlog/tilecache.h"

#include <stdlib.h>
#include <string.h>

bool tile_cache_init(struct tile_cache *c)
{
    c->slots = calloc(TILE_CACHE_SLOTS, sizeof *c->slots);
    c->trees = calloc(TILE_CACHE_SLOTS, sizeof *c->trees);
    if (!c->slots || !c->trees) {
        free(c->slots);
        free(c->trees);
        c->slots = NULL;
        c->trees = NULL;
        return false;
    }
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
    free(c->trees);
    c->slots = NULL;
    c->trees = NULL;
}

static size_t slot_of(uint64_t tree, unsigned level, uint64_t idx)
{
    uint64_t h =
        ((idx ^ (tree * 0xC2B2AE3D27D4EB4Full)) * 0x9E3779B97F4A7C15ull) ^ ((uint64_t)level << 59);
    return (size_t)(h >> 32) % TILE_CACHE_SLOTS;
}

bool tile_cache_get(struct tile_cache *c, uint64_t tree, unsigned level, uint64_t idx,
                    unsigned need, struct tile *out)
{
    size_t s = slot_of(tree, level, idx);
    pthread_mutex_t *lock = &c->locks[s % TILE_CACHE_LOCKS];
    bool hit = false;
    pthread_mutex_lock(lock);
    const struct tile *t = &c->slots[s];
    if (t->width > 0 && t->width >= need && t->level == level && t->idx == idx &&
        c->trees[s] == tree) {
        memcpy(out, t, sizeof *t);
        hit = true;
    }
    pthread_mutex_unlock(lock);
    return hit;
}

void tile_cache_put(struct tile_cache *c, uint64_t tree, const struct tile *t)
{
    if (t->width == 0)
        return;
    size_t s = slot_of(tree, t->level, t->idx);
    pthread_mutex_t *lock = &c->locks[s % TILE_CACHE_LOCKS];
    pthread_mutex_lock(lock);
    struct tile *slot = &c->slots[s];
    if (c->trees[s] != tree || slot->level != t->level || slot->idx != t->idx ||
        slot->width < t->width) {
        memcpy(slot, t, sizeof *t);
        c->trees[s] = tree;
    }
    pthread_mutex_unlock(lock);
}
