/* SPDX-License-Identifier: Apache-2.0 */
#include "anchor/calldata.h"

#include <string.h>

static const uint8_t magic[4] = {'p', 'r', 'v', 'd'};

static void put_be(uint8_t *p, uint64_t v, int n)
{
    for (int i = n - 1; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t)v;
}

static uint64_t get_be(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

void anchor_calldata_encode(const struct anchor_commitment *c, struct buf *out)
{
    uint8_t fixed[ANCHOR_CALLDATA_FIXED];
    memcpy(fixed, magic, 4);
    fixed[4] = ANCHOR_CALLDATA_VERSION;
    put_be(fixed + 5, c->key_id, 4);
    put_be(fixed + 9, c->tree_size, 8);
    memcpy(fixed + 17, c->root, MERKLE_HASH_LEN);
    buf_append(out, fixed, sizeof fixed);
    buf_puts(out, c->origin);
}

bool anchor_calldata_decode(const uint8_t *data, size_t len, struct anchor_commitment *c)
{
    size_t olen = len - ANCHOR_CALLDATA_FIXED;
    if (len <= ANCHOR_CALLDATA_FIXED || olen >= NOTE_NAME_MAX || memcmp(data, magic, 4) != 0 ||
        data[4] != ANCHOR_CALLDATA_VERSION)
        return false;
    c->key_id = (uint32_t)get_be(data + 5, 4);
    c->tree_size = get_be(data + 9, 8);
    memcpy(c->root, data + 17, MERKLE_HASH_LEN);
    memcpy(c->origin, data + ANCHOR_CALLDATA_FIXED, olen);
    c->origin[olen] = '\0';
    return strlen(c->origin) == olen && note_name_valid(c->origin);
}
