/* Hashing and randomness (OpenSSL). */
#ifndef PROVD_CRYPTO_HASH_H
#define PROVD_CRYPTO_HASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SHA256_LEN 32

void hash_sha256(const void *data, size_t len, uint8_t out[SHA256_LEN]);
/* Cryptographically secure random bytes; false if the RNG failed. */
bool hash_random(uint8_t *out, size_t len) __attribute__((warn_unused_result));

#endif
