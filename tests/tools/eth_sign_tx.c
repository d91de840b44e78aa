/* SPDX-License-Identifier: Apache-2.0 */
/* Test tool: signs an EIP-1559 transaction with provd's eth/tx module and prints
 * "<raw tx hex> <tx hash hex>", so that the black-box tests can hand it to a real node.
 *   eth_sign_tx KEY_HEX CHAIN_ID NONCE TIP_WEI MAX_FEE_WEI GAS TO_ADDRESS|- VALUE_WEI DATA_HEX */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/codec.h"
#include "eth/tx.h"

static bool hex_arg(const char *s, uint8_t *out, size_t cap, size_t *len)
{
    if (!strncmp(s, "0x", 2))
        s += 2;
    *len = strlen(s) / 2;
    return strlen(s) % 2 == 0 && *len <= cap && hex_decode(s, 2 * *len, out, *len, false);
}

int main(int argc, char **argv)
{
    if (argc != 10) {
        fprintf(stderr, "usage: eth_sign_tx KEY CHAIN_ID NONCE TIP MAX_FEE GAS TO|- VALUE DATA\n");
        return 2;
    }
    uint8_t key[32], data[4096];
    size_t n;
    struct eth_tx tx = {0};
    if (!hex_arg(argv[1], key, sizeof key, &n) || n != 32 ||
        !u256_from_decimal(argv[4], &tx.max_priority_fee_per_gas) ||
        !u256_from_decimal(argv[5], &tx.max_fee_per_gas) ||
        !u256_from_decimal(argv[8], &tx.value) ||
        !hex_arg(argv[9], data, sizeof data, &tx.data_len)) {
        fprintf(stderr, "eth_sign_tx: bad argument\n");
        return 2;
    }
    tx.chain_id = strtoull(argv[2], NULL, 10);
    tx.nonce = strtoull(argv[3], NULL, 10);
    tx.gas_limit = strtoull(argv[6], NULL, 10);
    tx.has_to = strcmp(argv[7], "-") != 0;
    if (tx.has_to && !eth_address_parse(argv[7], tx.to)) {
        fprintf(stderr, "eth_sign_tx: bad address\n");
        return 2;
    }
    tx.data = data;
    struct eth_signed_tx st;
    if (!eth_tx_sign_eip1559(&tx, key, &st)) {
        fprintf(stderr, "eth_sign_tx: signing failed\n");
        return 1;
    }
    char *hex = malloc(2 * st.raw.len + 1);
    char hash[65];
    if (!hex) {
        buf_free(&st.raw);
        return 1;
    }
    hex_encode((const uint8_t *)st.raw.data, st.raw.len, hex);
    hex_encode(st.hash, 32, hash);
    printf("0x%s 0x%s\n", hex, hash);
    free(hex);
    buf_free(&st.raw);
    return 0;
}
