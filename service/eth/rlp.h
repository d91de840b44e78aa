/* SPDX-License-Identifier: Apache-2.0 */
/* RLP (Ethereum's recursive length prefix) encoding into struct buf. Integers are big-endian
 * byte strings without leading zeros; u256 holds values such as wei amounts. */
#ifndef PROVD_ETH_RLP_H
#define PROVD_ETH_RLP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

struct u256 {
    uint8_t be[32]; /* big-endian */
};

/* Parses a decimal string (up to 2^256 - 1). */
bool u256_from_decimal(const char *s, struct u256 *out) __attribute__((warn_unused_result));
void u256_from_u64(uint64_t v, struct u256 *out);

void rlp_bytes(struct buf *out, const uint8_t *data, size_t len);
void rlp_u256(struct buf *out, const struct u256 *v);
void rlp_u64(struct buf *out, uint64_t v);
/* Appends payload (a concatenation of RLP items) as a list. */
void rlp_list(struct buf *out, const struct buf *payload);

#endif
