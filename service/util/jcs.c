/* SPDX-License-Identifier: Apache-2.0 */
/* DESIGN: JCS has three parts. Strings use the minimal JSON escapes (ECMAScript
 * JSON.stringify). Numbers use ECMAScript's Number-to-String: the shortest decimal digits that
 * round-trip to the same double, found by trying 1..17 significant digits with printf's
 * correctly rounded "%.*e", then laid out per ECMA-262 7.1.12.1. Object members are sorted by
 * their names as arrays of UTF-16 code units, which differs from UTF-8 byte order only for
 * characters above U+FFFF. */
#include "util/jcs.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void jcs_write_string(struct buf *out, const char *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    buf_putc(out, '"');
    size_t run = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        buf_append(out, s + run, i - run);
        run = i + 1;
        char esc[7] = {'\\', 0};
        switch (c) {
        case '"':
            esc[1] = '"';
            break;
        case '\\':
            esc[1] = '\\';
            break;
        case '\b':
            esc[1] = 'b';
            break;
        case '\f':
            esc[1] = 'f';
            break;
        case '\n':
            esc[1] = 'n';
            break;
        case '\r':
            esc[1] = 'r';
            break;
        case '\t':
            esc[1] = 't';
            break;
        default:
            memcpy(esc + 1, "u00", 3);
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 15];
            buf_append(out, esc, 6);
            continue;
        }
        buf_append(out, esc, 2);
    }
    buf_append(out, s + run, len - run);
    buf_putc(out, '"');
}

/* Shortest digits: fills digits (no dot, no sign) and returns the decimal exponent n such that
 * value = 0.d1d2...dk * 10^n, as ECMA-262 defines it. */
static int shortest_digits(double d, char digits[20], int *k)
{
    char tmp[40];
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*e", prec - 1, d);
        if (strtod(tmp, NULL) == d || prec == 17)
            break;
    }
    /* tmp is "D[.DDD]e[+-]XX" */
    char *e = strchr(tmp, 'e');
    int exp10 = (int)strtol(e + 1, NULL, 10);
    int n = 0;
    for (char *p = tmp; p < e; p++)
        if (*p != '.')
            digits[n++] = *p;
    while (n > 1 && digits[n - 1] == '0')
        n--;
    digits[n] = '\0';
    *k = n;
    return exp10 + 1;
}

bool jcs_format_number(double d, char out[JCS_NUMBER_MAX])
{
    if (!isfinite(d))
        return false;
    if (d == 0) {
        memcpy(out, "0", 2);
        return true;
    }
    char *o = out;
    if (d < 0) {
        *o++ = '-';
        d = -d;
    }
    char digits[20];
    int k;
    int n = shortest_digits(d, digits, &k);
    if (k <= n && n <= 21) {
        memcpy(o, digits, (size_t)k);
        memset(o + k, '0', (size_t)(n - k));
        o[n] = '\0';
    } else if (0 < n && n < k) { /* ECMA-262 says 0 < n <= 21; here n < k <= 17 */
        memcpy(o, digits, (size_t)n);
        o[n] = '.';
        memcpy(o + n + 1, digits + n, (size_t)(k - n) + 1);
    } else if (-6 < n && n <= 0) {
        memcpy(o, "0.", 2);
        memset(o + 2, '0', (size_t)-n);
        memcpy(o + 2 - n, digits, (size_t)k + 1);
    } else {
        *o++ = digits[0];
        if (k > 1) {
            *o++ = '.';
            memcpy(o, digits + 1, (size_t)(k - 1));
            o += k - 1;
        }
        sprintf(o, "e%c%d", n - 1 >= 0 ? '+' : '-', abs(n - 1));
    }
    return true;
}

struct member {
    const char *key;
    size_t key_len;
    uint16_t *units;
    size_t n_units;
    json_t *value;
};

