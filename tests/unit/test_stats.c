/* SPDX-License-Identifier: Apache-2.0 */
#include "testutil.h"

#include "util/validate.h"
#include "core/stats.h"

#define HOUR (3600LL * 1000000)
#define DAY  (24 * HOUR)

static int64_t at(const char *rfc3339)
{
    int64_t us;
    assert_true(valid_rfc3339(rfc3339, &us));
    return us;
}

static void test_parameters(void **state)
{
    (void)state;
    enum stats_bucket b = STATS_DAY;
    assert_true(stats_bucket_parse("hour", &b));
    assert_int_equal(b, STATS_HOUR);
    assert_true(stats_bucket_parse("day", &b));
    assert_int_equal(b, STATS_DAY);
    assert_false(stats_bucket_parse("Hour", &b));
    assert_false(stats_bucket_parse("week", &b));
    assert_false(stats_bucket_parse("", &b));
    assert_false(stats_bucket_parse(NULL, &b));
    assert_string_equal(stats_bucket_name(STATS_HOUR), "hour");
    assert_string_equal(stats_bucket_name(STATS_DAY), "day");
    assert_int_equal(stats_buckets_max(STATS_HOUR), 168);
    assert_int_equal(stats_buckets_max(STATS_DAY), 365);
    assert_int_equal(stats_buckets_default(STATS_HOUR), 48);
    assert_int_equal(stats_buckets_default(STATS_DAY), 30);
    assert_true(stats_buckets_max(STATS_DAY) <= STATS_MAX_BUCKETS);
}

/* The newest bucket holds now; buckets start on whole UTC hours and midnights. */
static void test_alignment(void **state)
{
    (void)state;
    struct stats_window w;
    stats_window_at(STATS_HOUR, 48, at("2026-03-04T05:06:07.891Z"), &w);
    assert_int_equal(w.width_us, HOUR);
    assert_int_equal(w.since_us, at("2026-03-02T06:00:00Z"));
    assert_int_equal(stats_window_end(&w), at("2026-03-04T06:00:00Z"));
    stats_window_at(STATS_HOUR, 1, at("2026-03-04T05:00:00Z"), &w); /* on the boundary */
    assert_int_equal(w.since_us, at("2026-03-04T05:00:00Z"));
    assert_int_equal(stats_window_end(&w), at("2026-03-04T06:00:00Z"));
    stats_window_at(STATS_HOUR, 1, at("2026-03-04T04:59:59.999999Z"), &w);
    assert_int_equal(w.since_us, at("2026-03-04T04:00:00Z"));
    stats_window_at(STATS_DAY, 30, at("2026-03-04T23:59:59Z"), &w);
    assert_int_equal(w.width_us, DAY);
    assert_int_equal(w.since_us, at("2026-02-03T00:00:00Z"));
    assert_int_equal(stats_window_end(&w), at("2026-03-05T00:00:00Z"));
    stats_window_at(STATS_DAY, 365, at("2025-12-31T12:00:00Z"), &w);
    assert_int_equal(w.since_us, at("2025-01-01T00:00:00Z"));
    stats_window_at(STATS_DAY, 365, at("2024-12-31T12:00:00Z"), &w); /* a leap year */
    assert_int_equal(w.since_us, at("2024-01-02T00:00:00Z"));
    /* before 1970 the floor still goes down */
    stats_window_at(STATS_HOUR, 1, at("1969-12-31T23:30:00Z"), &w);
    assert_int_equal(w.since_us, at("1969-12-31T23:00:00Z"));
}

