/* Endpoints of the transparency log: GET /v1/log/checkpoint, /v1/log/key, /v1/log/consistency
 * and GET /v1/items/{id}/receipt. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/codec.h"
#include "util/jsonw.h"
#include "db/items.h"
#include "db/tlog.h"
#include "db/anchors.h"
#include "http/anchors.h"
#include "http/reply.h"
#include "http/route.h"
#include "registry/registry.h"
#include "registry/prove.h"

enum head_col { HEAD_ORIGIN, HEAD_VKEY, HEAD_SIZE, HEAD_ROOT, HEAD_NOTE };

/* Reads the log head; on failure queues the reply and returns NULL (with *r set). */
static PGresult *log_head(struct http_request *req, struct db_conn *conn, enum MHD_Result *r)
{
    PGresult *res = NULL;
    enum db_status st = db_log_head(conn, &res);
    if (st != DB_OK) {
        *r = reply_db_error(req, st);
        return NULL;
    }
    if (PQntuples(res) == 0 || PQgetisnull(res, 0, HEAD_NOTE)) {
        PQclear(res);
        *r = reply_problem(req, PROBLEM_LOG_EMPTY, NULL,
                           "no registration has been sequenced yet (is a worker running?)");
        return NULL;
    }
    return res;
}

static enum MHD_Result reply_text(struct http_request *req, const char *text, bool newline)
{
    struct buf body = BUF_INIT;
    buf_puts(&body, text);
    if (newline)
        buf_putc(&body, '\n');
    return reply_body(req, MHD_HTTP_OK, "text/plain; charset=utf-8", &body);
}

/* Serves one column of the log head as text. */
static enum MHD_Result head_text(struct http_request *req, enum head_col col)
{
    enum MHD_Result r = MHD_NO;
    struct db_conn *conn = db_acquire(req->srv->reg->pool);
    if (!conn)
        return reply_db_error(req, DB_UNAVAILABLE);
    PGresult *head = log_head(req, conn, &r);
    db_release(req->srv->reg->pool, conn);
    if (!head)
        return r;
    r = reply_text(req, PQgetvalue(head, 0, (int)col), col == HEAD_VKEY);
    PQclear(head);
    return r;
}

enum MHD_Result handle_log_checkpoint(struct http_request *req, const char *param)
{
    (void)param;
    return head_text(req, HEAD_NOTE);
}

enum MHD_Result handle_log_key(struct http_request *req, const char *param)
{
    (void)param;
    return head_text(req, HEAD_VKEY);
}

/* Consistency proof from m to n, from the proof cache when it has it. */
static enum db_status prove_consistency(struct http_request *req, struct db_conn *conn, uint64_t m,
                                        uint64_t n, uint8_t (*proof)[MERKLE_HASH_LEN], int *count)
{
    if (proof_cache_get(&req->srv->reg->proofs, m, n, proof, count))
        return DB_OK;
    enum db_status st = log_prove_consistency(conn, &req->srv->reg->tiles, m, n, proof, count);
    if (st == DB_OK)
        proof_cache_put(&req->srv->reg->proofs, m, n, (const uint8_t(*)[MERKLE_HASH_LEN])proof, *count);
    return st;
}

static void write_proof(struct jsonw *w, uint8_t (*proof)[MERKLE_HASH_LEN], int count)
{
    char hex[2 * MERKLE_HASH_LEN + 1];
    jw_array_begin(w);
    for (int i = 0; i < count; i++) {
        hex_encode(proof[i], MERKLE_HASH_LEN, hex);
        jw_string(w, hex);
    }
    jw_array_end(w);
}

static bool parse_size(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    if (!s || !*s || *s == '-' || *s == '+' || (s[0] == '0' && s[1]))
        return false;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end)
        return false;
    *out = v;
    return true;
}

