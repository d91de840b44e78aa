/* SPDX-License-Identifier: Apache-2.0 */
/* A compact range over a log's first leaves: the roots of the maximal perfect subtrees that
 * cover [0, size), largest first, one per set bit of size (at most 64 hashes). Appending a leaf
 * costs one hash amortised, the root of the tree at the current size at most 63: what
 * provd log check (registry/logcheck.h) needs to rebuild a log of any size in bounded memory and
 * check a checkpoint at every size. */
#ifndef PROVD_TLOG_COMPACT_H
#define PROVD_TLOG_COMPACT_H

#include <stdint.h>

#include "tlog/merkle.h"

struct compact_range {
    uint64_t size;                       /* leaves */
    unsigned n;                          /* subtree roots held: the number of set bits of size */
    uint8_t hashes[64][MERKLE_HASH_LEN]; /* largest (leftmost) subtree first */
};

/* An empty range. */
void compact_range_init(struct compact_range *c);
/* Appends a leaf hash. The caller keeps size below 2^64. */
void compact_range_append(struct compact_range *c, const uint8_t leaf[MERKLE_HASH_LEN]);
/* Root of the tree of c->size leaves (RFC 9162 MTH; the hash of nothing when empty). */
void compact_range_root(const struct compact_range *c, uint8_t out[MERKLE_HASH_LEN]);

#endif
