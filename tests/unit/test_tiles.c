/* SPDX-License-Identifier: Apache-2.0 */
#include "testutil.h"

#include "tlog/tilecache.h"
#include "tlog/tiles.h"

/* A tile store in memory, standing in for the log_tiles table. */
struct store {
    struct tile *tiles;
    size_t n;
};

static struct tile *store_find(struct store *s, unsigned level, uint64_t idx)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->tiles[i].level == level && s->tiles[i].idx == idx)
            return &s->tiles[i];
    return NULL;
}

static void store_put(struct store *s, const struct tile *t)
{
    struct tile *have = store_find(s, t->level, t->idx);
    if (!have) {
        s->tiles = realloc(s->tiles, (s->n + 1) * sizeof *s->tiles);
        have = &s->tiles[s->n++];
    }
    *have = *t;
}

/* What the sequencer does after a batch: store completed tiles and non-empty edge tiles. */
static void persist(struct store *s, struct tile_edge *e)
{
    for (size_t i = 0; i < e->n_full; i++)
        store_put(s, &e->full[i]);
    for (unsigned l = 0; l < e->levels; l++)
        if (e->edge[l].width)
            store_put(s, &e->edge[l]);
    tile_edge_clear_full(e);
}

/* What a new leader does: rebuild the edge from the store. */
static void reload(struct store *s, struct tile_edge *e, uint64_t size)
{
    tile_edge_free(e);
    tile_edge_init(e, size);
    for (unsigned l = 0; l < e->levels; l++) {
        if (!e->edge[l].width)
            continue;
        struct tile *t = store_find(s, l, e->edge[l].idx);
        assert_non_null(t);
        assert_true(t->width >= e->edge[l].width);
        memcpy(e->edge[l].hashes, t->hashes, sizeof t->hashes);
    }
}

struct mem {
    uint8_t (*leaves)[32];
};

static bool mem_node(void *ctx, unsigned h, uint64_t i, uint8_t out[32])
{
    struct mem *m = ctx;
    merkle_perfect_root((const uint8_t(*)[32])m->leaves + (i << h), 1ull << h, out);
    return true;
}

static void check_proofs(struct tile_set *set, const struct merkle_source *truth)
{
    struct merkle_source src = tile_set_source(set);
    uint8_t p1[MERKLE_MAX_PROOF][32], p2[MERKLE_MAX_PROOF][32];
    const uint64_t idxs[] = {0, 1, 15, 16, 255, 256, 4095, 4096, 65535, 65536, 69999};
    const uint64_t sizes[] = {70000, 65537, 300, 17, 1};
    for (size_t j = 0; j < sizeof sizes / sizeof *sizes; j++)
        for (size_t i = 0; i < sizeof idxs / sizeof *idxs; i++) {
            if (idxs[i] >= sizes[j])
                continue;
            int n1 = merkle_inclusion_proof(&src, idxs[i], sizes[j], p1);
            int n2 = merkle_inclusion_proof(truth, idxs[i], sizes[j], p2);
            assert_int_equal(n1, n2);
            assert_memory_equal(p1, p2, (size_t)n1 * 32);
            n1 = merkle_consistency_proof(&src, idxs[i] + 1, sizes[j], p1);
            n2 = merkle_consistency_proof(truth, idxs[i] + 1, sizes[j], p2);
            assert_int_equal(n1, n2);
            assert_memory_equal(p1, p2, (size_t)n1 * 32);
        }
    /* A node the stored tiles cannot provide (beyond the tree) is refused, not invented. */
    assert_int_equal(merkle_inclusion_proof(&src, 5, 70000 + 1000, p1), -1);
}

