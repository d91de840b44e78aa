/* SPDX-License-Identifier: Apache-2.0 */
#include "testutil.h"

#include "util/jsonw.h"
#include "core/problem.h"

static void test_nesting_and_commas(void **state)
{
    (void)state;
    struct buf b = BUF_INIT;
    struct jsonw w;
    jw_init(&w, &b);
    jw_object_begin(&w);
    jw_key(&w, "a");
    jw_int(&w, -5);
    jw_key(&w, "b");
    jw_array_begin(&w);
    jw_bool(&w, true);
    jw_null(&w);
    jw_object_begin(&w);
    jw_object_end(&w);
    jw_array_begin(&w);
    jw_array_end(&w);
    jw_raw(&w, "{\"x\":1}", 7);
    jw_array_end(&w);
    jw_key(&w, "c\"\n");
    jw_string(&w, "\x01\xc3\xa9</");
    jw_object_end(&w);
    assert_string_equal(
        b.data, "{\"a\":-5,\"b\":[true,null,{},[],{\"x\":1}],\"c\\\"\\n\":\"\\u0001\xc3\xa9</\"}");
    buf_free(&b);
}

static void test_string_with_nul(void **state)
{
    (void)state;
    struct buf b = BUF_INIT;
    struct jsonw w;
    jw_init(&w, &b);
    jw_string_len(&w, "a\0b", 3);
    assert_int_equal(b.len, 10);
    assert_memory_equal(b.data, "\"a\\u0000b\"", 10);
    buf_free(&b);
}

static void test_mark_and_rewind(void **state)
{
    (void)state;
    struct buf b = BUF_INIT;
    struct jsonw w;
    jw_init(&w, &b);
    jw_array_begin(&w);
    struct jw_mark empty = jw_mark(&w);
    jw_object_begin(&w);
    jw_key(&w, "a");
    jw_int(&w, 1);
    jw_object_end(&w);
    jw_rewind(&w, empty); /* the first element taken back: the next one takes no comma */
    jw_int(&w, 2);
    struct jw_mark one = jw_mark(&w);
    jw_string(&w, "dropped");
    jw_rewind(&w, one);
    jw_int(&w, 3);
    jw_array_end(&w);
    assert_string_equal(b.data, "[2,3]");
    buf_free(&b);
}

static void test_problem_registry(void **state)
{
    (void)state;
    /* Every code has a distinct stable type, an HTTP error status and a title. */
    for (int i = 1; i < PROBLEM_COUNT_; i++) {
        const struct problem_info *p = problem_info((enum problem_code)i);
        assert_non_null(p->type);
        assert_true(strncmp(p->type, "urn:provd:problem:", 18) == 0);
        assert_true(p->status >= 400 && p->status <= 599);
        assert_true(strlen(p->title) > 0);
        for (int j = 1; j < i; j++)
            assert_string_not_equal(p->type, problem_info((enum problem_code)j)->type);
    }
    assert_int_equal(problem_info(PROBLEM_SIGNATURE_INVALID)->status, 422);
    assert_int_equal(problem_info(PROBLEM_DB_UNAVAILABLE)->status, 503);
    assert_ptr_equal(problem_info((enum problem_code)999), problem_info(PROBLEM_INTERNAL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nesting_and_commas),
        cmocka_unit_test(test_string_with_nul),
        cmocka_unit_test(test_mark_and_rewind),
        cmocka_unit_test(test_problem_registry),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
