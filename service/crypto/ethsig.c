/* SPDX-License-Identifier: Apache-2.0 */
#include "crypto/ethsig.h"

#include <ctype.h>
#include <secp256k1.h>
#include <secp256k1_recovery.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/codec.h"
#include "crypto/keccak.h"

static void checksum_format(const uint8_t addr[ETH_ADDRESS_LEN], char *out)
{
    char hex[2 * ETH_ADDRESS_LEN + 1];
    uint8_t h[KECCAK256_LEN];
    hex_encode(addr, ETH_ADDRESS_LEN, hex);
    keccak256(hex, 2 * ETH_ADDRESS_LEN, h);
    out[0] = '0';
    out[1] = 'x';
    for (int i = 0; i < 2 * ETH_ADDRESS_LEN; i++) {
        unsigned nibble = (h[i / 2] >> (i % 2 ? 0 : 4)) & 15;
        out[2 + i] = hex[i];
        if (nibble >= 8)
            out[2 + i] = (char)toupper((unsigned char)hex[i]);
    }
    out[ETH_ADDRESS_STR_LEN] = '\0';
}

/* The addresses this thread formatted last: an anchor's sender and recipient repeat in every
 * receipt, and each costs a Keccak-256. */
#define FORMATTED_KEPT 2
static _Thread_local struct formatted {
    bool set;
    uint8_t addr[ETH_ADDRESS_LEN];
    char text[ETH_ADDRESS_STR_LEN + 1];
} formatted[FORMATTED_KEPT];
static _Thread_local unsigned formatted_next;

void eth_address_format(const uint8_t addr[ETH_ADDRESS_LEN], char *out)
{
    for (int i = 0; i < FORMATTED_KEPT; i++)
        if (formatted[i].set && memcmp(formatted[i].addr, addr, ETH_ADDRESS_LEN) == 0) {
            memcpy(out, formatted[i].text, sizeof formatted[i].text);
            return;
        }
    struct formatted *f = &formatted[formatted_next++ % FORMATTED_KEPT];
    checksum_format(addr, f->text);
    memcpy(f->addr, addr, ETH_ADDRESS_LEN);
    f->set = true;
    memcpy(out, f->text, sizeof f->text);
}

bool eth_address_parse(const char *s, uint8_t addr[ETH_ADDRESS_LEN])
{
    if (strlen(s) != ETH_ADDRESS_STR_LEN || s[0] != '0' || (s[1] != 'x' && s[1] != 'X') ||
        !hex_decode(s + 2, 2 * ETH_ADDRESS_LEN, addr, ETH_ADDRESS_LEN, false))
        return false;
    bool lower = false, upper = false;
    for (const char *p = s + 2; *p; p++) {
        lower |= islower((unsigned char)*p) != 0;
        upper |= isupper((unsigned char)*p) != 0;
    }
    if (!(lower && upper))
        return true;
    char want[ETH_ADDRESS_STR_LEN + 1];
    eth_address_format(addr, want);
    return strcmp(want + 2, s + 2) == 0;
}

void eth_eip191_digest(const uint8_t *msg, size_t len, uint8_t out[32])
{
    char prefix[64];
    int n = snprintf(prefix, sizeof prefix,
                     "\x19"
                     "Ethereum Signed Message:\n%zu",
                     len);
    uint8_t stack[1024];
    size_t total = (size_t)n + len;
    /* keccak256 has no streaming interface here; messages are statements (<= ~17 KiB). */
    if (total <= sizeof stack) {
        memcpy(stack, prefix, (size_t)n);
        memcpy(stack + n, msg, len);
        keccak256(stack, total, out);
        return;
    }
    uint8_t *buf = malloc(total);
    if (!buf) {
        memset(out, 0, 32); /* matches no signature */
        return;
    }
    memcpy(buf, prefix, (size_t)n);
    memcpy(buf + n, msg, len);
    keccak256(buf, total, out);
    free(buf);
}

static void keccak_str(const char *s, uint8_t out[32])
{
    keccak256(s, strlen(s), out);
}

