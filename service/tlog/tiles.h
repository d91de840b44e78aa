/* SPDX-License-Identifier: Apache-2.0 */
/* The Merkle tree as stored: tiles of height 8 (C2SP tlog-tiles layout). Tile (level L, idx N)
 * holds the hashes of the complete nodes at height 8L with indexes [256N, 256N + width). A node
 * at height h = 8L + r is the perfect subtree over 2^r consecutive hashes of one level-L tile.
 *
 * struct tile_edge is the sequencer's view: the last tile of every level, which is all that
 * appending and computing the root need. struct tile_set is a handful of tiles fetched for a
 * proof. Both act as a merkle_source. */
#ifndef PROVD_TLOG_TILES_H
#define PROVD_TLOG_TILES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tlog/merkle.h"

#define TILE_HEIGHT     8
#define TILE_WIDTH      256
#define TILE_MAX_LEVELS 8 /* 2^64 leaves */

struct tile {
    unsigned level;
    uint64_t idx;
    unsigned width; /* hashes held, 0..256 */
    uint8_t hashes[TILE_WIDTH][MERKLE_HASH_LEN];
};

/* The tile holding node (height, index). */
void tile_locate(unsigned height, uint64_t index, unsigned *level, uint64_t *idx);

/* A tile's interior nodes at the heights TILE_SUMMARY_LOW..TILE_HEIGHT-1 within it (16 + 8 + 4 + 2
 * for a full tile). With it, any node of the tile costs fewer than 2^TILE_SUMMARY_LOW hashes of its
 * entries instead of up to 255: an inclusion proof at level 0 hashes 11 nodes instead of 247. */
#define TILE_SUMMARY_LOW   4
#define TILE_SUMMARY_NODES 30
struct tile_summary {
    unsigned width; /* of the tile it was made from: only the nodes below it are set */
    uint8_t nodes[TILE_SUMMARY_NODES][MERKLE_HASH_LEN];
};
/* Computes t's summary (254 hashes for a full tile). */
void tile_summarize(const struct tile *t, struct tile_summary *out);

struct tile_set {
    const struct tile *tiles;        /* borrowed */
    const struct tile_summary *sums; /* borrowed, NULL or one per tile (width 0: none) */
    size_t n;
};
struct merkle_source tile_set_source(struct tile_set *set);

struct tile_edge {
    uint64_t size;                     /* leaves */
    unsigned levels;                   /* levels with at least one node */
    struct tile edge[TILE_MAX_LEVELS]; /* last tile of each level; width 0 when empty */
    struct tile *full;                 /* tiles completed since tile_edge_take_full, owned */
    size_t n_full, cap_full;
};

/* Sets up the edge for a tree of size leaves. The partial tiles (width > 0) must then be filled
 * with their stored hashes: tile_edge_partials() lists them, tile_edge_fill() fills them. */
void tile_edge_init(struct tile_edge *e, uint64_t size);
void tile_edge_free(struct tile_edge *e);
/* Appends a leaf hash; false when out of memory. */
bool tile_edge_append(struct tile_edge *e, const uint8_t leaf[MERKLE_HASH_LEN])
    __attribute__((warn_unused_result));
/* Root of the current tree. */
bool tile_edge_root(struct tile_edge *e, uint8_t out[MERKLE_HASH_LEN])
    __attribute__((warn_unused_result));
/* The partial tiles a freshly initialised edge needs filled with their stored hashes; returns
 * how many, with their levels and idxs. */
size_t tile_edge_partials(const struct tile_edge *e, unsigned levels[TILE_MAX_LEVELS],
                          uint64_t idxs[TILE_MAX_LEVELS]);
/* Fills the edge's partial tiles from n fetched tiles (any order); false when one is missing,
 * narrower than the edge needs, or not one of them. */
bool tile_edge_fill(struct tile_edge *e, const struct tile *tiles, size_t n)
    __attribute__((warn_unused_result));
/* The tiles to store after appends: the completed ones, then the non-empty edge tiles. list
 * must hold n_full + TILE_MAX_LEVELS pointers; returns how many it got. */
size_t tile_edge_changed(const struct tile_edge *e, const struct tile **list);
/* Forgets the completed tiles (after they were stored). */
void tile_edge_clear_full(struct tile_edge *e);

#endif
