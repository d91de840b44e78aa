/* SPDX-License-Identifier: Apache-2.0 */
#include "testutil.h"

#include "tlog/cosig.h"

#define VECTORS "cosignature.json"

static enum cosig_line_result result_of(const char *s)
{
    if (!strcmp(s, "valid"))
        return COSIG_LINE_VALID;
    if (!strcmp(s, "other"))
        return COSIG_LINE_OTHER;
    if (!strcmp(s, "invalid"))
        return COSIG_LINE_INVALID;
    assert_string_equal(s, "malformed");
    return COSIG_LINE_MALFORMED;
}

static const char *str(const char *section)
{
    const char *s = json_string_value(vector_section(VECTORS, section));
    assert_non_null(s);
    return s;
}

static void test_lines(void **state)
{
    (void)state;
    struct cosig_key k;
    assert_true(cosig_key_parse(str("vkey"), &k));
    const char *body = str("body");
    size_t i;
    json_t *v;
    json_array_foreach(vector_section(VECTORS, "lines"), i, v)
    {
        const char *name = json_string_value(json_object_get(v, "name"));
        const char *line = json_string_value(json_object_get(v, "line"));
        enum cosig_line_result want = result_of(json_string_value(json_object_get(v, "expect")));
        uint64_t ts = 12345;
        enum cosig_line_result got =
            cosig_line_check(&k, body, strlen(body), line, strlen(line), &ts);
        if (got != want)
            fail_msg("%s: got %d, want %d", name, (int)got, (int)want);
        if (want != COSIG_LINE_VALID) {
            assert_int_equal(ts, 12345); /* untouched */
            continue;
        }
        json_t *t = json_object_get(v, "timestamp");
        uint64_t want_ts = 0;
        if (json_is_string(t))
            assert_true(parse_u64(json_string_value(t), &want_ts));
        else
            want_ts = (uint64_t)json_integer_value(t);
        assert_true(ts == want_ts);
        /* One changed byte of the body breaks it. */
        char *copy = strdup(body);
        copy[0] ^= 1;
        assert_int_equal(cosig_line_check(&k, copy, strlen(copy), line, strlen(line), NULL),
                         COSIG_LINE_INVALID);
        free(copy);
    }
}

static void test_vkeys(void **state)
{
    (void)state;
    size_t i;
    json_t *v;
    json_array_foreach(vector_section(VECTORS, "vkeys"), i, v)
    {
        const char *name = json_string_value(json_object_get(v, "name"));
        const char *vkey = json_string_value(json_object_get(v, "vkey"));
        struct cosig_key k;
        if (cosig_key_parse(vkey, &k) != json_is_true(json_object_get(v, "valid")))
            fail_msg("vkey %s: %s", name, vkey);
    }
    /* Round trip, whitespace; a note (type 0x01) key is not a cosigner key. */
    struct cosig_key k;
    assert_true(cosig_key_parse(str("vkey"), &k));
    struct buf b = BUF_INIT;
    cosig_key_format(&k, &b);
    assert_string_equal(b.data, str("vkey"));
    char padded[512];
    snprintf(padded, sizeof padded, "  %s \n", b.data);
    assert_true(cosig_key_parse(padded, &k));
    assert_string_equal(k.name, "witness.example/w1");
    assert_false(cosig_key_parse(str("log_vkey"), &k));
    assert_false(cosig_key_parse("", &k));
    buf_free(&b);
}

static void test_label(void **state)
{
    (void)state;
    struct cosig_key k;
    assert_true(cosig_key_parse(str("vkey"), &k));
    char label[NOTE_NAME_MAX + 10], want[NOTE_NAME_MAX + 10];
    cosig_key_label(&k, label, sizeof label);
    snprintf(want, sizeof want, "%.27s", str("vkey"));
    assert_string_equal(label, want);
}

static void test_notes(void **state)
{
    (void)state;
    struct note_key log;
    assert_true(note_key_parse_vkey(str("log_vkey"), &log));
    size_t i;
    json_t *v;
    json_array_foreach(vector_section(VECTORS, "notes"), i, v)
    {
        const char *name = json_string_value(json_object_get(v, "name"));
        const char *note = json_string_value(json_object_get(v, "note"));
        json_t *vkeys = json_object_get(v, "vkeys"), *per = json_object_get(v, "per_key");
        size_t n = json_array_size(vkeys), j;
        struct cosig_key keys[8];
        enum cosig_line_result got[8];
        assert_true(n <= 8);
        for (j = 0; j < n; j++)
            assert_true(cosig_key_parse(json_string_value(json_array_get(vkeys, j)), &keys[j]));
        size_t count = cosig_verify(keys, n, note, strlen(note), got);
        if (count != (size_t)json_integer_value(json_object_get(v, "count")))
            fail_msg("%s: count %zu", name, count);
        for (j = 0; j < n; j++)
            if (got[j] != result_of(json_string_value(json_array_get(per, j))))
                fail_msg("%s: key %zu gave %d", name, j, (int)got[j]);
        assert_int_equal(cosig_verify(keys, n, note, strlen(note), NULL), count);
        /* The cosignature lines do not disturb the log's own signature. */
        size_t text_len;
        char err[128];
        assert_true(note_verify(&log, note, strlen(note), &text_len, err, sizeof err));
    }
}

