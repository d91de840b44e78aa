/* SPDX-License-Identifier: Apache-2.0 */
#include "tlog/merkle.h"

#include <stdlib.h>
#include <string.h>

#include "crypto/hash.h"

void merkle_leaf_hash(const void *data, size_t len, uint8_t out[MERKLE_HASH_LEN])
{
    static const uint8_t prefix = 0x00;
    hash_sha256_2(&prefix, 1, data, len, out);
}

void merkle_node_hash(const uint8_t left[MERKLE_HASH_LEN], const uint8_t right[MERKLE_HASH_LEN],
                      uint8_t out[MERKLE_HASH_LEN])
{
    static const uint8_t prefix = 0x01;
    hash_sha256_3(&prefix, 1, left, MERKLE_HASH_LEN, right, MERKLE_HASH_LEN, out);
}

void merkle_perfect_root(const uint8_t (*hashes)[MERKLE_HASH_LEN], uint64_t count,
                         uint8_t out[MERKLE_HASH_LEN])
{
    if (count == 1) {
        memcpy(out, hashes[0], MERKLE_HASH_LEN);
        return;
    }
    uint8_t l[MERKLE_HASH_LEN], r[MERKLE_HASH_LEN];
    merkle_perfect_root(hashes, count / 2, l);
    merkle_perfect_root(hashes + count / 2, count / 2, r);
    merkle_node_hash(l, r, out);
}

/* Largest power of two strictly below n (n >= 2). */
static uint64_t split_point(uint64_t n)
{
    uint64_t k = 1;
    while (k << 1 < n)
        k <<= 1;
    return k;
}

static bool is_pow2(uint64_t n)
{
    return n && !(n & (n - 1));
}

static unsigned log2_exact(uint64_t n)
{
    unsigned h = 0;
    while ((1ull << h) < n)
        h++;
    return h;
}

/* MTH(D[begin:end]) for a range produced by RFC 6962's splits (begin is aligned to the largest
 * power of two not above end - begin). */
static bool subtree(const struct merkle_source *src, uint64_t begin, uint64_t end,
                    uint8_t out[MERKLE_HASH_LEN])
{
    uint64_t n = end - begin;
    if (n == 0)
        return false;
    if (is_pow2(n) && (begin & (n - 1)) == 0) {
        unsigned h = log2_exact(n);
        return src->node(src->ctx, h, begin >> h, out);
    }
    uint64_t k = split_point(n);
    uint8_t l[MERKLE_HASH_LEN], r[MERKLE_HASH_LEN];
    if (!subtree(src, begin, begin + k, l) || !subtree(src, begin + k, end, r))
        return false;
    merkle_node_hash(l, r, out);
    return true;
}

bool merkle_root(const struct merkle_source *src, uint64_t n, uint8_t out[MERKLE_HASH_LEN])
{
    if (n == 0) {
        hash_sha256("", 0, out);
        return true;
    }
    return subtree(src, 0, n, out);
}

/* PATH(m, D[begin:end]) appended at proof[*count]. */
static bool path(const struct merkle_source *src, uint64_t m, uint64_t begin, uint64_t end,
                 uint8_t (*proof)[MERKLE_HASH_LEN], int *count)
{
    uint64_t n = end - begin;
    if (n == 1)
        return true;
    uint64_t k = split_point(n);
    bool ok = m < k ? path(src, m, begin, begin + k, proof, count) &&
                          subtree(src, begin + k, end, proof[*count])
                    : path(src, m - k, begin + k, end, proof, count) &&
                          subtree(src, begin, begin + k, proof[*count]);
    (*count)++;
    return ok;
}

int merkle_inclusion_proof(const struct merkle_source *src, uint64_t index, uint64_t n,
                           uint8_t (*proof)[MERKLE_HASH_LEN])
{
    int count = 0;
    if (index >= n || !path(src, index, 0, n, proof, &count))
        return -1;
    return count;
}

