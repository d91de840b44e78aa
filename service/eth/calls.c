/* SPDX-License-Identifier: Apache-2.0 */
/* Typed wrappers of the JSON-RPC methods the anchorer and the verifier use (declared in
 * eth/rpc.h). A result that does not have the documented shape is RPC_NODE_ERROR. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eth/rpc.h"

static enum rpc_status malformed(struct rpc_error *err, const char *method)
{
    err->code = 0;
    snprintf(err->message, sizeof err->message, "%s: malformed result", method);
    return RPC_NODE_ERROR;
}

static enum rpc_status call_u64(struct eth_rpc *rpc, const char *method, json_t *params,
                                uint64_t *out, struct rpc_error *err)
{
    json_t *res;
    enum rpc_status st = eth_rpc_call(rpc, method, params, &res, err);
    if (st == RPC_OK && !eth_parse_u64(res, out))
        st = malformed(err, method);
    json_decref(res);
    return st;
}

enum rpc_status eth_chain_id(struct eth_rpc *rpc, uint64_t *out, struct rpc_error *err)
{
    return call_u64(rpc, "eth_chainId", NULL, out, err);
}

enum rpc_status eth_block_number(struct eth_rpc *rpc, uint64_t *out, struct rpc_error *err)
{
    return call_u64(rpc, "eth_blockNumber", NULL, out, err);
}

enum rpc_status eth_block_hash(struct eth_rpc *rpc, const char *tag, bool *found, uint64_t *number,
                               uint8_t hash[32], struct rpc_error *err)
{
    json_t *res;
    *found = false;
    enum rpc_status st =
        eth_rpc_call(rpc, "eth_getBlockByNumber", json_pack("[s, b]", tag, 0), &res, err);
    if (st == RPC_OK && !json_is_null(res)) {
        if (!eth_parse_u64(json_object_get(res, "number"), number) ||
            !eth_parse_bytes32(json_object_get(res, "hash"), hash))
            st = malformed(err, "eth_getBlockByNumber");
        else
            *found = true;
    }
    json_decref(res);
    return st;
}

enum rpc_status eth_transaction_count(struct eth_rpc *rpc, const uint8_t addr[ETH_ADDRESS_LEN],
                                      const char *tag, uint64_t *out, struct rpc_error *err)
{
    char *a = eth_hex(addr, ETH_ADDRESS_LEN);
    if (!a)
        return RPC_UNAVAILABLE;
    enum rpc_status st =
        call_u64(rpc, "eth_getTransactionCount", json_pack("[s, s]", a, tag), out, err);
    free(a);
    return st;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* The median of the 50th-percentile rewards in an eth_feeHistory result. */
static bool median_reward(json_t *rewards, uint64_t *out)
{
    uint64_t v[64];
    size_t n = 0, i;
    json_t *r;
    json_array_foreach(rewards, i, r)
    {
        if (n < 64 && eth_parse_u64(json_array_get(r, 0), &v[n]))
            n++;
    }
    if (!n)
        return false;
    qsort(v, n, sizeof *v, cmp_u64);
    *out = v[n / 2];
    return true;
}

enum rpc_status eth_fees(struct eth_rpc *rpc, uint64_t *base_fee, uint64_t *tip,
                         struct rpc_error *err)
{
    json_t *res;
    enum rpc_status st =
        eth_rpc_call(rpc, "eth_feeHistory", json_pack("[i, s, [i]]", 5, "latest", 50), &res, err);
    if (st != RPC_OK)
        return st;
    json_t *bases = json_object_get(res, "baseFeePerGas");
    uint64_t median = 0;
    bool have_median = median_reward(json_object_get(res, "reward"), &median);
    if (!eth_parse_u64(json_array_get(bases, json_array_size(bases) - 1), base_fee))
        st = malformed(err, "eth_feeHistory");
    json_decref(res);
    if (st != RPC_OK)
        return st;
    struct rpc_error ignored;
    if (call_u64(rpc, "eth_maxPriorityFeePerGas", NULL, tip, &ignored) == RPC_OK)
        return RPC_OK;
    if (!have_median)
        return malformed(err, "eth_maxPriorityFeePerGas");
    *tip = median;
    return RPC_OK;
}

