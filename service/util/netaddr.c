/* SPDX-License-Identifier: Apache-2.0 */
#include "util/netaddr.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const uint8_t v4_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

bool netaddr_is_v4(const struct netaddr *a)
{
    return !memcmp(a->b, v4_prefix, sizeof v4_prefix);
}

/* A decimal port, 0 to 65535. */
static bool is_port(const char *s, size_t len)
{
    if (len == 0 || len > 5)
        return false;
    unsigned long v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (unsigned long)(s[i] - '0');
    }
    return v <= 65535;
}

/* inet_pton of s[0..len) as family into out. */
static bool pton(int family, const char *s, size_t len, struct netaddr *out)
{
    char text[NETADDR_TEXT_MAX];
    if (len == 0 || len >= sizeof text)
        return false;
    memcpy(text, s, len);
    text[len] = '\0';
    if (family == AF_INET6)
        return inet_pton(AF_INET6, text, out->b) == 1;
    memcpy(out->b, v4_prefix, sizeof v4_prefix);
    return inet_pton(AF_INET, text, out->b + 12) == 1;
}

bool netaddr_parse(const char *s, size_t len, struct netaddr *out)
{
    while (len && (*s == ' ' || *s == '\t'))
        s++, len--;
    while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    if (len && s[0] == '[') {
        const char *close = memchr(s, ']', len);
        size_t rest = close ? len - (size_t)(close + 1 - s) : 0;
        if (!close || (rest && (close[1] != ':' || !is_port(close + 2, rest - 1))))
            return false;
        return pton(AF_INET6, s + 1, (size_t)(close - s - 1), out);
    }
    const char *colon = memchr(s, ':', len);
    if (!colon)
        return pton(AF_INET, s, len, out);
    if (!memchr(colon + 1, ':', len - (size_t)(colon + 1 - s))) /* one colon: v4:port */
        return is_port(colon + 1, len - (size_t)(colon + 1 - s)) &&
               pton(AF_INET, s, (size_t)(colon - s), out);
    return pton(AF_INET6, s, len, out);
}

bool netaddr_from_sockaddr(const struct sockaddr *sa, struct netaddr *out)
{
    if (!sa)
        return false;
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;
        memcpy(out->b, v4_prefix, sizeof v4_prefix);
        memcpy(out->b + 12, &in->sin_addr, 4);
        return true;
    }
    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;
        memcpy(out->b, &in6->sin6_addr, 16);
        return true;
    }
    return false;
}

void netaddr_format(const struct netaddr *a, char out[NETADDR_STR_LEN])
{
    bool v4 = netaddr_is_v4(a);
    if (!inet_ntop(v4 ? AF_INET : AF_INET6, v4 ? a->b + 12 : a->b, out, NETADDR_STR_LEN))
        snprintf(out, NETADDR_STR_LEN, "?");
}

/* One range, "ADDR" or "ADDR/BITS", s[0..len) without spaces. */
static bool parse_cidr(const char *s, size_t len, struct netaddr_cidr *out)
{
    const char *slash = memchr(s, '/', len);
    size_t alen = slash ? (size_t)(slash - s) : len;
    if (!pton(memchr(s, ':', alen) ? AF_INET6 : AF_INET, s, alen, &out->a))
        return false;
    bool v4 = !memchr(s, ':', alen);
    unsigned max = v4 ? 32 : 128, bits = max;
    if (slash) {
        size_t blen = len - alen - 1;
        if (blen == 0 || blen > 3 || !is_port(slash + 1, blen))
            return false;
        bits = (unsigned)strtoul(slash + 1, NULL, 10);
        if (bits > max)
            return false;
    }
    out->bits = v4 ? 96 + bits : bits;
    return true;
}

/* Appends s[0..len) to out (trimmed; empty entries are skipped). */
static bool add_entry(const char *s, size_t len, struct netaddr_cidrs *out)
{
    while (len && (*s == ' ' || *s == '\t'))
        s++, len--;
    while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    if (!len)
        return true;
    struct netaddr_cidr c;
    if (!parse_cidr(s, len, &c))
        return false;
    struct netaddr_cidr *v = realloc(out->v, (out->n + 1) * sizeof *v);
    if (!v)
        return false;
    v[out->n++] = c;
    out->v = v;
    return true;
}

bool netaddr_cidrs_parse(const char *list, struct netaddr_cidrs *out, char *err, size_t err_len)
{
    out->v = NULL;
    out->n = 0;
    if (!list || !strcmp(list, "none"))
        return true;
    for (const char *p = list;;) {
        size_t len = strcspn(p, ",");
        if (!add_entry(p, len, out)) {
            snprintf(err, err_len, "'%.*s' is not an IP address or CIDR range", (int)len, p);
            netaddr_cidrs_free(out);
            return false;
        }
        if (!p[len])
            return true;
        p += len + 1;
    }
}

static bool in_range(const struct netaddr_cidr *c, const struct netaddr *a)
{
    unsigned full = c->bits / 8, rest = c->bits % 8;
    if (memcmp(c->a.b, a->b, full) != 0)
        return false;
    if (!rest)
        return true;
    uint8_t mask = (uint8_t)(0xff << (8 - rest));
    return (c->a.b[full] & mask) == (a->b[full] & mask);
}

bool netaddr_cidrs_match(const struct netaddr_cidrs *l, const struct netaddr *a)
{
    for (size_t i = 0; i < l->n; i++)
        if (in_range(&l->v[i], a))
            return true;
    return false;
}

void netaddr_cidrs_free(struct netaddr_cidrs *l)
{
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

struct netaddr netaddr_forwarded_client(const struct netaddr *peer, const char *xff, size_t len,
                                        const struct netaddr_cidrs *trusted)
{
    struct netaddr client = *peer, hop;
    size_t end = len;
    while (netaddr_cidrs_match(trusted, &client)) {
        size_t start = end;
        while (start && xff[start - 1] != ',')
            start--;
        if (start == end && !start)
            break; /* nothing (more) forwarded */
        if (!netaddr_parse(xff + start, end - start, &hop))
            break;
        client = hop;
        if (!start)
            break;
        end = start - 1;
    }
    return client;
}

void netaddr_client_key(const struct netaddr *a, uint8_t key[16])
{
    memcpy(key, a->b, 16);
    if (!netaddr_is_v4(a))
        memset(key + 8, 0, 8);
}
