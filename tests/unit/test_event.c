/* SPDX-License-Identifier: Apache-2.0 */
#include "testutil.h"

#include "core/event.h"

static void test_pos_round_trip(void **state)
{
    (void)state;
    const struct event_pos cases[] = {
        {0, 0, 0}, {1043, 1000, 13}, {INT64_MAX, INT64_MAX, INT64_MAX}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char text[EVENT_POS_MAX];
        struct event_pos back;
        event_pos_format(&cases[i], text);
        assert_true(event_pos_parse(text, &back));
        assert_true(event_pos_equal(&back, &cases[i]));
    }
    char text[EVENT_POS_MAX];
    event_pos_format(&cases[1], text);
    assert_string_equal(text, "1043-1000-13");
}

static void test_pos_rejects(void **state)
{
    (void)state;
    const char *bad[] = {"",
                         "1",
                         "1-2",
                         "1-2-3-4",
                         "-1-2-3",
                         "01-2-3",
                         "1-02-3",
                         "1-2-03",
                         "1--3",
                         "1-2-",
                         "a-b-c",
                         "1-2-3 ",
                         " 1-2-3",
                         "+1-2-3",
                         "1-2-x",
                         "9223372036854775808-0-0",
                         "0-0-99999999999999999999",
                         NULL};
    struct event_pos p = {7, 7, 7};
    for (size_t i = 0; bad[i]; i++) {
        if (event_pos_parse(bad[i], &p))
            fail_msg("\"%s\" parsed", bad[i]);
    }
    assert_int_equal(p.item, 7); /* untouched on failure */
    assert_false(event_pos_parse(NULL, &p));
}

static void test_pos_max(void **state)
{
    (void)state;
    struct event_pos a = {5, 1, 9}, b = {3, 4, 9};
    event_pos_max(&a, &b);
    assert_int_equal(a.item, 5);
    assert_int_equal(a.tree_size, 4);
    assert_int_equal(a.anchor, 9);
    assert_int_equal(EVENT_ANCHOR_POS(2, ANCHOR_SUBMITTED), 9);
    assert_int_equal(EVENT_ANCHOR_POS(2, ANCHOR_CONFIRMED), 11);
    assert_true(EVENT_ANCHOR_POS(2, ANCHOR_CONFIRMED) < EVENT_ANCHOR_POS(3, ANCHOR_SUBMITTED));
}

static void test_types(void **state)
{
    (void)state;
    unsigned m = 0;
    assert_true(event_types_parse("registered", &m));
    assert_int_equal(m, 1u << EVENT_REGISTERED);
    assert_true(event_types_parse("anchored,registered,logged", &m));
    assert_int_equal(m, EVENT_TYPES_ALL);
    const char *bad[] = {"",
                         ",",
                         "registered,",
                         ",logged",
                         "logged,logged",
                         "Logged",
                         "register",
                         "registeredx",
                         "registered,,logged",
                         "resync",
                         NULL};
    for (size_t i = 0; bad[i]; i++)
        if (event_types_parse(bad[i], &m))
            fail_msg("\"%s\" parsed", bad[i]);
    assert_string_equal(event_type_name(EVENT_LOGGED), "logged");
}

static void test_sse(void **state)
{
    (void)state;
    struct buf b = BUF_INIT;
    event_sse_append(&b, "1-2-3", "registered", "{\"id\":1}", 8);
    event_sse_comment(&b, "keep-alive");
    event_sse_append(&b, "4-5-6", NULL, NULL, 0);
    assert_string_equal(b.data, "id: 1-2-3\nevent: registered\ndata: {\"id\":1}\n\n"
                                ": keep-alive\nid: 4-5-6\n\n");
    buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pos_round_trip),
        cmocka_unit_test(test_pos_rejects),
        cmocka_unit_test(test_pos_max),
        cmocka_unit_test(test_types),
        cmocka_unit_test(test_sse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
