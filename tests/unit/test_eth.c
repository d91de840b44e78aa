/* SPDX-License-Identifier: Apache-2.0 */
#include "testutil.h"

#include <ctype.h>
#include <jansson.h>

#include "util/codec.h"
#include "crypto/ethsig.h"
#include "crypto/keccak.h"

static json_t *vectors(const char *section)
{
    return vector_section("ethereum-vectors.json", section);
}

static void test_keccak256_vectors(void **state)
{
    (void)state;
    size_t i;
    json_t *v;
    json_array_foreach(vectors("keccak256"), i, v)
    {
        static uint8_t in[4096];
        uint8_t want[32], got[32];
        const char *text = json_string_value(json_object_get(v, "input_utf8"));
        size_t n = text ? strlen(text)
                        : unhex(json_string_value(json_object_get(v, "input_hex")), in, sizeof in);
        if (text)
            memcpy(in, text, n);
        unhex(json_string_value(json_object_get(v, "digest")), want, sizeof want);
        keccak256(in, n, got);
        assert_memory_equal(got, want, 32);
    }
    assert_int_equal(i, 15);
}

static void test_eip55_vectors(void **state)
{
    (void)state;
    size_t i;
    json_t *v;
    json_array_foreach(vectors("eip55"), i, v)
    {
        const char *lower = json_string_value(json_object_get(v, "lower"));
        const char *sum = json_string_value(json_object_get(v, "checksummed"));
        uint8_t a[ETH_ADDRESS_LEN], b[ETH_ADDRESS_LEN];
        char out[ETH_ADDRESS_STR_LEN + 1];
        assert_true(eth_address_parse(lower, a));
        assert_true(eth_address_parse(sum, b));
        assert_memory_equal(a, b, ETH_ADDRESS_LEN);
        eth_address_format(a, out);
        assert_string_equal(out, sum);
        /* one flipped letter case breaks a mixed-case checksum */
        char bad[ETH_ADDRESS_STR_LEN + 1];
        strcpy(bad, sum);
        for (char *p = bad + 2; *p; p++)
            if (isalpha((unsigned char)*p)) {
                *p = islower((unsigned char)*p) ? (char)toupper(*p) : (char)tolower(*p);
                break;
            }
        if (strcmp(bad + 2, lower + 2) != 0)
            assert_false(eth_address_parse(bad, a));
    }
    /* formatted again, in turns with the others (the last ones formatted are kept): the same */
    for (int pass = 0; pass < 2; pass++)
        json_array_foreach(vectors("eip55"), i, v)
        {
            const char *sum = json_string_value(json_object_get(v, "checksummed"));
            uint8_t a[ETH_ADDRESS_LEN];
            char out[ETH_ADDRESS_STR_LEN + 1];
            assert_true(eth_address_parse(sum, a));
            eth_address_format(a, out);
            assert_string_equal(out, sum);
            eth_address_format(a, out);
            assert_string_equal(out, sum);
        }
    uint8_t a[ETH_ADDRESS_LEN];
    assert_false(eth_address_parse("0x1234", a));
    assert_false(eth_address_parse("aa7f87fb699947e901396925173c2503b8e0000100", a));
    assert_false(eth_address_parse("0xzz7f87fb699947e901396925173c2503b8e00001", a));
}

static void test_eip191_vectors(void **state)
{
    (void)state;
    size_t i;
    json_t *v;
    json_array_foreach(vectors("eip191"), i, v)
    {
        const char *msg = json_string_value(json_object_get(v, "message_utf8"));
        uint8_t digest[32], want_digest[32], sig[ETH_SIGNATURE_LEN], addr[ETH_ADDRESS_LEN],
            want[ETH_ADDRESS_LEN];
        assert_non_null(msg);
        eth_eip191_digest((const uint8_t *)msg, strlen(msg), digest);
        unhex(json_string_value(json_object_get(v, "digest")), want_digest, 32);
        assert_memory_equal(digest, want_digest, 32);
        assert_int_equal(unhex(json_string_value(json_object_get(v, "signature")), sig, 65), 65);
        assert_true(eth_address_parse(json_string_value(json_object_get(v, "address")), want));
        assert_true(eth_recover_address(digest, sig, addr));
        assert_memory_equal(addr, want, ETH_ADDRESS_LEN);
        /* v as 0/1 is the same signature */
        sig[64] -= 27;
        assert_true(eth_recover_address(digest, sig, addr));
        assert_memory_equal(addr, want, ETH_ADDRESS_LEN);
        /* other v values are refused, the other parity recovers someone else */
        sig[64] = 2;
        assert_false(eth_recover_address(digest, sig, addr));
        sig[64] = 29;
        assert_false(eth_recover_address(digest, sig, addr));
        unhex(json_string_value(json_object_get(v, "signature")), sig, 65);
        sig[64] ^= 1;
        if (eth_recover_address(digest, sig, addr))
            assert_memory_not_equal(addr, want, ETH_ADDRESS_LEN);
        sig[64] ^= 1;
        /* a changed digest recovers someone else */
        digest[0] ^= 1;
        if (eth_recover_address(digest, sig, addr))
            assert_memory_not_equal(addr, want, ETH_ADDRESS_LEN);
        digest[0] ^= 1;
        /* high s (n - s, parity flipped) is the malleable twin: refused */
        static const uint8_t n[32] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                      0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe,
                                      0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48, 0xa0, 0x3b,
                                      0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41};
        int borrow = 0;
        for (int k = 31; k >= 0; k--) {
            int d = n[k] - sig[32 + k] - borrow;
            borrow = d < 0;
            sig[32 + k] = (uint8_t)(d + (borrow ? 256 : 0));
        }
        sig[64] = (uint8_t)(sig[64] == 27 ? 28 : 27);
        assert_false(eth_recover_address(digest, sig, addr));
    }
    assert_int_equal(i, 5);
}

static void test_eip712_item_digest(void **state)
{
    (void)state;
    /* Values computed with ethers 6.17 TypedDataEncoder for the documented domain and type. */
    const char *md = "{\"author\":\"Ada\",\"n\":1}";
    char hash[72] = "sha256:";
    for (int i = 0; i < 32; i++)
        strcat(hash, "ab");
    uint8_t got[32], want[32];
    eth_eip712_item_digest("provd.item.v1", hash, md, strlen(md), got);
    unhex("0x9a277b94154c3d082e29605a7d9c413a8a24af7bbc6af92caf30df04cb10b571", want, 32);
    assert_memory_equal(got, want, 32);
    eth_eip712_item_digest("provd.item.v1", hash, md, strlen(md) - 1, got);
    assert_memory_not_equal(got, want, 32);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keccak256_vectors),
        cmocka_unit_test(test_eip55_vectors),
        cmocka_unit_test(test_eip191_vectors),
        cmocka_unit_test(test_eip712_item_digest),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
