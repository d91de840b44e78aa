/* SPDX-License-Identifier: Apache-2.0 */
/* Proofs from the stored tiles: a first pass over the proof's shape lists the tiles it needs,
 * the cache (may be NULL) and then one query supply them, a second pass computes the hashes. */
#ifndef PROVD_REGISTRY_PROVE_H
#define PROVD_REGISTRY_PROVE_H

#include <stdint.h>

#include "db/pool.h"
#include "tlog/merkle.h"
#include "tlog/tilecache.h"

/* Inclusion proof of index in the tree of size n; *count receives its length. DB_ERROR also
 * when the stored tiles cannot provide a node (a tree larger than the log). */
enum db_status prove_inclusion(struct db_conn *conn, struct tile_cache *cache, uint64_t index,
                               uint64_t n, uint8_t (*proof)[MERKLE_HASH_LEN], int *count)
    __attribute__((warn_unused_result));
/* Consistency proof from size m to size n (0 < m <= n). */
enum db_status prove_consistency(struct db_conn *conn, struct tile_cache *cache, uint64_t m,
                                 uint64_t n, uint8_t (*proof)[MERKLE_HASH_LEN], int *count)
    __attribute__((warn_unused_result));

/* Inclusion proof of member index in the members tree of dataset (size n). */
enum db_status prove_dataset_inclusion(struct db_conn *conn, struct tile_cache *cache,
                                       int64_t dataset, uint64_t index, uint64_t n,
                                       uint8_t (*proof)[MERKLE_HASH_LEN], int *count)
    __attribute__((warn_unused_result));

#endif
