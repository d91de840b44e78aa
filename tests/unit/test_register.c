/* SPDX-License-Identifier: Apache-2.0 */
/* cmd/regstate (provd register's state file) and cmd/regmeta (its metadata merge and source
 * URLs). */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "cmd/regmeta.h"
#include "cmd/regstate.h"
#include "util/jcs.h"

static const uint8_t H1[SHA256_LEN] = {1, 2, 3};
static const uint8_t H2[SHA256_LEN] = {0xff};

/* Format then parse: the same entries, one per path, the last line winning. */
static void test_state_round_trip(void **state)
{
    (void)state;
    struct buf b = BUF_INIT;
    buf_puts(&b, REG_STATE_HEADER "\n");
    reg_state_format_line(&b, "dir/b.txt", 10, 1700000000123456789, H1);
    reg_state_format_line(&b, "dir/with space/%odd\tname\n", 0, 0, H2);
    reg_state_format_line(&b, "dir/b.txt", 11, 1700000001000000000, H2);
    reg_state_format_line(&b, "a", 1, 5, H1);
    assert_non_null(strstr(b.data, "with%20space/%25odd%09name%0A"));
    struct reg_state s;
    char err[200];
    assert_true(reg_state_parse(b.data, b.len, &s, err, sizeof err));
    assert_int_equal(s.n, 3);
    assert_string_equal(s.v[0].path, "a");
    const struct reg_entry *e = reg_state_find(&s, "dir/b.txt");
    assert_non_null(e);
    assert_int_equal(e->size, 11);
    assert_true(e->mtime_ns == 1700000001000000000);
    assert_memory_equal(e->hash, H2, SHA256_LEN);
    e = reg_state_find(&s, "dir/with space/%odd\tname\n");
    assert_non_null(e);
    assert_int_equal(e->size, 0);
    assert_null(reg_state_find(&s, "dir"));
    assert_null(reg_state_find(&s, "zzz"));
    reg_state_free(&s);
    buf_free(&b);
}

static void test_state_empty_and_header(void **state)
{
    (void)state;
    struct reg_state s;
    char err[200];
    assert_true(reg_state_parse("", 0, &s, err, sizeof err));
    assert_int_equal(s.n, 0);
    reg_state_free(&s);
    const char *t = REG_STATE_HEADER "\n";
    assert_true(reg_state_parse(t, strlen(t), &s, err, sizeof err));
    assert_int_equal(s.n, 0);
    const char *wrong = "something else\n";
    assert_false(reg_state_parse(wrong, strlen(wrong), &s, err, sizeof err));
    assert_non_null(strstr(err, "line 1"));
}

/* Every malformed line is refused, with its line number. */
static void test_state_bad_lines(void **state)
{
    (void)state;
    const char *hex = "sha256:0102030000000000000000000000000000000000000000000000000000000000";
    /* each: what precedes the hash, and what follows it (NULL: no hash at all) */
    const char *bad[][2] = {
        {"", NULL},
        {"1 2", NULL},
        {"1 2 sha256:00 p", NULL},
        {"x 2 ", " p"},
        {"1 x ", " p"},
        {"01 2 ", " p"},
        {"1 2 ", " "},
        {"1 2 ", " a b"},
        {"1 2 ", " a%"},
        {"1 2 ", " a%2"},
        {"1 2 ", " a%zz"},
        {"1 2 ", " a%00"},
        {"-1 2 ", " p"},
        {"1  2 ", " p"},
        {"99999999999999999999 2 ", " p"},
        {"1 9223372036854775808 ", " p"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char line[300];
        snprintf(line, sizeof line, "%s%s%s", bad[i][0], bad[i][1] ? hex : "",
                 bad[i][1] ? bad[i][1] : "");
        struct reg_entry e;
        assert_false(reg_state_parse_line(line, strlen(line), &e));
        char text[512]; /* header, one good line, line (< 300) */
        snprintf(text, sizeof text, REG_STATE_HEADER "\n1 2 %s ok\n%s\n", hex, line);
        struct reg_state s;
        char err[200];
        assert_false(reg_state_parse(text, strlen(text), &s, err, sizeof err));
        assert_non_null(strstr(err, "line 3"));
        assert_null(s.v);
    }
    /* upper-case hex is not what we write */
    char up[200];
    snprintf(up, sizeof up, "1 2 sha256:%064d p", 0);
    up[12] = 'A';
    struct reg_entry e;
    assert_false(reg_state_parse_line(up, strlen(up), &e));
    /* an unterminated last line is refused (the loader cuts it first) */
    char text[300];
    snprintf(text, sizeof text, REG_STATE_HEADER "\n1 2 %s p", hex);
    struct reg_state s;
    char err[200];
    assert_false(reg_state_parse(text, strlen(text), &s, err, sizeof err));
}

static char *canonical(const json_t *v)
{
    struct buf b = BUF_INIT;
    assert_true(jcs_serialize(v, &b));
    return b.data;
}

/* The file's members replace the base's, the flags replace both; absent flags leave them. */
static void test_metadata_merge(void **state)
{
    (void)state;
    json_error_t jerr;
    json_t *base = json_loads("{\"license\":\"MIT\",\"size\":\"x\",\"lang\":\"en\",\"n\":1}",
                              JSON_DECODE_INT_AS_REAL, &jerr);
    struct reg_meta_flags f = {.license = "CC-BY-4.0", .source_url = "https://e.org/a"};
    json_t *md = reg_metadata_build(base, &f, 1234, 1767323045);
    char *c = canonical(md);
    assert_string_equal(c, "{\"lang\":\"en\",\"license\":\"CC-BY-4.0\",\"modified_at\":"
                           "\"2026-01-02T03:04:05Z\",\"n\":1,\"size\":1234,\"source_url\":"
                           "\"https://e.org/a\"}");
    free(c);
    json_decref(md);
    struct reg_meta_flags none = {0};
    md = reg_metadata_build(base, &none, 0, 0);
    c = canonical(md);
    assert_string_equal(c, "{\"lang\":\"en\",\"license\":\"MIT\",\"modified_at\":"
                           "\"1970-01-01T00:00:00Z\",\"n\":1,\"size\":0}");
    free(c);
    json_decref(md);
    /* the base is not changed */
    assert_string_equal(json_string_value(json_object_get(base, "size")), "x");
    json_decref(base);
    md = reg_metadata_build(NULL, &(struct reg_meta_flags){.author = "Ada"}, 7, 0);
    c = canonical(md);
    assert_string_equal(c, "{\"author\":\"Ada\",\"modified_at\":\"1970-01-01T00:00:00Z\","
                           "\"size\":7}");
    free(c);
    json_decref(md);
}

static void test_source_url(void **state)
{
    (void)state;
    char *u = reg_source_url("https://e.org/c/", "a b/ü%?#x~_.-Z9.txt");
    assert_string_equal(u, "https://e.org/c/a%20b/%C3%BC%25%3F%23x~_.-Z9.txt");
    free(u);
    u = reg_source_url("https://e.org/", "");
    assert_string_equal(u, "https://e.org/");
    free(u);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_state_round_trip), cmocka_unit_test(test_state_empty_and_header),
        cmocka_unit_test(test_state_bad_lines),  cmocka_unit_test(test_metadata_merge),
        cmocka_unit_test(test_source_url),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
