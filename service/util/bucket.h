/* SPDX-License-Identifier: Apache-2.0 */
/* Token buckets: a rate limit of `rate` requests a second with bursts of `burst`, and a
 * fixed-size table of buckets keyed by 16 bytes (a client address, an API key id) for many
 * clients at once.
 *
 * DESIGN: the table is set-associative, BUCKET_WAYS entries per set, the set chosen by a keyed
 * SipHash of the key (the seed is secret, so clients cannot aim at one set), each set under its
 * own mutex: threads contend only when their keys share a set, and the memory is fixed at
 * creation. A key not in its set takes the place of an entry whose bucket has refilled to
 * `burst` (forgetting it loses nothing: a new entry starts full) or else of the entry seen
 * longest ago, which therefore starts over with a full bucket: clients that cycle through more
 * keys than the table holds escape their limit, which is why IPv6 clients are keyed by their
 * /64 (util/netaddr.h). */
#ifndef PROVD_UTIL_BUCKET_H
#define PROVD_UTIL_BUCKET_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bucket_rate {
    double rate;  /* tokens added a second; 0: no limit */
    double burst; /* capacity, at least 1 */
};

struct bucket {
    double tokens;
    int64_t at_ns; /* when tokens was computed (a monotonic clock) */
};

/* Parses "RATE[:BURST]": RATE requests a second (a decimal, 0 for no limit, at most 1e6),
 * BURST a whole number from 1 to 1e6, by default RATE rounded up (at least 1). */
bool bucket_rate_parse(const char *s, struct bucket_rate *out) __attribute__((warn_unused_result));

/* A full bucket of r at now_ns. */
void bucket_fill(struct bucket *b, const struct bucket_rate *r, int64_t now_ns);
/* Takes one token at now_ns: true, or false with *retry_s the whole seconds (at least 1) until
 * one is there. A clock that went backwards adds nothing. */
bool bucket_take(struct bucket *b, const struct bucket_rate *r, int64_t now_ns, unsigned *retry_s)
    __attribute__((warn_unused_result));

#define BUCKET_WAYS 8

struct bucket_entry {
    uint8_t key[16];
    bool used;
    int64_t seen_ns;
    struct bucket b;
};

struct bucket_set {
    pthread_mutex_t lock;
    struct bucket_entry e[BUCKET_WAYS];
};

struct bucket_table {
    struct bucket_rate rate;
    struct bucket_set *sets; /* owned, n_sets of them */
    size_t n_sets;
    uint8_t seed[16];             /* SipHash key */
    atomic_uint_fast64_t evicted; /* entries dropped before their bucket was full */
};

/* A table of at least `entries` buckets of rate (rounded up to whole sets), hashed with seed.
 * False when out of memory. A rate of 0 needs no table: bucket_table_take then always allows. */
bool bucket_table_init(struct bucket_table *t, const struct bucket_rate *rate, size_t entries,
                       const uint8_t seed[16]) __attribute__((warn_unused_result));
void bucket_table_destroy(struct bucket_table *t);
/* Takes one token from key's bucket (see bucket_take). Thread-safe. */
bool bucket_table_take(struct bucket_table *t, const uint8_t key[16], int64_t now_ns,
                       unsigned *retry_s) __attribute__((warn_unused_result));

#endif
