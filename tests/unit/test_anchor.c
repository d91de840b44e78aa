/* SPDX-License-Identifier: Apache-2.0 */
/* The anchor transaction state machine on a scripted chain (canned JSON-RPC replies), the
 * calldata layout, fee bumps, gas limits and the JSON-RPC reply parsers. */
#include "testutil.h"

#include <inttypes.h>

#include "anchor/calldata.h"
#include "anchor/contract.h"
#include "util/codec.h"
#include "anchor/tracker.h"
#include "eth/rpc.h"
#include "crypto/keccak.h"
#include "eth/tx.h"

/* ---- a scripted chain behind a custom transport ---- */

#define ZERO_ADDRESS "0x0000000000000000000000000000000000000000"

struct fake_receipt {
    uint8_t hash[32];
    uint64_t block;
    char block_hash[67];
    int status;
};

struct fake_chain {
    uint64_t head, latest_count, pending_count, finalized;
    uint64_t base_fee, tip, estimate;
    const char *send_error; /* NULL: accepted */
    bool send_timeout, down, tx_known;
    int sends;
    uint8_t last_sent[32]; /* hash of the last raw transaction sent */
    struct fake_receipt receipts[4];
    int n_receipts;
    char canonical[67];   /* hash of whatever block is asked for */
    int stored_when_sent; /* store.attempts at the moment of the last send */
    struct fake_store *store;
};

struct fake_store {
    int attempts, saves;
    bool fail;
};

static json_t *receipt_json(struct fake_chain *c, const char *hash_hex)
{
    uint8_t h[32];
    if (!hex_decode(hash_hex + 2, 64, h, 32, false))
        return json_null();
    for (int i = 0; i < c->n_receipts; i++)
        if (!memcmp(c->receipts[i].hash, h, 32)) {
            char bn[19];
            eth_quantity(c->receipts[i].block, bn);
            return json_pack("{s:s, s:s, s:s}", "status", c->receipts[i].status ? "0x1" : "0x0",
                             "blockNumber", bn, "blockHash", c->receipts[i].block_hash);
        }
    return json_null();
}

static json_t *quantity(uint64_t v)
{
    char q[19];
    eth_quantity(v, q);
    return json_string(q);
}

static json_t *on_send(struct fake_chain *c, json_t *params, json_t **error)
{
    struct buf raw = BUF_INIT;
    assert_true(eth_parse_data(json_array_get(params, 0), &raw));
    keccak256((const uint8_t *)raw.data, raw.len, c->last_sent);
    buf_free(&raw);
    c->sends++;
    c->stored_when_sent = c->store->attempts;
    if (c->send_error) {
        *error = json_pack("{s:i, s:s}", "code", -32000, "message", c->send_error);
        return NULL;
    }
    char *h = eth_hex(c->last_sent, 32);
    json_t *hash = json_string(h);
    free(h);
    return hash;
}

static json_t *dispatch(struct fake_chain *c, const char *m, json_t *params, json_t **error)
{
    if (!strcmp(m, "eth_blockNumber"))
        return quantity(c->head);
    if (!strcmp(m, "eth_chainId"))
        return quantity(31337);
    if (!strcmp(m, "eth_getTransactionCount"))
        return quantity(strcmp(json_string_value(json_array_get(params, 1)), "pending")
                            ? c->latest_count
                            : c->pending_count);
    if (!strcmp(m, "eth_feeHistory"))
        return json_pack("{s:[o,o], s:[[o]]}", "baseFeePerGas", quantity(c->base_fee),
                         quantity(c->base_fee), "reward", quantity(c->tip));
    if (!strcmp(m, "eth_maxPriorityFeePerGas"))
        return quantity(c->tip);
    if (!strcmp(m, "eth_estimateGas"))
        return quantity(c->estimate);
    if (!strcmp(m, "eth_sendRawTransaction"))
        return on_send(c, params, error);
    if (!strcmp(m, "eth_getTransactionReceipt"))
        return receipt_json(c, json_string_value(json_array_get(params, 0)));
    if (!strcmp(m, "eth_getTransactionByHash"))
        return c->tx_known ? json_pack("{s:s, s:n, s:s, s:s}", "from", ZERO_ADDRESS, "blockNumber",
                                       "to", ZERO_ADDRESS, "input", "0x")
                           : json_null();
    if (!strcmp(m, "eth_getBlockByNumber")) {
        const char *tag = json_string_value(json_array_get(params, 0));
        uint64_t n = !strcmp(tag, "finalized") ? c->finalized : strtoull(tag + 2, NULL, 16);
        char q[19];
        eth_quantity(n, q);
        return json_pack("{s:s, s:s}", "number", q, "hash", c->canonical);
    }
    fail_msg("unexpected method %s", m);
    return NULL;
}