/* keccak256(0x19 0x01 || domainSeparator(provd, 1) || message). */
static void eip712_finish(const uint8_t message[32], uint8_t out[32])
{
    uint8_t buf[96];
    keccak_str("EIP712Domain(string name,string version)", buf);
    keccak_str("provd", buf + 32);
    keccak_str("1", buf + 64);
    uint8_t domain[32];
    keccak256(buf, 96, domain);
    buf[0] = 0x19;
    buf[1] = 0x01;
    memcpy(buf + 2, domain, 32);
    memcpy(buf + 34, message, 32);
    keccak256(buf, 66, out);
}

void eth_eip712_item_digest(const char *statement_type, const char *content_hash,
                            const char *metadata_jcs, size_t metadata_len, uint8_t out[32])
{
    uint8_t buf[4 * 32], message[32];
    keccak_str("ProvdItem(string statementType,string contentHash,bytes32 metadataHash)", buf);
    keccak_str(statement_type, buf + 32);
    keccak_str(content_hash, buf + 64);
    keccak256(metadata_jcs, metadata_len, buf + 96);
    keccak256(buf, sizeof buf, message);
    eip712_finish(message, out);
}

void eth_eip712_dataset_digest(const char *statement_type, const char *name, const char *version,
                               uint64_t member_count, const uint8_t members_root[32],
                               const char *metadata_jcs, size_t metadata_len,
                               const char *policy_jcs, size_t policy_len, uint8_t out[32])
{
    uint8_t buf[8 * 32], message[32];
    keccak_str("ProvdDataset(string statementType,string name,string version,uint256 "
               "memberCount,bytes32 membersRoot,bytes32 metadataHash,bytes32 policyHash)",
               buf);
    keccak_str(statement_type, buf + 32);
    keccak_str(name, buf + 64);
    keccak_str(version, buf + 96);
    memset(buf + 128, 0, 32);
    for (int i = 0; i < 8; i++)
        buf[128 + 31 - i] = (uint8_t)(member_count >> (8 * i));
    memcpy(buf + 160, members_root, 32);
    keccak256(metadata_jcs, metadata_len, buf + 192);
    keccak256(policy_jcs, policy_len, buf + 224);
    keccak256(buf, sizeof buf, message);
    eip712_finish(message, out);
}

void eth_eip712_model_digest(const char *statement_type, const char *name, const char *version,
                             const uint8_t digest[32], const char *statement, size_t statement_len,
                             uint8_t out[32])
{
    uint8_t buf[6 * 32], message[32];
    keccak_str("ProvdModel(string statementType,string name,string version,bytes32 digest,"
               "bytes32 statementHash)",
               buf);
    keccak_str(statement_type, buf + 32);
    keccak_str(name, buf + 64);
    keccak_str(version, buf + 96);
    memcpy(buf + 128, digest, 32);
    keccak256(statement, statement_len, buf + 160);
    keccak256(buf, sizeof buf, message);
    eip712_finish(message, out);
}

bool eth_recover_address(const uint8_t digest[32], const uint8_t sig[ETH_SIGNATURE_LEN],
                         uint8_t addr[ETH_ADDRESS_LEN])
{
    int v = sig[64];
    int recid = v >= 27 ? v - 27 : v;
    if (recid < 0 || recid > 1)
        return false;
    const secp256k1_context *ctx = secp256k1_context_static;
    secp256k1_ecdsa_recoverable_signature rsig;
    secp256k1_ecdsa_signature plain;
    secp256k1_pubkey pub;
    if (!secp256k1_ecdsa_recoverable_signature_parse_compact(ctx, &rsig, sig, recid) ||
        !secp256k1_ecdsa_recoverable_signature_convert(ctx, &plain, &rsig) ||
        secp256k1_ecdsa_signature_normalize(ctx, NULL, &plain) /* 1: s was high */ ||
        !secp256k1_ecdsa_recover(ctx, &pub, &rsig, digest))
        return false;
    uint8_t raw[65], h[KECCAK256_LEN];
    size_t len = sizeof raw;
    if (!secp256k1_ec_pubkey_serialize(ctx, raw, &len, &pub, SECP256K1_EC_UNCOMPRESSED))
        return false;
    keccak256(raw + 1, 64, h);
    memcpy(addr, h + 12, ETH_ADDRESS_LEN);
    return true;
}
