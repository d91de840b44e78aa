/* SPDX-License-Identifier: Apache-2.0 */
#include "tlog/tiles.h"

#include <stdlib.h>
#include <string.h>

void tile_locate(unsigned height, uint64_t index, unsigned *level, uint64_t *idx)
{
    *level = height / TILE_HEIGHT;
    *idx = (index << (height % TILE_HEIGHT)) / TILE_WIDTH;
}

/* Where the summary keeps the nodes at height r (TILE_SUMMARY_LOW <= r < TILE_HEIGHT). */
static unsigned summary_offset(unsigned r)
{
    unsigned off = 0;
    for (unsigned h = TILE_SUMMARY_LOW; h < r; h++)
        off += TILE_WIDTH >> h;
    return off;
}

void tile_summarize(const struct tile *t, struct tile_summary *out)
{
    out->width = t->width;
    const unsigned low = 1u << TILE_SUMMARY_LOW;
    for (unsigned j = 0; j < t->width / low; j++)
        merkle_perfect_root((const uint8_t(*)[MERKLE_HASH_LEN])t->hashes + j * low, low,
                            out->nodes[j]);
    for (unsigned r = TILE_SUMMARY_LOW + 1; r < TILE_HEIGHT; r++) {
        uint8_t(*below)[MERKLE_HASH_LEN] = out->nodes + summary_offset(r - 1);
        uint8_t(*here)[MERKLE_HASH_LEN] = out->nodes + summary_offset(r);
        for (unsigned j = 0; j < t->width >> r; j++)
            merkle_node_hash(below[2 * j], below[2 * j + 1], here[j]);
    }
}

/* Hash of node (height, index) from tile t, if t holds it completely; from sum when it has it. */
static bool node_from_tile(const struct tile *t, const struct tile_summary *sum, unsigned height,
                           uint64_t index, uint8_t out[MERKLE_HASH_LEN])
{
    unsigned r = height % TILE_HEIGHT;
    uint64_t first = index << r, count = 1ull << r;
    if (t->level != height / TILE_HEIGHT || first / TILE_WIDTH != t->idx ||
        first % TILE_WIDTH + count > t->width)
        return false;
    if (sum && r >= TILE_SUMMARY_LOW && first % TILE_WIDTH + count <= sum->width) {
        memcpy(out, sum->nodes[summary_offset(r) + (first % TILE_WIDTH >> r)], MERKLE_HASH_LEN);
        return true;
    }
    merkle_perfect_root((const uint8_t(*)[MERKLE_HASH_LEN])t->hashes + first % TILE_WIDTH, count,
                        out);
    return true;
}

static bool tile_set_node(void *ctx, unsigned height, uint64_t index, uint8_t out[MERKLE_HASH_LEN])
{
    const struct tile_set *set = ctx;
    for (size_t i = 0; i < set->n; i++)
        if (node_from_tile(&set->tiles[i], set->sums ? &set->sums[i] : NULL, height, index, out))
            return true;
    return false;
}

struct merkle_source tile_set_source(struct tile_set *set)
{
    return (struct merkle_source){tile_set_node, set};
}

void tile_edge_init(struct tile_edge *e, uint64_t size)
{
    memset(e, 0, sizeof *e);
    e->size = size;
    e->levels = 1;
    for (unsigned l = 0; l < TILE_MAX_LEVELS; l++) {
        uint64_t count = l ? size >> (TILE_HEIGHT * l) : size;
        e->edge[l].level = l;
        e->edge[l].idx = count / TILE_WIDTH;
        e->edge[l].width = (unsigned)(count % TILE_WIDTH);
        if (count)
            e->levels = l + 1;
    }
}

void tile_edge_free(struct tile_edge *e)
{
    free(e->full);
    e->full = NULL;
    e->n_full = e->cap_full = 0;
}

static bool keep_full(struct tile_edge *e, const struct tile *t)
{
    if (e->n_full == e->cap_full) {
        size_t cap = e->cap_full ? 2 * e->cap_full : 16;
        struct tile *grown = realloc(e->full, cap * sizeof *grown);
        if (!grown)
            return false;
        e->full = grown;
        e->cap_full = cap;
    }
    e->full[e->n_full++] = *t;
    return true;
}

static bool push(struct tile_edge *e, unsigned level, const uint8_t hash[MERKLE_HASH_LEN])
{
    if (level >= TILE_MAX_LEVELS)
        return false;
    if (level >= e->levels)
        e->levels = level + 1;
    struct tile *t = &e->edge[level];
    memcpy(t->hashes[t->width++], hash, MERKLE_HASH_LEN);
    if (t->width < TILE_WIDTH)
        return true;
    uint8_t parent[MERKLE_HASH_LEN];
    merkle_perfect_root((const uint8_t(*)[MERKLE_HASH_LEN])t->hashes, TILE_WIDTH, parent);
    if (!keep_full(e, t))
        return false;
    t->idx++;
    t->width = 0;
    return push(e, level + 1, parent);
}

bool tile_edge_append(struct tile_edge *e, const uint8_t leaf[MERKLE_HASH_LEN])
{
    if (!push(e, 0, leaf))
        return false;
    e->size++;
    return true;
}

static bool edge_node(void *ctx, unsigned height, uint64_t index, uint8_t out[MERKLE_HASH_LEN])
{
    const struct tile_edge *e = ctx;
    unsigned level = height / TILE_HEIGHT;
    if (level < TILE_MAX_LEVELS && node_from_tile(&e->edge[level], NULL, height, index, out))
        return true;
    for (size_t i = 0; i < e->n_full; i++)
        if (node_from_tile(&e->full[i], NULL, height, index, out))
            return true;
    return false;
}

bool tile_edge_root(struct tile_edge *e, uint8_t out[MERKLE_HASH_LEN])
{
    struct merkle_source src = {edge_node, e};
    return merkle_root(&src, e->size, out);
}

void tile_edge_clear_full(struct tile_edge *e)
{
    e->n_full = 0;
}

size_t tile_edge_partials(const struct tile_edge *e, unsigned levels[TILE_MAX_LEVELS],
                          uint64_t idxs[TILE_MAX_LEVELS])
{
    size_t n = 0;
    for (unsigned l = 0; l < e->levels; l++)
        if (e->edge[l].width) {
            levels[n] = l;
            idxs[n++] = e->edge[l].idx;
        }
    return n;
}

bool tile_edge_fill(struct tile_edge *e, const struct tile *tiles, size_t n)
{
    size_t filled = 0;
    for (size_t i = 0; i < n; i++) {
        if (tiles[i].level >= TILE_MAX_LEVELS)
            return false;
        struct tile *t = &e->edge[tiles[i].level];
        if (tiles[i].idx != t->idx || tiles[i].width < t->width)
            return false;
        memcpy(t->hashes, tiles[i].hashes, (size_t)t->width * MERKLE_HASH_LEN);
        filled++;
    }
    unsigned levels[TILE_MAX_LEVELS];
    uint64_t idxs[TILE_MAX_LEVELS];
    return filled == tile_edge_partials(e, levels, idxs);
}

size_t tile_edge_changed(const struct tile_edge *e, const struct tile **list)
{
    size_t n = 0;
    for (size_t i = 0; i < e->n_full; i++)
        list[n++] = &e->full[i];
    for (unsigned l = 0; l < e->levels; l++)
        if (e->edge[l].width)
            list[n++] = &e->edge[l];
    return n;
}
