/* SPDX-License-Identifier: Apache-2.0 */
#include "testutil.h"

#include "tlog/tilepath.h"

static void parses(const char *s, bool entries, unsigned level, uint64_t index, unsigned width)
{
    struct tile_path t;
    if (!tile_path_parse(s, strlen(s), &t))
        fail_msg("%s does not parse", s);
    assert_int_equal(t.entries, entries);
    if (!entries)
        assert_int_equal(t.level, level);
    assert_true(t.index == index);
    assert_int_equal(t.width, width);
    char back[TILE_PATH_MAX];
    assert_int_equal(tile_path_format(&t, back), strlen(s));
    assert_string_equal(back, s);
}

static void test_canonical(void **state)
{
    (void)state;
    parses("tile/0/000", false, 0, 0, 256);
    parses("tile/0/001", false, 0, 1, 256);
    parses("tile/0/999", false, 0, 999, 256);
    parses("tile/0/x001/000", false, 0, 1000, 256);
    parses("tile/1/x001/x234/067", false, 1, 1234067, 256);
    parses("tile/63/005.p/1", false, 63, 5, 1);
    parses("tile/2/000.p/255", false, 2, 0, 255);
    parses("tile/entries/000", true, 0, 0, 256);
    parses("tile/entries/x001/x234/067.p/17", true, 0, 1234067, 17);
    parses("tile/10/x018/x446/x744/x073/x709/x551/615", false, 10, UINT64_MAX, 256);
}

static void test_rejects(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "tile",
        "tile/",
        "tile/0",
        "tile/0/",
        "tile/0/0",
        "tile/0/00",
        "tile/0/0000",
        "tile/00/000",
        "tile/01/000",
        "tile/64/000",
        "tile/100/000",
        "tile/-1/000",
        "tile/+1/000",
        "tile/x/000",
        "tile/0/x000/001",
        "tile/0/x1/000",
        "tile/0/x001",
        "tile/0/x001/",
        "tile/0/001/002",
        "tile/0/x001/x002",
        "tile/0/X001/000",
        "tile/0/000.p/0",
        "tile/0/000.p/00",
        "tile/0/000.p/01",
        "tile/0/000.p/256",
        "tile/0/000.p/1000",
        "tile/0/000.p/",
        "tile/0/000.p",
        "tile/0/000.p/5/",
        "tile/0/000.p/5x",
        "tile/0/000/",
        "tile/0//000",
        "/tile/0/000",
        "tile//0/000",
        "tile/0/000.P/5",
        "tile/0/000.q/5",
        "tile/entries",
        "tile/entries/",
        "tile/entries/0",
        "tile/entries/x000/000",
        "tile/entry/000",
        "tile/entries/000.p/256",
        "tile/0/x018/x446/x744/x073/x709/x551/616",      /* 2^64 */
        "tile/0/x001/x000/x000/x000/x000/x000/x000/000", /* above 2^64 */
        "tiles/0/000",
        "TILE/0/000",
        "tile/0/ 000",
        "tile/0/000 ",
        "tile/0/000?x",
        "tile/0/abc",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct tile_path t;
        if (tile_path_parse(bad[i], strlen(bad[i]), &t))
            fail_msg("\"%s\" parsed", bad[i]);
    }
    /* length-bounded: a valid path followed by more bytes than len covers */
    struct tile_path t;
    assert_true(tile_path_parse("tile/0/001.p/5XYZ", 14, &t));
    assert_int_equal(t.width, 5);
    assert_false(tile_path_parse("tile/0/001.p/5", 12, &t)); /* "tile/0/001.p" */
    /* an embedded NUL is not the end */
    assert_false(tile_path_parse("tile/0/001\0", 11, &t));
}

static void test_format_range(void **state)
{
    (void)state;
    char out[TILE_PATH_MAX];
    struct tile_path t = {.level = 64, .width = 256};
    assert_int_equal(tile_path_format(&t, out), 0);
    t.level = 0;
    t.width = 0;
    assert_int_equal(tile_path_format(&t, out), 0);
    t.width = 257;
    assert_int_equal(tile_path_format(&t, out), 0);
    /* the longest path fits */
    t = (struct tile_path){.entries = true, .index = UINT64_MAX, .width = 255};
    size_t n = tile_path_format(&t, out);
    assert_string_equal(out, "tile/entries/x018/x446/x744/x073/x709/x551/615.p/255");
    assert_true(n < TILE_PATH_MAX);
    t = (struct tile_path){.level = 63, .index = UINT64_MAX, .width = 255};
    assert_true(tile_path_format(&t, out) < TILE_PATH_MAX);
}

/* Every index near the element boundaries round-trips. */
static void test_round_trip(void **state)
{
    (void)state;
    static const uint64_t idx[] = {0,
                                   1,
                                   9,
                                   10,
                                   99,
                                   100,
                                   999,
                                   1000,
                                   1001,
                                   99999,
                                   999999,
                                   1000000,
                                   1234067,
                                   4294967296ull,
                                   UINT64_MAX - 1,
                                   UINT64_MAX};
    for (size_t i = 0; i < sizeof idx / sizeof idx[0]; i++)
        for (unsigned w = 1; w <= 256; w += 51) {
            struct tile_path t = {.level = (unsigned)(i % 64), .index = idx[i], .width = w}, back;
            char s[TILE_PATH_MAX];
            size_t n = tile_path_format(&t, s);
            assert_true(n > 0);
            assert_true(tile_path_parse(s, n, &back));
            assert_true(back.index == t.index && back.level == t.level && back.width == w);
        }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_canonical),
        cmocka_unit_test(test_rejects),
        cmocka_unit_test(test_format_range),
        cmocka_unit_test(test_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
