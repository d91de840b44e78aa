/* SPDX-License-Identifier: Apache-2.0 */
#include "testutil.h"

#include "util/diag.h"
#include "util/validate.h"

#define TIME "2026-01-02T03:04:05.006Z"

/* No byte of s is a control character, and s is UTF-8. */
static void assert_printable(const char *s)
{
    assert_true(valid_utf8_text(s, strlen(s)));
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f || (p[0] == 0xc2 && p[1] >= 0x80 && p[1] < 0xa0))
            fail_msg("control character at %td of %s", (const char *)p - s, s);
}

static void test_escape(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"GET /v1/items", "GET /v1/items"},
        {"a\nb\rc\td", "a\\x0ab\\x0dc\\x09d"},
        {"\x1b[31mred", "\\x1b[31mred"},
        {"del\x7f", "del\\x7f"},
        {"back\\slash", "back\\x5cslash"},
        {"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"},
        {"\xc2\x9b"
         "2J",
         "\\xc2\\x9b"
         "2J"}, /* C1 CSI */
        {"\xc0\xaf", "\\xc0\\xaf"},
        {"\xed\xa0\x80", "\\xed\\xa0\\x80"},
        {"cut\xe2\x82", "cut\\xe2\\x82"},
        {"\xff", "\\xff"},
    };
    char out[256];
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        size_t n = diag_escape(out, sizeof out, cases[i].in, strlen(cases[i].in));
        assert_string_equal(out, cases[i].out);
        assert_int_equal(n, strlen(cases[i].out));
        assert_printable(out);
    }
    assert_int_equal(diag_escape(out, sizeof out, "a\0b", 3), 6);
    assert_string_equal(out, "a\\x00b");
    /* cut before an escape or a character that does not fit, never inside one */
    assert_int_equal(diag_escape(out, 4, "ab\n", 3), 2);
    assert_string_equal(out, "ab");
    assert_int_equal(diag_escape(out, 4, "a\xe2\x82\xac", 4), 1);
    assert_string_equal(out, "a");
}

static void test_text_line(void **state)
{
    (void)state;
    char line[DIAG_LINE_MAX];
    size_t n = diag_format_line(line, DIAG_TEXT, DIAG_INFO, TIME, "r-1", NULL, 0,
                                "GET /v1/x\n2026-01-01T00:00:00.000Z ERROR forged");
    assert_string_equal(line,
                        TIME " INFO [r-1] GET /v1/x\\x0a2026-01-01T00:00:00.000Z ERROR forged");
    assert_int_equal(n, strlen(line));
    diag_format_line(line, DIAG_TEXT, DIAG_ERROR, TIME, NULL, NULL, 0, "boom");
    assert_string_equal(line, TIME " ERROR boom");
}

/* line parses as one JSON object; returns it (caller decrefs). */
static json_t *parse_line(const char *line)
{
    json_error_t err;
    json_t *j = json_loads(line, JSON_REJECT_DUPLICATES, &err);
    if (!json_is_object(j))
        fail_msg("not a JSON object (%s): %s", err.text, line);
    assert_printable(line);
    return j;
}

static void test_json_line(void **state)
{
    (void)state;
    char line[DIAG_LINE_MAX];
    const struct diag_field f[] = {
        {"method", "GET", 0}, {"path", "/v1/\x1b[2J\xc0\n\"q\"\\", 0}, {"status", NULL, 404}};
    diag_format_line(line, DIAG_JSON, DIAG_WARN, TIME, "r-2", f, 3, "no route for \"x\"\r\n");
    assert_string_equal(line, "{\"ts\":\"" TIME "\",\"level\":\"warn\",\"request_id\":\"r-2\","
                              "\"msg\":\"no route for \\\"x\\\"\\u000d\\u000a\",\"method\":\"GET\","
                              "\"path\":\"/v1/\\u001b[2J\\ufffd\\u000a\\\"q\\\"\\\\\","
                              "\"status\":404}");
    json_t *j = parse_line(line);
    assert_string_equal(json_string_value(json_object_get(j, "path")),
                        "/v1/\x1b[2J\xef\xbf\xbd\n\"q\"\\");
    json_decref(j);
    diag_format_line(line, DIAG_JSON, DIAG_INFO, TIME, NULL, NULL, 0, "\xc2\x85 next line");
    j = parse_line(line);
    assert_null(json_object_get(j, "request_id"));
    assert_string_equal(json_string_value(json_object_get(j, "msg")), "\xc2\x85 next line");
    json_decref(j);
}

/* A message or field too long for a line is cut at a character, and the line stays one
 * JSON object that keeps the fields. */
static void test_long_lines(void **state)
{
    (void)state;
    size_t big = 3 * DIAG_LINE_MAX;
    char *msg = malloc(big + 1);
    for (size_t i = 0; i < big; i += 4)
        memcpy(msg + i, i % 8 ? "\xe2\x82\xac\n" : "\"\\\x1b\xc0", 4);
    msg[big] = '\0';
    const struct diag_field f[] = {{"status", NULL, 500}, {"path", msg, 0}, {"after", "x", 0}};
    char line[DIAG_LINE_MAX];
    size_t n = diag_format_line(line, DIAG_JSON, DIAG_ERROR, TIME, "r", f, 3, msg);
    assert_true(n < DIAG_LINE_MAX - 1); /* room for the newline */
    json_t *j = parse_line(line);
    assert_int_equal(json_integer_value(json_object_get(j, "status")), 500);
    assert_non_null(json_object_get(j, "msg"));
    json_decref(j);
    n = diag_format_line(line, DIAG_TEXT, DIAG_ERROR, TIME, "r", NULL, 0, msg);
    assert_true(n < DIAG_LINE_MAX - 1);
    assert_printable(line);
    free(msg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escape),
        cmocka_unit_test(test_text_line),
        cmocka_unit_test(test_json_line),
        cmocka_unit_test(test_long_lines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
