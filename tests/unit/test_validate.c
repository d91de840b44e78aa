/* SPDX-License-Identifier: Apache-2.0 */
#include "testutil.h"

#include "util/validate.h"

static void test_urls(void **state)
{
    (void)state;
    const char *good[] = {"http://example.org",         "https://example.org/a/b?c=d#e",
                          "HTTPS://Example.org:8443/x", "http://user:pw@host/p",
                          "http://[::1]:8080/",         "http://[2001:db8::1]"};
    const char *bad[] = {"ftp://example.org", "example.org/a",        "http://",
                         "http:///path",      "https://exa mple.org", "http://host:port/",
                         "http://[::1/",      "http://:80/",          "javascript:alert(1)",
                         "https://a\x01"};
    for (size_t i = 0; i < sizeof good / sizeof *good; i++)
        if (!valid_http_url(good[i]))
            fail_msg("rejected %s", good[i]);
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        if (valid_http_url(bad[i]))
            fail_msg("accepted %s", bad[i]);
    char long_url[URL_MAX_LEN + 16];
    memset(long_url, 'a', sizeof long_url - 1);
    memcpy(long_url, "https://", 8);
    long_url[sizeof long_url - 1] = '\0';
    assert_false(valid_http_url(long_url));
}

static void test_rfc3339(void **state)
{
    (void)state;
    int64_t us;
    assert_true(valid_rfc3339("1970-01-01T00:00:00Z", &us));
    assert_int_equal(us, 0);
    assert_true(valid_rfc3339("2026-01-02T03:04:05.123456Z", &us));
    assert_int_equal(us, 1767323045123456LL);
    assert_true(valid_rfc3339("2026-01-02T05:04:05+02:00", &us));
    assert_int_equal(us, 1767323045000000LL);
    assert_true(valid_rfc3339("2024-02-29t23:59:60.5z", NULL)); /* leap day, leap second */
    assert_true(valid_rfc3339("1969-12-31T23:59:59Z", &us));
    assert_int_equal(us, -1000000);
    const char *bad[] = {"2026-01-02",
                         "2026-01-02T03:04:05",
                         "2026-13-01T00:00:00Z",
                         "2025-02-29T00:00:00Z",
                         "2026-01-02T24:00:00Z",
                         "2026-01-02T03:04:05.Z",
                         "2026-01-02T03:04:05+0200",
                         "2026-01-02 03:04:05Z",
                         "2026-1-02T03:04:05Z",
                         "2026-01-02T03:04:05Zjunk"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        if (valid_rfc3339(bad[i], NULL))
            fail_msg("accepted %s", bad[i]);
}

static void test_rfc3339_format_roundtrip(void **state)
{
    (void)state;
    char out[RFC3339_US_LEN + 1];
    format_rfc3339_us(0, out);
    assert_string_equal(out, "1970-01-01T00:00:00.000000Z");
    format_rfc3339_us(1767323045123456LL, out);
    assert_string_equal(out, "2026-01-02T03:04:05.123456Z");
    format_rfc3339_us(951782400000001LL, out); /* 2000-02-29, a leap day */
    assert_string_equal(out, "2000-02-29T00:00:00.000001Z");
    format_rfc3339_us(-1, out);
    assert_string_equal(out, "1969-12-31T23:59:59.999999Z");
    /* every second-and-microsecond over several years round-trips through the parser */
    for (int64_t us = -86400000000LL * 800; us < 86400000000LL * 25000; us += 7919999999LL) {
        int64_t back;
        format_rfc3339_us(us, out);
        assert_true(valid_rfc3339(out, &back));
        assert_int_equal(back, us);
    }
}

static void test_spdx(void **state)
{
    (void)state;
    const char *good[] = {"MIT",
                          "CC-BY-4.0",
                          "Apache-2.0 OR MIT",
                          "GPL-2.0+",
                          "GPL-2.0-or-later WITH Classpath-exception-2.0",
                          "(MIT AND BSD-3-Clause) OR LicenseRef-custom.1",
                          "CC0-1.0"};
    const char *bad[] = {
        "",     "MIT OR",   "AND MIT",       "MIT/Apache",           "(MIT",
        "MIT)", "MIT WITH", "Public Domain", "MIT OR OR Apache-2.0", "((((((((((MIT))))))))))"};
    for (size_t i = 0; i < sizeof good / sizeof *good; i++)
        if (!valid_spdx_expression(good[i]))
            fail_msg("rejected %s", good[i]);
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        if (valid_spdx_expression(bad[i]))
            fail_msg("accepted %s", bad[i]);
}

static void test_utf8(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        size_t first; /* utf8_char_len of its first character, 0 when ill-formed */
    } cases[] = {
        {"a", 1},
        {"\x7f", 1},
        {"\xc2\x80", 2},         /* U+0080 */
        {"\xdf\xbf", 2},         /* U+07FF */
        {"\xe0\xa0\x80", 3},     /* U+0800 */
        {"\xed\x9f\xbf", 3},     /* U+D7FF */
        {"\xee\x80\x80", 3},     /* U+E000 */
        {"\xef\xbf\xbd", 3},     /* U+FFFD */
        {"\xf0\x90\x80\x80", 4}, /* U+10000 */
        {"\xf4\x8f\xbf\xbf", 4}, /* U+10FFFF */
        {"\x80", 0},             /* lone continuation byte */
        {"\xc0\xaf", 0},         /* overlong "/" */
        {"\xc1\xbf", 0},         /* overlong */
        {"\xe0\x80\xaf", 0},     /* overlong */
        {"\xf0\x80\x80\xaf", 0}, /* overlong */
        {"\xed\xa0\x80", 0},     /* surrogate U+D800 */
        {"\xed\xbf\xbf", 0},     /* surrogate U+DFFF */
        {"\xf4\x90\x80\x80", 0}, /* U+110000 */
        {"\xf5\x80\x80\x80", 0}, /* beyond any plane */
        {"\xff", 0},
        {"\xe2\x82", 0},     /* truncated */
        {"\xe2\x28\xa1", 0}, /* bad continuation */
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        size_t n = strlen(cases[i].s);
        if (utf8_char_len(cases[i].s, n) != cases[i].first)
            fail_msg("case %zu: length %zu", i, utf8_char_len(cases[i].s, n));
        assert_int_equal(valid_utf8_text(cases[i].s, n), cases[i].first == n);
    }
    /* a sequence is never read past the given length */
    assert_int_equal(utf8_char_len("\xe2\x82\xac", 2), 0);
    assert_true(valid_utf8_text("", 0));
    const char *mixed = "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80";
    assert_true(valid_utf8_text(mixed, strlen(mixed)));
    assert_false(valid_utf8_text("a\0b", 3)); /* NUL */
    assert_false(valid_utf8_text("ab\xc3", 3));
}

