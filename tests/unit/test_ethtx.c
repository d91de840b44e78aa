/* SPDX-License-Identifier: Apache-2.0 */
#include "testutil.h"

#include <jansson.h>

#include "util/codec.h"
#include "eth/rlp.h"
#include "eth/tx.h"

static json_t *vectors(const char *section)
{
    return vector_section("ethereum-vectors.json", section);
}

static void encode_value(json_t *v, struct buf *out)
{
    if (json_is_array(v)) {
        struct buf payload = BUF_INIT;
        size_t i;
        json_t *item;
        json_array_foreach(v, i, item) encode_value(item, &payload);
        rlp_list(out, &payload);
        buf_free(&payload);
        return;
    }
    uint8_t bytes[512];
    size_t n = unhex(json_string_value(v), bytes, sizeof bytes);
    rlp_bytes(out, bytes, n);
}

static void test_rlp_vectors(void **state)
{
    (void)state;
    size_t i;
    json_t *v;
    json_array_foreach(vectors("rlp"), i, v)
    {
        struct buf out = BUF_INIT;
        uint8_t want[1024];
        encode_value(json_object_get(v, "value"), &out);
        size_t n = unhex(json_string_value(json_object_get(v, "encoded")), want, sizeof want);
        assert_int_equal(out.len, n);
        assert_memory_equal(out.data, want, n);
        buf_free(&out);
    }
    assert_int_equal(i, 9);
}

static void test_u256(void **state)
{
    (void)state;
    struct u256 u, w;
    assert_true(u256_from_decimal("0", &u));
    u256_from_u64(0, &w);
    assert_memory_equal(u.be, w.be, 32);
    assert_true(u256_from_decimal("18446744073709551617", &u)); /* 2^64 + 1 */
    assert_int_equal(u.be[23], 1);
    assert_int_equal(u.be[31], 1);
    assert_true(u256_from_decimal(
        "115792089237316195423570985008687907853269984665640564039457584007913129639935", &u));
    assert_int_equal(u.be[0], 0xff);
    assert_false(u256_from_decimal(
        "115792089237316195423570985008687907853269984665640564039457584007913129639936", &u));
    assert_false(u256_from_decimal("", &u));
    assert_false(u256_from_decimal("12a", &u));
    assert_false(u256_from_decimal("-1", &u));
}

static void test_eip1559_vectors(void **state)
{
    (void)state;
    size_t i;
    json_t *v;
    json_array_foreach(vectors("eip1559"), i, v)
    {
        uint8_t key[32], data[1024], want[1024], addr[ETH_ADDRESS_LEN], from[ETH_ADDRESS_LEN];
        unhex(json_string_value(json_object_get(v, "private_key")), key, 32);
        struct eth_tx tx = {0};
        tx.chain_id = strtoull(json_string_value(json_object_get(v, "chain_id")), NULL, 10);
        tx.nonce = (uint64_t)json_integer_value(json_object_get(v, "nonce"));
        assert_true(
            u256_from_decimal(json_string_value(json_object_get(v, "max_priority_fee_per_gas")),
                              &tx.max_priority_fee_per_gas));
        assert_true(u256_from_decimal(json_string_value(json_object_get(v, "max_fee_per_gas")),
                                      &tx.max_fee_per_gas));
        tx.gas_limit = strtoull(json_string_value(json_object_get(v, "gas_limit")), NULL, 10);
        json_t *to = json_object_get(v, "to");
        tx.has_to = !json_is_null(to);
        if (tx.has_to)
            assert_true(eth_address_parse(json_string_value(to), tx.to));
        assert_true(u256_from_decimal(json_string_value(json_object_get(v, "value")), &tx.value));
        tx.data_len = unhex(json_string_value(json_object_get(v, "data")), data, sizeof data);
        tx.data = data;

        struct eth_signed_tx st;
        assert_true(eth_tx_sign_eip1559(&tx, key, &st));
        unhex(json_string_value(json_object_get(v, "signing_hash")), want, 32);
        assert_memory_equal(st.signing_hash, want, 32);
        unhex(json_string_value(json_object_get(v, "r")), want, 32);
        assert_memory_equal(st.r, want, 32);
        unhex(json_string_value(json_object_get(v, "s")), want, 32);
        assert_memory_equal(st.s, want, 32);
        assert_int_equal(st.y_parity, json_integer_value(json_object_get(v, "y_parity")));
        size_t n = unhex(json_string_value(json_object_get(v, "raw_signed")), want, sizeof want);
        assert_int_equal(st.raw.len, n);
        assert_memory_equal(st.raw.data, want, n);
        unhex(json_string_value(json_object_get(v, "tx_hash")), want, 32);
        assert_memory_equal(st.hash, want, 32);
        /* the sender: the key's address, and what recovery from the signature gives */
        assert_true(eth_address_of_key(key, addr));
        assert_true(eth_address_parse(json_string_value(json_object_get(v, "from")), from));
        assert_memory_equal(addr, from, ETH_ADDRESS_LEN);
        uint8_t sig[65], rec[ETH_ADDRESS_LEN];
        memcpy(sig, st.r, 32);
        memcpy(sig + 32, st.s, 32);
        sig[64] = (uint8_t)st.y_parity;
        assert_true(eth_recover_address(st.signing_hash, sig, rec));
        assert_memory_equal(rec, from, ETH_ADDRESS_LEN);
        buf_free(&st.raw);
    }
    assert_int_equal(i, 4);
    uint8_t zero[32] = {0};
    struct eth_tx tx = {.chain_id = 1};
    struct eth_signed_tx st;
    assert_false(eth_tx_sign_eip1559(&tx, zero, &st)); /* not a valid private key */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rlp_vectors),
        cmocka_unit_test(test_u256),
        cmocka_unit_test(test_eip1559_vectors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
