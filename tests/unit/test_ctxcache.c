/* SPDX-License-Identifier: Apache-2.0 */
/* The spans that share a receipt's log context (core/loghead.c) and the cache that keeps the
 * contexts between receipts (registry/ctxcache.c). */
#include "testutil.h"

#include "core/loghead.h"
#include "registry/ctxcache.h"

static void test_span_without_cosignatures(void **state)
{
    (void)state;
    /* covered by the anchor of size 2000, the one below at 1000 */
    struct log_context_span s = log_context_span_of(7, 1500, 1000, true, 2000, 0);
    assert_true(s.tag == 7 && s.lo == 1000 && s.hi == 2000);
    /* no anchor covers it: from the last one on, without end */
    s = log_context_span_of(7, 2500, 2000, false, 0, 0);
    assert_true(s.lo == 2000 && s.hi == UINT64_MAX);
    /* no anchor at all */
    s = log_context_span_of(7, 0, 0, false, 0, 0);
    assert_true(s.lo == 0 && s.hi == UINT64_MAX);
}

static void test_span_with_cosignatures(void **state)
{
    (void)state;
    /* the cosigned size 1800 reaches no anchor of 2000: every entry gets the latest */
    struct log_context_span s = log_context_span_of(7, 1500, 1000, true, 2000, 1800);
    assert_true(s.lo == 1000 && s.hi == 2000);
    /* cosigned 2400 reaches the anchor: the whole span gets the cosigned checkpoint */
    s = log_context_span_of(7, 1500, 1000, true, 2000, 2400);
    assert_true(s.lo == 1000 && s.hi == 2000);
    /* no anchor: below the cosigned size the cosigned checkpoint, from it on the latest */
    s = log_context_span_of(7, 2100, 2000, false, 0, 2400);
    assert_true(s.lo == 2000 && s.hi == 2400);
    s = log_context_span_of(7, 2400, 2000, false, 0, 2400);
    assert_true(s.lo == 2400 && s.hi == UINT64_MAX);
    s = log_context_span_of(7, 2399, 2000, false, 0, 2400);
    assert_true(s.lo == 2000 && s.hi == 2400);
    /* the cosigned size equals the anchor's: it reaches it */
    s = log_context_span_of(7, 1999, 1000, true, 2000, 2000);
    assert_true(s.lo == 1000 && s.hi == 2000);
}

/* A stand-in for a database result: counts its release. */
struct fake_result {
    int released;
    char note[32];
};

static void fake_release(void *ptr)
{
    ((struct fake_result *)ptr)->released++;
}

static struct rows_owner owner_of(struct fake_result *r)
{
    return (struct rows_owner){r, fake_release};
}

static struct log_context ctx_of(struct fake_result *r, uint64_t size, const char *note)
{
    snprintf(r->note, sizeof r->note, "%s", note);
    return (struct log_context){.has_checkpoint = true, .tree_size = size, .note = r->note};
}

static void put(struct ctx_cache *c, int64_t tag, uint64_t lo, uint64_t hi, struct fake_result *r,
                const char *note)
{
    struct log_context_span span = {tag, lo, hi};
    struct log_context ctx = ctx_of(r, hi, note);
    struct rows_owner o = owner_of(r);
    assert_true(ctx_cache_put(c, &span, &ctx, &o));
    assert_ptr_not_equal(o.ptr, r); /* a reference in its place */
    rows_owner_release(&o);
    assert_int_equal(r->released, 0); /* the cache still holds it */
}

static const char *get(struct ctx_cache *c, int64_t tag, uint64_t e)
{
    static char seen[32];
    struct log_context ctx;
    struct rows_owner ref = {0};
    if (!ctx_cache_get(c, tag, e, &ctx, &ref))
        return NULL;
    snprintf(seen, sizeof seen, "%s", ctx.note);
    rows_owner_release(&ref);
    return seen;
}

