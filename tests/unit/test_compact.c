/* SPDX-License-Identifier: Apache-2.0 */
/* tlog/compact.h: the tree rebuild of provd log check, against RFC 6962's definition and the
 * sequencer's tile edge. */
#include "testutil.h"

#include "tlog/compact.h"
#include "tlog/tiles.h"

/* RFC 6962 MTH, straight from the definition. */
static void naive_mth(const uint8_t (*leaves)[MERKLE_HASH_LEN], uint64_t n, uint8_t out[32])
{
    if (n == 1) {
        memcpy(out, leaves[0], 32);
        return;
    }
    uint64_t k = 1;
    while (k * 2 < n)
        k *= 2;
    uint8_t l[32], r[32];
    naive_mth(leaves, k, l);
    naive_mth(leaves + k, n - k, r);
    merkle_node_hash(l, r, out);
}

static void leaf(uint64_t i, uint8_t out[32])
{
    char data[32];
    int len = snprintf(data, sizeof data, "leaf %llu", (unsigned long long)i);
    merkle_leaf_hash(data, (size_t)len, out);
}

static void test_empty(void **state)
{
    (void)state;
    struct compact_range c;
    compact_range_init(&c);
    uint8_t root[32], want[32];
    compact_range_root(&c, root);
    assert_true(hex_decode("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", 64,
                           want, 32, true));
    assert_memory_equal(root, want, 32);
    assert_int_equal(c.n, 0);
}

/* Every size up to 600 (three tiles and more) against the definition. */
static void test_every_size(void **state)
{
    (void)state;
    enum { N = 600 };
    static uint8_t leaves[N][32];
    struct compact_range c;
    compact_range_init(&c);
    for (uint64_t i = 0; i < N; i++) {
        leaf(i, leaves[i]);
        compact_range_append(&c, leaves[i]);
        uint8_t root[32], want[32];
        compact_range_root(&c, root);
        naive_mth((const uint8_t(*)[32])leaves, i + 1, want);
        assert_memory_equal(root, want, 32);
        assert_int_equal(c.size, i + 1);
        assert_int_equal(c.n, (unsigned)__builtin_popcountll(i + 1));
    }
}

/* Over 2^17 + 5 leaves the range agrees with the sequencer's tile edge at sizes around tile
 * boundaries of every level, and a changed leaf changes the root. */
static void test_against_tile_edge(void **state)
{
    (void)state;
    struct compact_range c;
    struct tile_edge e;
    compact_range_init(&c);
    tile_edge_init(&e, 0);
    const uint64_t n = (1u << 17) + 5;
    for (uint64_t i = 0; i < n; i++) {
        uint8_t h[32];
        leaf(i, h);
        compact_range_append(&c, h);
        assert_true(tile_edge_append(&e, h));
        tile_edge_clear_full(&e);
        uint64_t s = i + 1;
        if (s % 256 <= 1 || s % 65536 <= 1 || s == n || s % 9973 == 0) {
            uint8_t a[32], b[32];
            compact_range_root(&c, a);
            assert_true(tile_edge_root(&e, b));
            assert_memory_equal(a, b, 32);
        }
    }
    tile_edge_free(&e);

    uint8_t before[32], after[32], h[32];
    compact_range_init(&c);
    for (uint64_t i = 0; i < 1000; i++) {
        leaf(i, h);
        compact_range_append(&c, h);
    }
    compact_range_root(&c, before);
    compact_range_init(&c);
    for (uint64_t i = 0; i < 1000; i++) {
        leaf(i == 777 ? 1000 : i, h);
        compact_range_append(&c, h);
    }
    compact_range_root(&c, after);
    assert_memory_not_equal(before, after, 32);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_every_size),
        cmocka_unit_test(test_against_tile_edge),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