static void test_append_persist_reload_prove(void **state)
{
    (void)state;
    enum { N = 70000 }; /* past 65536: three tile levels */
    uint8_t(*leaves)[32] = malloc(N * 32);
    for (uint32_t i = 0; i < N; i++)
        merkle_leaf_hash(&i, sizeof i, leaves[i]);
    struct mem m = {leaves};
    struct merkle_source truth = {mem_node, &m};
    struct store s = {NULL, 0};
    struct tile_edge e;
    tile_edge_init(&e, 0);
    uint64_t size = 0;
    const uint64_t batches[] = {1, 2, 253, 1, 256, 300, 65000, 3000, 1187};
    for (size_t b = 0; b < sizeof batches / sizeof *batches; b++) {
        for (uint64_t i = 0; i < batches[b]; i++)
            assert_true(tile_edge_append(&e, leaves[size + i]));
        size += batches[b];
        uint8_t got[32], want[32];
        assert_true(tile_edge_root(&e, got));
        assert_true(merkle_root(&truth, size, want));
        assert_memory_equal(got, want, 32);
        persist(&s, &e);
        reload(&s, &e, size);
        assert_true(tile_edge_root(&e, got));
        assert_memory_equal(got, want, 32);
    }
    assert_int_equal(size, N);
    /* Proofs served from the stored tiles equal proofs from the leaves: hashing the tiles'
     * entries, through their summaries, and through summaries of shorter copies of the tiles. */
    struct tile_summary *sums = calloc(s.n, sizeof *sums), *short_sums = calloc(s.n, sizeof *sums);
    struct tile *copy = malloc(sizeof *copy);
    for (size_t i = 0; i < s.n; i++) {
        tile_summarize(&s.tiles[i], &sums[i]);
        *copy = s.tiles[i];
        copy->width = copy->width / 2 + 3 <= copy->width ? copy->width / 2 + 3 : copy->width;
        tile_summarize(copy, &short_sums[i]);
        assert_int_equal(short_sums[i].width, copy->width);
    }
    struct tile_set sets[] = {{.tiles = s.tiles, .n = s.n},
                              {.tiles = s.tiles, .sums = sums, .n = s.n},
                              {.tiles = s.tiles, .sums = short_sums, .n = s.n}};
    for (size_t k = 0; k < sizeof sets / sizeof *sets; k++)
        check_proofs(&sets[k], &truth);
    free(copy);
    free(sums);
    free(short_sums);
    tile_edge_free(&e);
    free(s.tiles);
    free(leaves);
}

static void test_locate(void **state)
{
    (void)state;
    unsigned level;
    uint64_t idx;
    tile_locate(0, 300, &level, &idx);
    assert_int_equal(level, 0);
    assert_int_equal(idx, 1);
    tile_locate(3, 40, &level, &idx); /* leaves 320..327 */
    assert_int_equal(level, 0);
    assert_int_equal(idx, 1);
    tile_locate(8, 256, &level, &idx);
    assert_int_equal(level, 1);
    assert_int_equal(idx, 1);
    tile_locate(17, 3, &level, &idx); /* level-2 units 6..7 */
    assert_int_equal(level, 2);
    assert_int_equal(idx, 0);
}

static void test_cache_prefixes(void **state)
{
    (void)state;
    struct tile_cache c;
    assert_true(tile_cache_init(&c));
    struct tile *t = calloc(1, sizeof *t), *out = calloc(1, sizeof *out);
    t->level = 1;
    t->idx = 7;
    t->width = 10;
    memset(t->hashes, 0xab, sizeof t->hashes);
    assert_false(tile_cache_get(&c, 0, 1, 7, 1, out, NULL));
    tile_cache_put(&c, 0, t, NULL);
    assert_true(tile_cache_get(&c, 0, 1, 7, 10, out, NULL)); /* a prefix that covers the need */
    assert_int_equal(out->width, 10);
    assert_memory_equal(out->hashes[9], t->hashes[9], 32);
    assert_false(tile_cache_get(&c, 0, 1, 7, 11, out, NULL)); /* the proof needs more: miss */
    assert_false(tile_cache_get(&c, 0, 0, 7, 1, out, NULL));  /* other level */
    t->width = 5;
    tile_cache_put(&c, 0, t, NULL); /* a narrower copy never replaces a wider one */
    assert_true(tile_cache_get(&c, 0, 1, 7, 10, out, NULL));
    t->width = TILE_WIDTH;
    tile_cache_put(&c, 0, t, NULL);
    assert_true(tile_cache_get(&c, 0, 1, 7, TILE_WIDTH, out, NULL));
    assert_false(tile_cache_get(&c, 5, 1, 7, 1, out, NULL)); /* the same tile of another tree */
    tile_cache_put(&c, 5, t, NULL);
    assert_true(tile_cache_get(&c, 5, 1, 7, 1, out, NULL));
    free(t);
    free(out);
    tile_cache_destroy(&c);
}

