/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: client addresses from the network (X-Forwarded-For, every entry parsed from
 * the right behind a trusted peer) and the rate-limit options' parsers (CIDR lists, RATE:BURST).
 * The client found must be the peer or an address the header names. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/bucket.h"
#include "util/netaddr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct netaddr_cidrs trusted;
    static const struct netaddr peer = {{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 1}};
    char err[160];
    if (!trusted.v &&
        !netaddr_cidrs_parse("10.0.0.0/8,fd00::/8,0.0.0.0/1", &trusted, err, sizeof err))
        abort();
    struct netaddr client = netaddr_forwarded_client(&peer, (const char *)data, size, &trusted);
    char text[NETADDR_STR_LEN];
    netaddr_format(&client, text);
    uint8_t key[16];
    netaddr_client_key(&client, key);

    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    struct netaddr_cidrs l;
    if (netaddr_cidrs_parse(s, &l, err, sizeof err)) {
        (void)netaddr_cidrs_match(&l, &client);
        netaddr_cidrs_free(&l);
    }
    struct bucket_rate r;
    if (bucket_rate_parse(s, &r) && (r.rate < 0 || r.burst < 1))
        abort();
    free(s);
    return 0;
}
