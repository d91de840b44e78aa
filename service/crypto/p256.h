/* SPDX-License-Identifier: Apache-2.0 */
/* ECDSA over P-256 with SHA-256, as WebCrypto produces it (OpenSSL). */
#ifndef PROVD_CRYPTO_P256_H
#define PROVD_CRYPTO_P256_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define P256_PUBLIC_KEY_LEN 65 /* uncompressed point 0x04 || X || Y */
#define P256_SIGNATURE_LEN  64 /* r || s */

/* Accepts WebCrypto's "raw" export (65-byte uncompressed point) or "spki" (DER); checks the
 * point is on the curve and writes its uncompressed form. */
bool p256_parse_public_key(const uint8_t *in, size_t len, uint8_t out[P256_PUBLIC_KEY_LEN])
    __attribute__((warn_unused_result));
/* Accepts raw r || s (WebCrypto) or a DER ECDSA-Sig-Value; writes r || s. */
bool p256_parse_signature(const uint8_t *in, size_t len, uint8_t out[P256_SIGNATURE_LEN])
    __attribute__((warn_unused_result));
/* Verifies sig (r || s) by pub (uncompressed) over SHA-256(msg). */
bool p256_verify(const uint8_t pub[P256_PUBLIC_KEY_LEN], const uint8_t sig[P256_SIGNATURE_LEN],
                 const uint8_t *msg, size_t len) __attribute__((warn_unused_result));

#endif
