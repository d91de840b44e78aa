/* SPDX-License-Identifier: Apache-2.0 */
#include "testutil.h"

#include <jansson.h>

#include "util/codec.h"
#include "crypto/p256.h"
#include "crypto/sig.h"

#include <openssl/evp.h>
#include <openssl/x509.h>

static void test_rfc8032_vectors(void **state)
{
    (void)state;
    char *data = read_vector("ed25519-rfc8032.json", NULL);
    json_t *vectors = json_loads(data, 0, NULL);
    assert_non_null(vectors);
    assert_int_equal(json_array_size(vectors), 3);
    size_t i;
    json_t *v;
    json_array_foreach(vectors, i, v)
    {
        const char *pub_hex = json_string_value(json_object_get(v, "public_key"));
        const char *msg_hex = json_string_value(json_object_get(v, "message"));
        const char *sig_hex = json_string_value(json_object_get(v, "signature"));
        uint8_t pub[32], sig[64], msg[16];
        size_t msg_len = strlen(msg_hex) / 2;
        assert_true(hex_decode(pub_hex, 64, pub, 32, true));
        assert_true(hex_decode(sig_hex, 128, sig, 64, true));
        assert_true(hex_decode(msg_hex, msg_len * 2, msg, msg_len, true));
        assert_true(sig_verify(SIG_ED25519, pub, 32, sig, 64, msg, msg_len));
        /* any flipped bit in the signature, the key or the message breaks it */
        sig[5] ^= 1;
        assert_false(sig_verify(SIG_ED25519, pub, 32, sig, 64, msg, msg_len));
        sig[5] ^= 1;
        pub[0] ^= 0x80;
        assert_false(sig_verify(SIG_ED25519, pub, 32, sig, 64, msg, msg_len));
        pub[0] ^= 0x80;
        uint8_t longer[17];
        memcpy(longer, msg, msg_len);
        longer[msg_len] = 0;
        assert_false(sig_verify(SIG_ED25519, pub, 32, sig, 64, longer, msg_len + 1));
        /* wrong lengths are refused before any crypto */
        assert_false(sig_verify(SIG_ED25519, pub, 31, sig, 64, msg, msg_len));
        assert_false(sig_verify(SIG_ED25519, pub, 32, sig, 63, msg, msg_len));
    }
    json_decref(vectors);
    free(data);
}

static void test_non_canonical_s_rejected(void **state)
{
    (void)state;
    /* RFC 8032 test 1 with S + L (the group order): same point equation, must be refused. */
    uint8_t pub[32], sig[64];
    assert_true(hex_decode("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", 64,
                           pub, 32, true));
    assert_true(hex_decode("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
                           "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
                           128, sig, 64, true));
    static const uint8_t L[32] = {0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7,
                                  0xa2, 0xde, 0xf9, 0xde, 0x14, 0,    0,    0,    0,    0,    0,
                                  0,    0,    0,    0,    0,    0,    0,    0,    0,    0x10};
    unsigned carry = 0;
    for (int i = 0; i < 32; i++) {
        unsigned s = sig[32 + i] + L[i] + carry;
        sig[32 + i] = (uint8_t)s;
        carry = s >> 8;
    }
    assert_false(sig_verify(SIG_ED25519, pub, 32, sig, 64, (const uint8_t *)"", 0));
}

static void test_scheme_names(void **state)
{
    (void)state;
    assert_int_equal(sig_scheme_parse("ed25519"), SIG_ED25519);
    assert_int_equal(sig_scheme_parse("Ed25519"), SIG_UNKNOWN);
    assert_int_equal(sig_scheme_parse("rsa"), SIG_UNKNOWN);
    assert_string_equal(sig_scheme_name(SIG_ED25519), "ed25519");
    assert_int_equal(sig_public_key_len(SIG_UNKNOWN), 0);
}

static void test_p256_forms_and_edges(void **state)
{
    (void)state;
    EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    assert_non_null(key);
    const uint8_t msg[] = "the statement";
    uint8_t der[80], raw_sig[64], point[65], spki[100], *p = spki;
    size_t der_len = sizeof der;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    assert_int_equal(EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, key), 1);
    assert_int_equal(EVP_DigestSign(ctx, der, &der_len, msg, sizeof msg - 1), 1);
    EVP_MD_CTX_free(ctx);
    int spki_len = i2d_PUBKEY(key, &p);
    assert_true(spki_len > 0);
    /* spki in, uncompressed point out; the point itself parses to the same */
    assert_true(p256_parse_public_key(spki, (size_t)spki_len, point));
    assert_int_equal(point[0], 0x04);
    uint8_t again[65];
    assert_true(p256_parse_public_key(point, 65, again));
    assert_memory_equal(again, point, 65);
    /* DER in, r || s out; verifies; so does the raw form itself */
    assert_true(p256_parse_signature(der, der_len, raw_sig));
    assert_true(p256_verify(point, raw_sig, msg, sizeof msg - 1));
    assert_true(sig_verify(SIG_ECDSA_P256, point, 65, raw_sig, 64, msg, sizeof msg - 1));
    raw_sig[40] ^= 1;
    assert_false(p256_verify(point, raw_sig, msg, sizeof msg - 1));
    raw_sig[40] ^= 1;
    assert_false(p256_verify(point, raw_sig, msg, sizeof msg - 2));
    /* truncated or over-long signatures, a point off the curve, a compressed-length blob */
    assert_false(p256_parse_signature(der, der_len - 1, raw_sig));
    uint8_t longer[81];
    memcpy(longer, der, der_len);
    longer[der_len] = 0;
    assert_false(p256_parse_signature(longer, der_len + 1, raw_sig));
    assert_false(p256_parse_signature(raw_sig, 63, raw_sig));
    point[64] ^= 1;
    assert_false(p256_parse_public_key(point, 65, again));
    point[64] ^= 1;
    assert_false(p256_parse_public_key(point, 33, again));
    assert_false(p256_parse_public_key(spki, (size_t)spki_len - 1, again));
    EVP_PKEY_free(key);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc8032_vectors),
        cmocka_unit_test(test_non_canonical_s_rejected),
        cmocka_unit_test(test_scheme_names),
        cmocka_unit_test(test_p256_forms_and_edges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
