/* SPDX-License-Identifier: Apache-2.0 */
/* GET /v1/events: the subscribers of the event feed (registry/events.h) and their streams.
 *
 * DESIGN. A stream must not hold an MHD worker: each thread serves many connections. So the
 * response is a content-reader callback over the subscriber's queue; when the queue is empty
 * the callback suspends the connection (MHD_suspend_connection, allowed from a content reader
 * with MHD_ALLOW_SUSPEND_RESUME) and returns 0, and whoever queues bytes (the feed's thread, the
 * keep-alive ticker, shutdown) resumes it. MHD forgets a suspended connection's idle timeout; a
 * resumed one gets it back, and the ticker writes a comment into every stream that was quiet
 * for a third of --idle-timeout, so a live stream never idles out while a dead client is found
 * within one keep-alive. The event's JSON is built once per event and copied into each queue;
 * a queue past HTTP_EVENTS_QUEUE_MAX (a client that stopped reading) is freed and its stream
 * ended, so memory is bounded by --max-event-subscribers * HTTP_EVENTS_QUEUE_MAX. Everything
 * below is under one mutex, taken by the feed's thread, the ticker and the MHD workers' reader
 * calls; MHD's suspend and resume are only called with it held, so a subscriber is resumed at
 * most once per suspension and never after its response was freed. */
#ifndef PROVD_HTTP_EVENTS_H
#define PROVD_HTTP_EVENTS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/event.h"

#define HTTP_EVENTS_QUEUE_MAX  (1u << 20) /* bytes queued for one subscriber */
#define HTTP_EVENTS_REPLAY_MAX 1000       /* events a reconnecting client is sent back */

struct http_subscriber;
struct feed_event;

struct http_events {
    pthread_mutex_t lock;
    pthread_cond_t tick; /* on CLOCK_MONOTONIC: wakes the ticker early (shutdown) */
    struct http_subscriber *head;
    unsigned n;   /* subscribers, also those being set up */
    unsigned max; /* --max-event-subscribers */
    unsigned keepalive_ms;
    bool ready;           /* the feed has told its first position */
    struct event_pos pos; /* the feed's position */
    bool closing;         /* shutting down: streams end, new ones are refused */
    bool stopping, ticking;
    pthread_t ticker;
    atomic_uint_fast64_t sent; /* events queued to subscribers */
    atomic_uint_fast64_t cut;  /* subscribers disconnected for falling behind */
};

/* Sets h up (max subscribers; keep-alives every keepalive_ms) and starts its ticker; false when
 * that fails (nothing to undo). */
bool http_events_init(struct http_events *h, unsigned max, unsigned keepalive_ms)
    __attribute__((warn_unused_result));
/* Shutdown: every stream ends at once (after what is queued), new ones get 503. */
void http_events_close(struct http_events *h);
/* Waits up to ms for the streams' responses to be freed; true when none is left. */
bool http_events_drained(struct http_events *h, unsigned ms);
/* Stops the ticker and frees h; the daemon is stopped (no stream is left). */
void http_events_destroy(struct http_events *h);
/* The feed's sink (struct event_sink of registry/events.h), arg the struct http_events. */
void http_events_deliver(void *arg, const struct feed_event *ev);
bool http_events_wanted(void *arg);
unsigned http_events_subscribers(struct http_events *h);

#endif
