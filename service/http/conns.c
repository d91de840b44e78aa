/* SPDX-License-Identifier: Apache-2.0 */
/* DESIGN. MHD's connection timeout counts idle time only, so a client sending a byte every few
 * seconds holds a connection for ever. Every TCP connection is registered here when it starts,
 * with a deadline timeout_ms from accept (from the end of the previous request when the
 * connection is kept alive). The worker that owns the connection disarms the deadline once a
 * handler has the whole request or a reply is queued, and re-arms it when the request completes.
 * A reaper thread wakes every REAP_EVERY_MS and shuts down (shutdown(2): the socket stays the
 * server's to close) every connection past its deadline; MHD's worker then sees the hang-up and
 * closes it.
 *
 * An MHD worker serves all its connections on one thread, so while it runs a handler (stalled on
 * PostgreSQL, say) whatever arrives on its other connections waits, unread, in the kernel: a
 * request sent whole before its deadline may only be read after it. So a deadline found passed
 * is a verdict only once the owner has spent EVIDENCE_MS outside handlers since then (its loop
 * then has read everything that arrived before): the reaper notes when it first sees the
 * deadline passed and the owner's busy time then, and shuts the connection down at a later
 * round once wall time minus busy time since then reaches EVIDENCE_MS. A client is thus never
 * late because the server was busy, and a trickling one gains only the stretch in which its
 * thread was busy around its deadline, not a share of all the thread's busy time.
 *
 * Threads. The owner writes armed_ms and gen, the reaper due_*, each field atomic; a reader
 * trusts due_* only when due_gen (stored last) is the connection's current gen, so a verdict
 * never outlives a re-arm. A worker adds a finished call to busy_ms before it clears
 * busy_since_ms, and readers load them the other way round, so a call is never missed (at worst
 * counted twice, for a moment, which only delays a verdict). The list and `shut` are under
 * `lock`, which the reaper holds while it shuts sockets down; conns_close unlinks under the same
 * lock and is called before the socket is closed, so the reaper never shuts down a descriptor
 * that was closed and reused.
 *
 * The budget is a counter changed by compare-and-swap, never above max_buffered. */
#include "http/conns.h"

#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

#include "util/diag.h"
#include "util/sleep.h"

#define REAP_EVERY_MS 250
#define EVIDENCE_MS   50 /* outside handlers, after a deadline: the owner has read the socket */

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The owner's busy time, ever, as of now: its finished handler calls and the one in progress. */
static int64_t busy_of(const struct http_worker *w, int64_t now)
{
    if (!w)
        return 0;
    int64_t since = atomic_load(&w->busy_since_ms);
    int64_t busy = atomic_load(&w->busy_ms);
    return since ? busy + (now - since) : busy;
}

/* The verdict on hc: the deadline was found passed for its current generation and the owner has
 * been out of handlers for EVIDENCE_MS since. */
static bool late_at(const struct http_conn *hc, int64_t now)
{
    uint64_t gen = atomic_load(&hc->gen);
    if (atomic_load(&hc->due_gen) != gen || atomic_load(&hc->armed_ms) == 0)
        return false;
    int64_t due = atomic_load(&hc->due_ms), busy_then = atomic_load(&hc->due_busy_ms);
    return (now - due) - (busy_of(hc->owner, now) - busy_then) >= EVIDENCE_MS;
}

/* The reaper's round for one connection: notes a deadline passed, or gives the verdict. */
static bool reap_one(const struct conns *c, struct http_conn *hc, int64_t now)
{
    uint64_t gen = atomic_load(&hc->gen);
    int64_t armed = atomic_load(&hc->armed_ms);
    if (armed == 0 || now - armed < c->timeout_ms)
        return false;
    if (atomic_load(&hc->due_gen) == gen)
        return late_at(hc, now);
    atomic_store(&hc->due_ms, now);
    atomic_store(&hc->due_busy_ms, busy_of(hc->owner, now));
    atomic_store(&hc->due_gen, gen); /* a re-arm meanwhile left gen ahead: this note is void */
    return false;
}

/* Shuts down the connections past their deadline; returns how many. */
static unsigned reap(struct conns *c)
{
    unsigned n = 0;
    int64_t now = now_ms();
    pthread_mutex_lock(&c->lock);
    for (struct http_conn *hc = c->list.next; hc != &c->list; hc = hc->next) {
        if (hc->shut || !reap_one(c, hc, now))
            continue;
        shutdown(hc->fd, SHUT_RDWR);
        hc->shut = true;
        n++;
    }
    pthread_mutex_unlock(&c->lock);
    return n;
}

