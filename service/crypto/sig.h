/* Signature schemes accepted for registrations. Each scheme verifies a signature over the raw
 * statement bytes; keys and signatures are given decoded. */
#ifndef PROVD_CRYPTO_SIG_H
#define PROVD_CRYPTO_SIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum sig_scheme { SIG_UNKNOWN = 0, SIG_ED25519 };

#define ED25519_PUBLIC_KEY_LEN 32
#define ED25519_SIGNATURE_LEN  64

enum sig_scheme sig_scheme_parse(const char *name);
const char *sig_scheme_name(enum sig_scheme scheme);
/* Expected decoded lengths for scheme (0 when the scheme is unknown). */
size_t sig_public_key_len(enum sig_scheme scheme);
size_t sig_signature_len(enum sig_scheme scheme);
/* True when sig is a valid signature by pub over msg. */
bool sig_verify(enum sig_scheme scheme, const uint8_t *pub, size_t pub_len, const uint8_t *sig,
                size_t sig_len, const uint8_t *msg, size_t msg_len)
    __attribute__((warn_unused_result));

#endif
