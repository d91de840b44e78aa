/* SPDX-License-Identifier: Apache-2.0 */
/* Hex and base64 codecs. Decoders write into caller buffers and never allocate. */
#ifndef PROVD_UTIL_CODEC_H
#define PROVD_UTIL_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Writes 2*len lowercase hex digits and a NUL into out (size >= 2*len+1). */
void hex_encode(const uint8_t *in, size_t len, char *out);
/* Decodes exactly out_len bytes from 2*out_len hex digits (either case unless lower_only). */
bool hex_decode(const char *in, size_t in_len, uint8_t *out, size_t out_len, bool lower_only)
    __attribute__((warn_unused_result));

/* Base64url without padding; out must hold base64_encoded_len(len)+1 bytes. */
size_t base64_encoded_len(size_t len);
void base64url_encode(const uint8_t *in, size_t len, char *out);
/* Standard base64 with padding; out must hold 4*((len+2)/3)+1 bytes. */
void base64_std_encode(const uint8_t *in, size_t len, char *out);
/* Decodes standard or URL-safe base64, padded or not (padding must be correct if present).
 * Rejects mixed alphabets, whitespace and non-zero trailing bits. *out_len receives the size. */
bool base64_decode(const char *in, size_t in_len, uint8_t *out, size_t out_cap, size_t *out_len)
    __attribute__((warn_unused_result));

/* A decimal uint64 without sign, spaces or leading zeros (s may be NULL: false). */
bool parse_u64(const char *s, uint64_t *out) __attribute__((warn_unused_result));

#endif