static void test_index(void **state)
{
    (void)state;
    struct stats_window w;
    stats_window_at(STATS_HOUR, 3, at("2026-03-04T05:06:07Z"), &w); /* 03:00 to 06:00 */
    assert_int_equal(stats_bucket_index(&w, at("2026-03-04T02:59:59.999999Z")), -1);
    assert_int_equal(stats_bucket_index(&w, at("2026-03-04T03:00:00Z")), 0);
    assert_int_equal(stats_bucket_index(&w, at("2026-03-04T03:59:59.999999Z")), 0);
    assert_int_equal(stats_bucket_index(&w, at("2026-03-04T04:00:00Z")), 1);
    assert_int_equal(stats_bucket_index(&w, at("2026-03-04T05:59:59Z")), 2);
    assert_int_equal(stats_bucket_index(&w, at("2026-03-04T06:00:00Z")), -1);
    stats_window_at(STATS_DAY, 2, at("2026-03-04T05:06:07Z"), &w);
    assert_int_equal(stats_bucket_index(&w, at("2026-03-03T00:00:00Z")), 0);
    assert_int_equal(stats_bucket_index(&w, at("2026-03-04T00:00:00Z")), 1);
    assert_int_equal(stats_bucket_index(&w, at("2026-03-02T23:59:59Z")), -1);
}

/* Any number of buckets maps to one of the few read sizes, the smallest that holds it. */
static void test_sizes(void **state)
{
    (void)state;
    const unsigned hours[][2] = {{1, 24}, {24, 24}, {25, 48}, {48, 48}, {49, 168}, {168, 168}};
    const unsigned days[][2] = {{1, 7}, {7, 7}, {8, 30}, {30, 30}, {31, 90}, {91, 365}, {365, 365}};
    for (size_t i = 0; i < sizeof hours / sizeof *hours; i++)
        assert_int_equal(stats_size_buckets(stats_size_index(STATS_HOUR, hours[i][0])),
                         hours[i][1]);
    for (size_t i = 0; i < sizeof days / sizeof *days; i++)
        assert_int_equal(stats_size_buckets(stats_size_index(STATS_DAY, days[i][0])), days[i][1]);
    assert_int_not_equal(stats_size_index(STATS_HOUR, 24), stats_size_index(STATS_DAY, 7));
    for (unsigned i = 0; i < STATS_SIZES; i++)
        assert_true(stats_size_buckets(i) <= STATS_MAX_BUCKETS);
    /* the defaults are read sizes themselves */
    assert_int_equal(stats_size_buckets(stats_size_index(STATS_HOUR, 48)), 48);
    assert_int_equal(stats_size_buckets(stats_size_index(STATS_DAY, 30)), 30);
}

/* The newest n buckets of a larger window are the window of n buckets. */
static void test_slice(void **state)
{
    (void)state;
    int64_t now = at("2026-03-04T05:06:07Z");
    static struct stats whole, part;
    stats_window_at(STATS_HOUR, 48, now, &whole.window);
    whole.tree_size = 42;
    whole.has_checkpoint = true;
    whole.checkpoint_us = now - 1000;
    whole.backlog = 7;
    for (unsigned i = 0; i < 48; i++)
        whole.counts[i] = 100 + i;
    stats_slice(&whole, 5, &part);
    struct stats_window want;
    stats_window_at(STATS_HOUR, 5, now, &want);
    assert_int_equal(part.window.n, 5);
    assert_int_equal(part.window.since_us, want.since_us);
    assert_int_equal(part.window.width_us, want.width_us);
    assert_int_equal(part.window.bucket, STATS_HOUR);
    assert_int_equal(stats_window_end(&part.window), stats_window_end(&whole.window));
    for (unsigned i = 0; i < 5; i++)
        assert_int_equal(part.counts[i], 100 + 43 + i);
    assert_int_equal(part.counts[5], 0);
    assert_int_equal(part.tree_size, 42);
    assert_true(part.has_checkpoint);
    assert_int_equal(part.checkpoint_us, now - 1000);
    assert_int_equal(part.backlog, 7);
    stats_slice(&whole, 48, &part); /* all of it */
    assert_int_equal(part.window.since_us, whole.window.since_us);
    assert_int_equal(part.counts[0], 100);
    assert_int_equal(part.counts[47], 147);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parameters), cmocka_unit_test(test_alignment),
        cmocka_unit_test(test_index),      cmocka_unit_test(test_sizes),
        cmocka_unit_test(test_slice),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
