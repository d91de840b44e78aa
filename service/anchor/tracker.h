/* SPDX-License-Identifier: Apache-2.0 */
/* The anchor transaction state machine: drives one anchor from pending to confirmed through
 * signing, sending, replacement, mining, confirmation depth and reorgs.
 *
 *   pending ──send accepted──▶ submitted ──receipt, status 1──▶ mined ──N deep, same hash──▶
 *   confirmed;  submitted/mined ──reorg, revert or nonce taken by another tx──▶ pending
 *
 * DESIGN: every transaction is signed, then persisted through the store, and only then sent,
 * so a crash between the two resends the stored bytes (same nonce, same hash) instead of
 * signing anew. One anchor is in flight at a time, so at most one nonce is in use; every
 * attempt (replacements included) stays recorded and all of them are checked for receipts.
 * Node replies are classified deliberately: "already known" counts as sent; "nonce too low"
 * means a receipt to find or a nonce someone else took; "underpriced" triggers a fee bump;
 * "insufficient funds" and timeouts wait and retry. The chain and the store are interfaces, so
 * unit tests drive the machine with canned replies. */
#ifndef PROVD_ANCHOR_TRACKER_H
#define PROVD_ANCHOR_TRACKER_H

#include <stdbool.h>
#include <stdint.h>

#include "core/anchor.h"
#include "eth/rpc.h"

struct tracker_config {
    uint64_t chain_id;
    uint8_t key[32]; /* secp256k1 private key */
    uint8_t from[ETH_ADDRESS_LEN];
    uint8_t to[ETH_ADDRESS_LEN];
    unsigned confirmations; /* 0: confirmed once the "finalized" block reaches it */
    unsigned replace_blocks;
    uint64_t max_fee_cap, tip_cap; /* wei per gas */
};

struct tracker_store {
    /* Persists a new signed attempt with the anchor's nonce and gas limit, before it is sent. */
    bool (*add_attempt)(void *ctx, const struct anchor *a, const struct anchor_attempt *at);
    /* Persists the anchor's state and its attempts' sent marks. */
    bool (*save)(void *ctx, const struct anchor *a);
    void *ctx;
};

enum track_result {
    TRACK_OK,         /* progressed or waiting for the chain */
    TRACK_NODE_RETRY, /* the node is unreachable or refused for now: back off */
    TRACK_STORE_FAIL, /* persisting failed: reload the anchor from the store */
};

/* Fees raised by at least 12.5% (what nodes require of a replacement, with margin). */
uint64_t tracker_bump(uint64_t fee);
/* Fees from the node's next base fee and suggested tip: max fee 2 * base + tip, both capped by
 * max_fee_cap and tip_cap (the tip never above the max fee). */
void tracker_fees(uint64_t base, uint64_t tip, uint64_t max_fee_cap, uint64_t tip_cap,
                  uint64_t *max_fee_out, uint64_t *tip_out);
/* Gas limit for calldata: the estimate plus 25%, and never below the EIP-7623 floor
 * (21000 + 10 gas per calldata token; a zero byte is 1 token, any other 4). */
uint64_t tracker_gas_limit(uint64_t estimate, const uint8_t *data, size_t len);

/* Compares a freshly loaded anchor's nonce with the account's (at start-up or after taking
 * over): logs where it resumes and drops a nonce the chain can never reach (the account's
 * pending nonce is below it, e.g. the node lost its state), so that it is signed again. */
enum track_result tracker_reconcile(const struct tracker_config *cfg, struct eth_rpc *rpc,
                                    const struct tracker_store *store, struct anchor *a);
/* Advances a by at most one transition. */
enum track_result tracker_step(const struct tracker_config *cfg, struct eth_rpc *rpc,
                               const struct tracker_store *store, struct anchor *a);

#endif
