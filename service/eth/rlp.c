/* SPDX-License-Identifier: Apache-2.0 */
#include "eth/rlp.h"

#include <string.h>

bool u256_from_decimal(const char *s, struct u256 *out)
{
    memset(out, 0, sizeof *out);
    if (!*s)
        return false;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9')
            return false;
        unsigned carry = (unsigned)(*p - '0');
        for (int i = 31; i >= 0; i--) { /* out = out * 10 + digit */
            unsigned v = out->be[i] * 10u + carry;
            out->be[i] = (uint8_t)v;
            carry = v >> 8;
        }
        if (carry)
            return false; /* overflow */
    }
    return true;
}

void u256_from_u64(uint64_t v, struct u256 *out)
{
    memset(out, 0, sizeof *out);
    for (int i = 31; i >= 24; i--, v >>= 8)
        out->be[i] = (uint8_t)v;
}

/* A length prefix: offset + len for short items, offset + 55 + (length of len) + len else. */
static void prefix(struct buf *out, uint8_t offset, size_t len)
{
    if (len <= 55) {
        buf_putc(out, (char)(offset + len));
        return;
    }
    uint8_t be[8];
    int n = 0;
    for (size_t l = len; l; l >>= 8)
        n++;
    for (int i = 0; i < n; i++)
        be[i] = (uint8_t)(len >> (8 * (n - 1 - i)));
    buf_putc(out, (char)(offset + 55 + n));
    buf_append(out, be, (size_t)n);
}

void rlp_bytes(struct buf *out, const uint8_t *data, size_t len)
{
    if (len == 1 && data[0] < 0x80) {
        buf_putc(out, (char)data[0]);
        return;
    }
    prefix(out, 0x80, len);
    buf_append(out, data, len);
}

void rlp_u256(struct buf *out, const struct u256 *v)
{
    size_t skip = 0;
    while (skip < 32 && v->be[skip] == 0)
        skip++;
    rlp_bytes(out, v->be + skip, 32 - skip); /* zero is the empty string */
}

void rlp_u64(struct buf *out, uint64_t v)
{
    struct u256 u;
    u256_from_u64(v, &u);
    rlp_u256(out, &u);
}

void rlp_list(struct buf *out, const struct buf *payload)
{
    prefix(out, 0xc0, payload->len);
    buf_append(out, payload->data, payload->len);
}
