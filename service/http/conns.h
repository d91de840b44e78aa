/* What the HTTP server bounds across connections: the whole-request deadline (a reaper thread
 * shuts down connections past it) and the bytes of request bodies buffered at once (a budget).
 * Knows nothing of MHD: the server registers each TCP connection's socket here. */
#ifndef PROVD_HTTP_CONNS_H
#define PROVD_HTTP_CONNS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One TCP connection. Owned by struct conns between conns_open and conns_close. */
struct http_conn {
    struct http_conn *prev, *next; /* in the list, under conns.lock */
    int fd;                        /* borrowed: the server closes it, after conns_close */
    bool shut;                     /* under conns.lock: shut down by the reaper */
    _Atomic int64_t deadline_ms;   /* CLOCK_MONOTONIC; 0: none (a handler has the request) */
};

struct conns {
    pthread_mutex_t lock;
    struct http_conn list; /* sentinel of the circular list of open connections */
    int64_t timeout_ms;    /* the whole-request deadline */
    size_t max_buffered;   /* bytes */
    atomic_size_t buffered;
    atomic_uint_fast64_t reaped; /* connections shut down at their deadline, ever */
    atomic_bool stop;
    pthread_t reaper;
    bool started;
};

/* Sets c up and starts the reaper thread; false (nothing to undo) when that fails. */
bool conns_start(struct conns *c, unsigned timeout_s, size_t max_buffered)
    __attribute__((warn_unused_result));
/* Stops the reaper. Every connection must be closed first. Harmless when never started. */
void conns_stop(struct conns *c);

/* Registers the connection on fd with its deadline armed; NULL when out of memory. Thread-safe.
 */
struct http_conn *conns_open(struct conns *c, int fd) __attribute__((warn_unused_result));
/* Unregisters and frees hc (NULL is fine); call it before fd is closed. Thread-safe. */
void conns_close(struct conns *c, struct http_conn *hc);

/* The deadline, from now (a request may start: accept or the end of the previous request). */
void conns_arm(const struct conns *c, struct http_conn *hc);
/* No deadline while a handler runs and its reply is sent (MHD's idle timeout still applies). */
void conns_disarm(struct http_conn *hc);
/* The deadline is armed and has passed. */
bool conns_expired(const struct http_conn *hc);

/* Takes n bytes from the budget: false, taking nothing, when that would exceed max_buffered.
 * Lock-free; conns_give returns them. */
bool conns_take(struct conns *c, size_t n) __attribute__((warn_unused_result));
void conns_give(struct conns *c, size_t n);

#endif
