/* SPDX-License-Identifier: Apache-2.0 */
/* The calldata of an anchor transaction: what provd commits to on Ethereum.
 *
 *   offset  size  field
 *        0     4  magic "prvd" (0x70727664)
 *        4     1  version, 0x01
 *        5     4  key id of the log's verifier key (C2SP signed-note key hash), big-endian
 *        9     8  tree size, big-endian
 *       17    32  root hash of the tree of that size (RFC 6962)
 *       49     n  the log's origin (its checkpoint's first line), 1 to 255 bytes of ASCII
 *
 * A verifier who knows the log's verifier key recomputes the key id and compares origin, size
 * and root with its checkpoint; the origin keeps an anchor readable without provd. */
#ifndef PROVD_ANCHOR_CALLDATA_H
#define PROVD_ANCHOR_CALLDATA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"
#include "tlog/merkle.h"
#include "tlog/note.h"

#define ANCHOR_CALLDATA_VERSION 1
#define ANCHOR_CALLDATA_FIXED   49

struct anchor_commitment {
    uint32_t key_id;
    uint64_t tree_size;
    uint8_t root[MERKLE_HASH_LEN];
    char origin[NOTE_NAME_MAX];
};

void anchor_calldata_encode(const struct anchor_commitment *c, struct buf *out);
/* Parses calldata; false when it is not an anchor of this version. */
bool anchor_calldata_decode(const uint8_t *data, size_t len, struct anchor_commitment *c)
    __attribute__((warn_unused_result));

#endif
