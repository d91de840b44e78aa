/* SPDX-License-Identifier: Apache-2.0 */
#include "anchor/tracker.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "util/diag.h"
#include "eth/tx.h"

uint64_t tracker_bump(uint64_t fee)
{
    uint64_t up = fee / 8 + (fee % 8 != 0) + (fee < 8);
    return fee > UINT64_MAX - up ? UINT64_MAX : fee + up;
}

uint64_t tracker_gas_limit(uint64_t estimate, const uint8_t *data, size_t len)
{
    uint64_t tokens = 0;
    for (size_t i = 0; i < len; i++)
        tokens += data[i] ? 4 : 1;
    uint64_t floor = 21000 + 10 * tokens;
    uint64_t padded = estimate + estimate / 4;
    return padded > floor ? padded : floor;
}

/* One step's context. */
struct tracker {
    const struct tracker_config *cfg;
    struct eth_rpc *rpc;
    const struct tracker_store *store;
    struct anchor *a;
    uint64_t head;
    struct rpc_error err;
};

static bool contains(const char *msg, const char *const *needles)
{
    char low[sizeof((struct rpc_error *)0)->message];
    size_t i = 0;
    for (; msg[i] && i + 1 < sizeof low; i++)
        low[i] = (char)tolower((unsigned char)msg[i]);
    low[i] = '\0';
    for (; *needles; needles++)
        if (strstr(low, *needles))
            return true;
    return false;
}

static const char *const known_msgs[] = {"already known", "already imported", "known transaction",
                                         "alreadyknown", NULL};
static const char *const nonce_low_msgs[] = {"nonce too low", "noncetoolow", "oldnonce",
                                             "nonce has already been used", NULL};
static const char *const underpriced_msgs[] = {"underpriced", NULL};
static const char *const funds_msgs[] = {"insufficient funds", "insufficientfunds", NULL};

static void set_error(struct anchor *a, const char *prefix, const char *detail)
{
    snprintf(a->last_error, sizeof a->last_error, "%s%.200s", prefix, detail);
}

static enum track_result save(struct tracker *t)
{
    return t->store->save(t->store->ctx, t->a) ? TRACK_OK : TRACK_STORE_FAIL;
}

/* The node could not be asked: remember why (best effort) and back off. */
static enum track_result node_down(struct tracker *t)
{
    set_error(t->a, "", t->err.message);
    diag_warn("anchor %" PRId64 ": %s; retrying with back-off", t->a->id, t->a->last_error);
    (void)t->store->save(t->store->ctx, t->a);
    return TRACK_NODE_RETRY;
}

static struct anchor_attempt *latest_attempt(struct anchor *a)
{
    return a->n_attempts ? &a->attempts[a->n_attempts - 1] : NULL;
}

static enum track_result check_depth(struct tracker *t)
{
    struct anchor *a = t->a;
    a->confirmations = t->head >= a->block_number ? t->head - a->block_number + 1 : 0;
    bool deep = a->confirmations >= t->cfg->confirmations;
    if (t->cfg->confirmations == 0) {
        uint64_t fin;
        uint8_t fhash[32];
        bool found;
        if (eth_block_hash(t->rpc, "finalized", &found, &fin, fhash, &t->err) != RPC_OK)
            return node_down(t);
        deep = found && fin >= a->block_number;
    }
    if (deep) {
        a->status = ANCHOR_CONFIRMED;
        diag_info("anchor %" PRId64 ": tree size %" PRIu64 " confirmed in block %" PRIu64
                  " (%" PRIu64 " confirmations)",
                  a->id, a->tree_size, a->block_number, a->confirmations);
    }
    return save(t);
}

static enum track_result on_mined(struct tracker *t, const struct anchor_attempt *at,
                                  const struct eth_receipt *rc)
{
    struct anchor *a = t->a;
    if (!rc->success) {
        diag_warn("anchor %" PRId64 ": transaction %d reverted; sending it again with a new nonce",
                  a->id, at->number);
        set_error(a, "", "the anchor transaction reverted (out of gas?)");
        a->status = ANCHOR_PENDING;
        a->has_nonce = false;
        a->gas_limit = 0;
        return save(t);
    }
    a->status = ANCHOR_MINED;
    memcpy(a->tx_hash, at->hash, 32);
    a->block_number = rc->block_number;
    memcpy(a->block_hash, rc->block_hash, 32);
    a->last_error[0] = '\0';
    diag_info("anchor %" PRId64 ": attempt %d mined in block %" PRIu64, a->id, at->number,
              rc->block_number);
    return check_depth(t);
}

