/* SPDX-License-Identifier: Apache-2.0 */
#include "db/events.h"
#include "db/columns.h"
#include "db/exec.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>

enum db_status db_events_listen(struct db_conn *conn, int *pid)
{
    enum db_status st = db_exec_simple(conn, "LISTEN " DB_EVENTS_CHANNEL);
    *pid = st == DB_OK ? PQbackendPID(db_pg(conn)) : 0;
    return st;
}

static unsigned kind_of(const char *payload)
{
    switch (payload[0]) {
    case 'r':
        return DB_EVENTS_ITEMS;
    case 'l':
        return DB_EVENTS_LOG;
    case 'a':
        return DB_EVENTS_ANCHORS;
    default:
        return DB_EVENTS_ITEMS | DB_EVENTS_LOG | DB_EVENTS_ANCHORS;
    }
}

/* Takes the notifications libpq has read into *kinds. */
static void take_notifications(PGconn *pg, unsigned *kinds)
{
    PGnotify *n;
    while ((n = PQnotifies(pg)) != NULL) {
        *kinds |= kind_of(n->extra ? n->extra : "");
        PQfreemem(n);
    }
}

enum db_status db_events_wait(struct db_conn *conn, int pid, unsigned timeout_ms, unsigned *kinds)
{
    PGconn *pg = db_pg(conn);
    if (!pg || PQstatus(pg) != CONNECTION_OK || PQbackendPID(pg) != pid)
        return DB_UNAVAILABLE;
    take_notifications(pg, kinds); /* read along with an earlier statement's reply */
    if (*kinds)
        return DB_OK;
    struct pollfd p = {.fd = PQsocket(pg), .events = POLLIN};
    int rc = poll(&p, 1, (int)timeout_ms);
    if (rc < 0 && errno != EINTR)
        return DB_UNAVAILABLE;
    if (rc > 0 && !PQconsumeInput(pg))
        return DB_UNAVAILABLE;
    take_notifications(pg, kinds);
    return PQstatus(pg) == CONNECTION_OK ? DB_OK : DB_UNAVAILABLE;
}

/* Two statements, in this order: the transaction id and the snapshot must be taken after the
 * sequence was read. */
static const struct db_stmt db_events_item_last_stmt = {
    "db_events_item_last",
    "SELECT coalesce(pg_sequence_last_value(pg_get_serial_sequence('items', 'id')::regclass), 0)",
    0};
static const struct db_stmt db_events_snapshot_stmt = {
    "db_events_snapshot", "SELECT pg_current_xact_id()::text, pg_current_snapshot()::text", 0};

enum db_status db_events_item_horizon(struct db_conn *conn, struct db_events_horizon *h)
{
    PGresult *res = NULL;
    enum db_status st = db_exec(conn, &db_events_item_last_stmt, NULL, NULL, NULL, &res);
    if (st == DB_OK && PQntuples(res) == 1)
        h->last = db_i64(res, 0, 0);
    else if (st == DB_OK)
        st = DB_ERROR;
    PQclear(res);
    res = NULL;
    if (st == DB_OK)
        st = db_exec(conn, &db_events_snapshot_stmt, NULL, NULL, NULL, &res);
    if (st == DB_OK && (PQntuples(res) != 1 || (size_t)PQgetlength(res, 0, 1) >= sizeof h->snap))
        st = DB_ERROR;
    if (st == DB_OK) {
        h->xid = db_i64(res, 0, 0);
        snprintf(h->snap, sizeof h->snap, "%s", PQgetvalue(res, 0, 1));
    }
    PQclear(res);
    return st;
}

/* pg_visible_in_snapshot says a transaction is no longer running as of this statement's own
 * snapshot (committed or aborted alike). $1 the horizon's snapshot, $2 its transaction id. */