static void test_unix_us_range(void **state)
{
    (void)state;
    int64_t us;
    char out[RFC3339_US_LEN + 1];
    assert_true(valid_rfc3339("0000-01-01T00:00:00Z", &us));
    assert_int_equal(us, UNIX_US_MIN);
    assert_true(valid_rfc3339("9999-12-31T23:59:59.999999Z", &us));
    assert_int_equal(us, UNIX_US_MAX);
    format_rfc3339_us(UNIX_US_MIN, out);
    assert_string_equal(out, "0000-01-01T00:00:00.000000Z");
    format_rfc3339_us(UNIX_US_MAX, out);
    assert_string_equal(out, "9999-12-31T23:59:59.999999Z");
}

static void test_url_template(void **state)
{
    (void)state;
    const char *good[] = {"https://sepolia.etherscan.io/tx/{tx}", "http://127.0.0.1:4000/#/tx/{tx}",
                          "https://example.org/?hash={tx}&net=1", "HTTPS://{tx}.example.org/"};
    const char *bad[] = {"https://etherscan.io/tx/", /* no {tx} */
                         "https://e.io/{tx}/{tx}",   /* twice */
                         "etherscan.io/tx/{tx}",     /* not absolute */
                         "ftp://e.io/{tx}",          /* not http(s) */
                         "javascript:alert('{tx}')", /* not http(s) */
                         "https://e.io/tx/{tx} x",   /* a space */
                         "https:///{tx}",            /* no host */
                         "https://e.io/{TX}",        /* the name is {tx} */
                         "https://e.io/{tx"};
    for (size_t i = 0; i < sizeof good / sizeof *good; i++)
        if (!valid_url_template(good[i], "{tx}"))
            fail_msg("rejected %s", good[i]);
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        if (valid_url_template(bad[i], "{tx}"))
            fail_msg("accepted %s", bad[i]);
    /* at most URL_MAX_LEN bytes once {tx} is replaced by a 66-byte hash */
    char t[URL_MAX_LEN + 8];
    size_t n = URL_MAX_LEN - 66;
    memset(t, 'a', n);
    memcpy(t, "https://e.io/", 13);
    memcpy(t + n, "{tx}", 5);
    assert_true(valid_url_template(t, "{tx}"));
    memcpy(t + n, "a{tx}", 6);
    assert_false(valid_url_template(t, "{tx}"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_urls),
        cmocka_unit_test(test_rfc3339),
        cmocka_unit_test(test_rfc3339_format_roundtrip),
        cmocka_unit_test(test_spdx),
        cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_unix_us_range),
        cmocka_unit_test(test_url_template),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
