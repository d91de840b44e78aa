#include "crypto/sig.h"

#include <openssl/evp.h>
#include <string.h>

enum sig_scheme sig_scheme_parse(const char *name)
{
    if (!strcmp(name, "ed25519"))
        return SIG_ED25519;
    return SIG_UNKNOWN;
}

const char *sig_scheme_name(enum sig_scheme scheme)
{
    return scheme == SIG_ED25519 ? "ed25519" : "unknown";
}

size_t sig_public_key_len(enum sig_scheme scheme)
{
    return scheme == SIG_ED25519 ? ED25519_PUBLIC_KEY_LEN : 0;
}

size_t sig_signature_len(enum sig_scheme scheme)
{
    return scheme == SIG_ED25519 ? ED25519_SIGNATURE_LEN : 0;
}

static bool ed25519_verify(const uint8_t *pub, const uint8_t *sig, const uint8_t *msg,
                           size_t msg_len)
{
    bool ok = false;
    EVP_MD_CTX *ctx = NULL;
    EVP_PKEY *key =
        EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub, ED25519_PUBLIC_KEY_LEN);
    if (!key)
        goto out;
    ctx = EVP_MD_CTX_new();
    if (!ctx || EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, key) != 1)
        goto out;
    ok = EVP_DigestVerify(ctx, sig, ED25519_SIGNATURE_LEN, msg, msg_len) == 1;
out:
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(key);
    return ok;
}

bool sig_verify(enum sig_scheme scheme, const uint8_t *pub, size_t pub_len, const uint8_t *sig,
                size_t sig_len, const uint8_t *msg, size_t msg_len)
{
    if (pub_len != sig_public_key_len(scheme) || sig_len != sig_signature_len(scheme))
        return false;
    switch (scheme) {
    case SIG_ED25519:
        return ed25519_verify(pub, sig, msg, msg_len);
    case SIG_UNKNOWN:
        break;
    }
    return false;
}
