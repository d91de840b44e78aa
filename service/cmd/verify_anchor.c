/* SPDX-License-Identifier: Apache-2.0 */
/* The anchor half of provd verify: the anchored tree is a prefix of the receipt's checkpoint
 * (consistency proof), its calldata commits to this log, and — with --rpc — the transaction
 * is on the chain, succeeded, carries that calldata and is deep enough. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "anchor/calldata.h"
#include "cmd/verify.h"
#include "util/codec.h"
#include "eth/rpc.h"

struct anchor_claim {
    uint64_t chain_id, tree_size, block_number;
    uint8_t root[MERKLE_HASH_LEN], tx_hash[32], block_hash[32];
    uint8_t sender[ETH_ADDRESS_LEN], recipient[ETH_ADDRESS_LEN];
    struct buf calldata;
};

/* The log's convention: a hash as 64 hex digits without 0x. */
static bool get_root(json_t *obj, const char *key, uint8_t out[MERKLE_HASH_LEN])
{
    const char *s = json_string_value(json_object_get(obj, key));
    return s && strlen(s) == 2 * MERKLE_HASH_LEN &&
           hex_decode(s, 2 * MERKLE_HASH_LEN, out, MERKLE_HASH_LEN, false);
}

static int parse_claim(json_t *a, struct anchor_claim *c)
{
    if (!verify_get_uint(a, "chain_id", &c->chain_id) ||
        !verify_get_uint(a, "tree_size", &c->tree_size) || !get_root(a, "root", c->root) ||
        !eth_parse_data(json_object_get(a, "calldata"), &c->calldata) ||
        !eth_address_parse(json_string_value(json_object_get(a, "sender")), c->sender) ||
        !eth_address_parse(json_string_value(json_object_get(a, "recipient")), c->recipient))
        return verify_reject("anchor: chain_id, tree_size, root, calldata, sender and recipient "
                             "are required");
    if (!verify_get_uint(a, "block_number", &c->block_number) ||
        !eth_parse_bytes32(json_object_get(a, "tx_hash"), c->tx_hash) ||
        !eth_parse_bytes32(json_object_get(a, "block_hash"), c->block_hash))
        return verify_reject("anchor: not on chain yet (status %s)",
                             json_string_value(json_object_get(a, "status")));
    return 0;
}

/* Offline: the calldata commits to this log's size and root, which the checkpoint extends. */
static int check_offline(const struct verify_ctx *v, json_t *a, const struct anchor_claim *c)
{
    struct anchor_commitment cm;
    uint8_t proof[MERKLE_MAX_PROOF][MERKLE_HASH_LEN];
    size_t n;
    if (!anchor_calldata_decode((const uint8_t *)c->calldata.data, c->calldata.len, &cm))
        return verify_reject("anchor: the calldata is not a provd anchor");
    if (cm.key_id != v->key->id || strcmp(cm.origin, v->key->name) != 0)
        return verify_reject("anchor: the calldata names another log (%s)", cm.origin);
    if (cm.tree_size != c->tree_size || memcmp(cm.root, c->root, MERKLE_HASH_LEN) != 0)
        return verify_reject("anchor: the calldata does not carry the anchor's size and root");
    if (v->index >= c->tree_size || c->tree_size > v->size)
        return verify_reject("anchor: tree size %llu does not cover entry %llu within size %llu",
                             (unsigned long long)c->tree_size, (unsigned long long)v->index,
                             (unsigned long long)v->size);
    if (!verify_get_proof(json_object_get(a, "consistency_proof"), proof, &n))
        return verify_reject("anchor: consistency_proof must be an array of hashes");
    if (c->tree_size == v->size
            ? n != 0 || memcmp(c->root, v->root, MERKLE_HASH_LEN) != 0
            : !merkle_verify_consistency(c->tree_size, v->size, c->root, v->root,
                                         (const uint8_t(*)[32])proof, n))
        return verify_reject("anchor: the checkpoint is not consistent with the anchored root");
    return 0;
}

static int rpc_failed(const struct rpc_error *err)
{
    return verify_reject("anchor: the Ethereum node: %s", err->message);
}