static bool fake_transport(void *ctx, const char *body, size_t len, struct buf *reply, char *err,
                           size_t err_len)
{
    struct fake_chain *c = ctx;
    json_t *req = json_loadb(body, len, 0, NULL), *error = NULL;
    const char *m = json_string_value(json_object_get(req, "method"));
    bool timeout = c->send_timeout && !strcmp(m, "eth_sendRawTransaction");
    if (c->down || timeout) {
        if (timeout)
            c->sends++, c->stored_when_sent = c->store->attempts;
        snprintf(err, err_len, "%s", c->down ? "Couldn't connect to server" : "Timeout");
        json_decref(req);
        return false;
    }
    json_t *result = dispatch(c, m, json_object_get(req, "params"), &error);
    json_t *resp = json_pack("{s:s, s:O}", "jsonrpc", "2.0", "id", json_object_get(req, "id"));
    json_object_set_new(resp, error ? "error" : "result", error ? error : result);
    char *text = json_dumps(resp, JSON_COMPACT);
    buf_puts(reply, text);
    free(text);
    json_decref(resp);
    json_decref(req);
    return true;
}

static bool store_add(void *ctx, const struct anchor *a, const struct anchor_attempt *at)
{
    (void)a, (void)at;
    struct fake_store *s = ctx;
    if (s->fail)
        return false;
    s->attempts++;
    return true;
}

static bool store_save(void *ctx, const struct anchor *a)
{
    (void)a;
    struct fake_store *s = ctx;
    s->saves++;
    return !s->fail;
}

struct rig {
    struct fake_chain chain;
    struct fake_store store;
    struct eth_rpc rpc;
    struct tracker_config cfg;
    struct tracker_store ts;
    struct anchor a;
};

static int rig_setup(void **state)
{
    struct rig *r = calloc(1, sizeof *r);
    r->chain = (struct fake_chain){.head = 10,
                                   .latest_count = 7,
                                   .pending_count = 7,
                                   .base_fee = 1000000000,
                                   .tip = 1000000000,
                                   .estimate = 22000,
                                   .tx_known = true,
                                   .store = &r->store};
    snprintf(r->chain.canonical, sizeof r->chain.canonical, "0x%064d", 0);
    eth_rpc_init_custom(&r->rpc, fake_transport, &r->chain);
    memset(r->cfg.key, 0x11, 32);
    assert_true(eth_address_of_key(r->cfg.key, r->cfg.from));
    memcpy(r->cfg.to, r->cfg.from, 20);
    r->cfg.chain_id = 31337;
    r->cfg.confirmations = 3;
    r->cfg.replace_blocks = 2;
    r->cfg.max_fee_cap = 200000000000ull;
    r->cfg.tip_cap = 5000000000ull;
    r->ts = (struct tracker_store){store_add, store_save, &r->store};
    r->a.id = 1;
    r->a.chain_id = 31337;
    r->a.tree_size = 5;
    struct anchor_commitment c = {.key_id = 0xb48f3950, .tree_size = 5, .origin = "test/log"};
    anchor_calldata_encode(&c, &r->a.calldata);
    *state = r;
    return 0;
}

static int rig_teardown(void **state)
{
    struct rig *r = *state;
    anchor_free(&r->a);
    eth_rpc_free(&r->rpc);
    free(r);
    return 0;
}

static enum track_result step(struct rig *r)
{
    return tracker_step(&r->cfg, &r->rpc, &r->ts, &r->a);
}

