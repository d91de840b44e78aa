/* SPDX-License-Identifier: Apache-2.0 */
/* util/buf: growth, and sizes that would wrap around size_t are refused (oom), never written. */
#include "testutil.h"

#include "util/buf.h"

static void test_growth(void **state)
{
    (void)state;
    struct buf b = BUF_INIT;
    for (int i = 0; i < 10000; i++)
        buf_putc(&b, (char)('a' + i % 26));
    buf_printf(&b, "%d", 42);
    assert_false(b.oom);
    assert_int_equal(b.len, 10002);
    assert_true(b.cap > b.len);
    assert_int_equal(b.data[b.len], '\0');
    assert_memory_equal(b.data + 9998, "op42", 4);
    buf_free(&b);
}

/* len + extra + 1 wraps around to a size the buffer already has: the old code then copied
 * SIZE_MAX bytes. */
static void test_append_wraps(void **state)
{
    (void)state;
    struct buf b = BUF_INIT;
    buf_puts(&b, "abc");
    buf_append(&b, "x", SIZE_MAX);
    assert_true(b.oom);
    assert_int_equal(b.len, 3);
    assert_string_equal(b.data, "abc");
    buf_free(&b);
    buf_puts(&b, "abc");
    buf_append(&b, "x", SIZE_MAX - 2); /* len + extra + 1 == 1 after the wrap */
    assert_true(b.oom);
    assert_int_equal(b.len, 3);
    buf_free(&b);
}

/* Sizes past the largest object are refused before any allocation (the doubling would otherwise
 * ask for 2^63 bytes). */
static void test_too_large(void **state)
{
    (void)state;
    struct buf b = BUF_INIT;
    buf_puts(&b, "abc");
    buf_append(&b, "x", BUF_MAX);
    assert_true(b.oom);
    assert_int_equal(b.len, 3);
    buf_free(&b);
    buf_append(&b, "x", BUF_MAX); /* an empty buffer: need == BUF_MAX + 1 */
    assert_true(b.oom);
    assert_null(b.data);
    buf_free(&b);
}

/* oom is sticky: later appends change nothing and buf_steal hands back NULL. */
static void test_oom_sticky(void **state)
{
    (void)state;
    struct buf b = BUF_INIT;
    buf_puts(&b, "abc");
    buf_append(&b, "x", SIZE_MAX);
    buf_puts(&b, "def");
    buf_printf(&b, "%s", "ghi");
    assert_int_equal(b.len, 3);
    size_t len = 99;
    assert_null(buf_steal(&b, &len));
    assert_null(b.data);
    assert_false(b.oom);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_growth),
        cmocka_unit_test(test_append_wraps),
        cmocka_unit_test(test_too_large),
        cmocka_unit_test(test_oom_sticky),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
