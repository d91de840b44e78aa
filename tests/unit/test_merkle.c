/* SPDX-License-Identifier: Apache-2.0 */
#include "testutil.h"

#include <jansson.h>

#include "crypto/hash.h"
#include "util/codec.h"
#include "tlog/merkle.h"

/* In-memory node source over leaf hashes, computing complete subtrees naively. */
struct mem_tree {
    uint8_t (*leaves)[MERKLE_HASH_LEN];
    uint64_t n;
    unsigned lookups;
};

static bool mem_node(void *ctx, unsigned height, uint64_t index, uint8_t out[MERKLE_HASH_LEN])
{
    struct mem_tree *t = ctx;
    uint64_t first = index << height, count = 1ull << height;
    t->lookups++;
    if (first + count > t->n)
        return false;
    merkle_perfect_root((const uint8_t(*)[MERKLE_HASH_LEN])t->leaves + first, count, out);
    return true;
}

/* RFC 6962 MTH, straight from the definition. */
static void naive_mth(uint8_t (*leaves)[MERKLE_HASH_LEN], uint64_t n, uint8_t out[32])
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

static void hex32(const char *hex, uint8_t out[32])
{
    assert_true(hex_decode(hex, 64, out, 32, true));
}

static size_t hex_array(json_t *arr, uint8_t (*out)[32])
{
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v) hex32(json_string_value(v), out[i]);
    return json_array_size(arr);
}

struct fixture {
    json_t *doc;
    uint8_t leaves[64][32];
    struct mem_tree tree;
    struct merkle_source src;
};

static struct fixture *load(void)
{
    static struct fixture f;
    char *data = read_vector("merkle-vectors.json", NULL);
    f.doc = json_loads(data, 0, NULL);
    free(data);
    assert_non_null(f.doc);
    json_t *leaves = json_object_get(f.doc, "leaves_hex");
    size_t i;
    json_t *v;
    json_array_foreach(leaves, i, v)
    {
        const char *hex = json_string_value(v);
        uint8_t raw[256];
        size_t n = strlen(hex) / 2;
        assert_true(hex_decode(hex, 2 * n, raw, n, true));
        merkle_leaf_hash(raw, n, f.leaves[i]);
    }
    f.tree = (struct mem_tree){f.leaves, json_array_size(leaves), 0};
    f.src = (struct merkle_source){mem_node, &f.tree};
    return &f;
}

static void test_roots(void **state)
{
    (void)state;
    struct fixture *f = load();
    uint8_t want[32], got[32];
    hex32(json_string_value(json_object_get(f->doc, "empty_root")), want);
    assert_true(merkle_root(&f->src, 0, got));
    assert_memory_equal(got, want, 32);
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(f->doc, "roots"), i, r)
    {
        uint64_t n = json_integer_value(json_object_get(r, "tree_size"));
        hex32(json_string_value(json_object_get(r, "root")), want);
        assert_true(merkle_root(&f->src, n, got));
        assert_memory_equal(got, want, 32);
    }
    json_decref(f->doc);
}

static void test_inclusion(void **state)
{
    (void)state;
    struct fixture *f = load();
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(f->doc, "inclusion"), i, c)
    {
        uint64_t idx = json_integer_value(json_object_get(c, "leaf_index"));
        uint64_t n = json_integer_value(json_object_get(c, "tree_size"));
        uint8_t want[MERKLE_MAX_PROOF][32], got[MERKLE_MAX_PROOF][32], root[32], leaf[32];
        size_t count = hex_array(json_object_get(c, "proof"), want);
        hex32(json_string_value(json_object_get(c, "root")), root);
        hex32(json_string_value(json_object_get(c, "leaf_hash")), leaf);
        assert_int_equal(merkle_inclusion_proof(&f->src, idx, n, got), (int)count);
        assert_memory_equal(got, want, count * 32);
        assert_true(merkle_verify_inclusion(leaf, idx, n, (const uint8_t(*)[32])want, count, root));
        if (count) {
            want[count - 1][0] ^= 1;
            assert_false(
                merkle_verify_inclusion(leaf, idx, n, (const uint8_t(*)[32])want, count, root));
        }
        uint8_t other[32];
        memcpy(other, leaf, 32);
        other[31] ^= 1;
        assert_false(
            merkle_verify_inclusion(other, idx, n, (const uint8_t(*)[32])got, count, root));
    }
    json_decref(f->doc);
}

