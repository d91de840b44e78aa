/* SPDX-License-Identifier: Apache-2.0 */
/* Ethereum signatures: EIP-55 addresses and EIP-191 personal_sign recovery (libsecp256k1). */
#ifndef PROVD_CRYPTO_ETHSIG_H
#define PROVD_CRYPTO_ETHSIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ETH_ADDRESS_LEN     20
#define ETH_ADDRESS_STR_LEN 42 /* "0x" + 40 hex digits */
#define ETH_SIGNATURE_LEN   65 /* r || s || v */

/* Writes the EIP-55 checksummed form of addr ("0x…", ETH_ADDRESS_STR_LEN + 1 bytes). */
void eth_address_format(const uint8_t addr[ETH_ADDRESS_LEN], char *out);
/* Parses "0x" + 40 hex digits. All-lowercase and all-uppercase are accepted; mixed case must
 * carry a valid EIP-55 checksum. */
bool eth_address_parse(const char *s, uint8_t addr[ETH_ADDRESS_LEN])
    __attribute__((warn_unused_result));
/* The personal_sign digest: keccak256("\x19Ethereum Signed Message:\n" || len || msg). */
void eth_eip191_digest(const uint8_t *msg, size_t len, uint8_t out[32]);
/* provd's EIP-712 typed message for a registration (what eth_signTypedData_v4 signs):
 *   domain  EIP712Domain(string name,string version) = {name: "provd", version: "1"}
 *   type    ProvdItem(string statementType,string contentHash,bytes32 metadataHash)
 *   message {statementType: "provd.item.v1", contentHash: <as sent>,
 *            metadataHash: keccak256(UTF-8 of the canonical (JCS) metadata)}
 * out = keccak256(0x19 0x01 || domainSeparator || hashStruct(message)). */
void eth_eip712_item_digest(const char *statement_type, const char *content_hash,
                            const char *metadata_jcs, size_t metadata_len, uint8_t out[32]);
/* The same for a dataset statement:
 *   type    ProvdDataset(string statementType,string name,string version,uint256 memberCount,
 *                        bytes32 membersRoot,bytes32 metadataHash,bytes32 policyHash)
 *   message {statementType: "provd.dataset.v1", name, version, memberCount, membersRoot,
 *            metadataHash: keccak256(canonical metadata), policyHash: keccak256(canonical policy)}
 */
void eth_eip712_dataset_digest(const char *statement_type, const char *name, const char *version,
                               uint64_t member_count, const uint8_t members_root[32],
                               const char *metadata_jcs, size_t metadata_len,
                               const char *policy_jcs, size_t policy_len, uint8_t out[32]);
/* The same for a model statement:
 *   type    ProvdModel(string statementType,string name,string version,bytes32 digest,
 *                      bytes32 statementHash)
 *   message {statementType: "provd.model.v1", name, version, digest: the weights digest,
 *            statementHash: keccak256(the canonical statement)} */
void eth_eip712_model_digest(const char *statement_type, const char *name, const char *version,
                             const uint8_t digest[32], const char *statement, size_t statement_len,
                             uint8_t out[32]);
/* Recovers the signer's address from a 65-byte signature over digest. Refuses v other than
 * 0, 1, 27, 28, high s (EIP-2), and anything libsecp256k1 rejects. */
bool eth_recover_address(const uint8_t digest[32], const uint8_t sig[ETH_SIGNATURE_LEN],
                         uint8_t addr[ETH_ADDRESS_LEN]) __attribute__((warn_unused_result));

#endif
