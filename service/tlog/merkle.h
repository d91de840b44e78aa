/* SPDX-License-Identifier: Apache-2.0 */
/* RFC 6962 / RFC 9162 Merkle trees: hashing, proofs and their verification.
 *
 * Proofs are generated from a node source that returns the hash of any *complete* subtree
 * (height h, index i: leaves [i*2^h, (i+1)*2^h)); the log keeps those in tiles (tlog/tiles.h),
 * the tests in memory. Every proof costs O(log n) node look-ups. Proof arrays are ordered from
 * the leaf towards the root. */
#ifndef PROVD_TLOG_MERKLE_H
#define PROVD_TLOG_MERKLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MERKLE_HASH_LEN  32
#define MERKLE_MAX_PROOF 128 /* hashes; an inclusion proof has at most 64, consistency 128 */

struct merkle_source {
    /* Stores the hash of the complete subtree (height, index) in out; false if unavailable. */
    bool (*node)(void *ctx, unsigned height, uint64_t index, uint8_t out[MERKLE_HASH_LEN]);
    void *ctx;
};

void merkle_leaf_hash(const void *data, size_t len, uint8_t out[MERKLE_HASH_LEN]);
void merkle_node_hash(const uint8_t left[MERKLE_HASH_LEN], const uint8_t right[MERKLE_HASH_LEN],
                      uint8_t out[MERKLE_HASH_LEN]);
/* Hash of the perfect subtree over count (a power of two) consecutive hashes. */
void merkle_perfect_root(const uint8_t (*hashes)[MERKLE_HASH_LEN], uint64_t count,
                         uint8_t out[MERKLE_HASH_LEN]);

/* Root of the tree of size n (n == 0: SHA-256 of nothing). */
bool merkle_root(const struct merkle_source *src, uint64_t n, uint8_t out[MERKLE_HASH_LEN])
    __attribute__((warn_unused_result));
/* Inclusion proof of leaf index in a tree of size n; returns the number of hashes or -1. */
int merkle_inclusion_proof(const struct merkle_source *src, uint64_t index, uint64_t n,
                           uint8_t (*proof)[MERKLE_HASH_LEN]) __attribute__((warn_unused_result));
/* Consistency proof from size m to size n (m <= n); returns the number of hashes or -1. From
 * the empty tree (m == 0) it is empty: that tree is a prefix of every tree (as in C2SP
 * tlog-witness, old size 0). */
int merkle_consistency_proof(const struct merkle_source *src, uint64_t m, uint64_t n,
                             uint8_t (*proof)[MERKLE_HASH_LEN]) __attribute__((warn_unused_result));

/* RFC 9162 section 2.1.3.2. */
bool merkle_verify_inclusion(const uint8_t leaf[MERKLE_HASH_LEN], uint64_t index, uint64_t n,
                             const uint8_t (*proof)[MERKLE_HASH_LEN], size_t count,
                             const uint8_t root[MERKLE_HASH_LEN])
    __attribute__((warn_unused_result));
/* RFC 9162 section 2.1.4.2; from the empty tree (m == 0) the proof must be empty and root_m
 * the empty tree's (SHA-256 of nothing). */
bool merkle_verify_consistency(uint64_t m, uint64_t n, const uint8_t root_m[MERKLE_HASH_LEN],
                               const uint8_t root_n[MERKLE_HASH_LEN],
                               const uint8_t (*proof)[MERKLE_HASH_LEN], size_t count)
    __attribute__((warn_unused_result));

#endif