static enum MHD_Result consistency_reply(struct http_request *req, struct db_conn *conn,
                                         uint64_t from, uint64_t to)
{
    uint8_t proof[MERKLE_MAX_PROOF][MERKLE_HASH_LEN];
    int count = 0;
    enum db_status st = prove_consistency(req, conn, from, to, proof, &count);
    if (st != DB_OK)
        return reply_db_error(req, st);
    struct buf body = BUF_INIT;
    struct jsonw w;
    jw_init(&w, &body);
    jw_object_begin(&w);
    jw_key(&w, "from");
    jw_int(&w, (int64_t)from);
    jw_key(&w, "to");
    jw_int(&w, (int64_t)to);
    jw_key(&w, "proof");
    write_proof(&w, proof, count);
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
    if (!parse_size(http_query(req, "from"), &from) || from == 0)
        return reply_problem(req, PROBLEM_INVALID_PARAMETER, "from",
                             "from must be a tree size of at least 1");
    if (!parse_size(http_query(req, "to"), &to) || to < from)
        return reply_problem(req, PROBLEM_INVALID_PARAMETER, "to",
                             "to must be a tree size not below from");
    struct db_conn *conn = db_acquire(req->srv->reg->pool);
    if (!conn)
        return reply_db_error(req, DB_UNAVAILABLE);
    PGresult *head = log_head(req, conn, &r);
    if (head) {
        uint64_t size = strtoull(PQgetvalue(head, 0, HEAD_SIZE), NULL, 10);
        if (to > size)
            r = reply_problem(req, PROBLEM_INVALID_PARAMETER, "to",
                              "to is beyond the log's size %" PRIu64, size);
        else
            r = consistency_reply(req, conn, from, to);
        PQclear(head);
    }
    db_release(req->srv->reg->pool, conn);
    return r;
}

/* A receipt's anchor section: the smallest on-chain anchor covering the item (columns from
 * ITEM_COL_RECEIPT_ANCHOR of the item row) and a consistency proof from its tree to the
 * receipt's checkpoint. */
struct receipt_anchor {
    bool present;
    uint8_t proof[MERKLE_MAX_PROOF][MERKLE_HASH_LEN];
    int count;
};

static void write_receipt_anchor(struct jsonw *w, PGresult *item, struct receipt_anchor *anc)
{
    jw_key(w, "anchor");
    if (!anc || !anc->present) {
        jw_null(w);
        return;
    }
    write_anchor_members(w, item, 0, ITEM_COL_RECEIPT_ANCHOR);
    jw_key(w, "consistency_proof");
    write_proof(w, anc->proof, anc->count);
    jw_object_end(w);
}

/* The receipt body; proof is NULL while the registration waits in the queue. */
static void write_receipt(struct jsonw *w, PGresult *item, uint8_t (*proof)[MERKLE_HASH_LEN],
                          int count, struct receipt_anchor *anc)
{
    struct item_record rec;
    struct item_strings strs;
    char leaf_hex[2 * MERKLE_HASH_LEN + 1];
    struct buf record = BUF_INIT;
    uint8_t leaf[MERKLE_HASH_LEN];
    db_item_record(item, 0, &rec, &strs);
    item_record_write(&record, &rec);
    merkle_leaf_hash(record.data, record.len, leaf);
    hex_encode(leaf, MERKLE_HASH_LEN, leaf_hex);
    jw_object_begin(w);
    jw_key(w, "id");
    jw_int(w, strtoll(PQgetvalue(item, 0, ITEM_COL_ID), NULL, 10));
    jw_key(w, "status");
    bool anchored =
        anc && anc->present &&
        !strcmp(PQgetvalue(item, 0, ITEM_COL_RECEIPT_ANCHOR + ANCHOR_COL_STATUS), "confirmed");
    jw_string(w, !proof ? "registered" : anchored ? "anchored" : "logged");
    jw_key(w, "record");
    jw_raw(w, record.data, record.len);
    jw_key(w, "leaf_hash");
    jw_string(w, leaf_hex);
    static const int cols[] = {ITEM_COL_LOG_INDEX, ITEM_COL_RECEIPT_TREE_SIZE};
    static const char *const names[] = {"log_index", "tree_size"};
    for (int i = 0; i < 2; i++) {
        jw_key(w, names[i]);
        if (proof)
            jw_raw(w, PQgetvalue(item, 0, cols[i]), (size_t)PQgetlength(item, 0, cols[i]));
        else
            jw_null(w);
    }
    jw_key(w, "inclusion_proof");
    if (proof)
        write_proof(w, proof, count);
    else
        jw_null(w);
    jw_key(w, "checkpoint");
    if (proof)
        jw_string(w, PQgetvalue(item, 0, ITEM_COL_RECEIPT_NOTE));
    else
        jw_null(w);
    write_receipt_anchor(w, item, anc);
    jw_object_end(w);
    buf_free(&record);
}