/* Makes the chain mine attempt i in block n with block hash digit d. */
static void mine(struct rig *r, size_t i, uint64_t n, char d, int status)
{
    struct fake_receipt *rc = &r->chain.receipts[r->chain.n_receipts++];
    memcpy(rc->hash, r->a.attempts[i].hash, 32);
    rc->block = n;
    rc->status = status;
    rc->block_hash[0] = '0', rc->block_hash[1] = 'x';
    memset(rc->block_hash + 2, d, 64);
    rc->block_hash[66] = '\0';
    memcpy(r->chain.canonical, rc->block_hash, 67);
}

static void test_happy_path(void **state)
{
    struct rig *r = *state;
    assert_int_equal(step(r), TRACK_OK);
    assert_int_equal(r->a.status, ANCHOR_SUBMITTED);
    assert_int_equal(r->a.n_attempts, 1);
    assert_int_equal(r->a.nonce, 7);
    assert_int_equal(r->chain.stored_when_sent, 1); /* stored before it was sent */
    assert_memory_equal(r->chain.last_sent, r->a.attempts[0].hash, 32);
    assert_int_equal(r->a.attempts[0].max_fee, 2 * 1000000000ull + 1000000000ull);
    assert_true(r->a.attempts[0].sent);
    assert_int_equal(r->a.attempts[0].sent_block, 10);
    assert_true(r->a.gas_limit >= 22000 + 22000 / 4);

    r->chain.head = 11;
    assert_int_equal(step(r), TRACK_OK); /* not mined yet: waits */
    assert_int_equal(r->a.status, ANCHOR_SUBMITTED);
    mine(r, 0, 11, 'a', 1);
    r->chain.latest_count = 8;
    assert_int_equal(step(r), TRACK_OK);
    assert_int_equal(r->a.status, ANCHOR_MINED);
    assert_int_equal(r->a.confirmations, 1);
    r->chain.head = 13;
    assert_int_equal(step(r), TRACK_OK);
    assert_int_equal(r->a.status, ANCHOR_CONFIRMED);
    assert_int_equal(r->a.confirmations, 3);
    assert_int_equal(r->chain.sends, 1);
}

static void test_already_known_counts_as_sent(void **state)
{
    struct rig *r = *state;
    r->chain.send_error = "already known";
    assert_int_equal(step(r), TRACK_OK);
    assert_int_equal(r->a.status, ANCHOR_SUBMITTED);
    assert_true(r->a.attempts[0].sent);
}

static void test_timeout_resends_the_stored_transaction(void **state)
{
    struct rig *r = *state;
    r->chain.send_timeout = true;
    assert_int_equal(step(r), TRACK_NODE_RETRY);
    assert_int_equal(r->a.status, ANCHOR_PENDING);
    assert_int_equal(r->store.attempts, 1);
    assert_false(r->a.attempts[0].sent);
    assert_string_equal(r->a.last_error, "eth_sendRawTransaction: Timeout");
    r->chain.send_timeout = false;
    assert_int_equal(step(r), TRACK_OK);
    assert_int_equal(r->a.status, ANCHOR_SUBMITTED);
    assert_int_equal(r->a.n_attempts, 1); /* no second signature */
    assert_memory_equal(r->chain.last_sent, r->a.attempts[0].hash, 32);
    assert_string_equal(r->a.last_error, "");
}

static void test_nonce_taken_by_another_transaction(void **state)
{
    struct rig *r = *state;
    r->chain.send_error = "nonce too low";
    r->chain.latest_count = r->chain.pending_count = 8;
    assert_int_equal(step(r), TRACK_OK);
    assert_int_equal(r->a.status, ANCHOR_PENDING);
    assert_false(r->a.has_nonce);
    r->chain.send_error = NULL;
    assert_int_equal(step(r), TRACK_OK);
    assert_int_equal(r->a.n_attempts, 2);
    assert_int_equal(r->a.attempts[1].nonce, 8);
    assert_int_equal(r->a.status, ANCHOR_SUBMITTED);
}

static void test_nonce_too_low_because_already_mined(void **state)
{
    struct rig *r = *state;
    r->chain.send_timeout = true;
    assert_int_equal(step(r), TRACK_NODE_RETRY);
    /* The timed-out send did reach the node and was mined. */
    r->chain.send_timeout = false;
    r->chain.send_error = "nonce too low";
    mine(r, 0, 10, 'b', 1);
    assert_int_equal(step(r), TRACK_OK);
    assert_int_equal(r->a.status, ANCHOR_MINED);
    assert_int_equal(r->a.block_number, 10);
    assert_memory_equal(r->a.tx_hash, r->a.attempts[0].hash, 32);
}

