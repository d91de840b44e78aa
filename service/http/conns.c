/* DESIGN. MHD's connection timeout counts idle time only, so a client sending a byte every few
 * seconds holds a connection for ever. Every TCP connection is registered here when it starts,
 * with a deadline timeout_ms from accept (from the end of the previous request when the
 * connection is kept alive). The worker that owns the connection disarms the deadline once a
 * handler has the whole request or a reply is queued, and re-arms it when the request completes.
 * A reaper thread wakes every REAP_EVERY_MS and shuts down (shutdown(2): the socket stays the
 * server's to close) every connection past its deadline; MHD's worker then sees the hang-up and
 * closes it.
 *
 * Threads. A connection's deadline is written by the MHD worker that owns the connection and read
 * by the reaper, hence atomic. The list and `shut` are under `lock`, which the reaper holds while
 * it shuts sockets down; conns_close unlinks under the same lock and is called before the socket
 * is closed, so the reaper never shuts down a descriptor that was closed and reused.
 *
 * The budget is a counter changed by compare-and-swap, never above max_buffered. */
#include "http/conns.h"

#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

#include "util/diag.h"
#include "util/sleep.h"

#define REAP_EVERY_MS 250

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Shuts down the connections past their deadline; returns how many. */
static unsigned reap(struct conns *c)
{
    unsigned n = 0;
    int64_t now = now_ms();
    pthread_mutex_lock(&c->lock);
    for (struct http_conn *hc = c->list.next; hc != &c->list; hc = hc->next) {
        int64_t deadline = atomic_load(&hc->deadline_ms);
        if (hc->shut || deadline == 0 || now < deadline)
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

struct http_conn *conns_open(struct conns *c, int fd)
{
    struct http_conn *hc = calloc(1, sizeof *hc);
    if (!hc)
        return NULL;
    hc->fd = fd;
    conns_arm(c, hc);
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

void conns_arm(const struct conns *c, struct http_conn *hc)
{
    atomic_store(&hc->deadline_ms, now_ms() + c->timeout_ms);
}

void conns_disarm(struct http_conn *hc)
{
    atomic_store(&hc->deadline_ms, 0);
}

bool conns_expired(const struct http_conn *hc)
{
    int64_t deadline = atomic_load(&hc->deadline_ms);
    return deadline != 0 && now_ms() >= deadline;
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
