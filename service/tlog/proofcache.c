/* SPDX-License-Identifier: Apache-2.0 */
#include "tlog/proofcache.h"

#include <stdlib.h>
#include <string.h>

struct proof_entry {
    uint64_t m, n;
    int count;
    uint8_t proof[MERKLE_MAX_PROOF][MERKLE_HASH_LEN];
};

bool proof_cache_init(struct proof_cache *c)
{
    c->slots = calloc(PROOF_CACHE_SLOTS, sizeof *c->slots);
    if (!c->slots)
        return false;
    pthread_mutex_init(&c->lock, NULL);
    return true;
}

void proof_cache_destroy(struct proof_cache *c)
{
    if (!c->slots)
        return;
    pthread_mutex_destroy(&c->lock);
    free(c->slots);
    c->slots = NULL;
}

static struct proof_entry *slot(struct proof_cache *c, uint64_t m, uint64_t n)
{
    uint64_t h = (m * 0x9e3779b97f4a7c15ull) ^ (n * 0xc2b2ae3d27d4eb4full);
    return &c->slots[(h >> 32) % PROOF_CACHE_SLOTS];
}

bool proof_cache_get(struct proof_cache *c, uint64_t m, uint64_t n,
                     uint8_t (*proof)[MERKLE_HASH_LEN], int *count)
{
    pthread_mutex_lock(&c->lock);
    struct proof_entry *e = slot(c, m, n);
    bool hit = e->n != 0 && e->m == m && e->n == n;
    if (hit) {
        *count = e->count;
        memcpy(proof, e->proof, (size_t)e->count * MERKLE_HASH_LEN);
    }
    pthread_mutex_unlock(&c->lock);
    return hit;
}

void proof_cache_put(struct proof_cache *c, uint64_t m, uint64_t n,
                     const uint8_t (*proof)[MERKLE_HASH_LEN], int count)
{
    if (count < 0 || count > MERKLE_MAX_PROOF || n == 0)
        return;
    pthread_mutex_lock(&c->lock);
    struct proof_entry *e = slot(c, m, n);
    e->m = m;
    e->n = n;
    e->count = count;
    memcpy(e->proof, proof, (size_t)count * MERKLE_HASH_LEN);
    pthread_mutex_unlock(&c->lock);
}
