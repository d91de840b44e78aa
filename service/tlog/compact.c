/* SPDX-License-Identifier: Apache-2.0 */
#include "tlog/compact.h"

#include <string.h>

#include "crypto/hash.h"

void compact_range_init(struct compact_range *c)
{
    c->size = 0;
    c->n = 0;
}

void compact_range_append(struct compact_range *c, const uint8_t leaf[MERKLE_HASH_LEN])
{
    memcpy(c->hashes[c->n++], leaf, MERKLE_HASH_LEN);
    /* Each trailing one bit of the old size is a subtree of the new leaf's size: merge. */
    for (uint64_t s = c->size; s & 1; s >>= 1) {
        c->n--;
        merkle_node_hash(c->hashes[c->n - 1], c->hashes[c->n], c->hashes[c->n - 1]);
    }
    c->size++;
}

void compact_range_root(const struct compact_range *c, uint8_t out[MERKLE_HASH_LEN])
{
    if (c->n == 0) {
        hash_sha256("", 0, out);
        return;
    }
    uint8_t root[MERKLE_HASH_LEN];
    memcpy(root, c->hashes[c->n - 1], MERKLE_HASH_LEN);
    for (unsigned i = c->n - 1; i-- > 0;)
        merkle_node_hash(c->hashes[i], root, root);
    memcpy(out, root, MERKLE_HASH_LEN);
}
