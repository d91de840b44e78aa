/* SPDX-License-Identifier: Apache-2.0 */
#include "crypto/p256.h"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <string.h>

/* SubjectPublicKeyInfo for an uncompressed P-256 point, up to the point itself. */
static const uint8_t spki_prefix[] = {0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48,
                                      0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48,
                                      0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00};

/* Decodes an SPKI into a P-256 key (OpenSSL checks the point); NULL otherwise. */
static EVP_PKEY *key_from_spki(const uint8_t *der, size_t len)
{
    const unsigned char *p = der;
    EVP_PKEY *key = d2i_PUBKEY(NULL, &p, (long)len);
    if (!key)
        return NULL;
    char group[32];
    if ((size_t)(p - der) != len || !EVP_PKEY_is_a(key, "EC") ||
        !EVP_PKEY_get_utf8_string_param(key, "group", group, sizeof group, NULL) ||
        strcmp(group, "prime256v1") != 0) {
        EVP_PKEY_free(key);
        return NULL;
    }
    return key;
}

static EVP_PKEY *key_from_point(const uint8_t pub[P256_PUBLIC_KEY_LEN])
{
    uint8_t der[sizeof spki_prefix + P256_PUBLIC_KEY_LEN];
    memcpy(der, spki_prefix, sizeof spki_prefix);
    memcpy(der + sizeof spki_prefix, pub, P256_PUBLIC_KEY_LEN);
    return key_from_spki(der, sizeof der);
}

bool p256_parse_public_key(const uint8_t *in, size_t len, uint8_t out[P256_PUBLIC_KEY_LEN])
{
    EVP_PKEY *key = len == P256_PUBLIC_KEY_LEN ? key_from_point(in) : key_from_spki(in, len);
    size_t n = 0;
    bool ok = key && EVP_PKEY_set_utf8_string_param(key, "point-format", "uncompressed") == 1 &&
              EVP_PKEY_get_octet_string_param(key, "encoded-pub-key", out, P256_PUBLIC_KEY_LEN,
                                              &n) == 1 &&
              n == P256_PUBLIC_KEY_LEN;
    EVP_PKEY_free(key);
    return ok;
}

bool p256_parse_signature(const uint8_t *in, size_t len, uint8_t out[P256_SIGNATURE_LEN])
{
    if (len == P256_SIGNATURE_LEN) {
        memcpy(out, in, P256_SIGNATURE_LEN);
        return true;
    }
    const unsigned char *p = in;
    ECDSA_SIG *sig = d2i_ECDSA_SIG(NULL, &p, (long)len);
    bool ok = sig && (size_t)(p - in) == len &&
              BN_bn2binpad(ECDSA_SIG_get0_r(sig), out, 32) == 32 &&
              BN_bn2binpad(ECDSA_SIG_get0_s(sig), out + 32, 32) == 32;
    ECDSA_SIG_free(sig);
    return ok;
}

bool p256_verify(const uint8_t pub[P256_PUBLIC_KEY_LEN], const uint8_t sig[P256_SIGNATURE_LEN],
                 const uint8_t *msg, size_t len)
{
    bool ok = false;
    EVP_MD_CTX *ctx = NULL;
    unsigned char *der = NULL;
    ECDSA_SIG *s = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(sig, 32, NULL), *sv = BN_bin2bn(sig + 32, 32, NULL);
    EVP_PKEY *key = key_from_point(pub);
    if (!s || !r || !sv || !key || !ECDSA_SIG_set0(s, r, sv))
        goto out;
    r = sv = NULL; /* owned by s now */
    int der_len = i2d_ECDSA_SIG(s, &der);
    ctx = EVP_MD_CTX_new();
    if (der_len <= 0 || !ctx || EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, key) != 1)
        goto out;
    ok = EVP_DigestVerify(ctx, der, (size_t)der_len, msg, len) == 1;
out:
    EVP_MD_CTX_free(ctx);
    OPENSSL_free(der);
    BN_free(r);
    BN_free(sv);
    ECDSA_SIG_free(s);
    EVP_PKEY_free(key);
    return ok;
}
