/* SPDX-License-Identifier: Apache-2.0 */
/* Signature schemes accepted for registrations. Each scheme verifies a signature over the raw
 * statement bytes; keys and signatures are given decoded. */
#ifndef PROVD_CRYPTO_SIG_H
#define PROVD_CRYPTO_SIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum sig_scheme { SIG_UNKNOWN = 0, SIG_ED25519, SIG_EIP191, SIG_ECDSA_P256, SIG_EIP712 };

#define ED25519_PUBLIC_KEY_LEN 32
#define ED25519_SIGNATURE_LEN  64
#define SIG_IDENTITY_MAX       128 /* formatted signer identity, NUL included */
#define SIG_VALUE_MAX          180 /* formatted signature value, NUL included */

enum sig_scheme sig_scheme_parse(const char *name);
const char *sig_scheme_name(enum sig_scheme scheme);
/* Expected decoded lengths for scheme (0 when the scheme is unknown). The "key" of eip191 is
 * the signer's 20-byte address. */
size_t sig_public_key_len(enum sig_scheme scheme);
size_t sig_signature_len(enum sig_scheme scheme);
/* JSON member naming the key: "public_key", or "address" for Ethereum schemes. */
const char *sig_key_field(enum sig_scheme scheme);
/* The signer identity: base64url public key, or the EIP-55 checksummed address. */
void sig_format_identity(enum sig_scheme scheme, const uint8_t *key, size_t len,
                         char out[SIG_IDENTITY_MAX]);
/* A signature value as shown in JSON: base64url, or 0x-hex for Ethereum schemes. */
void sig_format_value(enum sig_scheme scheme, const uint8_t *sig, size_t len,
                      char out[SIG_VALUE_MAX]);
/* The stored identity for a key or address as a client may write it (standard or URL base64,
 * padded or not, a WebCrypto raw or spki P-256 key, an address in any case), for scheme, into
 * out; false when it is not one. */
bool sig_parse_identity(enum sig_scheme scheme, const char *text, char out[SIG_IDENTITY_MAX])
    __attribute__((warn_unused_result));
/* Best-effort normalisation of an identity of unknown scheme (query and path parameters):
 * returns out when text was recognised, else text itself. */
const char *sig_normalize_identity(const char *text, char out[SIG_IDENTITY_MAX]);
/* Ethereum schemes: identified by an address, signatures as 0x-hex. */
bool sig_is_ethereum(enum sig_scheme scheme);
/* True when sig is a valid signature by pub over msg. For eip712, msg is the 32-byte EIP-712
 * digest of the statement (eth_eip712_item_digest), which the signer signed. */
bool sig_verify(enum sig_scheme scheme, const uint8_t *pub, size_t pub_len, const uint8_t *sig,
                size_t sig_len, const uint8_t *msg, size_t msg_len)
    __attribute__((warn_unused_result));

/* Signs msg with a libsodium Ed25519 secret key (seed || public key). */
bool ed25519_sign(const uint8_t secret_key[64], const uint8_t *msg, size_t len,
                  uint8_t sig[ED25519_SIGNATURE_LEN]) __attribute__((warn_unused_result));

#endif