/* Converts valid UTF-8 (as jansson guarantees) to UTF-16 code units; returns count. */
static size_t utf8_to_utf16(const unsigned char *s, size_t len, uint16_t *out)
{
    size_t n = 0;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        unsigned char c = s[i];
        if (c < 0x80) {
            cp = c;
            i += 1;
        } else if (c < 0xE0) {
            cp = (uint32_t)(c & 0x1F) << 6 | (s[i + 1] & 0x3F);
            i += 2;
        } else if (c < 0xF0) {
            cp = (uint32_t)(c & 0x0F) << 12 | (uint32_t)(s[i + 1] & 0x3F) << 6 | (s[i + 2] & 0x3F);
            i += 3;
        } else {
            cp = (uint32_t)(c & 0x07) << 18 | (uint32_t)(s[i + 1] & 0x3F) << 12 |
                 (uint32_t)(s[i + 2] & 0x3F) << 6 | (s[i + 3] & 0x3F);
            i += 4;
        }
        if (cp >= 0x10000) {
            cp -= 0x10000;
            out[n++] = (uint16_t)(0xD800 | (cp >> 10));
            out[n++] = (uint16_t)(0xDC00 | (cp & 0x3FF));
        } else {
            out[n++] = (uint16_t)cp;
        }
    }
    return n;
}

static int member_cmp(const void *a, const void *b)
{
    const struct member *x = a, *y = b;
    size_t n = x->n_units < y->n_units ? x->n_units : y->n_units;
    for (size_t i = 0; i < n; i++)
        if (x->units[i] != y->units[i])
            return x->units[i] < y->units[i] ? -1 : 1;
    return (x->n_units > y->n_units) - (x->n_units < y->n_units);
}

static bool jcs_value(const json_t *v, struct buf *out);

static bool jcs_object(const json_t *obj, struct buf *out)
{
    size_t count = json_object_size(obj);
    bool ok = false;
    struct member *m = calloc(count ? count : 1, sizeof *m);
    if (!m)
        return false;
    size_t i = 0;
    for (void *it = json_object_iter((json_t *)obj); it;
         it = json_object_iter_next((json_t *)obj, it), i++) {
        m[i].key = json_object_iter_key(it);
        m[i].key_len = json_object_iter_key_len(it);
        m[i].value = json_object_iter_value(it);
        m[i].units = malloc((m[i].key_len + 1) * sizeof(uint16_t));
        if (!m[i].units)
            goto out;
        m[i].n_units = utf8_to_utf16((const unsigned char *)m[i].key, m[i].key_len, m[i].units);
    }
    qsort(m, count, sizeof *m, member_cmp);
    buf_putc(out, '{');
    for (i = 0; i < count; i++) {
        if (i)
            buf_putc(out, ',');
        jcs_write_string(out, m[i].key, m[i].key_len);
        buf_putc(out, ':');
        if (!jcs_value(m[i].value, out))
            goto out;
    }
    buf_putc(out, '}');
    ok = true;
out:
    for (i = 0; i < count; i++)
        free(m[i].units);
    free(m);
    return ok;
}

static bool jcs_value(const json_t *v, struct buf *out)
{
    char num[JCS_NUMBER_MAX];
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return jcs_object(v, out);
    case JSON_ARRAY:
        buf_putc(out, '[');
        for (size_t i = 0; i < json_array_size(v); i++) {
            if (i)
                buf_putc(out, ',');
            if (!jcs_value(json_array_get(v, i), out))
                return false;
        }
        buf_putc(out, ']');
        return true;
    case JSON_STRING:
        jcs_write_string(out, json_string_value(v), json_string_length(v));
        return true;
    case JSON_REAL:
    case JSON_INTEGER:
        if (!jcs_format_number(json_number_value(v), num))
            return false;
        buf_puts(out, num);
        return true;
    case JSON_TRUE:
        buf_puts(out, "true");
        return true;
    case JSON_FALSE:
        buf_puts(out, "false");
        return true;
    case JSON_NULL:
        buf_puts(out, "null");
        return true;
    }
    return false;
}

bool jcs_serialize(const json_t *v, struct buf *out)
{
    return jcs_value(v, out) && !out->oom;
}