static void fill_tile(struct tile *t, unsigned level, uint64_t idx, unsigned width)
{
    t->level = level;
    t->idx = idx;
    t->width = width;
    for (unsigned i = 0; i < width; i++)
        merkle_leaf_hash(&i, sizeof i, t->hashes[i]);
    t->hashes[0][0] = (uint8_t)idx;
}

/* Summaries come out of the cache as tile_summarize makes them: kept from a put, made on the first
 * get that asks, and never one of a narrower copy than the tile handed out. */
static void test_cache_summaries(void **state)
{
    (void)state;
    struct tile_cache c;
    assert_true(tile_cache_init(&c));
    struct tile *t = calloc(1, sizeof *t), *out = calloc(1, sizeof *out);
    struct tile_summary *want = calloc(1, sizeof *want), *got = calloc(1, sizeof *got);
    fill_tile(t, 0, 3, 100);
    tile_summarize(t, want);
    tile_cache_put(&c, 0, t, NULL); /* no summary yet: made when first asked for */
    assert_true(tile_cache_get(&c, 0, 0, 3, 100, out, got));
    assert_int_equal(got->width, 100);
    assert_memory_equal(got->nodes, want->nodes, sizeof want->nodes);
    fill_tile(t, 0, 3, TILE_WIDTH); /* the tile grew: its summary is the wider one's */
    tile_summarize(t, want);
    tile_cache_put(&c, 0, t, want);
    memset(got, 0, sizeof *got);
    assert_true(tile_cache_get(&c, 0, 0, 3, 1, out, got));
    assert_int_equal(out->width, TILE_WIDTH);
    assert_int_equal(got->width, TILE_WIDTH);
    assert_memory_equal(got->nodes, want->nodes, sizeof want->nodes);
    free(t);
    free(out);
    free(want);
    free(got);
    tile_cache_destroy(&c);
}

/* A tile read often stays cached while many more tiles than the cache holds pass through it. */
static void test_cache_keeps_hot_tiles(void **state)
{
    (void)state;
    struct tile_cache c;
    assert_true(tile_cache_init(&c));
    struct tile *t = calloc(1, sizeof *t), *out = calloc(1, sizeof *out);
    fill_tile(t, 1, 0, TILE_WIDTH);
    tile_cache_put(&c, 0, t, NULL);
    size_t hot_misses = 0, cold_hits = 0;
    for (uint64_t i = 0; i < 4 * TILE_CACHE_SLOTS; i++) {
        fill_tile(t, 0, i, TILE_WIDTH);
        tile_cache_put(&c, 0, t, NULL);
        if (!tile_cache_get(&c, 0, 1, 0, TILE_WIDTH, out, NULL)) {
            hot_misses++;
            fill_tile(t, 1, 0, TILE_WIDTH);
            tile_cache_put(&c, 0, t, NULL);
        }
    }
    assert_int_equal(hot_misses, 0);
    for (uint64_t i = 3 * TILE_CACHE_SLOTS; i < 4 * TILE_CACHE_SLOTS; i++)
        cold_hits += tile_cache_get(&c, 0, 0, i, 1, out, NULL);
    /* the last SLOTS tiles put, in SLOTS - 1 free entries: most of them are still there */
    assert_true(cold_hits > TILE_CACHE_SLOTS / 2);
    assert_true(cold_hits < TILE_CACHE_SLOTS);
    free(t);
    free(out);
    tile_cache_destroy(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_append_persist_reload_prove),
        cmocka_unit_test(test_locate),
        cmocka_unit_test(test_cache_prefixes),
        cmocka_unit_test(test_cache_summaries),
        cmocka_unit_test(test_cache_keeps_hot_tiles),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
