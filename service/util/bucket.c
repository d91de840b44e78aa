/* SPDX-License-Identifier: Apache-2.0 */
#include "util/bucket.h"

#include <math.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#define BUCKET_MAX 1e6

/* A plain decimal (digits, optionally '.' and digits) of s[0..len) into *v. */
static bool parse_decimal(const char *s, size_t len, double *v)
{
    char text[32];
    size_t digits = 0, dots = 0;
    if (len == 0 || len >= sizeof text)
        return false;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '.')
            dots++;
        else if (s[i] >= '0' && s[i] <= '9')
            digits++;
        else
            return false;
    }
    if (!digits || dots > 1 || s[0] == '.' || s[len - 1] == '.')
        return false;
    memcpy(text, s, len);
    text[len] = '\0';
    *v = strtod(text, NULL);
    return *v <= BUCKET_MAX;
}

bool bucket_rate_parse(const char *s, struct bucket_rate *out)
{
    size_t n = strcspn(s, ":");
    double rate, burst;
    if (!parse_decimal(s, n, &rate))
        return false;
    if (s[n]) {
        if (!parse_decimal(s + n + 1, strlen(s + n + 1), &burst) || burst < 1 ||
            burst != floor(burst))
            return false;
    } else {
        burst = rate < 1 ? 1 : ceil(rate);
    }
    out->rate = rate;
    out->burst = burst;
    return true;
}

void bucket_fill(struct bucket *b, const struct bucket_rate *r, int64_t now_ns)
{
    b->tokens = r->burst;
    b->at_ns = now_ns;
}

/* Adds what accrued since b->at_ns. */
static void refill(struct bucket *b, const struct bucket_rate *r, int64_t now_ns)
{
    if (now_ns <= b->at_ns)
        return;
    b->tokens += (double)(now_ns - b->at_ns) * r->rate / 1e9;
    if (b->tokens > r->burst)
        b->tokens = r->burst;
    b->at_ns = now_ns;
}

bool bucket_take(struct bucket *b, const struct bucket_rate *r, int64_t now_ns, unsigned *retry_s)
{
    if (r->rate <= 0)
        return true;
    refill(b, r, now_ns);
    if (b->tokens >= 1) {
        b->tokens -= 1;
        return true;
    }
    double wait = ceil((1 - b->tokens) / r->rate);
    *retry_s = wait < 1 ? 1 : wait > 86400 ? 86400 : (unsigned)wait;
    return false;
}

bool bucket_table_init(struct bucket_table *t, const struct bucket_rate *rate, size_t entries,
                       const uint8_t seed[16])
{
    memset(t, 0, sizeof *t);
    t->rate = *rate;
    memcpy(t->seed, seed, sizeof t->seed);
    if (rate->rate <= 0)
        return true;
    t->n_sets = (entries + BUCKET_WAYS - 1) / BUCKET_WAYS;
    t->sets = calloc(t->n_sets ? t->n_sets : 1, sizeof *t->sets);
    if (!t->sets)
        return false;
    for (size_t i = 0; i < t->n_sets; i++)
        pthread_mutex_init(&t->sets[i].lock, NULL);
    return true;
}

void bucket_table_destroy(struct bucket_table *t)
{
    for (size_t i = 0; t->sets && i < t->n_sets; i++)
        pthread_mutex_destroy(&t->sets[i].lock);
    free(t->sets);
    t->sets = NULL;
    t->n_sets = 0;
}

/* The entry of key in s, or the one it replaces (set up with a full bucket). */
static struct bucket_entry *find_or_replace(struct bucket_table *t, struct bucket_set *s,
                                            const uint8_t key[16], int64_t now_ns)
{
    struct bucket_entry *victim = NULL;
    bool victim_full = false;
    for (int i = 0; i < BUCKET_WAYS; i++) {
        struct bucket_entry *e = &s->e[i];
        if (e->used && !memcmp(e->key, key, 16))
            return e;
        if (victim_full)
            continue;
        if (!e->used) {
            victim = e, victim_full = true;
            continue;
        }
        refill(&e->b, &t->rate, now_ns);
        if (e->b.tokens >= t->rate.burst)
            victim = e, victim_full = true;
        else if (!victim || e->seen_ns < victim->seen_ns)
            victim = e;
    }
    if (!victim_full)
        atomic_fetch_add_explicit(&t->evicted, 1, memory_order_relaxed);
    memcpy(victim->key, key, 16);
    victim->used = true;
    bucket_fill(&victim->b, &t->rate, now_ns);
    return victim;
}

bool bucket_table_take(struct bucket_table *t, const uint8_t key[16], int64_t now_ns,
                       unsigned *retry_s)
{
    if (t->rate.rate <= 0 || !t->sets)
        return true;
    uint8_t h[crypto_shorthash_BYTES];
    crypto_shorthash(h, key, 16, t->seed);
    uint64_t v;
    memcpy(&v, h, sizeof v);
    struct bucket_set *s = &t->sets[v % t->n_sets];
    pthread_mutex_lock(&s->lock);
    struct bucket_entry *e = find_or_replace(t, s, key, now_ns);
    e->seen_ns = now_ns;
    bool ok = bucket_take(&e->b, &t->rate, now_ns, retry_s);
    pthread_mutex_unlock(&s->lock);
    return ok;
}