/* Looks for a receipt of any attempt with the anchor's nonce, newest first. */
static enum rpc_status find_receipt(struct tracker *t, struct anchor_attempt **found,
                                    struct eth_receipt *rc)
{
    *found = NULL;
    for (size_t i = t->a->n_attempts; i-- > 0;) {
        if (!t->a->has_nonce || t->a->attempts[i].nonce != t->a->nonce)
            continue; /* an earlier nonce: reverted or taken by another transaction */
        enum rpc_status st = eth_receipt(t->rpc, t->a->attempts[i].hash, rc, &t->err);
        if (st != RPC_OK)
            return st;
        if (rc->found) {
            *found = &t->a->attempts[i];
            return RPC_OK;
        }
    }
    return RPC_OK;
}

/* The account's nonce has passed ours: either one of our attempts was mined or another
 * transaction took the nonce, and the anchor needs a new one. */
static enum track_result nonce_consumed(struct tracker *t)
{
    struct anchor_attempt *at;
    struct eth_receipt rc;
    if (find_receipt(t, &at, &rc) != RPC_OK)
        return node_down(t);
    if (at)
        return on_mined(t, at, &rc);
    diag_warn("anchor %" PRId64 ": nonce %" PRIu64 " was used by another transaction; "
              "signing again with a new nonce",
              t->a->id, t->a->nonce);
    set_error(t->a, "", "nonce taken by another transaction from the anchoring account");
    t->a->status = ANCHOR_PENDING;
    t->a->has_nonce = false;
    return save(t);
}

static enum track_result broadcast(struct tracker *t, struct anchor_attempt *at)
{
    struct anchor *a = t->a;
    enum rpc_status st = eth_send_raw(t->rpc, (const uint8_t *)at->raw.data, at->raw.len, &t->err);
    if (st == RPC_UNAVAILABLE)
        return node_down(t);
    if (st == RPC_OK || contains(t->err.message, known_msgs)) {
        if (!at->sent)
            at->sent_block = t->head;
        at->sent = true;
        at->underpriced = false;
        a->status = ANCHOR_SUBMITTED;
        a->last_error[0] = '\0';
        return save(t);
    }
    if (contains(t->err.message, nonce_low_msgs))
        return nonce_consumed(t);
    set_error(a, "eth_sendRawTransaction: ", t->err.message);
    if (contains(t->err.message, underpriced_msgs)) {
        at->underpriced = true;
        return save(t);
    }
    if (contains(t->err.message, funds_msgs)) {
        char from[ETH_ADDRESS_STR_LEN + 1];
        eth_address_format(t->cfg->from, from);
        diag_error("anchor %" PRId64 ": insufficient funds: send ETH to %s", a->id, from);
    } else
        diag_warn("anchor %" PRId64 ": the node refused attempt %d: %s", a->id, at->number,
                  t->err.message);
    (void)t->store->save(t->store->ctx, a);
    return TRACK_NODE_RETRY;
}

static uint64_t max_u64(uint64_t x, uint64_t y)
{
    return x > y ? x : y;
}

static uint64_t min_u64(uint64_t x, uint64_t y)
{
    return x < y ? x : y;
}

/* 2 * base + tip, the usual room for the base fee to double before inclusion. */
static uint64_t suggested_max_fee(uint64_t base, uint64_t tip)
{
    return base > (UINT64_MAX - tip) / 2 ? UINT64_MAX : 2 * base + tip;
}

static void cap_fees(uint64_t max_fee, uint64_t tip, uint64_t max_fee_cap, uint64_t tip_cap,
                     uint64_t *max_fee_out, uint64_t *tip_out)
{
    *max_fee_out = min_u64(max_fee, max_fee_cap);
    *tip_out = min_u64(min_u64(tip, tip_cap), *max_fee_out);
}

void tracker_fees(uint64_t base, uint64_t tip, uint64_t max_fee_cap, uint64_t tip_cap,
                  uint64_t *max_fee_out, uint64_t *tip_out)
{
    cap_fees(suggested_max_fee(base, tip), tip, max_fee_cap, tip_cap, max_fee_out, tip_out);
}

/* Fees for a new attempt: the node's suggestion, raised over prev's when replacing, capped.
 * False when the caps leave no room above prev. */
static enum rpc_status choose_fees(struct tracker *t, const struct anchor_attempt *prev,
                                   uint64_t *max_fee, uint64_t *tip, bool *room)
{
    uint64_t base;
    enum rpc_status st = eth_fees(t->rpc, &base, tip, &t->err);
    if (st != RPC_OK)
        return st;
    uint64_t wanted = suggested_max_fee(base, *tip);
    if (prev) { /* a replacement: at least 12.5% above the last attempt, then capped */
        *tip = max_u64(*tip, tracker_bump(prev->tip));
        wanted = max_u64(wanted, tracker_bump(prev->max_fee));
    }
    cap_fees(wanted, *tip, t->cfg->max_fee_cap, t->cfg->tip_cap, max_fee, tip);
    *room = !prev || (*max_fee >= tracker_bump(prev->max_fee) && *tip >= tracker_bump(prev->tip));
    return RPC_OK;
}

