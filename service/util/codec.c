/* SPDX-License-Identifier: Apache-2.0 */
#include "util/codec.h"

#include <errno.h>
#include <stdlib.h>

#include <string.h>

static const char hex_digits[] = "0123456789abcdef";

void hex_encode(const uint8_t *in, size_t len, char *out)
{
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = hex_digits[in[i] >> 4];
        out[2 * i + 1] = hex_digits[in[i] & 15];
    }
    out[2 * len] = '\0';
}

/* Digit values + 1 (0: not a digit); upper-case letters are marked apart. */
#define UPPER 0x40
static const uint8_t hex_table[256] = {
    ['0'] = 1,          ['1'] = 2,          ['2'] = 3,          ['3'] = 4,
    ['4'] = 5,          ['5'] = 6,          ['6'] = 7,          ['7'] = 8,
    ['8'] = 9,          ['9'] = 10,         ['a'] = 11,         ['b'] = 12,
    ['c'] = 13,         ['d'] = 14,         ['e'] = 15,         ['f'] = 16,
    ['A'] = UPPER | 11, ['B'] = UPPER | 12, ['C'] = UPPER | 13, ['D'] = UPPER | 14,
    ['E'] = UPPER | 15, ['F'] = UPPER | 16,
};

static int hex_value(char c, bool lower_only)
{
    uint8_t v = hex_table[(uint8_t)c];
    if (!v || (lower_only && (v & UPPER)))
        return -1;
    return (v & ~UPPER) - 1;
}

bool hex_decode(const char *in, size_t in_len, uint8_t *out, size_t out_len, bool lower_only)
{
    if (in_len != 2 * out_len)
        return false;
    for (size_t i = 0; i < out_len; i++) {
        int hi = hex_value(in[2 * i], lower_only);
        int lo = hex_value(in[2 * i + 1], lower_only);
        if (hi < 0 || lo < 0)
            return false;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return true;
}

static const char b64url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
static const char b64std[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t base64_encoded_len(size_t len)
{
    return len / 3 * 4 + (len % 3 ? len % 3 + 1 : 0);
}

static void b64_encode(const char *alphabet, bool pad, const uint8_t *in, size_t len, char *out)
{
    size_t o = 0;
    size_t i = 0;
    for (; i + 3 <= len; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        out[o++] = alphabet[v >> 18];
        out[o++] = alphabet[(v >> 12) & 63];
        out[o++] = alphabet[(v >> 6) & 63];
        out[o++] = alphabet[v & 63];
    }
    if (len - i) {
        uint32_t v = (uint32_t)in[i] << 16 | (len - i == 2 ? (uint32_t)in[i + 1] << 8 : 0);
        out[o++] = alphabet[v >> 18];
        out[o++] = alphabet[(v >> 12) & 63];
        if (len - i == 2)
            out[o++] = alphabet[(v >> 6) & 63];
        else if (pad)
            out[o++] = '=';
        if (pad)
            out[o++] = '=';
    }
    out[o] = '\0';
}

void base64url_encode(const uint8_t *in, size_t len, char *out)
{
    b64_encode(b64url, false, in, len, out);
}

void base64_std_encode(const uint8_t *in, size_t len, char *out)
{
    b64_encode(b64std, true, in, len, out);
}

/* alphabet: 0 unknown yet, 1 standard (+/), 2 url (-_) */
static int b64_value(char c, int *alphabet)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    int want = (c == '+' || c == '/') ? 1 : (c == '-' || c == '_') ? 2 : 0;
    if (!want || (*alphabet && *alphabet != want))
        return -1;
    *alphabet = want;
    return (c == '+' || c == '-') ? 62 : 63;
}

bool base64_decode(const char *in, size_t in_len, uint8_t *out, size_t out_cap, size_t *out_len)
{
    size_t pad = 0;
    while (pad < 2 && in_len > pad && in[in_len - 1 - pad] == '=')
        pad++;
    if (pad && in_len % 4 != 0)
        return false;
    size_t n = in_len - pad;
    if (n % 4 == 1)
        return false;
    size_t need = n / 4 * 3 + (n % 4 ? n % 4 - 1 : 0);
    if (need > out_cap)
        return false;
    int alphabet = 0;
    uint32_t acc = 0;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        int v = b64_value(in[i], &alphabet);
        if (v < 0)
            return false;
        acc = acc << 6 | (uint32_t)v;
        if (i % 4 == 3) {
            out[o++] = (uint8_t)(acc >> 16);
            out[o++] = (uint8_t)(acc >> 8);
            out[o++] = (uint8_t)acc;
            acc = 0;
        }
    }
    if (n % 4 == 2) {
        if (acc & 0xf)
            return false;
        out[o++] = (uint8_t)(acc >> 4);
    } else if (n % 4 == 3) {
        if (acc & 0x3)
            return false;
        out[o++] = (uint8_t)(acc >> 10);
        out[o++] = (uint8_t)(acc >> 2);
    }
    *out_len = o;
    return true;
}

bool parse_u64(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    if (!s || !*s || *s < '0' || *s > '9' || (s[0] == '0' && s[1]))
        return false;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end)
        return false;
    *out = v;
    return true;
}
