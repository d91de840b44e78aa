/* SPDX-License-Identifier: Apache-2.0 */
/* EIP-1559 (type 2) transactions: signing hash, signing with libsecp256k1 (RFC 6979 nonces,
 * low s), raw encoding and transaction hash. Building block of the Ethereum anchorer. */
#ifndef PROVD_ETH_TX_H
#define PROVD_ETH_TX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"
#include "crypto/ethsig.h"
#include "eth/rlp.h"

struct eth_tx {
    uint64_t chain_id;
    uint64_t nonce;
    struct u256 max_priority_fee_per_gas;
    struct u256 max_fee_per_gas;
    uint64_t gas_limit;
    bool has_to; /* false: contract creation */
    uint8_t to[ETH_ADDRESS_LEN];
    struct u256 value;
    const uint8_t *data; /* borrowed */
    size_t data_len;
    /* access list: always empty here */
};

struct eth_signed_tx {
    uint8_t signing_hash[32];
    uint8_t r[32], s[32];
    int y_parity;
    struct buf raw; /* 0x02 || rlp(...): owned, free with buf_free */
    uint8_t hash[32];
};

/* keccak256(0x02 || rlp([chain_id, nonce, tip, max_fee, gas, to, value, data, []])). */
void eth_tx_signing_hash(const struct eth_tx *tx, uint8_t out[32]);
/* Signs tx with the 32-byte secp256k1 private key. False on an invalid key or no memory. */
bool eth_tx_sign_eip1559(const struct eth_tx *tx, const uint8_t key[32], struct eth_signed_tx *out)
    __attribute__((warn_unused_result));
/* The address of a private key. */
bool eth_address_of_key(const uint8_t key[32], uint8_t addr[ETH_ADDRESS_LEN])
    __attribute__((warn_unused_result));

#endif