/* Proves the covering anchor's tree (if any) a prefix of the size-n tree. */
static enum db_status prove_anchor(struct http_request *req, struct db_conn *conn, PGresult *item,
                                   uint64_t n, struct receipt_anchor *anc)
{
    int col = ITEM_COL_RECEIPT_ANCHOR + ANCHOR_COL_TREE_SIZE;
    if (PQgetisnull(item, 0, col))
        return DB_OK;
    uint64_t m = strtoull(PQgetvalue(item, 0, col), NULL, 10);
    if (m > n) /* cannot happen within one snapshot; shown on the next fetch if it did */
        return DB_OK;
    anc->present = true;
    return prove_consistency(req, conn, m, n, anc->proof, &anc->count);
}

static enum MHD_Result receipt_reply(struct http_request *req, struct db_conn *conn, PGresult *item)
{
    struct buf body = BUF_INIT;
    struct jsonw w;
    jw_init(&w, &body);
    if (PQgetisnull(item, 0, ITEM_COL_LOG_INDEX)) {
        write_receipt(&w, item, NULL, 0, NULL);
        http_add_header(req, "Retry-After", "1");
        return reply_json(req, MHD_HTTP_ACCEPTED, &body);
    }
    if (PQgetisnull(item, 0, ITEM_COL_RECEIPT_NOTE)) {
        buf_free(&body);
        return reply_problem(req, PROBLEM_INTERNAL, NULL, "logged item without a checkpoint");
    }
    uint8_t proof[MERKLE_MAX_PROOF][MERKLE_HASH_LEN];
    int count = 0;
    uint64_t index = strtoull(PQgetvalue(item, 0, ITEM_COL_LOG_INDEX), NULL, 10);
    uint64_t size = strtoull(PQgetvalue(item, 0, ITEM_COL_RECEIPT_TREE_SIZE), NULL, 10);
    struct receipt_anchor anc = {0};
    enum db_status st = log_prove_inclusion(conn, &req->srv->reg->tiles, index, size, proof, &count);
    if (st == DB_OK)
        st = prove_anchor(req, conn, item, size, &anc);
    if (st != DB_OK) {
        buf_free(&body);
        return reply_db_error(req, st);
    }
    write_receipt(&w, item, proof, count, &anc);
    return reply_json(req, MHD_HTTP_OK, &body);
}

enum MHD_Result handle_item_receipt(struct http_request *req, const char *param)
{
    int64_t id;
    if (!http_parse_id(param, &id))
        return reply_problem(req, PROBLEM_INVALID_PARAMETER, "id",
                             "the item id must be a positive integer");
    struct db_conn *conn = db_acquire(req->srv->reg->pool);
    if (!conn)
        return reply_db_error(req, DB_UNAVAILABLE);
    PGresult *item = NULL;
    enum MHD_Result r = MHD_NO;
    enum db_status st = db_item_get_for_receipt(conn, id, &item);
    if (st != DB_OK)
        r = reply_db_error(req, st);
    else if (PQntuples(item) == 0)
        r = reply_problem(req, PROBLEM_ITEM_NOT_FOUND, NULL, "no item with id %" PRId64, id);
    else
        r = receipt_reply(req, conn, item);
    PQclear(item);
    db_release(req->srv->reg->pool, conn);
    return r;
}
