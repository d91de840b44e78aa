/* SPDX-License-Identifier: Apache-2.0 */
/* provd anchor-contract: deploys the anchor contract (anchor/contract.h) from the anchoring
 * account and prints its address, for --anchor-to. */
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "anchor/anchorer.h"
#include "anchor/contract.h"
#include "anchor/tracker.h"
#include "cmd/cmd.h"
#include "util/diag.h"
#include "util/sleep.h"
#include "eth/rpc.h"
#include "eth/tx.h"

#define DEPLOY_WAIT_S 300 /* how long to wait for the deployment to be mined */

struct deploy {
    const struct config *cfg;
    struct eth_rpc rpc;
    uint8_t key[32], from[ETH_ADDRESS_LEN];
    struct eth_tx tx;
    struct rpc_error err;
};

static int rpc_failed(const struct deploy *d, const char *what)
{
    diag_error("%s: %s", what, d->err.message);
    return 1;
}

/* Chain id, nonce, fees and gas, as the anchorer would choose them. */
static int prepare(struct deploy *d)
{
    struct eth_tx *tx = &d->tx;
    uint64_t base, tip, est;
    tx->data = anchor_contract_initcode;
    tx->data_len = anchor_contract_initcode_len;
    if (eth_chain_id(&d->rpc, &tx->chain_id, &d->err) != RPC_OK)
        return rpc_failed(d, "eth_chainId");
    if (d->cfg->eth_chain_id && tx->chain_id != d->cfg->eth_chain_id) {
        diag_error("the node is on chain %llu, not --eth-chain-id %llu",
                   (unsigned long long)tx->chain_id, (unsigned long long)d->cfg->eth_chain_id);
        return 1;
    }
    if (eth_transaction_count(&d->rpc, d->from, "pending", &tx->nonce, &d->err) != RPC_OK)
        return rpc_failed(d, "eth_getTransactionCount");
    if (eth_fees(&d->rpc, &base, &tip, &d->err) != RPC_OK)
        return rpc_failed(d, "fees");
    uint64_t max_fee;
    tracker_fees(base, tip, d->cfg->eth_max_fee, d->cfg->eth_max_priority_fee, &max_fee, &tip);
    u256_from_u64(max_fee, &tx->max_fee_per_gas);
    u256_from_u64(tip, &tx->max_priority_fee_per_gas);
    if (eth_estimate_gas(&d->rpc, d->from, NULL, tx->data, tx->data_len, &est, &d->err) != RPC_OK)
        return rpc_failed(d, "eth_estimateGas");
    tx->gas_limit = tracker_gas_limit(est, tx->data, tx->data_len);
    return 0;
}

/* Waits until the transaction is mined; 0 when it succeeded. */
static int wait_mined(struct deploy *d, const uint8_t hash[32])
{
    struct eth_receipt rc = {0};
    atomic_bool never = false;
    for (int waited = 0; waited < DEPLOY_WAIT_S * 2; waited++) {
        if (eth_receipt(&d->rpc, hash, &rc, &d->err) != RPC_OK)
            diag_warn("eth_getTransactionReceipt: %s (retrying)", d->err.message);
        else if (rc.found)
            break;
        sleep_ms_unless(500, &never);
    }
    if (!rc.found) {
        diag_error("the deployment was not mined within %d s; check the account's funds and fees",
                   DEPLOY_WAIT_S);
        return 1;
    }
    if (!rc.success) {
        diag_error("the deployment reverted (block %llu)", (unsigned long long)rc.block_number);
        return 1;
    }
    diag_info("mined in block %llu", (unsigned long long)rc.block_number);
    return 0;
}

static int deploy(struct deploy *d)
{
    struct eth_signed_tx signed_tx = {0};
    uint8_t addr[ETH_ADDRESS_LEN];
    char from_s[ETH_ADDRESS_STR_LEN + 1], addr_s[ETH_ADDRESS_STR_LEN + 1];
    int rc = prepare(d);
    if (rc != 0)
        return rc;
    rc = 1;
    if (!anchor_contract_address(d->from, d->tx.nonce, addr) ||
        !eth_tx_sign_eip1559(&d->tx, d->key, &signed_tx)) {
        diag_error("cannot sign the deployment (out of memory?)");
        goto out;
    }
    eth_address_format(d->from, from_s);
    eth_address_format(addr, addr_s);
    diag_info("deploying the anchor contract from %s (nonce %llu, chain %llu) to %s", from_s,
              (unsigned long long)d->tx.nonce, (unsigned long long)d->tx.chain_id, addr_s);
    if (eth_send_raw(&d->rpc, (const uint8_t *)signed_tx.raw.data, signed_tx.raw.len, &d->err) !=
        RPC_OK) {
        rc = rpc_failed(d, "eth_sendRawTransaction");
        goto out;
    }
    rc = wait_mined(d, signed_tx.hash);
    if (rc == 0)
        printf("%s\n", addr_s);
out:
    buf_free(&signed_tx.raw);
    return rc;
}

int cmd_anchor_contract(int argc, char **argv)
{
    struct config cfg;
    int rc =
        cmd_load_config(&cfg, CMD_CONTRACT,
                        "provd anchor-contract --eth-rpc-url URL --eth-key-file PATH", argc, argv);
    if (rc >= 0)
        return rc;
    struct deploy d = {.cfg = &cfg};
    rc = 1;
    if (!anchorer_read_key(cfg.eth_key_file, d.key))
        goto out;
    if (!eth_address_of_key(d.key, d.from)) {
        diag_error("%s: not a valid secp256k1 private key", cfg.eth_key_file);
        goto out;
    }
    if (!eth_rpc_init_http(&d.rpc, cfg.eth_rpc_url, cfg.eth_rpc_timeout))
        goto out;
    rc = deploy(&d);
out:
    eth_rpc_free(&d.rpc);
    sodium_memzero(d.key, sizeof d.key);
    config_free(&cfg);
    return rc;
}
