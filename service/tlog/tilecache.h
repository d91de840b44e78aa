/* SPDX-License-Identifier: Apache-2.0 */
/* A bounded cache of tiles for proofs. A tile only ever grows by appending, so any copy is a
 * correct prefix of the current one: a lookup hits when the cached copy holds at least the
 * hashes the proof needs. Set-associative (TILE_CACHE_WAYS tiles per set, the least recently used
 * one replaced), so the few upper-level tiles that every proof reads stay in while level-0 tiles
 * come and go. Each entry keeps the tile's summary once a proof asked for it. Striped locks.
 * Memory: TILE_CACHE_SLOTS * ~9 KiB, touched only as filled. */
#ifndef PROVD_TLOG_TILECACHE_H
#define PROVD_TLOG_TILECACHE_H

#include <pthread.h>
#include <stdbool.h>

#include "tlog/tiles.h"

#define TILE_CACHE_SLOTS 4096 /* 36 MiB: every level-0 tile of a 1M-entry log */
#define TILE_CACHE_WAYS  4
#define TILE_CACHE_LOCKS 64

struct tile_cache_entry {
    struct tile tile;        /* width 0 = empty */
    struct tile_summary sum; /* width 0 until a reader asked for it */
    uint64_t tree;           /* the tree the tile belongs to */
    uint64_t used;           /* the set's clock when last read or written */
};

struct tile_cache {
    pthread_mutex_t locks[TILE_CACHE_LOCKS];
    struct tile_cache_entry *slots; /* owned: TILE_CACHE_SLOTS / TILE_CACHE_WAYS sets */
};

bool tile_cache_init(struct tile_cache *c) __attribute__((warn_unused_result));
void tile_cache_destroy(struct tile_cache *c);
/* Copies tile (level, idx) of tree into out if a copy with at least need hashes is cached, and
 * its summary into sum unless sum is NULL (made on the first such request, then kept). Trees are
 * numbered by the caller (provd: 0 the log, a dataset's id its members tree). */
bool tile_cache_get(struct tile_cache *c, uint64_t tree, unsigned level, uint64_t idx,
                    unsigned need, struct tile *out, struct tile_summary *sum);
/* Caches t of tree, with its summary unless sum is NULL, unless a wider copy of the same tile is
 * there. */
void tile_cache_put(struct tile_cache *c, uint64_t tree, const struct tile *t,
                    const struct tile_summary *sum);

#endif
