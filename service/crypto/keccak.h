/* SPDX-License-Identifier: Apache-2.0 */
/* Keccak-256 as Ethereum uses it (the original Keccak padding 0x01, not SHA3-256's 0x06).
 * OpenSSL 3.0 has no legacy Keccak, so it is implemented here (FIPS 202 permutation). */
#ifndef PROVD_CRYPTO_KECCAK_H
#define PROVD_CRYPTO_KECCAK_H

#include <stddef.h>
#include <stdint.h>

#define KECCAK256_LEN 32

void keccak256(const void *data, size_t len, uint8_t out[KECCAK256_LEN]);

#endif
