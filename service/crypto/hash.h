/* SPDX-License-Identifier: Apache-2.0 */
/* SHA-256 and randomness (OpenSSL).
 *
 * OpenSSL 3's one-shot SHA256() fetches the algorithm under a lock on every call, which costs
 * 3x and contends between threads; here the digest is fetched once and every thread reuses its
 * own context (freed when the thread exits). */
#ifndef PROVD_CRYPTO_HASH_H
#define PROVD_CRYPTO_HASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SHA256_LEN 32

void hash_sha256(const void *data, size_t len, uint8_t out[SHA256_LEN]);
/* SHA-256 of the concatenation a || b (either may be empty). */
void hash_sha256_2(const void *a, size_t a_len, const void *b, size_t b_len,
                   uint8_t out[SHA256_LEN]);
/* SHA-256 of a || b || c. */
void hash_sha256_3(const void *a, size_t a_len, const void *b, size_t b_len, const void *c,
                   size_t c_len, uint8_t out[SHA256_LEN]);
/* Incremental SHA-256 for streams (files of any size): init, update any number of times,
 * final (which also releases the state; free releases it without a digest). */
struct sha256_stream {
    void *ctx; /* EVP_MD_CTX */
};
bool sha256_stream_init(struct sha256_stream *s) __attribute__((warn_unused_result));
bool sha256_stream_update(struct sha256_stream *s, const void *data, size_t len)
    __attribute__((warn_unused_result));
bool sha256_stream_final(struct sha256_stream *s, uint8_t out[SHA256_LEN])
    __attribute__((warn_unused_result));
void sha256_stream_free(struct sha256_stream *s);
/* Cryptographically secure random bytes; false if the RNG failed. */
bool hash_random(uint8_t *out, size_t len) __attribute__((warn_unused_result));

#endif
