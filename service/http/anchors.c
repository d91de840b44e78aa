/* SPDX-License-Identifier: Apache-2.0 */
#include "http/anchors.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/codec.h"
#include "util/validate.h"
#include "crypto/ethsig.h"
#include "http/page.h"
#include "http/reply.h"
#include "http/route.h"
#include "registry/status.h"

#define ANCHORS_DEFAULT_LIMIT 100
#define ANCHORS_MAX_LIMIT     1000

static void write_u64_or_null(struct jsonw *w, const char *key, bool has, uint64_t v)
{
    jw_key(w, key);
    if (has)
        jw_int(w, (int64_t)v);
    else
        jw_null(w);
}

/* "0x" + hex, or null. */
static void write_0x_or_null(struct jsonw *w, const char *key, const char *hex)
{
    jw_key(w, key);
    if (!hex) {
        jw_null(w);
        return;
    }
    struct buf b = BUF_INIT;
    buf_puts(&b, "0x");
    buf_puts(&b, hex);
    jw_string_len(w, b.data ? b.data : "", b.len);
    buf_free(&b);
}

static void write_address(struct jsonw *w, const char *key, const char *hex)
{
    uint8_t addr[ETH_ADDRESS_LEN];
    char text[ETH_ADDRESS_STR_LEN + 1];
    jw_key(w, key);
    if (!hex_decode(hex, 2 * ETH_ADDRESS_LEN, addr, ETH_ADDRESS_LEN, true)) {
        jw_null(w);
        return;
    }
    eth_address_format(addr, text);
    jw_string(w, text);
}

static void write_time_or_null(struct jsonw *w, const char *key, bool has, int64_t us)
{
    char ts[RFC3339_US_LEN + 1];
    jw_key(w, key);
    if (!has) {
        jw_null(w);
        return;
    }
    format_rfc3339_us(us, ts);
    jw_string(w, ts);
}

void write_anchor_members(struct jsonw *w, const struct anchor_row *a)
{
    jw_object_begin(w);
    write_u64_or_null(w, "id", true, (uint64_t)a->id);
    write_u64_or_null(w, "chain_id", true, a->chain_id);
    write_address(w, "sender", a->sender_hex);
    write_address(w, "recipient", a->recipient_hex);
    write_u64_or_null(w, "tree_size", true, a->tree_size);
    jw_key(w, "root");
    jw_string(w, a->root_hex);
    write_0x_or_null(w, "calldata", a->calldata_hex);
    jw_key(w, "status");
    jw_string(w, a->status);
    write_u64_or_null(w, "nonce", a->has_nonce, a->nonce);
    write_u64_or_null(w, "attempts", true, a->attempts);
    write_0x_or_null(w, "tx_hash", a->tx_hash_hex);
    write_u64_or_null(w, "block_number", a->has_block, a->block_number);
    write_0x_or_null(w, "block_hash", a->block_hash_hex);
    write_u64_or_null(w, "confirmations", a->has_confirmations, a->confirmations);
    jw_key(w, "last_error");
    if (a->last_error)
        jw_string(w, a->last_error);
    else
        jw_null(w);
    write_time_or_null(w, "created_at", true, a->created_us);
    write_time_or_null(w, "submitted_at", a->has_submitted, a->submitted_us);
    write_time_or_null(w, "mined_at", a->has_mined, a->mined_us);
    write_time_or_null(w, "confirmed_at", a->has_confirmed, a->confirmed_us);
    write_time_or_null(w, "updated_at", true, a->updated_us);
}

static bool parse_list_query(struct http_request *req, unsigned *limit, int64_t *before,
                             enum MHD_Result *r)
{
    static const char *const allowed[] = {"limit", "cursor", NULL};
    const char *v;
    *before = 0;
    if (!reply_check_query(req, allowed, r) ||
        !reply_check_limit(req, ANCHORS_DEFAULT_LIMIT, ANCHORS_MAX_LIMIT, limit, r))
        return false;
    if ((v = http_query(req, "cursor")) && !http_parse_id(v, before)) {
        *r = reply_problem(req, PROBLEM_INVALID_PARAMETER, "cursor",
                           "cursor must be a next_cursor value from an earlier reply");
        return false;
    }
    return true;
}

static void write_list_anchor(struct jsonw *w, const void *rows, size_t i)
{
    write_anchor_members(w, &((const struct anchor_row *)rows)[i]);
    jw_object_end(w);
}

static void list_anchor_cursor(const void *rows, size_t i, char out[PAGE_CURSOR_MAX])
{
    snprintf(out, PAGE_CURSOR_MAX, "%" PRId64, ((const struct anchor_row *)rows)[i].id);
}

enum MHD_Result handle_anchors_list(struct http_request *req, const char *param)
{
    (void)param;
    unsigned limit;
    int64_t before;
    enum MHD_Result r;
    if (!parse_list_query(req, &limit, &before, &r))
        return r;
    struct anchor_rows res;
    struct problem p;
    if (!registry_anchors_list(req->srv->reg, before, limit + 1, &res, &p))
        return reply_failure(req, &p);
    const struct page_list list = {"anchors",         res.v, res.n, limit, write_list_anchor,
                                   list_anchor_cursor};
    r = page_reply_list(req, &list);
    anchor_rows_free(&res);
    return r;
}

enum MHD_Result handle_anchor_get(struct http_request *req, const char *param)
{
    int64_t id;
    if (!http_parse_id(param, &id))
        return reply_problem(req, PROBLEM_INVALID_PARAMETER, "id",
                             "the anchor id must be a positive integer");
    struct anchor_rows res;
    struct problem p;
    if (!registry_anchor_get(req->srv->reg, id, &res, &p))
        return reply_failure(req, &p);
    struct buf body = BUF_INIT;
    struct jsonw w;
    jw_init(&w, &body);
    write_anchor_members(&w, &res.v[0]);
    jw_object_end(&w);
    anchor_rows_free(&res);
    return reply_json(req, MHD_HTTP_OK, &body);
}