enum rpc_status eth_estimate_gas(struct eth_rpc *rpc, const uint8_t from[ETH_ADDRESS_LEN],
                                 const uint8_t to[ETH_ADDRESS_LEN], const uint8_t *data, size_t len,
                                 uint64_t *gas, struct rpc_error *err)
{
    char *f = eth_hex(from, ETH_ADDRESS_LEN), *t = to ? eth_hex(to, ETH_ADDRESS_LEN) : NULL;
    char *d = eth_hex(data, len);
    enum rpc_status st = RPC_UNAVAILABLE;
    if (f && (t || !to) && d)
        st = call_u64(rpc, "eth_estimateGas",
                      t ? json_pack("[{s:s, s:s, s:s}]", "from", f, "to", t, "data", d)
                        : json_pack("[{s:s, s:s}]", "from", f, "data", d),
                      gas, err);
    free(f);
    free(t);
    free(d);
    return st;
}

/* Calls method with the single parameter "0x" + hex(data). */
static enum rpc_status call_with_hex(struct eth_rpc *rpc, const char *method, const uint8_t *data,
                                     size_t len, json_t **res, struct rpc_error *err)
{
    *res = NULL;
    char *hex = eth_hex(data, len);
    if (!hex)
        return RPC_UNAVAILABLE;
    enum rpc_status st = eth_rpc_call(rpc, method, json_pack("[s]", hex), res, err);
    free(hex);
    return st;
}

enum rpc_status eth_send_raw(struct eth_rpc *rpc, const uint8_t *raw, size_t len,
                             struct rpc_error *err)
{
    json_t *res;
    enum rpc_status st = call_with_hex(rpc, "eth_sendRawTransaction", raw, len, &res, err);
    json_decref(res);
    return st;
}

enum rpc_status eth_receipt(struct eth_rpc *rpc, const uint8_t hash[32], struct eth_receipt *out,
                            struct rpc_error *err)
{
    memset(out, 0, sizeof *out);
    json_t *res;
    enum rpc_status st = call_with_hex(rpc, "eth_getTransactionReceipt", hash, 32, &res, err);
    uint64_t status;
    if (st == RPC_OK && !json_is_null(res)) {
        if (!eth_parse_u64(json_object_get(res, "status"), &status) ||
            !eth_parse_u64(json_object_get(res, "blockNumber"), &out->block_number) ||
            !eth_parse_bytes32(json_object_get(res, "blockHash"), out->block_hash))
            st = malformed(err, "eth_getTransactionReceipt");
        else
            out->found = true, out->success = status == 1;
    }
    json_decref(res);
    return st;
}

static bool parse_tx(json_t *res, struct eth_tx_info *out)
{
    json_t *bn = json_object_get(res, "blockNumber"), *to = json_object_get(res, "to");
    out->mined = bn && !json_is_null(bn);
    out->has_to = to && !json_is_null(to);
    return (!out->mined ||
            (eth_parse_u64(bn, &out->block_number) &&
             eth_parse_bytes32(json_object_get(res, "blockHash"), out->block_hash))) &&
           (!out->has_to || eth_parse_address(to, out->to)) &&
           eth_parse_address(json_object_get(res, "from"), out->from) &&
           eth_parse_data(json_object_get(res, "input"), &out->input);
}

enum rpc_status eth_transaction(struct eth_rpc *rpc, const uint8_t hash[32],
                                struct eth_tx_info *out, struct rpc_error *err)
{
    memset(out, 0, sizeof *out);
    json_t *res;
    enum rpc_status st = call_with_hex(rpc, "eth_getTransactionByHash", hash, 32, &res, err);
    if (st == RPC_OK && !json_is_null(res)) {
        if (!parse_tx(res, out))
            st = malformed(err, "eth_getTransactionByHash");
        else
            out->found = true;
    }
    json_decref(res);
    return st;
}
