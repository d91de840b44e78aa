/* SPDX-License-Identifier: Apache-2.0 */
/* A bounded cache of tiles for proofs. A tile only ever grows by appending, so any copy is a
 * correct prefix of the current one: a lookup hits when the cached copy holds at least the
 * hashes the proof needs. Direct-mapped (a new tile replaces the one in its slot), with striped
 * locks. Memory: TILE_CACHE_SLOTS * ~8 KiB, touched only as filled. */
#ifndef PROVD_TLOG_TILECACHE_H
#define PROVD_TLOG_TILECACHE_H

#include <pthread.h>
#include <stdbool.h>

#include "tlog/tiles.h"

#define TILE_CACHE_SLOTS 4096 /* 32 MiB: every level-0 tile of a 1M-entry log */
#define TILE_CACHE_LOCKS 64

struct tile_cache {
    pthread_mutex_t locks[TILE_CACHE_LOCKS];
    struct tile *slots; /* owned; width 0 = empty */
    uint64_t *trees;    /* owned: the tree each slot's tile belongs to */
};

bool tile_cache_init(struct tile_cache *c) __attribute__((warn_unused_result));
void tile_cache_destroy(struct tile_cache *c);
/* Copies tile (level, idx) of tree into out if a copy with at least need hashes is cached.
 * Trees are numbered by the caller (provd: 0 the log, a dataset's id its members tree). */
bool tile_cache_get(struct tile_cache *c, uint64_t tree, unsigned level, uint64_t idx,
                    unsigned need, struct tile *out);
/* Caches t of tree unless a wider copy of the same tile is there. */
void tile_cache_put(struct tile_cache *c, uint64_t tree, const struct tile *t);

#endif
