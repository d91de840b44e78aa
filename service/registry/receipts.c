/* SPDX-License-Identifier: Apache-2.0 */
#include "registry/receipts.h"

#include <inttypes.h>
#include <string.h>

#include "db/tlog.h"
#include "registry/prove.h"

static bool head_on(struct db_conn *conn, struct log_head *out, struct problem *p)
{
    enum db_status st = db_log_head(conn, out);
    if (st != DB_OK)
        return registry_db_problem(st, p);
    if (!out->note) {
        log_head_free(out);
        return problem_set(p, PROBLEM_LOG_EMPTY, NULL,
                           "no registration has been sequenced yet (is a worker running?)");
    }
    p->code = PROBLEM_NONE;
    return true;
}

bool registry_log_head(struct registry *reg, struct log_head *out, struct problem *p)
{
    memset(out, 0, sizeof *out);
    struct db_conn *conn = db_acquire(reg->pool);
    if (!conn)
        return registry_db_problem(DB_UNAVAILABLE, p);
    bool ok = head_on(conn, out, p);
    db_release(reg->pool, conn);
    return ok;
}

/* Consistency proof from m to n on conn, through the proof cache. */
static enum db_status consistency_on(struct registry *reg, struct db_conn *conn, uint64_t m,
                                     uint64_t n, uint8_t (*proof)[MERKLE_HASH_LEN], int *count)
{
    if (proof_cache_get(&reg->proofs, m, n, proof, count))
        return DB_OK;
    enum db_status st = prove_consistency(conn, &reg->tiles, m, n, proof, count);
    if (st == DB_OK)
        proof_cache_put(&reg->proofs, m, n, (const uint8_t(*)[MERKLE_HASH_LEN])proof, *count);
    return st;
}

bool registry_consistency(struct registry *reg, uint64_t from, uint64_t to,
                          uint8_t (*proof)[MERKLE_HASH_LEN], int *count, struct problem *p)
{
    struct log_head head = {0};
    struct db_conn *conn = db_acquire(reg->pool);
    if (!conn)
        return registry_db_problem(DB_UNAVAILABLE, p);
    bool ok = head_on(conn, &head, p); /* head is empty again when this fails */
    if (ok && to > head.tree_size) {
        ok = problem_set(p, PROBLEM_INVALID_PARAMETER, "to", "to is beyond the log's size %" PRIu64,
                         head.tree_size);
    } else if (ok) {
        enum db_status st = consistency_on(reg, conn, from, to, proof, count);
        ok = st == DB_OK || registry_db_problem(st, p);
    }
    log_head_free(&head);
    db_release(reg->pool, conn);
    return ok;
}

/* The proofs of a logged entry: inclusion in the checkpoint's tree and, when an on-chain anchor
 * covers it, the anchor's tree a prefix of that tree. */
static enum db_status prove_entry(struct registry *reg, struct db_conn *conn, struct receipt *r)
{
    const struct log_context *ctx = &r->ctx;
    enum db_status st = prove_inclusion(conn, &reg->tiles, r->log_index, ctx->tree_size,
                                        r->inclusion, &r->n_inclusion);
    /* m > n cannot happen within one snapshot; it is shown on the next fetch if it did */
    if (st != DB_OK || !ctx->has_anchor || ctx->anchor.tree_size > ctx->tree_size)
        return st;
    r->anchored_at = true;
    return consistency_on(reg, conn, ctx->anchor.tree_size, ctx->tree_size, r->consistency,
                          &r->n_consistency);
}

bool receipt_prove(struct registry *reg, struct db_conn *conn, struct receipt *r, struct problem *p)
{
    if (r->record.oom)
        return problem_set(p, PROBLEM_INTERNAL, NULL, "out of memory");
    merkle_leaf_hash(r->record.data, r->record.len, r->leaf);
    if (!r->logged)
        return true;
    if (!r->ctx.has_checkpoint)
        return problem_set(p, PROBLEM_INTERNAL, NULL, "logged entry without a checkpoint");
    enum db_status st = prove_entry(reg, conn, r);
    return st == DB_OK || registry_db_problem(st, p);
}

bool receipt_load(struct registry *reg, struct db_conn *conn, receipt_read read, const void *arg,
                  struct receipt *r, struct problem *p)
{
    struct receipt_context c = {0};
    if (!read(conn, true, arg, r, &c, p))
        return false;
    if (r->logged && !(c.has_tag && ctx_cache_get(&reg->contexts, c.tag, r->log_index, &r->ctx,
                                                  &r->ctx_owner))) {
        rows_owner_release(&r->owner);
        buf_free(&r->record);
        if (!read(conn, false, arg, r, &c, p))
            return false;
        r->ctx = c.ctx;
        if (r->logged && c.has_span && r->ctx.has_checkpoint) /* else unkept */
            (void)ctx_cache_put(&reg->contexts, &c.span, &r->ctx, &r->owner);
    }
    return receipt_prove(reg, conn, r, p);
}

static void receipt_of_item(struct receipt *r, const struct item_row *item)
{
    struct item_record rec;
    struct item_strings strs;
    item_row_record(item, &rec, &strs);
    item_record_write(&r->record, &rec);
    r->id = item->id;
    r->pending_status = "registered";
    r->logged = item->logged;
    r->log_index = item->log_index;
}

/* A receipt_read of item *arg (an int64_t). */
static bool item_receipt_read(struct db_conn *conn, bool lean, const void *arg, struct receipt *r,
                              struct receipt_context *c, struct problem *p)
{
    int64_t id = *(const int64_t *)arg;
    struct item_receipt_row row;
    enum db_status st = db_item_get_for_receipt(conn, id, lean, &row);
    r->owner = row.owner;
    if (st != DB_OK)
        return registry_db_problem(st, p);
    if (!row.found)
        return problem_set(p, PROBLEM_ITEM_NOT_FOUND, NULL, "no item with id %" PRId64, id);
    receipt_of_item(r, &row.item);
    *c = row.context;
    return true;
}

bool registry_item_receipt_on(struct registry *reg, struct db_conn *conn, int64_t id,
                              struct receipt *r, struct problem *p)
{
    return receipt_load(reg, conn, item_receipt_read, &id, r, p);
}

bool registry_receipt(struct registry *reg, int64_t id, struct receipt *out, struct problem *p)
{
    memset(out, 0, sizeof *out);
    p->code = PROBLEM_NONE;
    struct db_conn *conn = db_acquire(reg->pool);
    if (!conn)
        return registry_db_problem(DB_UNAVAILABLE, p);
    bool ok = registry_item_receipt_on(reg, conn, id, out, p);
    db_release(reg->pool, conn);
    return ok;
}

void receipt_free(struct receipt *r)
{
    rows_owner_release(&r->owner);
    rows_owner_release(&r->ctx_owner);
    buf_free(&r->record);
}
