/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: what an Ethereum node (or whoever answers at its URL) sends back — the
 * JSON-RPC envelope, the typed results the anchorer and verifier read — and anchor calldata. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "anchor/calldata.h"
#include "eth/rpc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct input {
    const uint8_t *data;
    size_t size;
};

/* Answers every call with the fuzz input as its result, in an envelope with the right id. */
static bool transport(void *ctx, const char *body, size_t len, struct buf *reply, char *err,
                      size_t err_len)
{
    (void)err, (void)err_len;
    struct input *in = ctx;
    json_t *req = json_loadb(body, len, 0, NULL);
    buf_printf(reply, "{\"jsonrpc\":\"2.0\",\"id\":%lld,\"result\":",
               (long long)json_integer_value(json_object_get(req, "id")));
    buf_append(reply, in->data, in->size);
    buf_putc(reply, '}');
    json_decref(req);
    return true;
}

static void typed_calls(struct eth_rpc *rpc)
{
    struct rpc_error err;
    uint64_t a, b;
    uint8_t h[32] = {0}, addr[ETH_ADDRESS_LEN] = {0};
    bool found;
    struct eth_receipt rc;
    struct eth_tx_info tx;
    (void)eth_block_number(rpc, &a, &err);
    (void)eth_block_hash(rpc, "latest", &found, &a, h, &err);
    (void)eth_fees(rpc, &a, &b, &err);
    (void)eth_receipt(rpc, h, &rc, &err);
    (void)eth_transaction(rpc, h, &tx, &err);
    buf_free(&tx.input);
    (void)eth_estimate_gas(rpc, addr, addr, h, sizeof h, &a, &err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *res = NULL;
    struct rpc_error err;
    if (eth_rpc_parse_reply((const char *)data, size, 1, &res, &err) == RPC_OK && !res)
        abort();
    json_decref(res);
    struct input in = {data, size};
    struct eth_rpc rpc;
    eth_rpc_init_custom(&rpc, transport, &in);
    typed_calls(&rpc);
    eth_rpc_free(&rpc);
    struct anchor_commitment c;
    if (anchor_calldata_decode(data, size, &c)) {
        struct buf again = BUF_INIT;
        anchor_calldata_encode(&c, &again);
        if (again.len != size || memcmp(again.data, data, size) != 0)
            abort(); /* decoding is exact: re-encoding gives the same bytes */
        buf_free(&again);
    }
    return 0;
}
