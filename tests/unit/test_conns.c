/* SPDX-License-Identifier: Apache-2.0 */
#include "testutil.h"

#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "http/conns.h"

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* The budget never passes its limit and comes back whole. */
static void test_budget(void **state)
{
    (void)state;
    struct conns c;
    assert_true(conns_start(&c, 30, 1000));
    assert_true(conns_take(&c, 600));
    assert_false(conns_take(&c, 401));
    assert_true(conns_take(&c, 400)); /* exactly the limit */
    assert_false(conns_take(&c, 1));
    assert_false(conns_take(&c, SIZE_MAX)); /* no overflow */
    conns_give(&c, 600);
    assert_true(conns_take(&c, 600));
    conns_give(&c, 1000);
    assert_int_equal(atomic_load(&c.buffered), 0);
    assert_true(conns_take(&c, 0));
    conns_stop(&c);
}

/* Concurrent takers and givers leave the budget where it started. */
static void *churn(void *arg)
{
    struct conns *c = arg;
    for (int i = 0; i < 100000; i++)
        if (conns_take(c, 7))
            conns_give(c, 7);
    return NULL;
}

static void test_budget_threads(void **state)
{
    (void)state;
    struct conns c;
    assert_true(conns_start(&c, 30, 20));
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&t[i], NULL, churn, &c), 0);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    assert_int_equal(atomic_load(&c.buffered), 0);
    conns_stop(&c);
}

/* The reaper shuts down a connection past its deadline, not one disarmed or re-armed. */
static void test_deadline(void **state)
{
    (void)state;
    struct conns c;
    int late[2], handled[2], fresh[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, late), 0);
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, handled), 0);
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, fresh), 0);
    assert_true(conns_start(&c, 2, 1000));
    struct http_conn *a = conns_open(&c, late[0]);
    struct http_conn *b = conns_open(&c, handled[0]);
    struct http_conn *f = conns_open(&c, fresh[0]);
    assert_non_null(a);
    assert_non_null(b);
    assert_non_null(f);
    assert_false(conns_expired(a));
    conns_disarm(b);
    sleep_ms(1500);
    conns_arm(f); /* 2 s from now */
    assert_false(conns_expired(a));
    char byte;
    int waited = 0; /* a's 2 s deadline, then the next reaper round */
    while (recv(late[1], &byte, 1, MSG_DONTWAIT) != 0 && waited < 3000) {
        sleep_ms(20);
        waited += 20;
    }
    assert_true(waited < 3000); /* shut down: end of stream */
    assert_true(conns_expired(a));
    assert_false(conns_expired(b));
    assert_false(conns_expired(f));
    assert_int_equal(recv(handled[1], &byte, 1, MSG_DONTWAIT), -1);
    assert_int_equal(recv(fresh[1], &byte, 1, MSG_DONTWAIT), -1);
    assert_int_equal(atomic_load(&c.reaped), 1);
    conns_close(&c, a);
    conns_close(&c, b);
    conns_close(&c, f);
    conns_close(&c, NULL);
    conns_stop(&c);
    for (int i = 0; i < 2; i++) {
        close(late[i]);
        close(handled[i]);
        close(fresh[i]);
    }
}

/* Waits up to ms for the peer of a socket to be shut down; how long it took, or -1. */
static int wait_shut(int fd, int ms)
{
    char byte;
    for (int waited = 0; waited < ms; waited += 20) {
        if (recv(fd, &byte, 1, MSG_DONTWAIT) == 0)
            return waited;
        sleep_ms(20);
    }
    return -1;
}

/* A request that waits, unread, for its thread (busy in another connection's handler) across
 * its deadline is not late: the verdict comes only once the thread is free again. */
static void test_owner_busy(void **state)
{
    (void)state;
    struct conns c;
    int waiting[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, waiting), 0);
    assert_true(conns_start(&c, 1, 1000));
    struct http_conn *w = conns_open(&c, waiting[0]); /* served by this thread */
    assert_non_null(w);
    sleep_ms(300);
    conns_busy(&c); /* a handler for another connection, stalled */
    sleep_ms(1800);
    char byte;
    assert_int_equal(recv(waiting[1], &byte, 1, MSG_DONTWAIT), -1); /* still open */
    assert_false(conns_expired(w));
    conns_idle(&c);
    assert_false(conns_expired(w)); /* the thread has not read the socket yet */
    assert_int_equal(atomic_load(&c.reaped), 0);
    int waited = wait_shut(waiting[1], 2000); /* then the next reaper rounds */
    assert_true(waited >= 0 && waited < 1000);
    assert_true(conns_expired(w));
    conns_arm(w); /* a new request: a new clock, no verdict */
    assert_false(conns_expired(w));
    conns_close(&c, w);
    conns_stop(&c);
    close(waiting[0]);
    close(waiting[1]);
}

/* A thread busy most of the time (90 ms of every 100) does not stretch a trickling client's
 * deadline tenfold: only the stretch around the deadline counts. */
static void test_mostly_busy(void **state)
{
    (void)state;
    struct conns c;
    int slow[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, slow), 0);
    assert_true(conns_start(&c, 1, 1000));
    struct http_conn *s = conns_open(&c, slow[0]);
    assert_non_null(s);
    int closed_after = -1;
    char byte;
    for (int ms = 0; ms < 4000 && closed_after < 0; ms += 100) {
        conns_busy(&c);
        sleep_ms(90);
        conns_idle(&c);
        sleep_ms(10);
        if (recv(slow[1], &byte, 1, MSG_DONTWAIT) == 0)
            closed_after = ms + 100;
    }
    assert_true(closed_after >= 1000 && closed_after <= 3000); /* proportional credit: ~10 s */
    conns_close(&c, s);
    conns_stop(&c);
    close(slow[0]);
    close(slow[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_budget),      cmocka_unit_test(test_budget_threads),
        cmocka_unit_test(test_deadline),    cmocka_unit_test(test_owner_busy),
        cmocka_unit_test(test_mostly_busy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
