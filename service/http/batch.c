/* POST /v1/items/batch: up to BATCH_MAX registrations in one request, each with its own outcome.
 *
 * DESIGN: every element is parsed and its signature verified first. The valid ones are stored in
 * one transaction whose inserts are pipelined (db_item_insert_many): a batch costs one commit
 * and one round trip per DB_PIPELINE_CHUNK elements instead of a request, a round trip and a
 * commit each. An element that comes back without a row (revoked or unknown signer, or a
 * concurrent insert of the same registration) is resolved on its own after the commit, as
 * POST /v1/items would. The reply is 200 with one result per element, in order; a failure of
 * the request as a whole (credentials, JSON, shape, database) is a problem and stores nothing. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/item.h"
#include "util/jsonw.h"
#include "util/diag.h"
#include "db/items.h"
#include "http/items.h"
#include "http/reply.h"
#include "http/route.h"
#include "registry/registry.h"

#define BATCH_MAX 1000

struct batch_entry {
    struct item_request req; /* owned; all zero unless parsed (freeing is safe either way) */
    struct problem err;   /* code != PROBLEM_NONE: this element failed */
    PGresult *res;           /* its stored row (ITEM_COL_* columns) */
};

struct batch {
    struct batch_entry *e;
    size_t n;
    const struct item_request **valid; /* the parsed elements, in order */
    size_t *valid_at;                  /* their indexes in e */
    PGresult **results;                /* db_item_insert_many's, one per valid element */
    size_t n_valid;
    bool require_known, keyless;
};

static void batch_free(struct batch *b)
{
    for (size_t i = 0; i < b->n; i++) {
        item_request_free(&b->e[i].req);
        PQclear(b->e[i].res);
    }
    for (size_t k = 0; b->results && k < b->n_valid; k++)
        PQclear(b->results[k]);
    free(b->e);
    free(b->valid);
    free(b->valid_at);
    free(b->results);
}

/* The body's "items" array, or NULL with the problem queued in *r. */
static json_t *items_array(struct http_request *req, json_t *root, enum MHD_Result *r)
{
    json_t *items = json_object_get(root, "items");
    if (!json_is_object(root) || json_object_size(root) != 1 || !items) {
        *r = reply_problem(req, PROBLEM_INVALID_FIELD, "items",
                           "the body must be {\"items\": [registration, ...]}");
        return NULL;
    }
    if (!json_is_array(items) || json_array_size(items) == 0 ||
        json_array_size(items) > BATCH_MAX) {
        *r = reply_problem(req, PROBLEM_INVALID_FIELD, "items",
                           "items must be an array of 1 to %d registrations", BATCH_MAX);
        return NULL;
    }
    return items;
}

/* Parses and verifies every element; false only when out of memory. */
static bool parse_entries(struct batch *b, json_t *items)
{
    size_t n = json_array_size(items);
    b->e = calloc(n, sizeof *b->e);
    b->valid = calloc(n, sizeof *b->valid);
    b->valid_at = calloc(n, sizeof *b->valid_at);
    b->results = calloc(n, sizeof *b->results);
    if (!b->e || !b->valid || !b->valid_at || !b->results)
        return false;
    b->n = n;
    for (size_t i = 0; i < b->n; i++) {
        struct batch_entry *e = &b->e[i];
        json_t *v = json_array_get(items, i);
        if (!json_is_object(v)) {
            e->err.code = PROBLEM_INVALID_FIELD;
            snprintf(e->err.detail, sizeof e->err.detail,
                     "each element of items must be a registration (a JSON object)");
            continue;
        }
        if (!item_parse_json(v, &e->req, &e->err))
            continue;
        b->valid[b->n_valid] = &e->req;
        b->valid_at[b->n_valid++] = i;
    }
    return true;
}

static void element_db_error(struct problem *err, enum db_status st)
{
    bool down = st == DB_UNAVAILABLE || st == DB_RETRY;
    err->code = down ? PROBLEM_DB_UNAVAILABLE : PROBLEM_INTERNAL;
    err->field[0] = '\0';
    snprintf(err->detail, sizeof err->detail, "%s",
             down
                 ? "the database became unavailable before this element was resolved; send it "
                   "again (the rest of the batch is stored)"
                 : "internal error while resolving this element (the rest of the batch is stored)");
}

static enum db_status insert_valid(struct db_conn *conn, void *arg)
{
    struct batch *b = arg;
    for (size_t k = 0; k < b->n_valid; k++) { /* a retried transaction starts afresh */
        PQclear(b->results[k]);
        b->results[k] = NULL;
    }
    return db_item_insert_many(conn, b->valid, b->n_valid, b->require_known, b->results);
}