static void test_consistency(void **state)
{
    (void)state;
    struct fixture *f = load();
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(f->doc, "consistency"), i, c)
    {
        uint64_t m = json_integer_value(json_object_get(c, "from_size"));
        uint64_t n = json_integer_value(json_object_get(c, "to_size"));
        uint8_t want[MERKLE_MAX_PROOF][32], got[MERKLE_MAX_PROOF][32], rm[32], rn[32];
        size_t count = hex_array(json_object_get(c, "proof"), want);
        hex32(json_string_value(json_object_get(c, "from_root")), rm);
        hex32(json_string_value(json_object_get(c, "to_root")), rn);
        assert_int_equal(merkle_consistency_proof(&f->src, m, n, got), (int)count);
        assert_memory_equal(got, want, count * 32);
        assert_true(merkle_verify_consistency(m, n, rm, rn, (const uint8_t(*)[32])want, count));
        assert_false(merkle_verify_consistency(m, n, rn, rm, (const uint8_t(*)[32])want, count) &&
                     memcmp(rm, rn, 32) != 0);
    }
    json_decref(f->doc);
}

/* Property test: for random sizes, proofs from the node source match the naive definitions
 * and verify; tampering any hash breaks them; look-ups stay logarithmic. */
static void test_random_sizes(void **state)
{
    (void)state;
    enum { MAX = 1500 };
    static uint8_t leaves[MAX][32];
    for (int i = 0; i < MAX; i++) {
        uint32_t v = (uint32_t)i * 2654435761u;
        merkle_leaf_hash(&v, sizeof v, leaves[i]);
    }
    struct mem_tree t = {leaves, MAX, 0};
    struct merkle_source src = {mem_node, &t};
    srand(42);
    for (int round = 0; round < 300; round++) {
        uint64_t n = 1 + (uint64_t)rand() % MAX, idx = (uint64_t)rand() % n;
        uint64_t m = 1 + (uint64_t)rand() % n;
        uint8_t root[32], naive[32], root_m[32], proof[MERKLE_MAX_PROOF][32];
        assert_true(merkle_root(&src, n, root));
        naive_mth(leaves, n, naive);
        assert_memory_equal(root, naive, 32);
        t.lookups = 0;
        int count = merkle_inclusion_proof(&src, idx, n, proof);
        assert_true(count >= 0 && t.lookups <= 2 * 11 + 2);
        assert_true(merkle_verify_inclusion(leaves[idx], idx, n, (const uint8_t(*)[32])proof,
                                            (size_t)count, root));
        if (count) {
            proof[rand() % count][rand() % 32] ^= 0x40;
            assert_false(merkle_verify_inclusion(leaves[idx], idx, n, (const uint8_t(*)[32])proof,
                                                 (size_t)count, root));
        }
        naive_mth(leaves, m, root_m);
        count = merkle_consistency_proof(&src, m, n, proof);
        assert_true(count >= 0);
        assert_true(merkle_verify_consistency(m, n, root_m, root, (const uint8_t(*)[32])proof,
                                              (size_t)count));
        if (count) {
            proof[rand() % count][0] ^= 1;
            assert_false(merkle_verify_consistency(m, n, root_m, root, (const uint8_t(*)[32])proof,
                                                   (size_t)count));
        }
    }
}

/* The empty tree is a prefix of every tree: the proof from it is empty (tlog-witness, old 0). */
static void test_consistency_from_empty(void **state)
{
    (void)state;
    uint8_t empty[32], other[32], proof[MERKLE_MAX_PROOF][32];
    hash_sha256("", 0, empty);
    memset(other, 0x5a, sizeof other);
    assert_int_equal(merkle_consistency_proof(NULL, 0, 7, proof), 0);
    assert_true(merkle_verify_consistency(0, 7, empty, other, NULL, 0));
    assert_true(merkle_verify_consistency(0, 0, empty, empty, NULL, 0));
    assert_false(merkle_verify_consistency(0, 7, other, other, NULL, 0));
    memset(proof, 0, sizeof proof);
    assert_false(merkle_verify_consistency(0, 7, empty, other, (const uint8_t(*)[32])proof, 1));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roots),
        cmocka_unit_test(test_inclusion),
        cmocka_unit_test(test_consistency),
        cmocka_unit_test(test_random_sizes),
        cmocka_unit_test(test_consistency_from_empty),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
