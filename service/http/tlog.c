/* SPDX-License-Identifier: Apache-2.0 */
/* Endpoints of the transparency log: GET /v1/log/checkpoint, /v1/log/key, /v1/log/consistency
 * and GET /v1/items/{id}/receipt; and the log as C2SP tlog-tiles under --tiles-prefix:
 * <prefix>checkpoint, <prefix>tile/<L>/<N>[.p/<W>], <prefix>tile/entries/<N>[.p/<W>]. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/codec.h"
#include "util/jsonw.h"
#include "http/anchors.h"
#include "http/reply.h"
#include "http/route.h"
#include "http/tlog.h"
#include "registry/logread.h"
#include "registry/receipts.h"
#include "tlog/tilepath.h"

static enum MHD_Result reply_text(struct http_request *req, const char *text, bool newline)
{
    struct buf body = BUF_INIT;
    buf_puts(&body, text);
    if (newline)
        buf_putc(&body, '\n');
    return reply_body(req, MHD_HTTP_OK, "text/plain; charset=utf-8", &body);
}

/* Serves the signed checkpoint or the verifier key of the log head as text. */
static enum MHD_Result head_text(struct http_request *req, bool vkey)
{
    struct log_head head;
    struct problem p;
    if (!registry_log_head(req->srv->reg, &head, &p))
        return reply_failure(req, &p);
    enum MHD_Result r = reply_text(req, vkey ? head.vkey : head.note, vkey);
    log_head_free(&head);
    return r;
}

enum MHD_Result handle_log_checkpoint(struct http_request *req, const char *param)
{
    (void)param;
    return head_text(req, false);
}

enum MHD_Result handle_log_key(struct http_request *req, const char *param)
{
    (void)param;
    return head_text(req, true);
}

static void write_proof(struct jsonw *w, const uint8_t (*proof)[MERKLE_HASH_LEN], int count)
{
    char hex[2 * MERKLE_HASH_LEN + 1];
    jw_array_begin(w);
    for (int i = 0; i < count; i++) {
        hex_encode(proof[i], MERKLE_HASH_LEN, hex);
        jw_string(w, hex);
    }
    jw_array_end(w);
}

static enum MHD_Result consistency_reply(struct http_request *req, uint64_t from, uint64_t to)
{
    uint8_t proof[MERKLE_MAX_PROOF][MERKLE_HASH_LEN];
    int count = 0;
    struct problem p;
    if (!registry_consistency(req->srv->reg, from, to, proof, &count, &p))
        return reply_failure(req, &p);
    struct buf body = BUF_INIT;
    struct jsonw w;
    jw_init(&w, &body);
    jw_object_begin(&w);
    jw_key(&w, "from");
    jw_int(&w, (int64_t)from);
    jw_key(&w, "to");
    jw_int(&w, (int64_t)to);
    jw_key(&w, "proof");
    write_proof(&w, (const uint8_t(*)[MERKLE_HASH_LEN])proof, count);
    jw_object_end(&w);
    return reply_json(req, MHD_HTTP_OK, &body);
}

enum MHD_Result handle_log_consistency(struct http_request *req, const char *param)
{
    (void)param;
    static const char *const allowed[] = {"from", "to", NULL};
    uint64_t from, to;
    enum MHD_Result r = MHD_NO;
    if (!reply_check_query(req, allowed, &r))
        return r;
    if (!parse_u64(http_query(req, "from"), &from) || from == 0 || from > INT64_MAX)
        return reply_problem(req, PROBLEM_INVALID_PARAMETER, "from",
                             "from must be a tree size of at least 1");
    if (!parse_u64(http_query(req, "to"), &to) || to < from || to > INT64_MAX)
        return reply_problem(req, PROBLEM_INVALID_PARAMETER, "to",
                             "to must be a tree size not below from");
    return consistency_reply(req, from, to);
}

static void write_receipt_anchor(struct jsonw *w, const struct receipt *rc)
{
    jw_key(w, "anchor");
    if (!rc->anchored_at) {
        jw_null(w);
        return;
    }
    write_anchor_members(w, &rc->ctx.anchor);
    jw_key(w, "consistency_proof");
    write_proof(w, rc->consistency, rc->n_consistency);
    jw_object_end(w);
}

