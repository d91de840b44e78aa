/* SPDX-License-Identifier: Apache-2.0 */
#include "testutil.h"

#include "util/validate.h"
#include "http/server.h"

/* base64url of text, as a cursor. */
static const char *cursor_of(const char *text, char out[128])
{
    base64url_encode((const uint8_t *)text, strlen(text), out);
    return out;
}

static void test_cursor_round_trip(void **state)
{
    (void)state;
    const int64_t times[] = {0, 1767323045123456LL, -1, UNIX_US_MIN, UNIX_US_MAX};
    const int64_t ids[] = {1, 42, INT64_MAX};
    for (size_t i = 0; i < sizeof times / sizeof *times; i++)
        for (size_t k = 0; k < sizeof ids / sizeof *ids; k++) {
            char c[64];
            int64_t us, id;
            http_cursor_encode(times[i], ids[k], c);
            assert_true(http_cursor_decode(c, &us, &id));
            assert_int_equal(us, times[i]);
            assert_int_equal(id, ids[k]);
        }
}

static void test_cursor_refused(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "9223372036854775807.1",  /* time beyond what PostgreSQL computes with */
        "-9223372036854775808.1", /* ... */
        "253402300800000000.1",   /* year 10000 */
        "-62167219200000001.1",   /* before year 0 */
        "99999999999999999999.1", /* overflows int64 */
        "1.0",
        "1.-1",
        "1.9223372036854775808",
        "+1.1",
        " 1.1",
        "01.1",
        "1.01",
        "1",
        ".1",
        "1.",
        "1.1.1",
        "1e3.1",
        "--1.1",
        "-.1",
        "",
    };
    char c[128];
    int64_t us, id;
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        if (http_cursor_decode(cursor_of(bad[i], c), &us, &id))
            fail_msg("accepted %s", bad[i]);
    const char nul[] = {'1', '.', '1', '\0', '2'}; /* a NUL inside */
    base64url_encode((const uint8_t *)nul, sizeof nul, c);
    assert_false(http_cursor_decode(c, &us, &id));
    assert_false(http_cursor_decode("not*base64", &us, &id));
    char long_cursor[80];
    memset(long_cursor, 'A', sizeof long_cursor - 1);
    long_cursor[sizeof long_cursor - 1] = '\0';
    assert_false(http_cursor_decode(long_cursor, &us, &id));
}

static void test_ids(void **state)
{
    (void)state;
    int64_t id;
    assert_true(http_parse_id("1", &id));
    assert_true(http_parse_id("9223372036854775807", &id));
    assert_int_equal(id, INT64_MAX);
    static const char *const bad[] = {"0",
                                      "-1",
                                      "01",
                                      "+1",
                                      " 1",
                                      "1 ",
                                      "1e3",
                                      "0x10",
                                      "1.5",
                                      "",
                                      "9223372036854775808",
                                      "18446744073709551616"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        if (http_parse_id(bad[i], &id))
            fail_msg("accepted %s", bad[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cursor_round_trip),
        cmocka_unit_test(test_cursor_refused),
        cmocka_unit_test(test_ids),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