static void test_underpriced_bumps_fees(void **state)
{
    struct rig *r = *state;
    r->chain.send_error = "replacement transaction underpriced";
    assert_int_equal(step(r), TRACK_OK);
    assert_true(r->a.attempts[0].underpriced);
    r->chain.send_error = NULL;
    assert_int_equal(step(r), TRACK_OK);
    assert_int_equal(r->a.n_attempts, 2);
    const struct anchor_attempt *a0 = &r->a.attempts[0], *a1 = &r->a.attempts[1];
    assert_int_equal(a1->nonce, a0->nonce);
    assert_true(a1->max_fee * 8 >= a0->max_fee * 9);
    assert_true(a1->tip * 8 >= a0->tip * 9);
    assert_int_equal(r->a.status, ANCHOR_SUBMITTED);
}

static void test_insufficient_funds_waits(void **state)
{
    struct rig *r = *state;
    r->chain.send_error = "insufficient funds for gas * price + value";
    assert_int_equal(step(r), TRACK_NODE_RETRY);
    assert_int_equal(r->a.status, ANCHOR_PENDING);
    assert_non_null(strstr(r->a.last_error, "insufficient funds"));
    r->chain.send_error = NULL;
    assert_int_equal(step(r), TRACK_OK);
    assert_int_equal(r->a.n_attempts, 1); /* the same transaction once funded */
    assert_int_equal(r->a.status, ANCHOR_SUBMITTED);
}

static void test_replaced_after_n_blocks_and_capped(void **state)
{
    struct rig *r = *state;
    assert_int_equal(step(r), TRACK_OK);
    r->chain.head = 12; /* replace_blocks = 2 */
    assert_int_equal(step(r), TRACK_OK);
    assert_int_equal(r->a.n_attempts, 2);
    assert_true(r->a.attempts[1].max_fee * 8 >= r->a.attempts[0].max_fee * 9);
    assert_int_equal(r->a.attempts[1].sent_block, 12);
    /* At the cap there is no room for another bump: the last one is sent again. */
    r->cfg.max_fee_cap = r->a.attempts[1].max_fee;
    r->chain.head = 14;
    int sends = r->chain.sends;
    assert_int_equal(step(r), TRACK_OK);
    assert_int_equal(r->a.n_attempts, 2);
    assert_int_equal(r->chain.sends, sends + 1);
    assert_memory_equal(r->chain.last_sent, r->a.attempts[1].hash, 32);
    /* Either attempt may be the one mined. */
    mine(r, 0, 15, 'c', 1);
    r->chain.head = 15;
    assert_int_equal(step(r), TRACK_OK);
    assert_int_equal(r->a.status, ANCHOR_MINED);
    assert_memory_equal(r->a.tx_hash, r->a.attempts[0].hash, 32);
}

static void test_dropped_transaction_is_resent(void **state)
{
    struct rig *r = *state;
    assert_int_equal(step(r), TRACK_OK);
    r->chain.tx_known = false;
    assert_int_equal(step(r), TRACK_OK);
    assert_int_equal(r->chain.sends, 2);
    assert_int_equal(r->a.n_attempts, 1);
    assert_memory_equal(r->chain.last_sent, r->a.attempts[0].hash, 32);
}