/* SUBPROOF(m, D[begin:end], b) appended at proof[*count]. */
static bool subproof(const struct merkle_source *src, uint64_t m, uint64_t begin, uint64_t end,
                     bool whole, uint8_t (*proof)[MERKLE_HASH_LEN], int *count)
{
    uint64_t n = end - begin;
    if (m == n) {
        if (whole)
            return true;
        return subtree(src, begin, end, proof[(*count)++]);
    }
    uint64_t k = split_point(n);
    bool ok = m <= k ? subproof(src, m, begin, begin + k, whole, proof, count) &&
                           subtree(src, begin + k, end, proof[*count])
                     : subproof(src, m - k, begin + k, end, false, proof, count) &&
                           subtree(src, begin, begin + k, proof[*count]);
    (*count)++;
    return ok;
}

int merkle_consistency_proof(const struct merkle_source *src, uint64_t m, uint64_t n,
                             uint8_t (*proof)[MERKLE_HASH_LEN])
{
    int count = 0;
    if (m == 0)
        return 0;
    if (m > n || !subproof(src, m, 0, n, true, proof, &count))
        return -1;
    return count;
}

bool merkle_verify_inclusion(const uint8_t leaf[MERKLE_HASH_LEN], uint64_t index, uint64_t n,
                             const uint8_t (*proof)[MERKLE_HASH_LEN], size_t count,
                             const uint8_t root[MERKLE_HASH_LEN])
{
    if (index >= n)
        return false;
    uint64_t fn = index, sn = n - 1;
    uint8_t r[MERKLE_HASH_LEN];
    memcpy(r, leaf, MERKLE_HASH_LEN);
    for (size_t i = 0; i < count; i++) {
        if (sn == 0)
            return false;
        if ((fn & 1) || fn == sn) {
            merkle_node_hash(proof[i], r, r);
            while (!(fn & 1) && fn != 0) {
                fn >>= 1;
                sn >>= 1;
            }
        } else {
            merkle_node_hash(r, proof[i], r);
        }
        fn >>= 1;
        sn >>= 1;
    }
    return sn == 0 && memcmp(r, root, MERKLE_HASH_LEN) == 0;
}

bool merkle_verify_consistency(uint64_t m, uint64_t n, const uint8_t root_m[MERKLE_HASH_LEN],
                               const uint8_t root_n[MERKLE_HASH_LEN],
                               const uint8_t (*proof)[MERKLE_HASH_LEN], size_t count)
{
    if (m > n)
        return false;
    if (m == 0) {
        uint8_t empty[MERKLE_HASH_LEN];
        hash_sha256("", 0, empty);
        return count == 0 && memcmp(root_m, empty, MERKLE_HASH_LEN) == 0;
    }
    if (m == n)
        return count == 0 && memcmp(root_m, root_n, MERKLE_HASH_LEN) == 0;
    /* When m is a power of two, the old root itself starts the path. */
    size_t start = is_pow2(m) ? 0 : 1;
    if (start == 1 && count == 0)
        return false;
    uint64_t fn = m - 1, sn = n - 1;
    while (fn & 1) {
        fn >>= 1;
        sn >>= 1;
    }
    uint8_t fr[MERKLE_HASH_LEN], sr[MERKLE_HASH_LEN];
    memcpy(fr, start ? proof[0] : root_m, MERKLE_HASH_LEN);
    memcpy(sr, fr, MERKLE_HASH_LEN);
    for (size_t i = start; i < count; i++) {
        if (sn == 0)
            return false;
        if ((fn & 1) || fn == sn) {
            merkle_node_hash(proof[i], fr, fr);
            merkle_node_hash(proof[i], sr, sr);
            while (!(fn & 1) && fn != 0) {
                fn >>= 1;
                sn >>= 1;
            }
        } else {
            merkle_node_hash(sr, proof[i], sr);
        }
        fn >>= 1;
        sn >>= 1;
    }
    return sn == 0 && memcmp(fr, root_m, MERKLE_HASH_LEN) == 0 &&
           memcmp(sr, root_n, MERKLE_HASH_LEN) == 0;
}
