/* SPDX-License-Identifier: Apache-2.0 */
/* metrics_observe: route and status slots, histogram bucket edges, sums. */
#include "testutil.h"

#include "http/metrics.h"
#include "http/route.h"

static uint64_t load(atomic_uint_fast64_t *v)
{
    return atomic_load(v);
}

static void test_slots_and_buckets(void **state)
{
    (void)state;
    static struct http_metrics m; /* zeroed */
    size_t none = route_count();
    metrics_observe(&m, 0, 200, 500);     /* exactly on the 0.5 ms edge: first bucket */
    metrics_observe(&m, 0, 200, 501);     /* just above: second */
    metrics_observe(&m, 0, 418, 2000000); /* an unlisted status, beyond 1 s: "other", +Inf */
    metrics_observe(&m, -1, 404, 0);      /* no route */
    metrics_observe(&m, 999, 404, 0);     /* out of range counts as no route too */
    assert_int_equal(load(&m.requests[0][0]), 2);                    /* 200 is the first code */
    assert_int_equal(load(&m.requests[0][METRICS_STATUSES - 1]), 1); /* other */
    assert_int_equal(load(&m.buckets[0][0]), 1);
    assert_int_equal(load(&m.buckets[0][1]), 1);
    assert_int_equal(load(&m.buckets[0][METRICS_BUCKETS - 1]), 1);
    assert_int_equal(load(&m.sum_us[0]), 500 + 501 + 2000000);
    assert_int_equal(load(&m.buckets[none][0]), 2);
    assert_string_equal(route_name(none), "none");
    assert_string_equal(route_name(0), "/healthz");
    for (size_t r = 0; r < none; r++)
        assert_true(route_name(r)[0] == '/');
    assert_true(none < METRICS_ROUTES);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_slots_and_buckets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