static void test_reorg_sends_again(void **state)
{
    struct rig *r = *state;
    assert_int_equal(step(r), TRACK_OK);
    mine(r, 0, 10, 'a', 1);
    assert_int_equal(step(r), TRACK_OK);
    assert_int_equal(r->a.status, ANCHOR_MINED);
    /* The block at height 10 is now another one and the receipt is gone. */
    r->chain.n_receipts = 0;
    memset(r->chain.canonical + 2, 'd', 64);
    assert_int_equal(step(r), TRACK_OK);
    assert_int_equal(r->a.status, ANCHOR_PENDING);
    assert_false(r->a.attempts[0].sent);
    assert_non_null(strstr(r->a.last_error, "reorg"));
    assert_int_equal(step(r), TRACK_OK);
    assert_int_equal(r->a.status, ANCHOR_SUBMITTED);
    assert_int_equal(r->a.n_attempts, 1);
    assert_memory_equal(r->chain.last_sent, r->a.attempts[0].hash, 32);
    /* Re-mined in another block on the new chain. */
    mine(r, 0, 11, 'e', 1);
    r->chain.head = 11;
    assert_int_equal(step(r), TRACK_OK);
    assert_int_equal(r->a.status, ANCHOR_MINED);
    assert_int_equal(r->a.block_number, 11);
    assert_int_equal(r->a.block_hash[0], 0xee);
}

static void test_remined_in_another_block(void **state)
{
    struct rig *r = *state;
    assert_int_equal(step(r), TRACK_OK);
    mine(r, 0, 10, 'a', 1);
    assert_int_equal(step(r), TRACK_OK);
    r->chain.n_receipts = 0;
    mine(r, 0, 11, 'f', 1);
    r->chain.head = 12;
    assert_int_equal(step(r), TRACK_OK);
    assert_int_equal(r->a.status, ANCHOR_MINED);
    assert_int_equal(r->a.block_number, 11);
    assert_int_equal(r->a.block_hash[0], 0xff);
    assert_int_equal(r->a.confirmations, 2);
}

static void test_block_hash_changed_under_receipt(void **state)
{
    struct rig *r = *state;
    assert_int_equal(step(r), TRACK_OK);
    mine(r, 0, 10, 'a', 1);
    assert_int_equal(step(r), TRACK_OK);
    memset(r->chain.canonical + 2, '9', 64); /* the node's receipt index lags its chain */
    r->chain.head = 20;
    assert_int_equal(step(r), TRACK_OK);
    assert_int_equal(r->a.status, ANCHOR_PENDING); /* never confirmed off the canonical chain */
}

static void test_reverted_gets_a_new_nonce(void **state)
{
    struct rig *r = *state;
    assert_int_equal(step(r), TRACK_OK);
    mine(r, 0, 10, 'a', 0);
    r->chain.latest_count = r->chain.pending_count = 8;
    assert_int_equal(step(r), TRACK_OK);
    assert_int_equal(r->a.status, ANCHOR_PENDING);
    assert_false(r->a.has_nonce);
    assert_int_equal(r->a.gas_limit, 0);
    assert_int_equal(step(r), TRACK_OK);
    assert_int_equal(r->a.attempts[1].nonce, 8);
}

static void test_finalized_mode(void **state)
{
    struct rig *r = *state;
    r->cfg.confirmations = 0;
    assert_int_equal(step(r), TRACK_OK);
    mine(r, 0, 10, 'a', 1);
    r->chain.head = 50;
    r->chain.finalized = 9;
    assert_int_equal(step(r), TRACK_OK);
    assert_int_equal(r->a.status, ANCHOR_MINED);
    r->chain.finalized = 10;
    assert_int_equal(step(r), TRACK_OK);
    assert_int_equal(r->a.status, ANCHOR_CONFIRMED);
}

static void test_store_failure_sends_nothing(void **state)
{
    struct rig *r = *state;
    r->store.fail = true;
    assert_int_equal(step(r), TRACK_STORE_FAIL);
    assert_int_equal(r->chain.sends, 0);
    assert_int_equal(r->a.n_attempts, 0);
}

static void test_node_down(void **state)
{
    struct rig *r = *state;
    r->chain.down = true;
    assert_int_equal(step(r), TRACK_NODE_RETRY);
    assert_int_equal(r->a.status, ANCHOR_PENDING);
    assert_non_null(strstr(r->a.last_error, "connect"));
    assert_int_equal(r->a.n_attempts, 0);
}

