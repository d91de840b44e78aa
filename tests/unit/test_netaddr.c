/* SPDX-License-Identifier: Apache-2.0 */
/* util/netaddr: address and CIDR parsing, range matching, the X-Forwarded-For client, keys. */
#include "testutil.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include "util/netaddr.h"

static struct netaddr addr(const char *s)
{
    struct netaddr a;
    if (!netaddr_parse(s, strlen(s), &a))
        fail_msg("cannot parse %s", s);
    return a;
}

static const char *text(const struct netaddr *a)
{
    static char out[NETADDR_STR_LEN];
    netaddr_format(a, out);
    return out;
}

static void test_parse(void **state)
{
    (void)state;
    struct netaddr a;
    static const char *const good[][2] = {
        {"192.0.2.1", "192.0.2.1"},       {" 192.0.2.1\t", "192.0.2.1"},
        {"192.0.2.1:8080", "192.0.2.1"},  {"2001:db8::1", "2001:db8::1"},
        {"[2001:db8::1]", "2001:db8::1"}, {"[2001:db8::1]:443", "2001:db8::1"},
        {"::ffff:10.1.2.3", "10.1.2.3"},  {"::1", "::1"},
    };
    for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
        assert_true(netaddr_parse(good[i][0], strlen(good[i][0]), &a));
        assert_string_equal(text(&a), good[i][1]);
    }
    static const char *const bad[] = {"",           "unknown",         "192.0.2",   "192.0.2.256",
                                      "192.0.2.1:", "192.0.2.1:99999", "[::1",      "[::1]x",
                                      "[::1]:",     "1.2.3.4:5:6x",    "fe80::1%1", "01.2.3.4",
                                      "_hidden",    "1.2.3.4 5.6.7.8"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_false(netaddr_parse(bad[i], strlen(bad[i]), &a));
    a = addr("10.0.0.1");
    assert_true(netaddr_is_v4(&a));
    a = addr("::1");
    assert_false(netaddr_is_v4(&a));
}

static void test_sockaddr(void **state)
{
    (void)state;
    struct sockaddr_in in = {.sin_family = AF_INET};
    struct sockaddr_in6 in6 = {.sin6_family = AF_INET6};
    struct netaddr a;
    assert_int_equal(inet_pton(AF_INET, "127.0.0.7", &in.sin_addr), 1);
    assert_true(netaddr_from_sockaddr((struct sockaddr *)&in, &a));
    assert_string_equal(text(&a), "127.0.0.7");
    assert_int_equal(inet_pton(AF_INET6, "::ffff:127.0.0.7", &in6.sin6_addr), 1);
    assert_true(netaddr_from_sockaddr((struct sockaddr *)&in6, &a)); /* dual stack: the same */
    assert_string_equal(text(&a), "127.0.0.7");
    struct sockaddr other = {.sa_family = AF_UNIX};
    assert_false(netaddr_from_sockaddr(&other, &a));
    assert_false(netaddr_from_sockaddr(NULL, &a));
}

static void test_cidrs(void **state)
{
    (void)state;
    struct netaddr_cidrs l;
    char err[160];
    assert_true(netaddr_cidrs_parse("127.0.0.0/8, ::1,10.0.0.0/8,2001:db8:1::/48,192.0.2.7", &l,
                                    err, sizeof err));
    assert_int_equal(l.n, 5);
    struct netaddr a = addr("127.1.2.3");
    assert_true(netaddr_cidrs_match(&l, &a));
    static const char *const in[] = {"127.0.0.1",       "127.255.255.255",    "::1",
                                     "10.200.0.1",      "2001:db8:1:ffff::5", "192.0.2.7",
                                     "::ffff:127.0.0.2"};
    static const char *const out[] = {"128.0.0.1",     "126.255.255.255", "::2",      "11.0.0.1",
                                      "2001:db8:2::1", "192.0.2.8",       "192.0.2.6"};
    for (size_t i = 0; i < sizeof in / sizeof *in; i++) {
        a = addr(in[i]);
        assert_true(netaddr_cidrs_match(&l, &a));
        a = addr(out[i]);
        assert_false(netaddr_cidrs_match(&l, &a));
    }
    netaddr_cidrs_free(&l);
    /* prefixes that are not multiples of 8, and the extremes */
    assert_true(netaddr_cidrs_parse("172.16.0.0/12", &l, err, sizeof err));
    a = addr("172.31.255.1");
    assert_true(netaddr_cidrs_match(&l, &a));
    a = addr("172.32.0.1");
    assert_false(netaddr_cidrs_match(&l, &a));
    netaddr_cidrs_free(&l);
    assert_true(netaddr_cidrs_parse("0.0.0.0/0", &l, err, sizeof err));
    a = addr("203.0.113.9");
    assert_true(netaddr_cidrs_match(&l, &a));
    a = addr("2001:db8::1"); /* an IPv4 range holds no IPv6 address */
    assert_false(netaddr_cidrs_match(&l, &a));
    netaddr_cidrs_free(&l);
    assert_true(netaddr_cidrs_parse("none", &l, err, sizeof err));
    assert_int_equal(l.n, 0);
    assert_false(netaddr_cidrs_match(&l, &a));
    assert_true(netaddr_cidrs_parse("", &l, err, sizeof err));
    assert_int_equal(l.n, 0);
    static const char *const bad[] = {"10.0.0.0/33", "::/129",           "10.0.0.0/",
                                      "10.0.0.0/x",  "10.0.0.0/8,bogus", "10.0.0.0/-1",
                                      "10.0.0.0/8/8"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        assert_false(netaddr_cidrs_parse(bad[i], &l, err, sizeof err));
        assert_null(l.v);
        assert_non_null(strstr(err, "is not an IP address or CIDR range"));
    }
}