static void test_cache_spans_and_tags(void **state)
{
    (void)state;
    struct ctx_cache c;
    assert_true(ctx_cache_init(&c));
    static struct fake_result r[5];
    assert_null(get(&c, 0, 0)); /* empty: nothing, also under the initial tag */
    put(&c, 1, 1000, 2000, &r[0], "b");
    put(&c, 1, 0, 1000, &r[1], "a");
    put(&c, 1, 2000, UINT64_MAX, &r[2], "c");
    assert_string_equal(get(&c, 1, 0), "a");
    assert_string_equal(get(&c, 1, 999), "a");
    assert_string_equal(get(&c, 1, 1000), "b");
    assert_string_equal(get(&c, 1, 1999), "b");
    assert_string_equal(get(&c, 1, 2000), "c");
    assert_string_equal(get(&c, 1, UINT64_MAX - 1), "c");
    assert_null(get(&c, 2, 1500)); /* another tag: nothing applies */
    assert_int_equal(c.hits, 6);
    assert_int_equal(c.misses, 2);
    /* the same span again (two receipts that missed together): the newer one replaces it */
    put(&c, 1, 1000, 2000, &r[3], "b2");
    assert_int_equal(r[0].released, 1);
    assert_string_equal(get(&c, 1, 1500), "b2");
    /* a put under another tag drops every entry of the old one */
    put(&c, 2, 0, 500, &r[4], "x");
    assert_true(r[1].released == 1 && r[2].released == 1 && r[3].released == 1);
    assert_null(get(&c, 1, 100));
    assert_string_equal(get(&c, 2, 100), "x");
    assert_null(get(&c, 2, 500));
    ctx_cache_destroy(&c);
    assert_int_equal(r[4].released, 1);
}

static void test_cache_reference_outlives_entry(void **state)
{
    (void)state;
    struct ctx_cache c;
    assert_true(ctx_cache_init(&c));
    static struct fake_result r;
    put(&c, 1, 0, 10, &r, "kept");
    struct log_context ctx;
    struct rows_owner ref = {0};
    assert_true(ctx_cache_get(&c, 1, 5, &ctx, &ref));
    static struct fake_result other;
    put(&c, 9, 0, 10, &other, "other"); /* drops r's entry from the cache */
    assert_int_equal(r.released, 0);    /* the receipt's reference still holds it */
    assert_string_equal(ctx.note, "kept");
    rows_owner_release(&ref);
    assert_int_equal(r.released, 1);
    ctx_cache_destroy(&c);
    assert_int_equal(other.released, 1);
}

static void test_cache_evicts_least_recently_used(void **state)
{
    (void)state;
    struct ctx_cache c;
    assert_true(ctx_cache_init(&c));
    static struct fake_result r[CTX_CACHE_SPANS + 1];
    for (uint64_t i = 0; i < CTX_CACHE_SPANS; i++)
        put(&c, 1, 10 * i, 10 * i + 10, &r[i], "s");
    assert_non_null(get(&c, 1, 0)); /* span 0 is now the most recently used; span 1 the least */
    put(&c, 1, 10 * CTX_CACHE_SPANS, UINT64_MAX, &r[CTX_CACHE_SPANS], "last");
    assert_int_equal(r[1].released, 1);
    assert_int_equal(r[0].released, 0);
    assert_null(get(&c, 1, 15));
    assert_non_null(get(&c, 1, 5));
    assert_non_null(get(&c, 1, 25));
    assert_string_equal(get(&c, 1, 10 * CTX_CACHE_SPANS + 123), "last");
    /* the order holds after the eviction: every other span is still found where it is */
    for (uint64_t i = 2; i < CTX_CACHE_SPANS; i++)
        assert_non_null(get(&c, 1, 10 * i + 9));
    ctx_cache_destroy(&c);
    for (size_t i = 0; i <= CTX_CACHE_SPANS; i++)
        assert_int_equal(r[i].released, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_span_without_cosignatures),
        cmocka_unit_test(test_span_with_cosignatures),
        cmocka_unit_test(test_cache_spans_and_tags),
        cmocka_unit_test(test_cache_reference_outlives_entry),
        cmocka_unit_test(test_cache_evicts_least_recently_used),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