static void test_reconcile_drops_an_unreachable_nonce(void **state)
{
    struct rig *r = *state;
    assert_int_equal(step(r), TRACK_OK); /* submitted at nonce 7 */
    assert_int_equal(tracker_reconcile(&r->cfg, &r->rpc, &r->ts, &r->a), TRACK_OK);
    assert_true(r->a.has_nonce); /* 7 <= the account's pending nonce 7: resumes as it is */
    assert_int_equal(r->a.status, ANCHOR_SUBMITTED);
    r->chain.latest_count = r->chain.pending_count = 3; /* the node lost its state */
    assert_int_equal(tracker_reconcile(&r->cfg, &r->rpc, &r->ts, &r->a), TRACK_OK);
    assert_false(r->a.has_nonce);
    assert_int_equal(r->a.status, ANCHOR_PENDING);
    assert_int_equal(step(r), TRACK_OK);
    assert_int_equal(r->a.attempts[1].nonce, 3);
}

/* ---- pure helpers ---- */

static void test_bump_and_gas(void **state)
{
    (void)state;
    assert_int_equal(tracker_bump(8), 9);
    assert_int_equal(tracker_bump(100), 113);
    assert_int_equal(tracker_bump(0), 1);
    assert_int_equal(tracker_bump(1000000000), 1125000000);
    assert_true(tracker_bump(UINT64_MAX) == UINT64_MAX);
    uint8_t data[10] = {0, 0, 1, 2, 3, 4, 5, 6, 7, 8}; /* 2 zero + 8 non-zero: 34 tokens */
    assert_int_equal(tracker_gas_limit(16000, data, sizeof data), 21000 + 340);
    assert_int_equal(tracker_gas_limit(40000, data, sizeof data), 50000);
}

static void test_calldata(void **state)
{
    (void)state;
    struct anchor_commitment c = {
        .key_id = 0xb48f3950, .tree_size = 0x0102030405060708ull, .origin = "example.org/log"};
    memset(c.root, 0xab, 32);
    struct buf b = BUF_INIT;
    anchor_calldata_encode(&c, &b);
    const uint8_t *d = (const uint8_t *)b.data;
    assert_int_equal(b.len, 49 + strlen(c.origin));
    assert_memory_equal(d, "prvd\x01\xb4\x8f\x39\x50\x01\x02\x03\x04\x05\x06\x07\x08", 17);
    struct anchor_commitment back;
    assert_true(anchor_calldata_decode(d, b.len, &back));
    assert_int_equal(back.key_id, c.key_id);
    assert_true(back.tree_size == c.tree_size);
    assert_memory_equal(back.root, c.root, 32);
    assert_string_equal(back.origin, c.origin);
    uint8_t bad[128];
    memcpy(bad, d, b.len);
    bad[4] = 2;
    assert_false(anchor_calldata_decode(bad, b.len, &back)); /* version */
    memcpy(bad, d, b.len);
    bad[0] = 'x';
    assert_false(anchor_calldata_decode(bad, b.len, &back)); /* magic */
    assert_false(anchor_calldata_decode(d, 49, &back));      /* no origin */
    assert_false(anchor_calldata_decode(d, 10, &back));      /* short */
    memcpy(bad, d, b.len);
    bad[50] = ' ';
    assert_false(anchor_calldata_decode(bad, b.len, &back)); /* origin with a space */
    bad[50] = '\0';
    assert_false(anchor_calldata_decode(bad, b.len, &back)); /* origin with a NUL (fuzzer) */
    buf_free(&b);
}

