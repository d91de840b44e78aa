/* SPDX-License-Identifier: Apache-2.0 */
#include "testutil.h"

#include <inttypes.h>
#include <jansson.h>
#include <math.h>

#include "util/jcs.h"

#define PARSE_FLAGS (JSON_DECODE_INT_AS_REAL | JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL)

static void check_file(const char *name)
{
    char in_path[128], out_path[128];
    snprintf(in_path, sizeof in_path, "jcs/input/%s", name);
    snprintf(out_path, sizeof out_path, "jcs/output/%s", name);
    size_t in_len, out_len;
    char *in = read_vector(in_path, &in_len);
    char *expected = read_vector(out_path, &out_len);
    json_error_t err;
    json_t *v = json_loadb(in, in_len, PARSE_FLAGS, &err);
    if (!v)
        fail_msg("%s: %s", name, err.text);
    struct buf out = BUF_INIT;
    assert_true(jcs_serialize(v, &out));
    if (out.len != out_len || memcmp(out.data, expected, out_len) != 0)
        fail_msg("%s:\n got %s\nwant %s", name, out.data, expected);
    buf_free(&out);
    json_decref(v);
    free(in);
    free(expected);
}

static void test_rfc8785_files(void **state)
{
    (void)state;
    const char *files[] = {"arrays.json",  "french.json", "structures.json",
                           "unicode.json", "values.json", "weird.json"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        check_file(files[i]);
}

static void test_numbers_txt(void **state)
{
    (void)state;
    char *data = read_vector("jcs/numbers.txt", NULL);
    int lines = 0;
    for (char *line = strtok(data, "\n"); line; line = strtok(NULL, "\n")) {
        char *comma = strchr(line, ',');
        assert_non_null(comma);
        *comma = '\0';
        uint64_t bits = strtoull(line, NULL, 16);
        double d;
        memcpy(&d, &bits, sizeof d);
        char got[JCS_NUMBER_MAX];
        if (!isfinite(d)) {
            assert_false(jcs_format_number(d, got));
            continue;
        }
        assert_true(jcs_format_number(d, got));
        if (strcmp(got, comma + 1) != 0)
            fail_msg("bits %s: got %s, want %s", line, got, comma + 1);
        lines++;
    }
    assert_true(lines > 25000);
    free(data);
}

static void test_non_finite_rejected(void **state)
{
    (void)state;
    char out[JCS_NUMBER_MAX];
    assert_false(jcs_format_number(INFINITY, out));
    assert_false(jcs_format_number(NAN, out));
}

static void test_strings_and_sorting(void **state)
{
    (void)state;
    /* U+10000 (surrogates D800 DC00) sorts before U+FFFF in UTF-16 order. */
    const char *in =
        "{\"\\uffff\":1,\"\\ud800\\udc00\":2,\"b\":\"\\u0000\\u001f\\\"\\\\/\",\"a\":-0}";
    json_error_t err;
    json_t *v = json_loads(in, PARSE_FLAGS, &err);
    assert_non_null(v);
    struct buf out = BUF_INIT;
    assert_true(jcs_serialize(v, &out));
    assert_string_equal(out.data,
                        "{\"a\":0,\"b\":\"\\u0000\\u001f\\\"\\\\/\",\"\xf0\x90\x80\x80\":2,"
                        "\"\xef\xbf\xbf\":1}");
    buf_free(&out);
    json_decref(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc8785_files),
        cmocka_unit_test(test_numbers_txt),
        cmocka_unit_test(test_non_finite_rejected),
        cmocka_unit_test(test_strings_and_sorting),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
