/* SPDX-License-Identifier: Apache-2.0 */
/* util/bucket: the token bucket's arithmetic, Retry-After, option parsing, and the table's
 * bounded memory, eviction and thread safety. */
#include "testutil.h"

#include <pthread.h>

#include "util/bucket.h"

#define S 1000000000LL /* one second in ns */

static void test_parse(void **state)
{
    (void)state;
    struct bucket_rate r;
    assert_true(bucket_rate_parse("100:200", &r));
    assert_true(r.rate == 100 && r.burst == 200);
    assert_true(bucket_rate_parse("5", &r));
    assert_true(r.rate == 5 && r.burst == 5); /* burst defaults to the rate */
    assert_true(bucket_rate_parse("0.5", &r));
    assert_true(r.rate == 0.5 && r.burst == 1); /* ... at least 1 */
    assert_true(bucket_rate_parse("2.5", &r));
    assert_true(r.burst == 3); /* ... rounded up */
    assert_true(bucket_rate_parse("0", &r));
    assert_true(r.rate == 0);
    static const char *const bad[] = {"",      ":5",      "5:",        "-1", "1e3", "nan",
                                      "inf",   "5:0",     "5:1.5",     "x",  "1.",  ".5",
                                      "5:5:5", "2000000", "5:2000000", " 5", "0x10"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_false(bucket_rate_parse(bad[i], &r));
}

static void test_bucket(void **state)
{
    (void)state;
    struct bucket_rate r = {.rate = 2, .burst = 3};
    struct bucket b;
    unsigned retry = 0;
    int64_t t = 1000 * S;
    bucket_fill(&b, &r, t);
    for (int i = 0; i < 3; i++)
        assert_true(bucket_take(&b, &r, t, &retry)); /* the burst */
    assert_false(bucket_take(&b, &r, t, &retry));
    assert_int_equal(retry, 1); /* 0.5 s until a token: rounded up */
    assert_false(bucket_take(&b, &r, t + S / 4, &retry));
    assert_true(bucket_take(&b, &r, t + S / 2, &retry)); /* one token accrued */
    assert_false(bucket_take(&b, &r, t + S / 2, &retry));
    assert_true(bucket_take(&b, &r, t + 60 * S, &retry)); /* refilled, but only to the burst */
    assert_true(bucket_take(&b, &r, t + 60 * S, &retry));
    assert_true(bucket_take(&b, &r, t + 60 * S, &retry));
    assert_false(bucket_take(&b, &r, t + 60 * S, &retry));
    /* a clock going backwards adds nothing */
    assert_false(bucket_take(&b, &r, t, &retry));
    /* slow rates: Retry-After is the whole seconds until the next token */
    struct bucket_rate slow = {.rate = 0.1, .burst = 1};
    bucket_fill(&b, &slow, t);
    assert_true(bucket_take(&b, &slow, t, &retry));
    assert_false(bucket_take(&b, &slow, t, &retry));
    assert_int_equal(retry, 10);
    assert_false(bucket_take(&b, &slow, t + 3 * S, &retry));
    assert_int_equal(retry, 7);
    /* no limit */
    struct bucket_rate off = {.rate = 0, .burst = 1};
    for (int i = 0; i < 1000; i++)
        assert_true(bucket_take(&b, &off, t, &retry));
}

static const uint8_t seed[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

static void key_of(unsigned n, uint8_t key[16])
{
    memset(key, 0, 16);
    memcpy(key, &n, sizeof n);
}

static void test_table(void **state)
{
    (void)state;
    struct bucket_rate r = {.rate = 1, .burst = 2};
    struct bucket_table t;
    uint8_t a[16], b[16];
    unsigned retry;
    assert_true(bucket_table_init(&t, &r, 64, seed));
    assert_int_equal(t.n_sets * BUCKET_WAYS, 64); /* memory fixed at creation */
    key_of(1, a);
    key_of(2, b);
    assert_true(bucket_table_take(&t, a, S, &retry));
    assert_true(bucket_table_take(&t, a, S, &retry));
    assert_false(bucket_table_take(&t, a, S, &retry)); /* a is limited ... */
    assert_true(bucket_table_take(&t, b, S, &retry));  /* ... b is not */
    assert_true(bucket_table_take(&t, a, 2 * S, &retry));
    bucket_table_destroy(&t);
    /* a rate of 0 needs no table */
    struct bucket_rate off = {0, 1};
    assert_true(bucket_table_init(&t, &off, 64, seed));
    assert_null(t.sets);
    for (int i = 0; i < 100; i++)
        assert_true(bucket_table_take(&t, a, S, &retry));
    bucket_table_destroy(&t);
}

/* The table never grows: a newcomer takes the place of a full bucket first (forgetting it loses
 * nothing), else of the entry seen longest ago; a key being limited keeps its state meanwhile. */
static void test_eviction(void **state)
{
    (void)state;
    struct bucket_rate r = {.rate = 1, .burst = 2};
    struct bucket_table t;
    uint8_t hot[16], k[16];
    unsigned retry;
    int64_t t0 = S, t1 = S + 3 * S / 2;
    assert_true(bucket_table_init(&t, &r, 8, seed)); /* one set of 8 */
    assert_int_equal(t.n_sets, 1);
    key_of(0xffff, hot);
    assert_true(bucket_table_take(&t, hot, t0, &retry));
    assert_true(bucket_table_take(&t, hot, t0, &retry));
    assert_false(bucket_table_take(&t, hot, t0, &retry));
    for (unsigned i = 0; i < 7; i++) { /* the other ways: one token left each */
        key_of(i, k);
        assert_true(bucket_table_take(&t, k, t0, &retry));
    }
    /* 1.5 s later the seven are full again, hot is not: a newcomer replaces one of the seven */
    key_of(100, k);
    assert_true(bucket_table_take(&t, k, t1, &retry));
    assert_int_equal(atomic_load(&t.evicted), 0);
    assert_true(bucket_table_take(&t, hot, t1 + 10, &retry)); /* 1.5 tokens: hot was kept */
    assert_false(bucket_table_take(&t, hot, t1 + 10, &retry));
    for (unsigned i = 101; i < 107; i++) { /* the six other full ones go too */
        key_of(i, k);
        assert_true(bucket_table_take(&t, k, t1 + 20 + i, &retry));
    }
    assert_int_equal(atomic_load(&t.evicted), 0);
    /* no full bucket left: the newcomer evicts the one seen longest ago (key 100), not hot */
    key_of(200, k);
    assert_true(bucket_table_take(&t, k, t1 + 1000, &retry));
    assert_int_equal(atomic_load(&t.evicted), 1);
    assert_false(bucket_table_take(&t, hot, t1 + 1001, &retry));
    key_of(100, k); /* forgotten: it starts over with a full bucket */
    assert_true(bucket_table_take(&t, k, t1 + 1002, &retry));
    assert_true(bucket_table_take(&t, k, t1 + 1002, &retry));
    bucket_table_destroy(&t);
}

struct hammer {
    struct bucket_table *t;
    unsigned allowed;
};

static void *hammer(void *arg)
{
    struct hammer *h = arg;
    uint8_t shared[16];
    unsigned retry;
    key_of(7, shared);
    for (int i = 0; i < 20000; i++)
        h->allowed += bucket_table_take(h->t, shared, S, &retry);
    return NULL;
}

/* Threads taking from one bucket at one instant get exactly its burst between them. */
static void test_threads(void **state)
{
    (void)state;
    struct bucket_rate r = {.rate = 1, .burst = 500};
    struct bucket_table t;
    assert_true(bucket_table_init(&t, &r, 4096, seed));
    struct hammer h[8];
    pthread_t th[8];
    for (unsigned i = 0; i < 8; i++) {
        h[i] = (struct hammer){&t, 0};
        assert_int_equal(pthread_create(&th[i], NULL, hammer, &h[i]), 0);
    }
    unsigned total = 0;
    for (unsigned i = 0; i < 8; i++) {
        pthread_join(th[i], NULL);
        total += h[i].allowed;
    }
    assert_int_equal(total, 500);
    bucket_table_destroy(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),   cmocka_unit_test(test_bucket),
        cmocka_unit_test(test_table),   cmocka_unit_test(test_eviction),
        cmocka_unit_test(test_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