/* The transaction and its block as the chain has them. */
static int check_tx(struct eth_rpc *rpc, const struct anchor_claim *c)
{
    struct rpc_error err;
    struct eth_tx_info tx;
    struct eth_receipt rc;
    int r = 0;
    if (eth_transaction(rpc, c->tx_hash, &tx, &err) != RPC_OK)
        r = rpc_failed(&err);
    else if (!tx.found || !tx.mined)
        r = verify_reject("anchor: the chain has no mined transaction %s", "with that hash");
    else if (tx.input.len != c->calldata.len ||
             memcmp(tx.input.data, c->calldata.data, tx.input.len) != 0)
        r = verify_reject("anchor: the transaction's calldata differs from the anchor's");
    else if (memcmp(tx.from, c->sender, ETH_ADDRESS_LEN) != 0 || !tx.has_to ||
             memcmp(tx.to, c->recipient, ETH_ADDRESS_LEN) != 0)
        r = verify_reject("anchor: the transaction's sender or recipient differs");
    else if (eth_receipt(rpc, c->tx_hash, &rc, &err) != RPC_OK)
        r = rpc_failed(&err);
    else if (!rc.found || !rc.success)
        r = verify_reject("anchor: the transaction %s", rc.found ? "failed" : "has no receipt");
    else if (rc.block_number != c->block_number || memcmp(rc.block_hash, c->block_hash, 32) != 0)
        r = verify_reject("anchor: the transaction is in another block than the receipt says");
    buf_free(&tx.input);
    return r;
}

/* The block is canonical and deep enough; *confirmations receives head - block + 1. */
static int check_depth(struct eth_rpc *rpc, const struct anchor_claim *c, unsigned depth,
                       uint64_t *confirmations)
{
    struct rpc_error err;
    char tag[19];
    bool found;
    uint64_t number, head;
    uint8_t hash[32];
    eth_quantity(c->block_number, tag);
    if (eth_block_hash(rpc, tag, &found, &number, hash, &err) != RPC_OK ||
        eth_block_number(rpc, &head, &err) != RPC_OK)
        return rpc_failed(&err);
    if (!found || memcmp(hash, c->block_hash, 32) != 0)
        return verify_reject("anchor: block %llu is not on the canonical chain",
                             (unsigned long long)c->block_number);
    *confirmations = head >= number ? head - number + 1 : 0;
    if (depth == 0) {
        if (eth_block_hash(rpc, "finalized", &found, &number, hash, &err) != RPC_OK)
            return rpc_failed(&err);
        if (!found || number < c->block_number)
            return verify_reject("anchor: block %llu is not finalized yet",
                                 (unsigned long long)c->block_number);
    } else if (*confirmations < depth)
        return verify_reject("anchor: %llu confirmations, fewer than the %u required",
                             (unsigned long long)*confirmations, depth);
    return 0;
}

static int check_online(const struct verify_ctx *v, const struct anchor_claim *c)
{
    struct eth_rpc rpc;
    struct rpc_error err;
    uint64_t chain, confirmations = 0;
    if (!eth_rpc_global_init() || !eth_rpc_init_http(&rpc, v->rpc_url, v->rpc_timeout_ms))
        return verify_reject("anchor: cannot set up the HTTP client");
    int r = 0;
    if (eth_chain_id(&rpc, &chain, &err) != RPC_OK)
        r = rpc_failed(&err);
    else if (chain != c->chain_id)
        r = verify_reject("anchor: the node is on chain %llu, the anchor on chain %llu",
                          (unsigned long long)chain, (unsigned long long)c->chain_id);
    if (!r)
        r = check_tx(&rpc, c);
    if (!r)
        r = check_depth(&rpc, c, v->depth, &confirmations);
    if (!r) {
        char *tx = eth_hex(c->tx_hash, 32);
        verify_ok("anchored on chain %llu in block %llu by transaction %s (%llu confirmations)",
                  (unsigned long long)c->chain_id, (unsigned long long)c->block_number,
                  tx ? tx : "?", (unsigned long long)confirmations);
        free(tx);
    }
    eth_rpc_free(&rpc);
    return r;
}

int verify_anchor(const struct verify_ctx *v, json_t *receipt)
{
    json_t *a = json_object_get(receipt, "anchor");
    if (!a || json_typeof(a) == JSON_NULL) {
        if (v->rpc_url)
            return verify_reject("the receipt has no anchor yet (fetch it again later)");
        return 0;
    }
    if (!json_is_object(a))
        return verify_reject("anchor must be an object or null");
    struct anchor_claim c = {.calldata = BUF_INIT};
    int r = parse_claim(a, &c);
    if (!r)
        r = check_offline(v, a, &c);
    if (!r && !v->rpc_url)
        verify_ok("anchor of tree size %llu is consistent (not checked on chain: use --rpc)",
                  (unsigned long long)c.tree_size);
    else if (!r)
        r = check_online(v, &c);
    buf_free(&c.calldata);
    return r;
}
