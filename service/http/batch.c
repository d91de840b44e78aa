/* SPDX-License-Identifier: Apache-2.0 */
/* POST /v1/items/batch: up to REGISTER_BATCH_MAX registrations in one request, each with its own
 * outcome. Every element is parsed here; registry_register_batch applies the signer policy,
 * checks the signatures and stores the valid ones in one transaction. The reply is 200 with one
 * result per element, in order; a failure of the request as a whole (credentials, JSON, shape,
 * database) is a problem and stores nothing. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/item.h"
#include "util/jsonw.h"
#include "util/diag.h"
#include "http/items.h"
#include "http/reply.h"
#include "http/route.h"
#include "registry/items.h"

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
        json_array_size(items) > REGISTER_BATCH_MAX) {
        *r = reply_problem(req, PROBLEM_INVALID_FIELD, "items",
                           "items must be an array of 1 to %d registrations", REGISTER_BATCH_MAX);
        return NULL;
    }
    return items;
}

/* Parses every element into e (n of them); the registry checks the signatures. */
static void parse_entries(struct register_entry *e, json_t *items)
{
    for (size_t i = 0; i < json_array_size(items); i++) {
        json_t *v = json_array_get(items, i);
        if (!json_is_object(v))
            problem_set(&e[i].err, PROBLEM_INVALID_FIELD, NULL,
                        "each element of items must be a registration (a JSON object)");
        else if (!item_read_json(v, &e[i].req, &e[i].err))
            continue; /* e[i].err says why */
    }
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

static enum MHD_Result reply_results(struct http_request *req, const struct register_entry *e,
                                     size_t n)
{
    struct buf body = BUF_INIT;
    struct jsonw w;
    size_t created = 0, existing = 0, failed = 0;
    jw_init(&w, &body);
    jw_object_begin(&w);
    jw_key(&w, "results");
    jw_array_begin(&w);
    for (size_t i = 0; i < n; i++) {
        bool ok = e[i].err.code == PROBLEM_NONE;
        bool is_new = ok && e[i].rows.v[0].created;
        created += is_new, existing += ok && !is_new, failed += !ok;
        jw_object_begin(&w);
        jw_key(&w, "index");
        jw_int(&w, (int64_t)i);
        jw_key(&w, "status");
        jw_int(&w, ok ? (is_new ? MHD_HTTP_CREATED : MHD_HTTP_OK)
                      : problem_info(e[i].err.code)->status);
        jw_key(&w, ok ? "item" : "problem");
        if (ok)
            http_write_item(&w, &e[i].rows.v[0]);
        else
            write_problem(&w, i, &e[i].err);
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
    diag_msg(DIAG_INFO, req->rid, "batch of %zu: %zu created, %zu existing, %zu failed", n, created,
             existing, failed);
    return reply_json(req, MHD_HTTP_OK, &body);
}

enum MHD_Result handle_items_batch_post(struct http_request *req, const char *param)
{
    (void)param;
    bool keyless;
    enum MHD_Result r;
    if (!http_items_authorize(req, &keyless, &r))
        return r;
    json_t *root = reply_parse_body(
        req, JSON_DECODE_INT_AS_REAL | JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &r);
    json_t *items = root ? items_array(req, root, &r) : NULL;
    size_t n = json_array_size(items);
    struct register_entry *e = items ? calloc(n, sizeof *e) : NULL;
    struct problem p;
    if (items && !e) {
        r = reply_problem(req, PROBLEM_INTERNAL, NULL, "out of memory");
    } else if (e) {
        parse_entries(e, items);
        r = registry_register_batch(req->srv->reg, e, n, keyless, &p) ? reply_results(req, e, n)
                                                                      : reply_failure(req, &p);
    }
    json_decref(root);
    register_entries_free(e, n);
    free(e);
    return r;
}