/* The client netaddr_forwarded_client finds behind peer for xff, as text. */
static const char *client(const char *peer, const char *xff, const struct netaddr_cidrs *trusted)
{
    struct netaddr p = addr(peer);
    struct netaddr c = netaddr_forwarded_client(&p, xff, strlen(xff), trusted);
    return text(&c);
}

static void test_forwarded(void **state)
{
    (void)state;
    struct netaddr_cidrs t;
    char err[160];
    assert_true(netaddr_cidrs_parse("10.0.0.0/8,2001:db8::/32", &t, err, sizeof err));
    /* the right-most untrusted address: what a client sends to the left is ignored */
    assert_string_equal(client("10.0.0.1", "203.0.113.5", &t), "203.0.113.5");
    assert_string_equal(client("10.0.0.1", "1.1.1.1, 203.0.113.5", &t), "203.0.113.5");
    assert_string_equal(client("10.0.0.1", "1.1.1.1,203.0.113.5, 10.9.9.9", &t), "203.0.113.5");
    assert_string_equal(client("10.0.0.1", "198.51.100.1, 2001:db8::7", &t), "198.51.100.1");
    assert_string_equal(client("10.0.0.1", "[2001:db8:ffff::1]:4711,10.1.1.1", &t),
                        "2001:db8:ffff::1");
    assert_string_equal(client("10.0.0.1", "203.0.113.5:1234", &t), "203.0.113.5");
    /* an untrusted peer's header counts for nothing */
    assert_string_equal(client("192.0.2.1", "203.0.113.5", &t), "192.0.2.1");
    /* all trusted: the left-most */
    assert_string_equal(client("10.0.0.1", "10.2.2.2, 10.3.3.3", &t), "10.2.2.2");
    /* nothing forwarded: the peer */
    assert_string_equal(client("10.0.0.1", "", &t), "10.0.0.1");
    /* a malformed entry ends the walk at the last hop read */
    assert_string_equal(client("10.0.0.1", "203.0.113.5, unknown", &t), "10.0.0.1");
    assert_string_equal(client("10.0.0.1", "203.0.113.5, garbage, 10.4.4.4", &t), "10.4.4.4");
    assert_string_equal(client("10.0.0.1", "203.0.113.5,", &t), "10.0.0.1");
    assert_string_equal(client("10.0.0.1", "203.0.113.5,,10.4.4.4", &t), "10.4.4.4");
    netaddr_cidrs_free(&t);
}

static void test_client_key(void **state)
{
    (void)state;
    uint8_t k1[16], k2[16];
    struct netaddr a = addr("2001:db8:1:2:aaaa::1"), b = addr("2001:db8:1:2:bbbb::2");
    netaddr_client_key(&a, k1);
    netaddr_client_key(&b, k2);
    assert_memory_equal(k1, k2, 16); /* one /64, one client */
    b = addr("2001:db8:1:3::1");
    netaddr_client_key(&b, k2);
    assert_memory_not_equal(k1, k2, 16);
    a = addr("192.0.2.1");
    b = addr("192.0.2.2");
    netaddr_client_key(&a, k1);
    netaddr_client_key(&b, k2);
    assert_memory_not_equal(k1, k2, 16); /* IPv4: each address */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),      cmocka_unit_test(test_sockaddr),
        cmocka_unit_test(test_cidrs),      cmocka_unit_test(test_forwarded),
        cmocka_unit_test(test_client_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
