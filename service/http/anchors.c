#include "http/anchors.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "util/codec.h"
#include "util/validate.h"
#include "crypto/ethsig.h"
#include "db/anchors.h"
#include "http/reply.h"
#include "http/route.h"
#include "registry/registry.h"

#define ANCHORS_DEFAULT_LIMIT 100
#define ANCHORS_MAX_LIMIT     1000

static void write_int_or_null(struct jsonw *w, const char *key, PGresult *res, int row, int col)
{
    jw_key(w, key);
    if (PQgetisnull(res, row, col))
        jw_null(w);
    else
        jw_raw(w, PQgetvalue(res, row, col), (size_t)PQgetlength(res, row, col));
}

/* "0x" + the column's hex, or null. */
static void write_0x_or_null(struct jsonw *w, const char *key, PGresult *res, int row, int col)
{
    jw_key(w, key);
    if (PQgetisnull(res, row, col)) {
        jw_null(w);
        return;
    }
    struct buf b = BUF_INIT;
    buf_puts(&b, "0x");
    buf_puts(&b, PQgetvalue(res, row, col));
    jw_string_len(w, b.data ? b.data : "", b.len);
    buf_free(&b);
}

static void write_address(struct jsonw *w, const char *key, PGresult *res, int row, int col)
{
    uint8_t addr[ETH_ADDRESS_LEN];
    char text[ETH_ADDRESS_STR_LEN + 1];
    jw_key(w, key);
    if (!hex_decode(PQgetvalue(res, row, col), 2 * ETH_ADDRESS_LEN, addr, ETH_ADDRESS_LEN, true)) {
        jw_null(w);
        return;
    }
    eth_address_format(addr, text);
    jw_string(w, text);
}

static void write_time_or_null(struct jsonw *w, const char *key, PGresult *res, int row, int col)
{
    char ts[RFC3339_US_LEN + 1];
    jw_key(w, key);
    if (PQgetisnull(res, row, col)) {
        jw_null(w);
        return;
    }
    format_rfc3339_us(strtoll(PQgetvalue(res, row, col), NULL, 10), ts);
    jw_string(w, ts);
}

void write_anchor_members(struct jsonw *w, PGresult *res, int row, int base)
{
    jw_object_begin(w);
    write_int_or_null(w, "id", res, row, base + ANCHOR_COL_ID);
    write_int_or_null(w, "chain_id", res, row, base + ANCHOR_COL_CHAIN_ID);
    write_address(w, "sender", res, row, base + ANCHOR_COL_SENDER);
    write_address(w, "recipient", res, row, base + ANCHOR_COL_RECIPIENT);
    write_int_or_null(w, "tree_size", res, row, base + ANCHOR_COL_TREE_SIZE);
    jw_key(w, "root");
    jw_string(w, PQgetvalue(res, row, base + ANCHOR_COL_ROOT));
    write_0x_or_null(w, "calldata", res, row, base + ANCHOR_COL_CALLDATA);
    jw_key(w, "status");
    jw_string(w, PQgetvalue(res, row, base + ANCHOR_COL_STATUS));
    write_int_or_null(w, "nonce", res, row, base + ANCHOR_COL_NONCE);
    write_int_or_null(w, "attempts", res, row, base + ANCHOR_COL_ATTEMPTS);
    write_0x_or_null(w, "tx_hash", res, row, base + ANCHOR_COL_TX_HASH);
    write_int_or_null(w, "block_number", res, row, base + ANCHOR_COL_BLOCK_NUMBER);
    write_0x_or_null(w, "block_hash", res, row, base + ANCHOR_COL_BLOCK_HASH);
    write_int_or_null(w, "confirmations", res, row, base + ANCHOR_COL_CONFIRMATIONS);
    jw_key(w, "last_error");
    if (PQgetisnull(res, row, base + ANCHOR_COL_LAST_ERROR))
        jw_null(w);
    else
        jw_string(w, PQgetvalue(res, row, base + ANCHOR_COL_LAST_ERROR));
    write_time_or_null(w, "created_at", res, row, base + ANCHOR_COL_CREATED_US);
    write_time_or_null(w, "submitted_at", res, row, base + ANCHOR_COL_SUBMITTED_US);
    write_time_or_null(w, "mined_at", res, row, base + ANCHOR_COL_MINED_US);
    write_time_or_null(w, "confirmed_at", res, row, base + ANCHOR_COL_CONFIRMED_US);
    write_time_or_null(w, "updated_at", res, row, base + ANCHOR_COL_UPDATED_US);
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

enum MHD_Result handle_anchors_list(struct http_request *req, const char *param)
{
    (void)param;
    unsigned limit;
    int64_t before;
    enum MHD_Result r;
    if (!parse_list_query(req, &limit, &before, &r))
        return r;
    struct db_conn *conn = db_acquire(req->srv->reg->pool);
    if (!conn)
        return reply_db_error(req, DB_UNAVAILABLE);
    PGresult *res = NULL;
    enum db_status st = db_anchor_list(conn, before, limit + 1, &res);
    db_release(req->srv->reg->pool, conn);
    if (st != DB_OK)
        return reply_db_error(req, st);
    int rows = PQntuples(res);
    struct buf body = BUF_INIT;
    struct jsonw w;
    jw_init(&w, &body);
    jw_object_begin(&w);
    jw_key(&w, "anchors");
    jw_array_begin(&w);
    for (int i = 0; i < rows && i < (int)limit; i++) {
        write_anchor_members(&w, res, i, 0);
        jw_object_end(&w);
    }
    jw_array_end(&w);
    jw_key(&w, "next_cursor");
    if (rows > (int)limit)
        jw_string(&w, PQgetvalue(res, (int)limit - 1, ANCHOR_COL_ID));
    else
        jw_null(&w);
    jw_object_end(&w);
    PQclear(res);
    return reply_json(req, MHD_HTTP_OK, &body);
}

enum MHD_Result handle_anchor_get(struct http_request *req, const char *param)
{
    int64_t id;
    if (!http_parse_id(param, &id))
        return reply_problem(req, PROBLEM_INVALID_PARAMETER, "id",
                             "the anchor id must be a positive integer");
    struct db_conn *conn = db_acquire(req->srv->reg->pool);
    if (!conn)
        return reply_db_error(req, DB_UNAVAILABLE);
    PGresult *res = NULL;
    enum db_status st = db_anchor_get(conn, id, &res);
    db_release(req->srv->reg->pool, conn);
    if (st != DB_OK)
        return reply_db_error(req, st);
    enum MHD_Result r;
    if (PQntuples(res) == 0)
        r = reply_problem(req, PROBLEM_ANCHOR_NOT_FOUND, NULL, "no anchor with id %" PRId64, id);
    else {
        struct buf body = BUF_INIT;
        struct jsonw w;
        jw_init(&w, &body);
        write_anchor_members(&w, res, 0, 0);
        jw_object_end(&w);
        r = reply_json(req, MHD_HTTP_OK, &body);
    }
    PQclear(res);
    return r;
}