static enum rpc_status prepare_nonce_and_gas(struct tracker *t)
{
    struct anchor *a = t->a;
    enum rpc_status st = RPC_OK;
    if (!a->has_nonce) {
        st = eth_transaction_count(t->rpc, t->cfg->from, "pending", &a->nonce, &t->err);
        a->has_nonce = st == RPC_OK;
    }
    uint64_t est;
    if (st == RPC_OK && !a->gas_limit) {
        st = eth_estimate_gas(t->rpc, t->cfg->from, t->cfg->to, (const uint8_t *)a->calldata.data,
                              a->calldata.len, &est, &t->err);
        if (st == RPC_OK)
            a->gas_limit =
                tracker_gas_limit(est, (const uint8_t *)a->calldata.data, a->calldata.len);
    }
    return st;
}

static bool sign_attempt(struct tracker *t, uint64_t max_fee, uint64_t tip,
                         struct anchor_attempt *at)
{
    struct anchor *a = t->a;
    struct eth_tx tx = {.chain_id = t->cfg->chain_id,
                        .nonce = a->nonce,
                        .gas_limit = a->gas_limit,
                        .has_to = true,
                        .data = (const uint8_t *)a->calldata.data,
                        .data_len = a->calldata.len};
    memcpy(tx.to, t->cfg->to, ETH_ADDRESS_LEN);
    u256_from_u64(max_fee, &tx.max_fee_per_gas);
    u256_from_u64(tip, &tx.max_priority_fee_per_gas);
    struct eth_signed_tx signed_tx;
    if (!eth_tx_sign_eip1559(&tx, t->cfg->key, &signed_tx))
        return false;
    *at = (struct anchor_attempt){.number = (int)a->n_attempts + 1,
                                  .nonce = a->nonce,
                                  .max_fee = max_fee,
                                  .tip = tip,
                                  .raw = signed_tx.raw};
    memcpy(at->hash, signed_tx.hash, 32);
    return true;
}

/* Signs a new attempt (a replacement of prev when given), stores it, then sends it. */
static enum track_result sign_and_send(struct tracker *t, struct anchor_attempt *prev)
{
    struct anchor *a = t->a;
    uint64_t max_fee, tip;
    bool room;
    if (prepare_nonce_and_gas(t) != RPC_OK || choose_fees(t, prev, &max_fee, &tip, &room) != RPC_OK)
        return node_down(t);
    if (!room) {
        diag_warn("anchor %" PRId64 ": fee caps reached; sending attempt %d again", a->id,
                  prev->number);
        prev->sent_block = t->head;
        return broadcast(t, prev);
    }
    struct anchor_attempt at;
    if (!sign_attempt(t, max_fee, tip, &at))
        return TRACK_STORE_FAIL;
    if (!t->store->add_attempt(t->store->ctx, a, &at)) {
        buf_free(&at.raw);
        return TRACK_STORE_FAIL;
    }
    if (!anchor_add_attempt(a, &at)) {
        buf_free(&at.raw);
        return TRACK_STORE_FAIL;
    }
    diag_info("anchor %" PRId64 ": attempt %d, nonce %" PRIu64 ", max fee %" PRIu64
              " wei/gas, tip %" PRIu64 "%s",
              a->id, latest_attempt(a)->number, a->nonce, max_fee, tip,
              prev ? " (replacement)" : "");
    return broadcast(t, latest_attempt(a));
}

static struct anchor_attempt *attempt_for_nonce(struct anchor *a)
{
    struct anchor_attempt *at = latest_attempt(a);
    return a->has_nonce && at && at->nonce == a->nonce ? at : NULL;
}

static enum track_result step_pending(struct tracker *t)
{
    struct anchor_attempt *at = attempt_for_nonce(t->a), *mined;
    if (!at)
        return sign_and_send(t, NULL);
    /* Signed before (a crash, an outage or a reorg came in between): it may be mined already. */
    struct eth_receipt rc;
    if (find_receipt(t, &mined, &rc) != RPC_OK)
        return node_down(t);
    if (mined)
        return on_mined(t, mined, &rc);
    return at->underpriced ? sign_and_send(t, at) : broadcast(t, at);
}

