/* SPDX-License-Identifier: Apache-2.0 */
/* Ethereum JSON-RPC 2.0 client over HTTP(S) with libcurl, and parsers for the node's replies.
 *
 * DESIGN: one struct eth_rpc per thread (a curl easy handle keeps its connection alive). The
 * transport is a function pointer so that unit tests can answer calls with canned replies; the
 * parsers are pure functions, fuzzed by tests/fuzz. Calls report three outcomes: a result, an
 * error object from the node (RPC_NODE_ERROR, with its code and message), or RPC_UNAVAILABLE
 * for everything that says nothing about the request (connection refused, timeout, HTTP error,
 * a reply that is not JSON-RPC). */
#ifndef PROVD_ETH_RPC_H
#define PROVD_ETH_RPC_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"
#include "crypto/ethsig.h"

enum rpc_status { RPC_OK = 0, RPC_NODE_ERROR = 1, RPC_UNAVAILABLE = 2 };

struct rpc_error {
    long code;         /* JSON-RPC error code (RPC_NODE_ERROR) */
    char message[256]; /* the node's message, or what went wrong */
};

/* Sends body and fills reply with the response body; false (reason in err) on transport
 * failure. */
typedef bool (*rpc_transport_fn)(void *ctx, const char *body, size_t len, struct buf *reply,
                                 char *err, size_t err_len);

struct eth_rpc {
    rpc_transport_fn transport;
    void *ctx;
    void *curl; /* CURL *, when created by eth_rpc_init_http */
    char *url;  /* owned */
    uint64_t next_id;
};

/* Once per process, before threads start. */
bool eth_rpc_global_init(void) __attribute__((warn_unused_result));
/* An HTTP(S) client for url; timeout_ms bounds every call. */
bool eth_rpc_init_http(struct eth_rpc *rpc, const char *url, unsigned timeout_ms)
    __attribute__((warn_unused_result));
/* A client on a custom transport (tests). */
void eth_rpc_init_custom(struct eth_rpc *rpc, rpc_transport_fn fn, void *ctx);
void eth_rpc_free(struct eth_rpc *rpc);

/* Calls method with params (an array; the reference is stolen). On RPC_OK *result holds a new
 * reference (possibly json null) that the caller releases. */
enum rpc_status eth_rpc_call(struct eth_rpc *rpc, const char *method, json_t *params,
                             json_t **result, struct rpc_error *err)
    __attribute__((warn_unused_result));

/* Parses a JSON-RPC response to request id. */
enum rpc_status eth_rpc_parse_reply(const char *body, size_t len, uint64_t id, json_t **result,
                                    struct rpc_error *err) __attribute__((warn_unused_result));

/* "0x…" quantities (no more than 64 bits) and data. */
bool eth_parse_u64(const json_t *v, uint64_t *out) __attribute__((warn_unused_result));
bool eth_parse_bytes32(const json_t *v, uint8_t out[32]) __attribute__((warn_unused_result));
bool eth_parse_address(const json_t *v, uint8_t out[ETH_ADDRESS_LEN])
    __attribute__((warn_unused_result));
bool eth_parse_data(const json_t *v, struct buf *out) __attribute__((warn_unused_result));
/* "0x" + lowercase hex of data. Caller frees. */
char *eth_hex(const uint8_t *data, size_t len);
/* "0x…" quantity string of v into out (at least 19 bytes). */
void eth_quantity(uint64_t v, char out[19]);

/* Wrappers for the calls the anchorer makes. RPC_NODE_ERROR also covers a malformed result. */
struct eth_receipt {
    bool found;
    bool success; /* status 0x1 */
    uint64_t block_number;
    uint8_t block_hash[32];
};

struct eth_tx_info {
    bool found;
    bool mined;
    uint64_t block_number;
    uint8_t block_hash[32];
    uint8_t from[ETH_ADDRESS_LEN];
    bool has_to;
    uint8_t to[ETH_ADDRESS_LEN];
    struct buf input; /* owned: free with buf_free */
};

enum rpc_status eth_chain_id(struct eth_rpc *rpc, uint64_t *out, struct rpc_error *err);
enum rpc_status eth_block_number(struct eth_rpc *rpc, uint64_t *out, struct rpc_error *err);
/* The hash and number of block tag ("latest", "finalized", or a quantity); *found false when the
 * node has no such block. */
enum rpc_status eth_block_hash(struct eth_rpc *rpc, const char *tag, bool *found, uint64_t *number,
                               uint8_t hash[32], struct rpc_error *err);
enum rpc_status eth_transaction_count(struct eth_rpc *rpc, const uint8_t addr[ETH_ADDRESS_LEN],
                                      const char *tag, uint64_t *out, struct rpc_error *err);
/* Next block's base fee and a suggested tip (eth_maxPriorityFeePerGas, else the median reward
 * of recent blocks). */
enum rpc_status eth_fees(struct eth_rpc *rpc, uint64_t *base_fee, uint64_t *tip,
                         struct rpc_error *err);
/* Gas for a call from from to to with data (to NULL: a contract creation). */
enum rpc_status eth_estimate_gas(struct eth_rpc *rpc, const uint8_t from[ETH_ADDRESS_LEN],
                                 const uint8_t to[ETH_ADDRESS_LEN], const uint8_t *data, size_t len,
                                 uint64_t *gas, struct rpc_error *err);
enum rpc_status eth_send_raw(struct eth_rpc *rpc, const uint8_t *raw, size_t len,
                             struct rpc_error *err);
enum rpc_status eth_receipt(struct eth_rpc *rpc, const uint8_t hash[32], struct eth_receipt *out,
                            struct rpc_error *err);
enum rpc_status eth_transaction(struct eth_rpc *rpc, const uint8_t hash[32],
                                struct eth_tx_info *out, struct rpc_error *err);

#endif
