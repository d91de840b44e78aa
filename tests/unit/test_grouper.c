/* SPDX-License-Identifier: Apache-2.0 */
/* registry/grouper: the queue of group commit and grouped lookups, with a fake serve callback
 * that records the groups. */
#include "testutil.h"

#include <pthread.h>
#include <time.h>

#include "registry/grouper.h"

#define JOBS 64

/* The fake serve callback: records each group's size and kinds, can be held shut, and fails the
 * members of a group when fail is set. */
struct fake {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    bool hold;        /* the store waits while set */
    unsigned storing; /* stores in progress */
    bool fail;
    size_t groups, sizes[JOBS];
    bool mixed; /* a group mixed kinds */
    unsigned done[JOBS];
};

static struct fake fake = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER};

/* A job of the test: its outcome is failed. */
struct test_job {
    struct group_job g;
    bool failed;
};

static void fake_store(void *ctx, struct group_job **group, size_t n)
{
    struct fake *f = ctx;
    pthread_mutex_lock(&f->lock);
    f->storing++;
    pthread_cond_broadcast(&f->changed);
    while (f->hold)
        pthread_cond_wait(&f->changed, &f->lock);
    f->sizes[f->groups++] = n;
    for (size_t i = 0; i < n; i++) {
        f->mixed |= group[i]->kind != group[0]->kind;
        ((struct test_job *)group[i])->failed = f->fail;
    }
    f->storing--;
    pthread_mutex_unlock(&f->lock);
}

static void job_done(struct group_job *job)
{
    pthread_mutex_lock(&fake.lock);
    fake.done[(size_t)job->arg]++;
    pthread_cond_broadcast(&fake.changed);
    pthread_mutex_unlock(&fake.lock);
}

static struct test_job jobs[JOBS];

static int reset(void **state)
{
    (void)state;
    pthread_mutex_lock(&fake.lock);
    fake.hold = fake.fail = fake.mixed = false;
    fake.groups = 0;
    fake.storing = 0;
    memset(fake.done, 0, sizeof fake.done);
    pthread_mutex_unlock(&fake.lock);
    for (size_t i = 0; i < JOBS; i++)
        jobs[i] = (struct test_job){.g = {.done = job_done, .arg = (void *)i}};
    return 0;
}

static void submit(struct grouper *c, size_t from, size_t to)
{
    for (size_t i = from; i < to; i++)
        assert_true(grouper_submit(c, &jobs[i].g));
}

/* Waits until the fake store is inside a store (held). */
static void wait_storing(void)
{
    pthread_mutex_lock(&fake.lock);
    while (!fake.storing)
        pthread_cond_wait(&fake.changed, &fake.lock);
    pthread_mutex_unlock(&fake.lock);
}

static void set_hold(bool hold)
{
    pthread_mutex_lock(&fake.lock);
    fake.hold = hold;
    pthread_cond_broadcast(&fake.changed);
    pthread_mutex_unlock(&fake.lock);
}

static void wait_done(size_t n)
{
    pthread_mutex_lock(&fake.lock);
    for (size_t i = 0; i < n; i++)
        while (!fake.done[i])
            pthread_cond_wait(&fake.changed, &fake.lock);
    pthread_mutex_unlock(&fake.lock);
}

static void assert_each_done_once(size_t n)
{
    for (size_t i = 0; i < n; i++)
        assert_int_equal(fake.done[i], 1);
}

/* An idle thread serves a lone job at once, in a group of its own. */
static void test_lone_job_at_once(void **state)
{
    (void)state;
    struct grouper c;
    assert_true(grouper_start(&c, 1, 16, fake_store, &fake));
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    submit(&c, 0, 1);
    wait_done(1);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    int64_t us = (t1.tv_sec - t0.tv_sec) * 1000000 + (t1.tv_nsec - t0.tv_nsec) / 1000;
    assert_true(us < 200000); /* no window: only the thread's wake-up (generous on a busy box) */
    grouper_stop(&c);
    assert_int_equal(fake.groups, 1);
    assert_int_equal(fake.sizes[0], 1);
    assert_int_equal(atomic_load(&c.groups), 1);
    assert_int_equal(atomic_load(&c.members), 1);
    assert_each_done_once(1);
}

/* Jobs that arrive while the thread is busy share the next group. */
static void test_arrivals_during_commit_gather(void **state)
{
    (void)state;
    struct grouper c;
    set_hold(true);
    assert_true(grouper_start(&c, 1, 256, fake_store, &fake));
    submit(&c, 0, 1);
    wait_storing(); /* the first commit is under way */
    submit(&c, 1, 21);
    assert_int_equal(atomic_load(&c.queued), 20);
    set_hold(false);
    wait_done(21);
    grouper_stop(&c);
    assert_int_equal(fake.groups, 2);
    assert_int_equal(fake.sizes[0], 1);
    assert_int_equal(fake.sizes[1], 20);
    assert_int_equal(atomic_load(&c.queued), 0);
    assert_each_done_once(21);
}

/* A group holds at most group_max, and one kind; the others keep their turn. */
static void test_group_bounds_and_flags(void **state)
{
    (void)state;
    struct grouper c;
    set_hold(true);
    assert_true(grouper_start(&c, 1, 8, fake_store, &fake));
    submit(&c, 0, 1);
    wait_storing();
    for (size_t i = 1; i < JOBS; i++)
        jobs[i].g.kind = i % 3 == 0;
    submit(&c, 1, JOBS);
    set_hold(false);
    wait_done(JOBS);
    grouper_stop(&c);
    assert_false(fake.mixed);
    size_t total = 0;
    for (size_t g = 0; g < fake.groups; g++) {
        assert_true(fake.sizes[g] >= 1 && fake.sizes[g] <= 8);
        total += fake.sizes[g];
    }
    assert_int_equal(total, JOBS);
    assert_each_done_once(JOBS);
}

/* A failed store reaches every member, each told once; stopping stores what is queued. */
static void test_failure_and_drain_on_stop(void **state)
{
    (void)state;
    struct grouper c;
    fake.fail = true;
    set_hold(true);
    assert_true(grouper_start(&c, 2, 4, fake_store, &fake));
    submit(&c, 0, 2);
    wait_storing();
    submit(&c, 2, JOBS);
    set_hold(false);
    grouper_stop(&c); /* returns once the queue is empty */
    assert_each_done_once(JOBS);
    for (size_t i = 0; i < JOBS; i++)
        assert_true(jobs[i].failed);
    assert_false(grouper_submit(&c, &jobs[0].g)); /* stopped: refused, never done */
    assert_int_equal(fake.done[0], 1);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    struct grouper c;
    assert_false(grouper_start(&c, 0, 8, fake_store, &fake));
    assert_false(grouper_start(&c, GROUPER_THREADS_MAX + 1, 8, fake_store, &fake));
    assert_false(grouper_start(&c, 1, 0, fake_store, &fake));
    assert_false(grouper_submit(&c, &jobs[0].g));
    grouper_stop(&c); /* harmless */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_lone_job_at_once, reset),
        cmocka_unit_test_setup(test_arrivals_during_commit_gather, reset),
        cmocka_unit_test_setup(test_group_bounds_and_flags, reset),
        cmocka_unit_test_setup(test_failure_and_drain_on_stop, reset),
        cmocka_unit_test_setup(test_bad_arguments, reset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
