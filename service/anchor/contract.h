/* SPDX-License-Identifier: Apache-2.0 */
/* The optional anchor contract: 75 bytes of hand-assembled EVM code that turns every call into
 * the event Anchored(address indexed sender, bytes data), data being the call's input (the
 * anchor calldata), ABI-encoded, so that indexers find anchors with eth_getLogs. It refuses
 * calls that carry ether. `provd anchor-contract` deploys it; --anchor-to points anchors at it.
 *
 * Runtime code, by offset:
 *   00 CALLVALUE PUSH1 0x45 JUMPI            ether sent: jump to revert
 *   04 PUSH1 0x20 PUSH1 0 MSTORE             mem[0x00] = 0x20 (offset of the bytes)
 *   09 CALLDATASIZE PUSH1 0x20 MSTORE        mem[0x20] = length
 *   0d CALLDATASIZE PUSH1 0 PUSH1 0x40 CALLDATACOPY    mem[0x40..] = input
 *   13 PUSH1 0x1f CALLDATASIZE ADD PUSH1 0x1f NOT AND PUSH1 0x40 ADD   size = 0x40 + pad32(len)
 *   1e CALLER PUSH32 topic0 DUP3 PUSH1 0 LOG2 STOP     log2(0, size, topic0, sender)
 *   45 JUMPDEST PUSH1 0 PUSH1 0 REVERT
 * The init code before it (11 bytes) copies it to memory and returns it. */
#ifndef PROVD_ANCHOR_CONTRACT_H
#define PROVD_ANCHOR_CONTRACT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/ethsig.h"

/* keccak256("Anchored(address,bytes)"), the event's topic 0. */
#define ANCHOR_EVENT_TOPIC "0x1432856daf482fac6a059e9f44c4ece7f863641b08fcf8bfaab814d4e4ee5b26"

extern const uint8_t anchor_contract_initcode[];
extern const size_t anchor_contract_initcode_len;

/* The address a contract created by sender with nonce gets: keccak256(rlp([sender,
 * nonce]))[12:]. False only when out of memory. */
bool anchor_contract_address(const uint8_t sender[ETH_ADDRESS_LEN], uint64_t nonce,
                             uint8_t out[ETH_ADDRESS_LEN]) __attribute__((warn_unused_result));

#endif