/* Stores the valid elements in one transaction, then resolves those that got no row. */
static enum db_status store(struct db_pool *pool, struct batch *b)
{
    if (b->n_valid == 0)
        return DB_OK; /* nothing to store: no need for the database */
    struct db_conn *conn = db_acquire(pool);
    if (!conn)
        return DB_UNAVAILABLE;
    enum db_status st = db_transaction(conn, insert_valid, b);
    /* A lost connection (a restarted server, a killed backend) is healed and the batch run once
     * more: it is idempotent, so a commit that succeeded unseen shows as "existing". */
    if (st == DB_UNAVAILABLE && db_reconnect(conn))
        st = db_transaction(conn, insert_valid, b);
    for (size_t k = 0; k < b->n_valid && st == DB_OK; k++) {
        struct batch_entry *e = &b->e[b->valid_at[k]];
        if (PQntuples(b->results[k]) == 1) {
            e->res = b->results[k];
            b->results[k] = NULL;
            continue;
        }
        /* The batch is committed: a failure now concerns this element alone. */
        enum db_status one =
            http_item_register(conn, &e->req, b->require_known, b->keyless, &e->res, &e->err);
        if (one != DB_OK)
            element_db_error(&e->err, one);
    }
    db_release(pool, conn);
    return st;
}

static void write_problem(struct jsonw *w, size_t i, const struct problem *err)
{
    const struct problem_info *p = problem_info(err->code);
    char field[128];
    snprintf(field, sizeof field, "items[%zu]%s%s", i, err->field[0] ? "." : "", err->field);
    jw_object_begin(w);
    jw_key(w, "type");
    jw_string(w, p->type);
    jw_key(w, "title");
    jw_string(w, p->title);
    jw_key(w, "status");
    jw_int(w, p->status);
    jw_key(w, "detail");
    jw_string(w, err->detail);
    jw_key(w, "field");
    jw_string(w, field);
    jw_object_end(w);
}

static enum MHD_Result reply_results(struct http_request *req, const struct batch *b)
{
    struct buf body = BUF_INIT;
    struct jsonw w;
    size_t created = 0, existing = 0, failed = 0;
    jw_init(&w, &body);
    jw_object_begin(&w);
    jw_key(&w, "results");
    jw_array_begin(&w);
    for (size_t i = 0; i < b->n; i++) {
        const struct batch_entry *e = &b->e[i];
        bool ok = e->err.code == PROBLEM_NONE;
        bool is_new = ok && PQgetvalue(e->res, 0, ITEM_COL_CREATED)[0] == 't';
        created += is_new, existing += ok && !is_new, failed += !ok;
        jw_object_begin(&w);
        jw_key(&w, "index");
        jw_int(&w, (int64_t)i);
        jw_key(&w, "status");
        jw_int(&w,
               ok ? (is_new ? MHD_HTTP_CREATED : MHD_HTTP_OK) : problem_info(e->err.code)->status);
        jw_key(&w, ok ? "item" : "problem");
        if (ok)
            http_write_item(&w, e->res, 0);
        else
            write_problem(&w, i, &e->err);
        jw_object_end(&w);
    }
    jw_array_end(&w);
    jw_key(&w, "created");
    jw_int(&w, (int64_t)created);
    jw_key(&w, "existing");
    jw_int(&w, (int64_t)existing);
    jw_key(&w, "failed");
    jw_int(&w, (int64_t)failed);
    jw_object_end(&w);
    diag_msg(DIAG_INFO, req->rid, "batch of %zu: %zu created, %zu existing, %zu failed", b->n,
             created, existing, failed);
    return reply_json(req, MHD_HTTP_OK, &body);
}

enum MHD_Result handle_items_batch_post(struct http_request *req, const char *param)
{
    (void)param;
    struct batch b = {0};
    enum MHD_Result r;
    if (!http_items_authorize(req, &b.require_known, &b.keyless, &r))
        return r;
    json_t *root = reply_parse_body(
        req, JSON_DECODE_INT_AS_REAL | JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &r);
    json_t *items;
    if (root && (items = items_array(req, root, &r))) {
        if (!parse_entries(&b, items)) {
            r = reply_problem(req, PROBLEM_INTERNAL, NULL, "out of memory");
        } else {
            enum db_status st = store(req->srv->reg->pool, &b);
            r = st == DB_OK ? reply_results(req, &b) : reply_db_error(req, st);
        }
    }
    json_decref(root);
    batch_free(&b);
    return r;
}