static void test_rpc_parsers(void **state)
{
    (void)state;
    json_t *res;
    struct rpc_error err;
    const char *ok = "{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":\"0x1f\"}";
    assert_int_equal(eth_rpc_parse_reply(ok, strlen(ok), 7, &res, &err), RPC_OK);
    uint64_t v;
    assert_true(eth_parse_u64(res, &v));
    assert_int_equal(v, 31);
    json_decref(res);
    assert_int_equal(eth_rpc_parse_reply(ok, strlen(ok), 8, &res, &err), RPC_UNAVAILABLE);
    const char *e = "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":-32000,\"message\":\"nonce "
                    "too low\"}}";
    assert_int_equal(eth_rpc_parse_reply(e, strlen(e), 1, &res, &err), RPC_NODE_ERROR);
    assert_int_equal(err.code, -32000);
    assert_string_equal(err.message, "nonce too low");
    assert_int_equal(eth_rpc_parse_reply("<html>", 6, 1, &res, &err), RPC_UNAVAILABLE);
    const char *none = "{\"jsonrpc\":\"2.0\",\"id\":1}";
    assert_int_equal(eth_rpc_parse_reply(none, strlen(none), 1, &res, &err), RPC_UNAVAILABLE);
    const char *null_result = "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":null}";
    assert_int_equal(eth_rpc_parse_reply(null_result, strlen(null_result), 1, &res, &err), RPC_OK);
    assert_true(json_is_null(res));
    json_decref(res);

    static const struct {
        const char *s;
        bool ok;
        uint64_t v;
    } q[] = {{"0x0", true, 0},
             {"0x00ff", true, 255},
             {"0x", false, 0},
             {"ff", false, 0},
             {"0xg", false, 0},
             {"0xffffffffffffffff", true, UINT64_MAX},
             {"0x10000000000000000", false, 0}};
    for (size_t i = 0; i < sizeof q / sizeof q[0]; i++) {
        json_t *s = json_string(q[i].s);
        bool got = eth_parse_u64(s, &v);
        assert_int_equal(got, q[i].ok);
        if (got)
            assert_true(v == q[i].v);
        json_decref(s);
    }
    uint8_t h[32];
    json_t *s = json_string("0x1234");
    assert_false(eth_parse_bytes32(s, h));
    json_decref(s);
}

/* The contract's CREATE addresses (well-known for anvil's account 0), its event topic, and the
 * structure of the hand-assembled code. */
static void test_contract(void **state)
{
    (void)state;
    uint8_t from[ETH_ADDRESS_LEN], addr[ETH_ADDRESS_LEN];
    char s[ETH_ADDRESS_STR_LEN + 1];
    assert_true(eth_address_parse("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266", from));
    assert_true(anchor_contract_address(from, 0, addr));
    eth_address_format(addr, s);
    assert_string_equal(s, "0x5FbDB2315678afecb367f032d93F642f64180aa3");
    assert_true(anchor_contract_address(from, 1, addr));
    eth_address_format(addr, s);
    assert_string_equal(s, "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512");

    const char *sig = "Anchored(address,bytes)";
    uint8_t topic[32];
    char topic_hex[67] = "0x";
    keccak256(sig, strlen(sig), topic);
    hex_encode(topic, 32, topic_hex + 2);
    assert_string_equal(topic_hex, ANCHOR_EVENT_TOPIC);

    const uint8_t *code = anchor_contract_initcode, *runtime = code + 11;
    size_t runtime_len = anchor_contract_initcode_len - 11;
    assert_int_equal(code[1], runtime_len);           /* PUSH1 length */
    assert_int_equal(code[4], 11);                    /* PUSH1 offset of the runtime */
    assert_memory_equal(runtime + 0x1f, "\x7f", 1);   /* PUSH32 ... */
    assert_memory_equal(runtime + 0x20, topic, 32);   /* ... the topic */
    assert_int_equal(runtime[2], 0x45);               /* the revert target ... */
    assert_int_equal(runtime[0x45], 0x5b);            /* ... is a JUMPDEST */
    assert_int_equal(runtime[runtime_len - 1], 0xfd); /* REVERT */
}

#define RIG(t) cmocka_unit_test_setup_teardown(t, rig_setup, rig_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        RIG(test_happy_path),
        RIG(test_already_known_counts_as_sent),
        RIG(test_timeout_resends_the_stored_transaction),
        RIG(test_nonce_taken_by_another_transaction),
        RIG(test_nonce_too_low_because_already_mined),
        RIG(test_underpriced_bumps_fees),
        RIG(test_insufficient_funds_waits),
        RIG(test_replaced_after_n_blocks_and_capped),
        RIG(test_dropped_transaction_is_resent),
        RIG(test_reorg_sends_again),
        RIG(test_remined_in_another_block),
        RIG(test_block_hash_changed_under_receipt),
        RIG(test_reverted_gets_a_new_nonce),
        RIG(test_finalized_mode),
        RIG(test_store_failure_sends_nothing),
        RIG(test_node_down),
        RIG(test_reconcile_drops_an_unreachable_nonce),
        cmocka_unit_test(test_bump_and_gas),
        cmocka_unit_test(test_calldata),
        cmocka_unit_test(test_rpc_parsers),
        cmocka_unit_test(test_contract),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
