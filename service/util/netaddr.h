/* SPDX-License-Identifier: Apache-2.0 */
/* Client addresses: IPv4 and IPv6 addresses in one 16-byte form, CIDR lists, and the client
 * address a chain of reverse proxies reports in X-Forwarded-For. */
#ifndef PROVD_UTIL_NETADDR_H
#define PROVD_UTIL_NETADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* An IPv6 address; IPv4 addresses are stored IPv4-mapped (::ffff:a.b.c.d). */
struct netaddr {
    uint8_t b[16];
};

/* A range: the first bits bits of a (IPv4 prefixes count from the mapped form: /8 is 104). */
struct netaddr_cidr {
    struct netaddr a;
    unsigned bits;
};

struct netaddr_cidrs {
    struct netaddr_cidr *v; /* owned */
    size_t n;
};

#define NETADDR_TEXT_MAX 64 /* longest text netaddr_parse reads: "[v6]:port" */
#define NETADDR_STR_LEN  46 /* INET6_ADDRSTRLEN */

/* Parses s[0..len): an IPv4 address, optionally with ":port", or an IPv6 address, bare or
 * bracketed with an optional ":port", surrounding spaces and tabs ignored. */
bool netaddr_parse(const char *s, size_t len, struct netaddr *out)
    __attribute__((warn_unused_result));
/* The address of an AF_INET or AF_INET6 socket address. */
bool netaddr_from_sockaddr(const struct sockaddr *sa, struct netaddr *out)
    __attribute__((warn_unused_result));
/* a in text (IPv4 dotted for mapped addresses); out has NETADDR_STR_LEN bytes. */
void netaddr_format(const struct netaddr *a, char out[NETADDR_STR_LEN]);
bool netaddr_is_v4(const struct netaddr *a);

/* Parses a comma-separated list of addresses and ranges (10.0.0.0/8, ::1, fd00::/8); "" and
 * "none" are the empty list. On failure writes why to err and leaves out empty. Free with
 * netaddr_cidrs_free. */
bool netaddr_cidrs_parse(const char *list, struct netaddr_cidrs *out, char *err, size_t err_len)
    __attribute__((warn_unused_result));
bool netaddr_cidrs_match(const struct netaddr_cidrs *l, const struct netaddr *a);
void netaddr_cidrs_free(struct netaddr_cidrs *l);

/* The client behind peer, a trusted proxy, from the X-Forwarded-For list xff[0..len) (the
 * headers' values joined by commas, in order): walking from the right, each hop that is in
 * trusted reported the one before it, so the client is the right-most address not in trusted;
 * when every one is trusted, the left-most. A malformed entry ends the walk: the client is then
 * the last hop read before it (peer when it is the right-most). */
struct netaddr netaddr_forwarded_client(const struct netaddr *peer, const char *xff, size_t len,
                                        const struct netaddr_cidrs *trusted);

/* The 16-byte key of a's owner for per-client limits: an IPv4 address itself, an IPv6 address
 * by its /64 prefix (one host's usual allocation; the rest is zero). */
void netaddr_client_key(const struct netaddr *a, uint8_t key[16]);

#endif