static void *reaper_main(void *arg)
{
    struct conns *c = arg;
    while (!atomic_load(&c->stop)) {
        sleep_ms_unless(REAP_EVERY_MS, &c->stop);
        unsigned n = reap(c);
        if (n) {
            atomic_fetch_add(&c->reaped, n);
            diag_info("http: closed %u connection%s past the %lld ms request deadline", n,
                      n == 1 ? "" : "s", (long long)c->timeout_ms);
        }
    }
    return NULL;
}

bool conns_start(struct conns *c, unsigned timeout_s, size_t max_buffered)
{
    c->list.prev = c->list.next = &c->list;
    c->timeout_ms = (int64_t)timeout_s * 1000;
    c->max_buffered = max_buffered;
    atomic_init(&c->buffered, 0);
    atomic_init(&c->reaped, 0);
    atomic_init(&c->stop, false);
    atomic_init(&c->n_workers, 0);
    for (unsigned i = 0; i < CONNS_MAX_WORKERS; i++) {
        atomic_init(&c->workers[i].busy_since_ms, 0);
        atomic_init(&c->workers[i].busy_ms, 0);
    }
    if (pthread_mutex_init(&c->lock, NULL) != 0)
        return false;
    if (pthread_create(&c->reaper, NULL, reaper_main, c) != 0) {
        pthread_mutex_destroy(&c->lock);
        return false;
    }
    c->started = true;
    return true;
}

void conns_stop(struct conns *c)
{
    if (!c->started)
        return;
    atomic_store(&c->stop, true);
    pthread_join(c->reaper, NULL);
    pthread_mutex_destroy(&c->lock);
    c->started = false;
}

/* The calling thread's worker record in c, taken on first use; NULL once all are taken (its
 * connections' deadlines then run on wall-clock time). */
static struct http_worker *self_in(struct conns *c)
{
    static _Thread_local struct conns *of;
    static _Thread_local struct http_worker *self;
    if (of == c)
        return self;
    unsigned i = atomic_fetch_add(&c->n_workers, 1);
    of = c;
    self = i < CONNS_MAX_WORKERS ? &c->workers[i] : NULL;
    return self;
}

struct http_conn *conns_open(struct conns *c, int fd)
{
    struct http_conn *hc = calloc(1, sizeof *hc);
    if (!hc)
        return NULL;
    hc->fd = fd;
    hc->owner = self_in(c);
    conns_arm(hc);
    pthread_mutex_lock(&c->lock);
    hc->prev = c->list.prev;
    hc->next = &c->list;
    c->list.prev->next = hc;
    c->list.prev = hc;
    pthread_mutex_unlock(&c->lock);
    return hc;
}

void conns_close(struct conns *c, struct http_conn *hc)
{
    if (!hc)
        return;
    pthread_mutex_lock(&c->lock);
    hc->prev->next = hc->next;
    hc->next->prev = hc->prev;
    pthread_mutex_unlock(&c->lock);
    free(hc);
}

void conns_busy(struct conns *c)
{
    struct http_worker *w = self_in(c);
    if (w)
        atomic_store(&w->busy_since_ms, now_ms());
}

void conns_idle(struct conns *c)
{
    struct http_worker *w = self_in(c);
    if (!w)
        return;
    int64_t since = atomic_load(&w->busy_since_ms);
    if (since)
        atomic_fetch_add(&w->busy_ms, now_ms() - since);
    atomic_store(&w->busy_since_ms, 0);
}

void conns_arm(struct http_conn *hc)
{
    atomic_fetch_add(&hc->gen, 1);
    atomic_store(&hc->armed_ms, now_ms());
}

void conns_disarm(struct http_conn *hc)
{
    atomic_fetch_add(&hc->gen, 1);
    atomic_store(&hc->armed_ms, 0);
}

bool conns_expired(const struct http_conn *hc)
{
    return late_at(hc, now_ms());
}

bool conns_take(struct conns *c, size_t n)
{
    size_t cur = atomic_load(&c->buffered);
    do {
        if (n > c->max_buffered - cur)
            return false;
    } while (!atomic_compare_exchange_weak(&c->buffered, &cur, cur + n));
    return true;
}

void conns_give(struct conns *c, size_t n)
{
    atomic_fetch_sub(&c->buffered, n);
}
