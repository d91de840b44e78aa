/* SPDX-License-Identifier: Apache-2.0 */
/* The event feed's side of PostgreSQL (GET /v1/events; registry/events.c drives it): LISTEN on
 * the channel every writer NOTIFYs in the transaction of its write, and the statements that
 * read what followed a position.
 *
 * DESIGN (settled registrations). Item ids come from an identity sequence (cache 1), in the
 * order the inserts ran, but transactions commit in any order: id 100 may commit after 101, and
 * a feed that told 101 and moved on would never tell 100 (nor could a client resuming after 101
 * get it). So the feed tells ids only up to a settled horizon. db_events_item_horizon reads the
 * sequence's last value S and then, in a later statement, takes a transaction id X of its own
 * and a snapshot; every insert takes its transaction id before it draws an id (db_item_insert),
 * so each id up to S belongs to a transaction with an id below X that had finished or was
 * running then. A snapshot lists the running transactions only below its xmax (the latest
 * completed one + 1); those in [xmax, X) were all running too. Once db_events_settled sees all
 * of them finished, every id up to S is committed or never will be, and a later statement
 * reads them all. Nothing is written per registration for
 * this: the cost is a few statements on the feed's own connection per round. */
#ifndef PROVD_DB_EVENTS_H
#define PROVD_DB_EVENTS_H

#include <stdbool.h>
#include <stdint.h>

#include "core/event.h"
#include "core/item.h"
#include "db/pool.h"

/* The channel, and the payloads' first letters: 'r' registrations, 'l' a checkpoint ('l' and
 * its tree size), 'a' an anchor's status change ('a' and its id). */
#define DB_EVENTS_CHANNEL "provd_events"
enum db_events_kind { DB_EVENTS_ITEMS = 1, DB_EVENTS_LOG = 2, DB_EVENTS_ANCHORS = 4 };

/* LISTENs on conn (a db_connect session of its own); *pid identifies the session, so that
 * db_events_wait notices when a reconnect (which forgets LISTEN) replaced it. */
enum db_status db_events_listen(struct db_conn *conn, int *pid) __attribute__((warn_unused_result));
/* Waits up to timeout_ms for notifications and ORs the kinds that came into *kinds.
 * DB_UNAVAILABLE when the connection broke or is no longer the session pid listened on. */
enum db_status db_events_wait(struct db_conn *conn, int pid, unsigned timeout_ms, unsigned *kinds)
    __attribute__((warn_unused_result));

/* A registration horizon (DESIGN above). */
#define DB_EVENTS_SNAP_MAX 4096 /* bytes of a snapshot's text (its running transactions) */
struct db_events_horizon {
    int64_t last;                  /* the last item id drawn (0: none) */
    int64_t xid;                   /* X: a transaction id taken after last was read */
    char snap[DB_EVENTS_SNAP_MAX]; /* a snapshot taken after last was read, as text */
};

/* Reads a horizon into *h. */
enum db_status db_events_item_horizon(struct db_conn *conn, struct db_events_horizon *h)
    __attribute__((warn_unused_result));
/* Whether every transaction that was running at h (those h->snap lists, and those from its
 * xmax up to h->xid) has finished. */
enum db_status db_events_settled(struct db_conn *conn, const struct db_events_horizon *h,
                                 bool *settled) __attribute__((warn_unused_result));
/* The largest tree size checkpointed and the largest EVENT_ANCHOR_POS reached (0: none). */
enum db_status db_events_heads(struct db_conn *conn, int64_t *tree_size, int64_t *anchor)
    __attribute__((warn_unused_result));

/* The registrations with after < id <= upto, in id order, at most limit (rows as
 * GET /v1/items shows them; free with item_rows_free). */
enum db_status db_events_items(struct db_conn *conn, int64_t after, int64_t upto, unsigned limit,
                               struct item_rows *out) __attribute__((warn_unused_result));
/* The checkpoints with after < tree_size <= upto, smallest first, at most limit, that log no
 * registration with an id above items_told (a feed tells a checkpoint after what it holds). */
enum db_status db_events_checkpoints(struct db_conn *conn, int64_t after, int64_t upto,
                                     int64_t items_told, unsigned limit,
                                     struct event_checkpoints *out)
    __attribute__((warn_unused_result));
/* The anchor status changes with after < EVENT_ANCHOR_POS <= upto, in that order, at most
 * limit. */
enum db_status db_events_anchors(struct db_conn *conn, int64_t after, int64_t upto, unsigned limit,
                                 struct event_anchors *out) __attribute__((warn_unused_result));

#endif
