/* SPDX-License-Identifier: Apache-2.0 */
/* registry/auth's API-key cache: entries live AUTH_CACHE_TTL_S on a monotonic clock. */
#include "testutil.h"

#include <time.h>

#include "registry/auth.h"

static int64_t fake_now;
static int64_t fake_clock(void)
{
    return fake_now;
}

static void hash_of(uint8_t h[SHA256_LEN], uint8_t first)
{
    memset(h, 0x5a, SHA256_LEN);
    h[0] = first;
}

/* An entry is served for AUTH_CACHE_TTL_S on the cache's clock, then no longer. */
static void test_ttl(void **state)
{
    (void)state;
    struct auth_cache c;
    auth_cache_init(&c);
    c.now_ms = fake_clock;
    fake_now = 1000000;
    uint8_t h[SHA256_LEN], other[SHA256_LEN];
    hash_of(h, 7);
    hash_of(other, 7);
    other[31] ^= 1; /* same slot, another token */
    char scope[APIKEY_SCOPE_MAX];
    int64_t id = 0;
    assert_false(auth_cache_get(&c, h, scope, &id));
    auth_cache_put(&c, h, "register", 42);
    assert_true(auth_cache_get(&c, h, scope, &id));
    assert_string_equal(scope, "register");
    assert_int_equal(id, 42);
    assert_false(auth_cache_get(&c, other, scope, &id));
    fake_now += AUTH_CACHE_TTL_S * 1000 - 1;
    assert_true(auth_cache_get(&c, h, scope, &id));
    fake_now += 1;
    assert_false(auth_cache_get(&c, h, scope, &id)); /* expired: the database is asked again */
    auth_cache_destroy(&c);
}

/* The cache's own clock is CLOCK_MONOTONIC (a wall-clock step never keeps a revoked key alive):
 * the default clock reads it, in milliseconds, and an empty cache never hits even at time 0. */
static void test_monotonic_clock(void **state)
{
    (void)state;
    struct auth_cache c;
    auth_cache_init(&c);
    assert_ptr_equal(c.now_ms, auth_clock_ms);
    struct timespec before, after;
    clock_gettime(CLOCK_MONOTONIC, &before);
    int64_t ms = auth_clock_ms();
    clock_gettime(CLOCK_MONOTONIC, &after);
    assert_true(ms >= (int64_t)before.tv_sec * 1000 + before.tv_nsec / 1000000);
    assert_true(ms <= (int64_t)after.tv_sec * 1000 + after.tv_nsec / 1000000);
    struct timespec wall;
    clock_gettime(CLOCK_REALTIME, &wall);
    assert_true(ms < (int64_t)wall.tv_sec * 1000 - 1000); /* not the wall clock (boot is later) */
    c.now_ms = fake_clock;
    fake_now = 0;
    uint8_t zero[SHA256_LEN] = {0};
    char scope[APIKEY_SCOPE_MAX];
    int64_t id;
    assert_false(auth_cache_get(&c, zero, scope, &id));
    auth_cache_destroy(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ttl),
        cmocka_unit_test(test_monotonic_clock),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
