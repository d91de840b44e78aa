/* SPDX-License-Identifier: Apache-2.0 */
/* A small cache of consistency proofs. A proof between two tree sizes never changes, and
 * receipts ask for few distinct pairs (each anchored size to the current size), so caching
 * them spares the tile reads. Direct-mapped by (m, n), one mutex; 256 slots of ~2 KiB. */
#ifndef PROVD_TLOG_PROOFCACHE_H
#define PROVD_TLOG_PROOFCACHE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "tlog/merkle.h"

#define PROOF_CACHE_SLOTS 256

struct proof_cache {
    pthread_mutex_t lock;
    struct proof_entry *slots; /* owned; n == 0 = empty */
};

bool proof_cache_init(struct proof_cache *c) __attribute__((warn_unused_result));
void proof_cache_destroy(struct proof_cache *c);
/* Copies the proof from m to n into proof and *count if cached. */
bool proof_cache_get(struct proof_cache *c, uint64_t m, uint64_t n,
                     uint8_t (*proof)[MERKLE_HASH_LEN], int *count);
void proof_cache_put(struct proof_cache *c, uint64_t m, uint64_t n,
                     const uint8_t (*proof)[MERKLE_HASH_LEN], int count);

#endif
