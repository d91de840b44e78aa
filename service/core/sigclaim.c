/* SPDX-License-Identifier: Apache-2.0 */
#include "core/sigclaim.h"

#include <string.h>

#include "util/codec.h"
#include "util/jcs.h"
#include "core/jfield.h"
#include "crypto/ethsig.h"
#include "crypto/p256.h"

static bool decode_b64_field(json_t *sig, const char *key, const char *field, uint8_t *out,
                             size_t want, size_t *out_len, struct problem *err)
{
    bool missing;
    const char *s = jf_string(sig, key, field, true, err, &missing);
    if (!s)
        return false;
    if (!base64_decode(s, strlen(s), out, want, out_len) || *out_len != want)
        return problem_set(err, PROBLEM_INVALID_FIELD, field,
                           "%s must be %zu bytes in base64 or base64url", field, want);
    return true;
}

static bool parse_eth_fields(json_t *sig, struct sig_claim *c, struct problem *err)
{
    bool missing;
    const char *addr = jf_string(sig, "address", "signature.address", true, err, &missing);
    if (!addr)
        return false;
    if (!eth_address_parse(addr, c->public_key))
        return problem_set(err, PROBLEM_INVALID_FIELD, "signature.address",
                           "signature.address must be 0x and 40 hex digits, with a valid EIP-55 "
                           "checksum when mixed-case");
    c->public_key_len = ETH_ADDRESS_LEN;
    const char *v = jf_string(sig, "value", "signature.value", true, err, &missing);
    if (!v)
        return false;
    if (strlen(v) != 2 + 2 * ETH_SIGNATURE_LEN || v[0] != '0' || (v[1] != 'x' && v[1] != 'X') ||
        !hex_decode(v + 2, 2 * ETH_SIGNATURE_LEN, c->signature, ETH_SIGNATURE_LEN, false))
        return problem_set(err, PROBLEM_INVALID_FIELD, "signature.value",
                           "signature.value must be 0x and 130 hex digits (65 bytes: r, s, v)");
    c->signature_len = ETH_SIGNATURE_LEN;
    return true;
}

static bool parse_ed25519_fields(json_t *sig, struct sig_claim *c, struct problem *err)
{
    return decode_b64_field(sig, "public_key", "signature.public_key", c->public_key,
                            ED25519_PUBLIC_KEY_LEN, &c->public_key_len, err) &&
           decode_b64_field(sig, "value", "signature.value", c->signature, ED25519_SIGNATURE_LEN,
                            &c->signature_len, err);
}

/* Base64 of any length up to cap into out; *len receives it. */
static bool decode_b64_any(json_t *sig, const char *key, const char *field, uint8_t *out,
                           size_t cap, size_t *len, struct problem *err)
{
    bool missing;
    const char *s = jf_string(sig, key, field, true, err, &missing);
    if (!s)
        return false;
    if (!base64_decode(s, strlen(s), out, cap, len))
        return problem_set(err, PROBLEM_INVALID_FIELD, field, "%s must be base64 or base64url",
                           field);
    return true;
}

static bool parse_p256_fields(json_t *sig, struct sig_claim *c, struct problem *err)
{
    uint8_t buf[160];
    size_t n;
    if (!decode_b64_any(sig, "public_key", "signature.public_key", buf, sizeof buf, &n, err))
        return false;
    if (!p256_parse_public_key(buf, n, c->public_key))
        return problem_set(err, PROBLEM_INVALID_FIELD, "signature.public_key",
                           "signature.public_key must be a P-256 public key on the curve: "
                           "WebCrypto raw (65 bytes) or spki");
    c->public_key_len = P256_PUBLIC_KEY_LEN;
    if (!decode_b64_any(sig, "value", "signature.value", buf, sizeof buf, &n, err))
        return false;
    if (!p256_parse_signature(buf, n, c->signature))
        return problem_set(err, PROBLEM_INVALID_FIELD, "signature.value",
                           "signature.value must be an ECDSA signature: r || s (64 bytes) or DER");
    c->signature_len = P256_SIGNATURE_LEN;
    return true;
}

bool sig_claim_parse(json_t *root, struct sig_claim *c, struct problem *err)
{
    memset(c, 0, sizeof *c);
    json_t *sig = json_object_get(root, "signature");
    if (!sig)
        return problem_set(err, PROBLEM_INVALID_FIELD, "signature", "signature is required");
    if (!json_is_object(sig))
        return problem_set(err, PROBLEM_INVALID_FIELD, "signature",
                           "signature must be a JSON object");
    bool missing;
    const char *scheme = jf_string(sig, "scheme", "signature.scheme", true, err, &missing);
    if (!scheme)
        return false;
    c->scheme = sig_scheme_parse(scheme);
    if (c->scheme == SIG_UNKNOWN)
        return problem_set(err, PROBLEM_INVALID_FIELD, "signature.scheme",
                           "signature.scheme must be one of: ed25519, ecdsa-p256, eip191, eip712");
    const char *const keys[] = {"scheme", sig_key_field(c->scheme), "value", NULL};
    if (!jf_only_keys(sig, keys, "signature.", err))
        return false;
    bool ok = sig_is_ethereum(c->scheme)    ? parse_eth_fields(sig, c, err)
              : c->scheme == SIG_ECDSA_P256 ? parse_p256_fields(sig, c, err)
                                            : parse_ed25519_fields(sig, c, err);
    if (!ok)
        return false;
    sig_format_identity(c->scheme, c->public_key, c->public_key_len, c->signer);
    return true;
}

bool sig_claim_verify(const struct sig_claim *c, const uint8_t *msg, size_t len,
                      struct problem *err)
{
    if (!sig_verify(c->scheme, c->public_key, c->public_key_len, c->signature, c->signature_len,
                    msg, len))
        return problem_set(err, PROBLEM_SIGNATURE_INVALID, "signature.value",
                           "the signature does not verify over the canonical statement with this "
                           "key");
    return true;
}

void sig_record_write(struct buf *out, const char *scheme, const char *signer,
                      const char *signature_hex)
{
    enum sig_scheme s = sig_scheme_parse(scheme ? scheme : "");
    uint8_t sig[128];
    size_t sig_len = signature_hex ? strlen(signature_hex) / 2 : 0;
    if (sig_len > sizeof sig || !hex_decode(signature_hex, sig_len * 2, sig, sig_len, true))
        sig_len = 0;
    char value[SIG_VALUE_MAX];
    sig_format_value(s, sig, sig_len, value);
    const char *key_field = sig_key_field(s);
    buf_puts(out, "\"signature\":{");
    jcs_write_string(out, key_field, strlen(key_field));
    buf_putc(out, ':');
    jcs_write_string(out, signer ? signer : "", signer ? strlen(signer) : 0);
    buf_puts(out, ",\"scheme\":");
    jcs_write_string(out, sig_scheme_name(s), strlen(sig_scheme_name(s)));
    buf_puts(out, ",\"value\":");
    jcs_write_string(out, value, strlen(value));
    buf_putc(out, '}');
}
