/* SPDX-License-Identifier: Apache-2.0 */
#include "eth/tx.h"

#include <secp256k1.h>
#include <secp256k1_recovery.h>
#include <string.h>

#include "crypto/hash.h"
#include "crypto/keccak.h"

/* The fields common to the unsigned and the signed forms, as RLP items. */
static void tx_fields(const struct eth_tx *tx, struct buf *p)
{
    rlp_u64(p, tx->chain_id);
    rlp_u64(p, tx->nonce);
    rlp_u256(p, &tx->max_priority_fee_per_gas);
    rlp_u256(p, &tx->max_fee_per_gas);
    rlp_u64(p, tx->gas_limit);
    rlp_bytes(p, tx->to, tx->has_to ? ETH_ADDRESS_LEN : 0);
    rlp_u256(p, &tx->value);
    rlp_bytes(p, tx->data, tx->data_len);
    struct buf empty = BUF_INIT;
    rlp_list(p, &empty); /* access list */
}

/* 0x02 || rlp(list of payload) into out. */
static void typed_envelope(const struct buf *payload, struct buf *out)
{
    buf_putc(out, 0x02);
    rlp_list(out, payload);
}

void eth_tx_signing_hash(const struct eth_tx *tx, uint8_t out[32])
{
    struct buf p = BUF_INIT, env = BUF_INIT;
    tx_fields(tx, &p);
    typed_envelope(&p, &env);
    keccak256(env.data, env.len, out);
    buf_free(&p);
    buf_free(&env);
}

/* A signing context, randomised against side channels; NULL when out of memory. */
static secp256k1_context *signing_context(void)
{
    secp256k1_context *ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
    uint8_t seed[32];
    if (ctx && (!hash_random(seed, sizeof seed) || !secp256k1_context_randomize(ctx, seed))) {
        secp256k1_context_destroy(ctx);
        ctx = NULL;
    }
    return ctx;
}

bool eth_tx_sign_eip1559(const struct eth_tx *tx, const uint8_t key[32], struct eth_signed_tx *out)
{
    memset(out, 0, sizeof *out);
    bool ok = false;
    struct buf p = BUF_INIT;
    secp256k1_context *ctx = signing_context();
    secp256k1_ecdsa_recoverable_signature sig;
    uint8_t compact[64];
    eth_tx_signing_hash(tx, out->signing_hash);
    /* libsecp256k1 uses RFC 6979 nonces and always produces low-s signatures. */
    if (!ctx || !secp256k1_ecdsa_sign_recoverable(ctx, &sig, out->signing_hash, key, NULL, NULL) ||
        !secp256k1_ecdsa_recoverable_signature_serialize_compact(ctx, compact, &out->y_parity,
                                                                 &sig))
        goto out;
    memcpy(out->r, compact, 32);
    memcpy(out->s, compact + 32, 32);
    tx_fields(tx, &p);
    rlp_u64(&p, (uint64_t)out->y_parity);
    struct u256 r, s;
    memcpy(r.be, out->r, 32);
    memcpy(s.be, out->s, 32);
    rlp_u256(&p, &r);
    rlp_u256(&p, &s);
    typed_envelope(&p, &out->raw);
    if (p.oom || out->raw.oom)
        goto out;
    keccak256(out->raw.data, out->raw.len, out->hash);
    ok = true;
out:
    if (!ok)
        buf_free(&out->raw);
    buf_free(&p);
    if (ctx)
        secp256k1_context_destroy(ctx);
    return ok;
}

bool eth_address_of_key(const uint8_t key[32], uint8_t addr[ETH_ADDRESS_LEN])
{
    secp256k1_pubkey pub;
    uint8_t raw[65];
    size_t len = sizeof raw;
    secp256k1_context *ctx = signing_context();
    bool ok = ctx && secp256k1_ec_pubkey_create(ctx, &pub, key) &&
              secp256k1_ec_pubkey_serialize(ctx, raw, &len, &pub, SECP256K1_EC_UNCOMPRESSED);
    if (ok) {
        uint8_t h[32];
        keccak256(raw + 1, 64, h);
        memcpy(addr, h + 12, ETH_ADDRESS_LEN);
    }
    if (ctx)
        secp256k1_context_destroy(ctx);
    return ok;
}