static void test_split_and_iterate(void **state)
{
    (void)state;
    const char *note = "a\nb\n\n\xe2\x80\x94 x AAAA\n\xe2\x80\x94 y BBBB\n";
    size_t body_len, off;
    assert_true(cosig_note_split(note, strlen(note), &body_len, &off));
    assert_int_equal(body_len, 4);
    assert_int_equal(off, 5);
    const char *line;
    size_t line_len, lines = 0;
    while (cosig_line_next(note, strlen(note), &off, &line, &line_len)) {
        assert_true(line_len > 0 && line[line_len - 1] == '\n');
        lines++;
    }
    assert_int_equal(lines, 2);
    assert_int_equal(off, strlen(note));
    const char *bad[] = {"", "\n", "a\n", "a\nb\n\n", "\n\nx\n", "a\n\nx"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_false(cosig_note_split(bad[i], strlen(bad[i]), &body_len, &off));
    assert_false(cosig_note_split("a\n\nx\0y\n", 7, &body_len, &off));
    /* A rest without a final newline stops the iteration. */
    off = 0;
    assert_true(cosig_line_next("x\ny", 3, &off, &line, &line_len));
    assert_false(cosig_line_next("x\ny", 3, &off, &line, &line_len));
    /* Nothing counts in something that is not a note. */
    struct cosig_key k;
    assert_true(cosig_key_parse(str("vkey"), &k));
    enum cosig_line_result r = COSIG_LINE_VALID;
    assert_int_equal(cosig_verify(&k, 1, "junk", 4, &r), 0);
    assert_int_equal(r, COSIG_LINE_OTHER);
}

static void test_witness_parse(void **state)
{
    (void)state;
    const char *vkey = str("vkey");
    const char *good[] = {"https://w.example/sub", "http://127.0.0.1:8080",
                          "https://a+b.example/p+q"};
    char spec[1024], *url = (char *)1;
    struct cosig_key k;
    for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
        snprintf(spec, sizeof spec, "%s+%s", good[i], vkey);
        assert_true(cosig_witness_parse(spec, &url, &k));
        assert_string_equal(url, good[i]);
        assert_string_equal(k.name, "witness.example/w1");
        free(url);
    }
    const char *bad[] = {"ftp://w.example", "https://",   "https:///x",
                         "w.example",       "http://a b", ""};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        snprintf(spec, sizeof spec, "%s+%s", bad[i], vkey);
        assert_false(cosig_witness_parse(spec, &url, &k));
        assert_null(url);
    }
    assert_false(cosig_witness_parse(vkey, &url, &k)); /* no URL */
    snprintf(spec, sizeof spec, "https://w.example+%s", str("log_vkey"));
    assert_false(cosig_witness_parse(spec, &url, &k)); /* type 0x01 */
    snprintf(spec, sizeof spec, "https://w.example+%.*s", (int)strlen(vkey) - 1, vkey);
    assert_false(cosig_witness_parse(spec, &url, &k)); /* truncated */
    assert_false(cosig_witness_parse("", &url, &k));
}

static void test_request_format(void **state)
{
    (void)state;
    uint8_t proof[2][MERKLE_HASH_LEN];
    memset(proof[0], 0, MERKLE_HASH_LEN);
    memset(proof[1], 0xff, MERKLE_HASH_LEN);
    const char *note = "o\n5\nAAAA\n\n\xe2\x80\x94 o sig\n";
    struct buf b = BUF_INIT;
    buf_puts(&b, "x");
    assert_true(cosig_request_format(3, (const uint8_t(*)[MERKLE_HASH_LEN])proof, 2, note,
                                     strlen(note), &b));
    assert_string_equal(b.data, "xold 3\n"
                                "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"
                                "//////////////////////////////////////////8=\n"
                                "\n"
                                "o\n5\nAAAA\n\n\xe2\x80\x94 o sig\n");
    buf_reset(&b);
    assert_true(cosig_request_format(0, NULL, 0, note, strlen(note), &b));
    assert_string_equal(b.data, "old 0\n\no\n5\nAAAA\n\n\xe2\x80\x94 o sig\n");
    buf_reset(&b);
    assert_false(cosig_request_format(0, (const uint8_t(*)[MERKLE_HASH_LEN])proof, 1, note,
                                      strlen(note), &b)); /* proof from size 0 */
    assert_false(cosig_request_format(1, NULL, COSIG_PROOF_MAX + 1, note, strlen(note), &b));
    assert_false(cosig_request_format(1, NULL, 0, "o", 1, &b)); /* no final newline */
    assert_int_equal(b.len, 0);
    buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lines),
        cmocka_unit_test(test_vkeys),
        cmocka_unit_test(test_label),
        cmocka_unit_test(test_notes),
        cmocka_unit_test(test_split_and_iterate),
        cmocka_unit_test(test_witness_parse),
        cmocka_unit_test(test_request_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
