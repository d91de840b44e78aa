/* SPDX-License-Identifier: Apache-2.0 */
#include "registry/prove.h"

#include <stdlib.h>
#include <string.h>

#include "db/datasets.h"
#include "db/tlog.h"
#include "tlog/tiles.h"

#define MAX_TILES (2 * MERKLE_MAX_PROOF)

struct wanted {
    unsigned levels[MAX_TILES];
    uint64_t idxs[MAX_TILES];
    unsigned need[MAX_TILES]; /* hashes of the tile the proof reads */
    size_t n;
};

/* First pass: records which tile each node comes from and returns a dummy hash. */
static bool record_node(void *ctx, unsigned height, uint64_t index, uint8_t out[MERKLE_HASH_LEN])
{
    struct wanted *w = ctx;
    unsigned level;
    uint64_t idx;
    tile_locate(height, index, &level, &idx);
    unsigned r = height % TILE_HEIGHT;
    unsigned end = (unsigned)(((index << r) % TILE_WIDTH) + (1u << r));
    memset(out, 0, MERKLE_HASH_LEN);
    for (size_t i = 0; i < w->n; i++)
        if (w->levels[i] == level && w->idxs[i] == idx) {
            if (end > w->need[i])
                w->need[i] = end;
            return true;
        }
    if (w->n == MAX_TILES)
        return false;
    w->levels[w->n] = level;
    w->idxs[w->n] = idx;
    w->need[w->n++] = end;
    return true;
}

typedef int (*proof_fn)(const struct merkle_source *src, uint64_t a, uint64_t b,
                        uint8_t (*proof)[MERKLE_HASH_LEN]);

/* Where a proof's tiles come from: the log's or a dataset's members tree (dataset > 0), through
 * the cache (which may be NULL), where the tree is the dataset's id or 0 for the log. */
struct tile_origin {
    struct tile_cache *cache;
    int64_t dataset;
};

static enum db_status fetch(struct db_conn *conn, const struct tile_origin *o,
                            const struct wanted *w, struct tile *out, size_t *found)
{
    if (o->dataset > 0)
        return db_dataset_tiles_get(conn, o->dataset, w->levels, w->idxs, w->n, out, found);
    return db_log_tiles_get(conn, w->levels, w->idxs, w->n, out, found);
}

/* Fills tiles[0..*n) with the wanted tiles and sums with their summaries: cached ones first,
 * the rest from the database (summarized here, then cached). */
static enum db_status gather(struct db_conn *conn, const struct tile_origin *o,
                             const struct wanted *w, struct tile *tiles, struct tile_summary *sums,
                             size_t *n)
{
    struct wanted miss = {.n = 0};
    *n = 0;
    for (size_t i = 0; i < w->n; i++) {
        if (o->cache && tile_cache_get(o->cache, (uint64_t)o->dataset, w->levels[i], w->idxs[i],
                                       w->need[i], &tiles[*n], &sums[*n])) {
            (*n)++;
        } else {
            miss.levels[miss.n] = w->levels[i];
            miss.idxs[miss.n++] = w->idxs[i];
        }
    }
    if (miss.n == 0)
        return DB_OK;
    size_t found = 0;
    enum db_status st = fetch(conn, o, &miss, tiles + *n, &found);
    for (size_t i = 0; st == DB_OK && i < found; i++) {
        tile_summarize(&tiles[*n + i], &sums[*n + i]);
        if (o->cache)
            tile_cache_put(o->cache, (uint64_t)o->dataset, &tiles[*n + i], &sums[*n + i]);
    }
    *n += found;
    return st;
}

static enum db_status prove(struct db_conn *conn, const struct tile_origin *o, proof_fn fn,
                            uint64_t a, uint64_t b, uint8_t (*proof)[MERKLE_HASH_LEN], int *count)
{
    struct wanted w = {.n = 0};
    struct merkle_source rec = {record_node, &w};
    if (fn(&rec, a, b, proof) < 0)
        return DB_ERROR;
    size_t room = w.n ? w.n : 1;
    struct tile *tiles = malloc(room * sizeof *tiles);
    struct tile_summary *sums = malloc(room * sizeof *sums);
    enum db_status st = DB_ERROR;
    size_t found = 0;
    if (tiles && sums)
        st = gather(conn, o, &w, tiles, sums, &found);
    if (st == DB_OK) {
        struct tile_set set = {.tiles = tiles, .sums = sums, .n = found};
        struct merkle_source src = tile_set_source(&set);
        *count = fn(&src, a, b, proof);
        if (*count < 0)
            st = DB_ERROR;
    }
    free(tiles);
    free(sums);
    return st;
}

enum db_status prove_inclusion(struct db_conn *conn, struct tile_cache *cache, uint64_t index,
                               uint64_t n, uint8_t (*proof)[MERKLE_HASH_LEN], int *count)
{
    struct tile_origin o = {cache, 0};
    return prove(conn, &o, merkle_inclusion_proof, index, n, proof, count);
}

enum db_status prove_consistency(struct db_conn *conn, struct tile_cache *cache, uint64_t m,
                                 uint64_t n, uint8_t (*proof)[MERKLE_HASH_LEN], int *count)
{
    struct tile_origin o = {cache, 0};
    return prove(conn, &o, merkle_consistency_proof, m, n, proof, count);
}

enum db_status prove_dataset_inclusion(struct db_conn *conn, struct tile_cache *cache,
                                       int64_t dataset, uint64_t index, uint64_t n,
                                       uint8_t (*proof)[MERKLE_HASH_LEN], int *count)
{
    struct tile_origin o = {cache, dataset};
    return prove(conn, &o, merkle_inclusion_proof, index, n, proof, count);
}