static const struct db_stmt db_events_settled_stmt = {
    "db_events_settled",
    "SELECT NOT EXISTS (SELECT 1 FROM (SELECT pg_snapshot_xip($1::pg_snapshot) UNION ALL "
    "SELECT g::text::xid8 FROM generate_series(pg_snapshot_xmax($1::pg_snapshot)::text::bigint, "
    "$2::bigint - 1) g) r(x) WHERE NOT pg_visible_in_snapshot(r.x, pg_current_snapshot()))",
    2};

enum db_status db_events_settled(struct db_conn *conn, const struct db_events_horizon *h,
                                 bool *settled)
{
    char xid[24];
    snprintf(xid, sizeof xid, "%" PRId64, h->xid);
    const char *values[] = {h->snap, xid};
    PGresult *res = NULL;
    enum db_status st = db_exec(conn, &db_events_settled_stmt, values, NULL, NULL, &res);
    *settled = st == DB_OK && PQntuples(res) == 1 && db_bool(res, 0, 0);
    PQclear(res);
    return st;
}

/* An anchor's reached statuses as (pos, status, when): submitted once it ever left pending
 * (submitted_at stays set across a reorg), confirmed once confirmed. */
#define ANCHOR_EVENTS                                                                              \
    " FROM anchors a CROSS JOIN LATERAL (VALUES (a.id * 4 + 1, 'submitted', a.submitted_at), "     \
    "(a.id * 4 + 3, 'confirmed', a.confirmed_at)) ev(pos, status, at) WHERE ev.at IS NOT NULL "

static const struct db_stmt db_events_heads_stmt = {
    "db_events_heads",
    "SELECT (SELECT coalesce(max(tree_size), 0) FROM log_checkpoints), "
    "(SELECT coalesce(max(ev.pos), 0)" ANCHOR_EVENTS ")",
    0};

enum db_status db_events_heads(struct db_conn *conn, int64_t *tree_size, int64_t *anchor)
{
    PGresult *res = NULL;
    enum db_status st = db_exec(conn, &db_events_heads_stmt, NULL, NULL, NULL, &res);
    if (st == DB_OK && PQntuples(res) == 1) {
        *tree_size = db_i64(res, 0, 0);
        *anchor = db_i64(res, 0, 1);
    } else if (st == DB_OK) {
        st = DB_ERROR;
    }
    PQclear(res);
    return st;
}

/* $1 after, $2 up to, $3 limit, as text. */
static void range_params(int64_t after, int64_t upto, unsigned limit, char a[24], char u[24],
                         char l[16])
{
    snprintf(a, 24, "%" PRId64, after);
    snprintf(u, 24, "%" PRId64, upto);
    snprintf(l, 16, "%u", limit);
}

static const struct db_stmt db_events_items_stmt = {
    "db_events_items",
    "SELECT " ITEM_COLUMNS ITEM_FROM "WHERE i.id > $1 AND i.id <= $2 ORDER BY i.id LIMIT $3", 3};

static void read_item(const PGresult *res, int r, void *out, const void *arg)
{
    (void)arg;
    db_item_row_read(res, r, true, out);
}

enum db_status db_events_items(struct db_conn *conn, int64_t after, int64_t upto, unsigned limit,
                               struct item_rows *out)
{
    char a[24], u[24], l[16];
    range_params(after, upto, limit, a, u, l);
    const char *values[] = {a, u, l};
    PGresult *res = NULL;
    memset(out, 0, sizeof *out);
    enum db_status st = db_exec(conn, &db_events_items_stmt, values, NULL, NULL, &res);
    if (st != DB_OK)
        return st;
    out->v = db_rows(res, sizeof *out->v, read_item, NULL, &out->n, &out->owner);
    return out->v ? DB_OK : DB_ERROR;
}

/* The checkpoints in ($1, $2] that cover no registration after $4 (not told yet). The entries
 * after $4 are read through log_entries_item_id_idx (OFFSET 0 keeps them a subquery): as
 * min(log_index) over the whole table, PostgreSQL walked the primary key from index 0 until it
 * met an entry after $4, the whole log when $4 is recent (136 ms a call at 1,000,000 entries). */
