/* SPDX-License-Identifier: Apache-2.0 */
#include "testutil.h"

#include "util/codec.h"

static void test_hex(void **state)
{
    (void)state;
    const uint8_t in[] = {0x00, 0x7f, 0xab, 0xff};
    char out[9];
    hex_encode(in, 4, out);
    assert_string_equal(out, "007fabff");
    uint8_t back[4];
    assert_true(hex_decode("007fabff", 8, back, 4, true));
    assert_memory_equal(back, in, 4);
    assert_true(hex_decode("007FABFF", 8, back, 4, false));
    assert_false(hex_decode("007FABFF", 8, back, 4, true)); /* lower_only */
    assert_false(hex_decode("007fab", 6, back, 4, true));   /* short */
    assert_false(hex_decode("007fabfg", 8, back, 4, true)); /* not hex */
}

static void decode_ok(const char *in, const char *want)
{
    uint8_t out[64];
    size_t n;
    if (!base64_decode(in, strlen(in), out, sizeof out, &n))
        fail_msg("'%s' did not decode", in);
    assert_int_equal(n, strlen(want));
    assert_memory_equal(out, want, n);
}

static void decode_bad(const char *in)
{
    uint8_t out[64];
    size_t n;
    if (base64_decode(in, strlen(in), out, sizeof out, &n))
        fail_msg("'%s' decoded but should not", in);
}

static void test_base64_decode_variants(void **state)
{
    (void)state;
    decode_ok("", "");
    decode_ok("Zg", "f");
    decode_ok("Zg==", "f");
    decode_ok("Zm8", "fo");
    decode_ok("Zm8=", "fo");
    decode_ok("Zm9v", "foo");
    decode_ok("Zm9vYmFy", "foobar");
    decode_ok("-_8", "\xfb\xff");  /* url alphabet */
    decode_ok("+/8=", "\xfb\xff"); /* standard alphabet, padded */
    decode_ok("+/8", "\xfb\xff");  /* standard alphabet, unpadded */
    decode_bad("Z");               /* impossible length */
    decode_bad("Zg=");             /* padding that does not complete a quantum */
    decode_bad("Zh==");            /* non-zero trailing bits */
    decode_bad("+_8");             /* mixed alphabets */
    decode_bad("Zm9v YmFy");       /* whitespace */
    decode_bad("Zm9v=YmF");        /* padding in the middle */
    decode_bad("Zm9v!!");
}

static void test_base64_capacity(void **state)
{
    (void)state;
    uint8_t out[2];
    size_t n;
    assert_false(base64_decode("Zm9v", 4, out, sizeof out, &n));
}

static void test_base64url_roundtrip(void **state)
{
    (void)state;
    uint8_t in[64];
    for (size_t i = 0; i < sizeof in; i++)
        in[i] = (uint8_t)(i * 37 + 11);
    for (size_t len = 0; len <= sizeof in; len++) {
        char enc[100];
        base64url_encode(in, len, enc);
        assert_int_equal(strlen(enc), base64_encoded_len(len));
        assert_null(strpbrk(enc, "+/="));
        uint8_t back[64];
        size_t n;
        assert_true(base64_decode(enc, strlen(enc), back, sizeof back, &n));
        assert_int_equal(n, len);
        assert_memory_equal(back, in, len);
    }
}

static void test_base64_std_encode(void **state)
{
    (void)state;
    char out[16];
    base64_std_encode((const uint8_t *)"", 0, out);
    assert_string_equal(out, "");
    base64_std_encode((const uint8_t *)"f", 1, out);
    assert_string_equal(out, "Zg==");
    base64_std_encode((const uint8_t *)"fo", 2, out);
    assert_string_equal(out, "Zm8=");
    base64_std_encode((const uint8_t *)"foo", 3, out);
    assert_string_equal(out, "Zm9v");
    base64_std_encode((const uint8_t *)"\xfb\xff", 2, out);
    assert_string_equal(out, "+/8=");
}

static void test_parse_u64(void **state)
{
    (void)state;
    uint64_t v = 7;
    assert_true(parse_u64("0", &v));
    assert_int_equal(v, 0);
    assert_true(parse_u64("18446744073709551615", &v));
    assert_true(v == UINT64_MAX);
    static const char *const bad[] = {
        "", "-1", "+1", "01", " 1", "1 ", "1x", "0x1", "18446744073709551616"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        v = 7;
        assert_false(parse_u64(bad[i], &v));
        assert_int_equal(v, 7); /* untouched on failure */
    }
    assert_false(parse_u64(NULL, &v));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hex),
        cmocka_unit_test(test_base64_decode_variants),
        cmocka_unit_test(test_base64_capacity),
        cmocka_unit_test(test_base64url_roundtrip),
        cmocka_unit_test(test_base64_std_encode),
        cmocka_unit_test(test_parse_u64),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
