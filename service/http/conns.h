/* SPDX-License-Identifier: Apache-2.0 */
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

/* An MHD worker thread, as the deadlines see it: while it runs a handler, every other connection
 * it owns waits for it, unread. Written by its own thread, read by the reaper. */
struct http_worker {
    _Atomic int64_t busy_since_ms; /* CLOCK_MONOTONIC; 0: not in a handler */
    _Atomic int64_t busy_ms;       /* time spent in finished handler calls, ever */
};

#define CONNS_MAX_WORKERS 272 /* --threads (at most 256), the metrics listener's, a margin */

/* One TCP connection. Owned by struct conns between conns_open and conns_close. */
struct http_conn {
    struct http_conn *prev, *next; /* in the list, under conns.lock */
    int fd;                        /* borrowed: the server closes it, after conns_close */
    bool shut;                     /* under conns.lock: shut down by the reaper */
    struct http_worker *owner;     /* the thread that serves it; NULL: none known */
    /* Written by the owner: when the deadline's clock started (0: disarmed, a handler has the
     * request), and a generation bumped at every arm and disarm. */
    _Atomic int64_t armed_ms;
    _Atomic uint64_t gen;
    /* Written by the reaper when it first finds the deadline passed (for generation due_gen,
     * stored last): when, and the owner's busy time then. */
    _Atomic int64_t due_ms, due_busy_ms;
    _Atomic uint64_t due_gen;
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
    struct http_worker workers[CONNS_MAX_WORKERS];
    atomic_uint n_workers;
};

/* Sets c up and starts the reaper thread; false (nothing to undo) when that fails. */
bool conns_start(struct conns *c, unsigned timeout_s, size_t max_buffered)
    __attribute__((warn_unused_result));
/* Stops the reaper. Every connection must be closed first. Harmless when never started. */
void conns_stop(struct conns *c);

/* Registers the connection on fd, served by the calling thread, with its deadline armed; NULL
 * when out of memory. Call it on the thread that serves the connection. */
struct http_conn *conns_open(struct conns *c, int fd) __attribute__((warn_unused_result));
/* Unregisters and frees hc (NULL is fine); call it before fd is closed. Thread-safe. */
void conns_close(struct conns *c, struct http_conn *hc);

/* The calling thread starts or ends a handler call (which holds up its other connections). */
void conns_busy(struct conns *c);
void conns_idle(struct conns *c);

/* The deadline, from now (a request may start: accept or the end of the previous request). */
void conns_arm(struct http_conn *hc);
/* No deadline while a handler runs and its reply is sent (MHD's idle timeout still applies). */
void conns_disarm(struct http_conn *hc);
/* The deadline has passed and the owner has since had time to read what the client sent before
 * it (a request that waited, unread, for a busy thread is not late). */
bool conns_expired(const struct http_conn *hc);

/* Takes n bytes from the budget: false, taking nothing, when that would exceed max_buffered.
 * Lock-free; conns_give returns them. */
bool conns_take(struct conns *c, size_t n) __attribute__((warn_unused_result));
void conns_give(struct conns *c, size_t n);

#endif