static const struct db_stmt db_events_checkpoints_stmt = {
    "db_events_checkpoints",
    "SELECT c.tree_size, coalesce((SELECT max(p.tree_size) FROM log_checkpoints p "
    "WHERE p.tree_size < c.tree_size), 0), c.note, "
    "(extract(epoch FROM c.created_at) * 1000000)::bigint FROM log_checkpoints c "
    "WHERE c.tree_size > $1 AND c.tree_size <= $2 AND c.tree_size <= coalesce((SELECT "
    "min(e.log_index) FROM (SELECT log_index FROM log_entries WHERE item_id > $4 OFFSET 0) e), "
    "c.tree_size) "
    "ORDER BY c.tree_size LIMIT $3",
    4};

static void read_checkpoint(const PGresult *res, int r, void *out, const void *arg)
{
    (void)arg;
    *(struct event_checkpoint *)out = (struct event_checkpoint){
        .tree_size = db_i64(res, r, 0),
        .from = db_i64(res, r, 1),
        .note = PQgetvalue(res, r, 2),
        .created_us = db_i64(res, r, 3),
    };
}

enum db_status db_events_checkpoints(struct db_conn *conn, int64_t after, int64_t upto,
                                     int64_t items_told, unsigned limit,
                                     struct event_checkpoints *out)
{
    char a[24], u[24], l[16], t[24];
    range_params(after, upto, limit, a, u, l);
    snprintf(t, sizeof t, "%" PRId64, items_told);
    const char *values[] = {a, u, l, t};
    PGresult *res = NULL;
    memset(out, 0, sizeof *out);
    enum db_status st = db_exec(conn, &db_events_checkpoints_stmt, values, NULL, NULL, &res);
    if (st != DB_OK)
        return st;
    out->v = db_rows(res, sizeof *out->v, read_checkpoint, NULL, &out->n, &out->owner);
    return out->v ? DB_OK : DB_ERROR;
}

static const struct db_stmt db_events_anchors_stmt = {
    "db_events_anchors",
    "SELECT ev.pos, a.id, a.chain_id, a.tree_size, encode(a.root, 'hex'), ev.status, "
    "encode(coalesce(a.tx_hash, (SELECT t.tx_hash FROM anchor_attempts t WHERE t.anchor_id = a.id "
    "AND t.sent ORDER BY t.attempt DESC LIMIT 1)), 'hex'), a.block_number, a.confirmations, "
    "(extract(epoch FROM ev.at) * 1000000)::bigint" ANCHOR_EVENTS
    "AND a.id >= $1::bigint / 4 AND ev.pos > $1 AND ev.pos <= $2 ORDER BY ev.pos LIMIT $3",
    3};

static void read_anchor_event(const PGresult *res, int r, void *out, const void *arg)
{
    (void)arg;
    *(struct event_anchor *)out = (struct event_anchor){
        .pos = db_i64(res, r, 0),
        .id = db_i64(res, r, 1),
        .chain_id = db_u64(res, r, 2),
        .tree_size = db_i64(res, r, 3),
        .root_hex = PQgetvalue(res, r, 4),
        .status = PQgetvalue(res, r, 5),
        .tx_hash_hex = db_str(res, r, 6),
        .has_block = !PQgetisnull(res, r, 7),
        .block_number = db_u64(res, r, 7),
        .confirmations = db_u64(res, r, 8),
        .at_us = db_i64(res, r, 9),
    };
}

enum db_status db_events_anchors(struct db_conn *conn, int64_t after, int64_t upto, unsigned limit,
                                 struct event_anchors *out)
{
    char a[24], u[24], l[16];
    range_params(after, upto, limit, a, u, l);
    const char *values[] = {a, u, l};
    PGresult *res = NULL;
    memset(out, 0, sizeof *out);
    enum db_status st = db_exec(conn, &db_events_anchors_stmt, values, NULL, NULL, &res);
    if (st != DB_OK)
        return st;
    out->v = db_rows(res, sizeof *out->v, read_anchor_event, NULL, &out->n, &out->owner);
    return out->v ? DB_OK : DB_ERROR;
}
