/* SPDX-License-Identifier: Apache-2.0 */
#include "crypto/sig.h"

#include <pthread.h>
#include <sodium.h>
#include <string.h>

#include "util/codec.h"
#include "crypto/ethsig.h"
#include "crypto/p256.h"

enum sig_scheme sig_scheme_parse(const char *name)
{
    if (!strcmp(name, "ed25519"))
        return SIG_ED25519;
    if (!strcmp(name, "eip191"))
        return SIG_EIP191;
    if (!strcmp(name, "ecdsa-p256"))
        return SIG_ECDSA_P256;
    if (!strcmp(name, "eip712"))
        return SIG_EIP712;
    return SIG_UNKNOWN;
}

const char *sig_scheme_name(enum sig_scheme scheme)
{
    switch (scheme) {
    case SIG_ED25519:
        return "ed25519";
    case SIG_EIP191:
        return "eip191";
    case SIG_ECDSA_P256:
        return "ecdsa-p256";
    case SIG_EIP712:
        return "eip712";
    case SIG_UNKNOWN:
        break;
    }
    return "unknown";
}

size_t sig_public_key_len(enum sig_scheme scheme)
{
    switch (scheme) {
    case SIG_ED25519:
        return ED25519_PUBLIC_KEY_LEN;
    case SIG_EIP191:
    case SIG_EIP712:
        return ETH_ADDRESS_LEN;
    case SIG_ECDSA_P256:
        return P256_PUBLIC_KEY_LEN;
    case SIG_UNKNOWN:
        break;
    }
    return 0;
}

size_t sig_signature_len(enum sig_scheme scheme)
{
    switch (scheme) {
    case SIG_ED25519:
        return ED25519_SIGNATURE_LEN;
    case SIG_EIP191:
    case SIG_EIP712:
        return ETH_SIGNATURE_LEN;
    case SIG_ECDSA_P256:
        return P256_SIGNATURE_LEN;
    case SIG_UNKNOWN:
        break;
    }
    return 0;
}

bool sig_is_ethereum(enum sig_scheme scheme)
{
    return scheme == SIG_EIP191 || scheme == SIG_EIP712;
}

const char *sig_key_field(enum sig_scheme scheme)
{
    return sig_is_ethereum(scheme) ? "address" : "public_key";
}

void sig_format_identity(enum sig_scheme scheme, const uint8_t *key, size_t len,
                         char out[SIG_IDENTITY_MAX])
{
    if (sig_is_ethereum(scheme) && len == ETH_ADDRESS_LEN)
        eth_address_format(key, out);
    else
        base64url_encode(key, len < 66 ? len : 66, out);
}

void sig_format_value(enum sig_scheme scheme, const uint8_t *sig, size_t len,
                      char out[SIG_VALUE_MAX])
{
    if (len > (SIG_VALUE_MAX - 3) / 2)
        len = 0;
    if (sig_is_ethereum(scheme)) {
        out[0] = '0';
        out[1] = 'x';
        hex_encode(sig, len, out + 2);
    } else {
        base64url_encode(sig, len, out);
    }
}

static bool eth_digest_verify(const uint8_t *addr, const uint8_t *sig, const uint8_t digest[32])
{
    uint8_t got[ETH_ADDRESS_LEN];
    return eth_recover_address(digest, sig, got) && memcmp(got, addr, ETH_ADDRESS_LEN) == 0;
}

static bool eip191_verify(const uint8_t *addr, const uint8_t *sig, const uint8_t *msg,
                          size_t msg_len)
{
    uint8_t digest[32];
    eth_eip191_digest(msg, msg_len, digest);
    return eth_digest_verify(addr, sig, digest);
}

static pthread_once_t sodium_once = PTHREAD_ONCE_INIT;
static bool sodium_ready;

static void sodium_setup(void)
{
    sodium_ready = sodium_init() >= 0;
}

/* libsodium: about twice as fast as OpenSSL 3's EVP path here, and strict (rejects S >= L,
 * small-order and non-canonical public keys and R). */
static bool ed25519_verify(const uint8_t *pub, const uint8_t *sig, const uint8_t *msg,
                           size_t msg_len)
{
    pthread_once(&sodium_once, sodium_setup);
    return sodium_ready && crypto_sign_verify_detached(sig, msg, msg_len, pub) == 0;
}

bool sig_verify(enum sig_scheme scheme, const uint8_t *pub, size_t pub_len, const uint8_t *sig,
                size_t sig_len, const uint8_t *msg, size_t msg_len)
{
    if (pub_len != sig_public_key_len(scheme) || sig_len != sig_signature_len(scheme))
        return false;
    switch (scheme) {
    case SIG_ED25519:
        return ed25519_verify(pub, sig, msg, msg_len);
    case SIG_EIP191:
        return eip191_verify(pub, sig, msg, msg_len);
    case SIG_ECDSA_P256:
        return p256_verify(pub, sig, msg, msg_len);
    case SIG_EIP712:
        return msg_len == 32 && eth_digest_verify(pub, sig, msg);
    case SIG_UNKNOWN:
        break;
    }
    return false;
}

bool sig_parse_identity(enum sig_scheme scheme, const char *text, char out[SIG_IDENTITY_MAX])
{
    uint8_t buf[160], key[P256_PUBLIC_KEY_LEN];
    size_t n;
    if (sig_is_ethereum(scheme)) {
        if (!eth_address_parse(text, key))
            return false;
        eth_address_format(key, out);
        return true;
    }
    if (!base64_decode(text, strlen(text), buf, sizeof buf, &n))
        return false;
    if (scheme == SIG_ED25519 && n == ED25519_PUBLIC_KEY_LEN) {
        base64url_encode(buf, n, out);
        return true;
    }
    if (scheme == SIG_ECDSA_P256 && p256_parse_public_key(buf, n, key)) {
        base64url_encode(key, P256_PUBLIC_KEY_LEN, out);
        return true;
    }
    return false;
}

const char *sig_normalize_identity(const char *text, char out[SIG_IDENTITY_MAX])
{
    static const enum sig_scheme schemes[] = {SIG_EIP191, SIG_ED25519, SIG_ECDSA_P256};
    for (size_t i = 0; i < sizeof schemes / sizeof *schemes; i++)
        if (sig_parse_identity(schemes[i], text, out))
            return out;
    return text;
}

bool ed25519_sign(const uint8_t secret_key[64], const uint8_t *msg, size_t len,
                  uint8_t sig[ED25519_SIGNATURE_LEN])
{
    pthread_once(&sodium_once, sodium_setup);
    return sodium_ready && crypto_sign_detached(sig, NULL, msg, len, secret_key) == 0;
}