static enum track_result step_submitted(struct tracker *t)
{
    struct anchor *a = t->a;
    struct anchor_attempt *at, *latest = latest_attempt(a);
    struct eth_receipt rc;
    uint64_t count;
    if (find_receipt(t, &at, &rc) != RPC_OK)
        return node_down(t);
    if (at)
        return on_mined(t, at, &rc);
    if (eth_transaction_count(t->rpc, t->cfg->from, "latest", &count, &t->err) != RPC_OK)
        return node_down(t);
    if (count > a->nonce)
        return nonce_consumed(t);
    if (latest->underpriced)
        return sign_and_send(t, latest);
    if (!latest->sent)
        return broadcast(t, latest);
    if (t->head >= latest->sent_block + t->cfg->replace_blocks) {
        diag_info("anchor %" PRId64 ": attempt %d not mined after %u blocks; replacing it", a->id,
                  latest->number, t->cfg->replace_blocks);
        return sign_and_send(t, latest);
    }
    struct eth_tx_info info;
    enum rpc_status st = eth_transaction(t->rpc, latest->hash, &info, &t->err);
    buf_free(&info.input);
    if (st != RPC_OK)
        return node_down(t);
    if (!info.found) {
        diag_warn("anchor %" PRId64 ": the node no longer has attempt %d; sending it again", a->id,
                  latest->number);
        return broadcast(t, latest);
    }
    return TRACK_OK;
}

/* Back to pending after a reorg took the block: the stored attempt is sent again. */
static enum track_result reorged(struct tracker *t, const char *why)
{
    struct anchor *a = t->a;
    diag_warn("anchor %" PRId64 ": block %" PRIu64 " %s; sending the transaction again", a->id,
              a->block_number, why);
    set_error(a, "reorg: block ", why);
    a->status = ANCHOR_PENDING;
    a->block_number = 0;
    a->confirmations = 0;
    memset(a->block_hash, 0, 32);
    memset(a->tx_hash, 0, 32);
    for (size_t i = 0; i < a->n_attempts; i++)
        a->attempts[i].sent = false;
    return save(t);
}

static enum track_result step_mined(struct tracker *t)
{
    struct anchor *a = t->a;
    struct eth_receipt rc;
    if (eth_receipt(t->rpc, a->tx_hash, &rc, &t->err) != RPC_OK)
        return node_down(t);
    if (!rc.found)
        return reorged(t, "was reorganised away");
    if (memcmp(rc.block_hash, a->block_hash, 32) != 0) {
        diag_warn("anchor %" PRId64 ": re-mined in block %" PRIu64 " after a reorg", a->id,
                  rc.block_number);
        a->block_number = rc.block_number;
        memcpy(a->block_hash, rc.block_hash, 32);
    }
    char tag[19];
    eth_quantity(a->block_number, tag);
    bool found;
    uint64_t number;
    uint8_t hash[32];
    if (eth_block_hash(t->rpc, tag, &found, &number, hash, &t->err) != RPC_OK)
        return node_down(t);
    if (!found || memcmp(hash, a->block_hash, 32) != 0)
        return reorged(t, "is no longer on the canonical chain");
    return check_depth(t);
}

enum track_result tracker_reconcile(const struct tracker_config *cfg, struct eth_rpc *rpc,
                                    const struct tracker_store *store, struct anchor *a)
{
    struct tracker t = {.cfg = cfg, .rpc = rpc, .store = store, .a = a};
    uint64_t latest, pending;
    if (eth_transaction_count(rpc, cfg->from, "latest", &latest, &t.err) != RPC_OK ||
        eth_transaction_count(rpc, cfg->from, "pending", &pending, &t.err) != RPC_OK)
        return node_down(&t);
    diag_info("anchor %" PRId64 ": resuming %s with %zu attempt(s), nonce %s%" PRIu64
              " (account nonce %" PRIu64 ", %" PRIu64 " with its pending transactions)",
              a->id, anchor_status_name(a->status), a->n_attempts, a->has_nonce ? "" : "unset, ",
              a->nonce, latest, pending);
    if (!a->has_nonce || a->nonce <= pending || a->status >= ANCHOR_MINED)
        return TRACK_OK;
    diag_warn("anchor %" PRId64 ": nonce %" PRIu64 " is beyond the account's next nonce %" PRIu64
              "; signing again with a new one",
              a->id, a->nonce, pending);
    a->has_nonce = false;
    a->status = ANCHOR_PENDING;
    return save(&t);
}

enum track_result tracker_step(const struct tracker_config *cfg, struct eth_rpc *rpc,
                               const struct tracker_store *store, struct anchor *a)
{
    struct tracker t = {.cfg = cfg, .rpc = rpc, .store = store, .a = a};
    if (a->status == ANCHOR_CONFIRMED)
        return TRACK_OK;
    if (eth_block_number(rpc, &t.head, &t.err) != RPC_OK)
        return node_down(&t);
    switch (a->status) {
    case ANCHOR_PENDING:
        return step_pending(&t);
    case ANCHOR_SUBMITTED:
        return step_submitted(&t);
    case ANCHOR_MINED:
        return step_mined(&t);
    case ANCHOR_CONFIRMED:
        break;
    }
    return TRACK_OK;
}