/* The receipt body; without proofs while the registration waits in the queue. */
void http_write_receipt(struct jsonw *w, const struct receipt *rc)
{
    char leaf_hex[2 * MERKLE_HASH_LEN + 1];
    hex_encode(rc->leaf, MERKLE_HASH_LEN, leaf_hex);
    jw_object_begin(w);
    jw_key(w, "id");
    jw_int(w, rc->id);
    jw_key(w, "status");
    bool anchored = rc->anchored_at && !strcmp(rc->ctx.anchor.status, "confirmed");
    jw_string(w, !rc->logged ? rc->pending_status : anchored ? "anchored" : "logged");
    jw_key(w, "record");
    jw_raw(w, rc->record.data, rc->record.len);
    jw_key(w, "leaf_hash");
    jw_string(w, leaf_hex);
    const uint64_t values[] = {rc->log_index, rc->ctx.tree_size};
    static const char *const names[] = {"log_index", "tree_size"};
    for (int i = 0; i < 2; i++) {
        jw_key(w, names[i]);
        if (rc->logged)
            jw_int(w, (int64_t)values[i]);
        else
            jw_null(w);
    }
    jw_key(w, "inclusion_proof");
    if (rc->logged)
        write_proof(w, rc->inclusion, rc->n_inclusion);
    else
        jw_null(w);
    jw_key(w, "checkpoint");
    if (rc->logged)
        jw_string(w, rc->ctx.note);
    else
        jw_null(w);
    write_receipt_anchor(w, rc);
    jw_object_end(w);
}

enum MHD_Result http_reply_receipt(struct http_request *req, const struct receipt *rc)
{
    struct buf body = BUF_INIT;
    struct jsonw w;
    jw_init(&w, &body);
    http_write_receipt(&w, rc);
    if (!rc->logged)
        http_add_header(req, "Retry-After", "1");
    return reply_json(req, rc->logged ? MHD_HTTP_OK : MHD_HTTP_ACCEPTED, &body);
}

enum MHD_Result http_reply_receipt_of(struct http_request *req, int64_t id,
                                      bool (*load)(struct registry *, int64_t, struct receipt *,
                                                   struct problem *))
{
    struct receipt *rc = malloc(sizeof *rc); /* proofs make it large for a worker's stack */
    if (!rc)
        return reply_problem(req, PROBLEM_INTERNAL, NULL, "out of memory");
    struct problem p;
    enum MHD_Result r =
        load(req->srv->reg, id, rc, &p) ? http_reply_receipt(req, rc) : reply_failure(req, &p);
    receipt_free(rc);
    free(rc);
    return r;
}

enum MHD_Result handle_item_receipt(struct http_request *req, const char *param)
{
    int64_t id;
    if (!http_parse_id(param, &id))
        return reply_problem(req, PROBLEM_INVALID_PARAMETER, "id",
                             "the item id must be a positive integer");
    return http_reply_receipt_of(req, id, registry_receipt);
}

/* tlog-tiles: the checkpoint changes (a few seconds of caching at most), tiles and bundles never
 * do once they exist. */
#define TILES_CHECKPOINT_CACHE "public, max-age=2"
#define TILES_IMMUTABLE_CACHE  "public, max-age=31536000, immutable"

enum MHD_Result handle_tiles_checkpoint(struct http_request *req, const char *param)
{
    (void)param;
    struct log_head head;
    struct problem p;
    if (!registry_log_head(req->srv->reg, &head, &p))
        return reply_failure(req, &p);
    http_add_header(req, "Cache-Control", TILES_CHECKPOINT_CACHE);
    enum MHD_Result r = reply_text(req, head.note, false);
    log_head_free(&head);
    return r;
}

enum MHD_Result handle_tiles_tile(struct http_request *req, const char *param)
{
    struct tile_path t;
    if (!tile_path_parse(param, strlen(param), &t))
        return reply_problem(req, PROBLEM_TILE_NOT_FOUND, NULL,
                             "%.200s is not a tlog-tiles path (tile/<L>/<N>[.p/<W>] or "
                             "tile/entries/<N>[.p/<W>])",
                             req->url);
    struct buf body = BUF_INIT;
    struct problem p;
    bool ok = t.entries ? registry_log_bundle(req->srv->reg, t.index, t.width, &body, &p)
                        : registry_log_tile(req->srv->reg, t.level, t.index, t.width, &body, &p);
    if (!ok) {
        buf_free(&body);
        return reply_failure(req, &p);
    }
    http_add_header(req, "Cache-Control", TILES_IMMUTABLE_CACHE);
    return reply_body(req, MHD_HTTP_OK, "application/octet-stream", &body);
}
