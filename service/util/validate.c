/* SPDX-License-Identifier: Apache-2.0 */
#include "util/validate.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static bool valid_port(const char *p, size_t n)
{
    if (n == 0 || n > 5)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)p[i]))
            return false;
    return true;
}

bool valid_http_url(const char *s)
{
    size_t len = strlen(s);
    if (len > URL_MAX_LEN)
        return false;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] <= 0x20 || s[i] == 0x7f)
            return false;
    const char *rest;
    if (!strncasecmp(s, "http://", 7))
        rest = s + 7;
    else if (!strncasecmp(s, "https://", 8))
        rest = s + 8;
    else
        return false;
    size_t auth_len = strcspn(rest, "/?#");
    const char *at = memchr(rest, '@', auth_len);
    const char *host = at ? at + 1 : rest;
    size_t host_len = auth_len - (size_t)(host - rest);
    if (host_len == 0)
        return false;
    if (host[0] == '[') {
        const char *close = memchr(host, ']', host_len);
        if (!close || close == host + 1)
            return false;
        size_t after = host_len - (size_t)(close + 1 - host);
        if (after == 0)
            return true;
        if (close[1] != ':' || after == 1)
            return false;
        return valid_port(close + 2, after - 1);
    }
    const char *colon = memchr(host, ':', host_len);
    if (!colon)
        return true;
    if (colon == host || colon + 1 == host + host_len)
        return false;
    return valid_port(colon + 1, (size_t)(host + host_len - colon - 1));
}

bool valid_url_template(const char *s, const char *var)
{
    enum { VALUE_LEN = 66 };
    size_t len = strlen(s), var_len = strlen(var);
    const char *at = var_len ? strstr(s, var) : NULL;
    if (!at || len > URL_MAX_LEN || strstr(at + var_len, var))
        return false;
    char url[URL_MAX_LEN + VALUE_LEN + 1];
    size_t pre = (size_t)(at - s);
    memcpy(url, s, pre);
    memcpy(url + pre, "0x", 2);
    memset(url + pre + 2, '0', VALUE_LEN - 2);
    snprintf(url + pre + VALUE_LEN, sizeof url - pre - VALUE_LEN, "%s", at + var_len);
    return valid_http_url(url);
}

static bool digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

static int days_in_month(int y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : days[m - 1];
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm). */
static int64_t days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* Proleptic Gregorian date of a day number since 1970-01-01 (Howard Hinnant's algorithm). */
static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

void format_rfc3339_us(int64_t unix_us, char out[RFC3339_US_LEN + 1])
{
    int64_t secs = unix_us >= 0 ? unix_us / 1000000 : -((-unix_us + 999999) / 1000000);
    int64_t frac = unix_us - secs * 1000000;
    int64_t days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
    int64_t sod = secs - days * 86400;
    int y, m, d;
    civil_from_days(days, &y, &m, &d);
    char tmp[80]; /* roomy for any int; years 0..9999 fill exactly RFC3339_US_LEN */
    snprintf(tmp, sizeof tmp, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", y, m, d, (int)(sod / 3600),
             (int)(sod / 60 % 60), (int)(sod % 60), (int)frac);
    memcpy(out, tmp, RFC3339_US_LEN);
    out[RFC3339_US_LEN] = '\0';
}

bool valid_rfc3339(const char *s, int64_t *unix_us)
{
    int y, mo, d, h, mi, sec, oh = 0, om = 0;
    if (strlen(s) < 20 || !digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) ||
        s[7] != '-' || !digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != 't') ||
        !digits(s + 11, 2, &h) || s[13] != ':' || !digits(s + 14, 2, &mi) || s[16] != ':' ||
        !digits(s + 17, 2, &sec))
        return false;
    if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || sec > 60)
        return false;
    const char *p = s + 19;
    int64_t frac_us = 0;
    if (*p == '.') {
        p++;
        int n = 0;
        for (; isdigit((unsigned char)*p); p++, n++)
            if (n < 6)
                frac_us = frac_us * 10 + (*p - '0');
        if (n == 0)
            return false;
        for (; n < 6; n++)
            frac_us *= 10;
    }
    int sign = 0;
    if ((*p == 'Z' || *p == 'z') && !p[1]) {
        sign = 0;
    } else if ((*p == '+' || *p == '-') && digits(p + 1, 2, &oh) && p[3] == ':' &&
               digits(p + 4, 2, &om) && !p[6] && oh <= 23 && om <= 59) {
        sign = *p == '+' ? 1 : -1;
    } else {
        return false;
    }
    if (unix_us) {
        int64_t offset_s = (int64_t)sign * (oh * 3600 + om * 60);
        int64_t secs =
            days_from_civil(y, mo, d) * 86400 + (int64_t)(h * 3600 + mi * 60 + sec) - offset_s;
        *unix_us = secs * 1000000 + frac_us;
    }
    return true;
}

/* SPDX expression parser over a cursor. */
struct spdx {
    const char *p;
};

static void spdx_space(struct spdx *x)
{
    while (*x->p == ' ')
        x->p++;
}

static bool spdx_is_id_char(char c)
{
    return isalnum((unsigned char)c) || c == '.' || c == '-';
}

/* An identifier; stores its span so the caller can tell operators apart. */
static bool spdx_word(struct spdx *x, const char **start, size_t *len)
{
    spdx_space(x);
    *start = x->p;
    while (spdx_is_id_char(*x->p))
        x->p++;
    *len = (size_t)(x->p - *start);
    return *len > 0;
}

static bool spdx_is(const char *w, size_t n, const char *op)
{
    return n == strlen(op) && !strncmp(w, op, n);
}

static bool spdx_expr(struct spdx *x, int depth);

static bool spdx_term(struct spdx *x, int depth)
{
    spdx_space(x);
    if (*x->p == '(') {
        x->p++;
        if (!spdx_expr(x, depth + 1))
            return false;
        spdx_space(x);
        if (*x->p != ')')
            return false;
        x->p++;
        return true;
    }
    const char *w;
    size_t n;
    if (!spdx_word(x, &w, &n) || spdx_is(w, n, "AND") || spdx_is(w, n, "OR") ||
        spdx_is(w, n, "WITH"))
        return false;
    if (*x->p == '+')
        x->p++;
    const char *save = x->p;
    if (spdx_word(x, &w, &n) && spdx_is(w, n, "WITH"))
        return spdx_word(x, &w, &n);
    x->p = save;
    return true;
}

static bool spdx_expr(struct spdx *x, int depth)
{
    if (depth > 8 || !spdx_term(x, depth))
        return false;
    for (;;) {
        const char *save = x->p;
        const char *w;
        size_t n;
        if (!spdx_word(x, &w, &n) || !(spdx_is(w, n, "AND") || spdx_is(w, n, "OR"))) {
            x->p = save;
            return true;
        }
        if (!spdx_term(x, depth))
            return false;
    }
}

bool valid_spdx_expression(const char *s)
{
    if (strlen(s) > LICENSE_MAX_LEN)
        return false;
    struct spdx x = {s};
    if (!spdx_expr(&x, 0))
        return false;
    spdx_space(&x);
    return *x.p == '\0';
}

/* RFC 3629, table 3-7 of the Unicode standard: the ranges of the second byte after each lead. */
size_t utf8_char_len(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    unsigned char c = u[0], lo = 0x80, hi = 0xbf;
    size_t len = c < 0x80 ? 1 : c < 0xc2 ? 0 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : c < 0xf5 ? 4 : 0;
    if (c == 0xe0)
        lo = 0xa0; /* overlong below U+0800 */
    else if (c == 0xed)
        hi = 0x9f; /* surrogates U+D800..U+DFFF */
    else if (c == 0xf0)
        lo = 0x90; /* overlong below U+10000 */
    else if (c == 0xf4)
        hi = 0x8f; /* above U+10FFFF */
    if (len == 0 || len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        unsigned char min = i == 1 ? lo : 0x80, max = i == 1 ? hi : 0xbf;
        if (u[i] < min || u[i] > max)
            return 0;
    }
    return len;
}

bool valid_utf8_text(const char *s, size_t len)
{
    for (size_t i = 0; i < len;) {
        size_t n = s[i] ? utf8_char_len(s + i, len - i) : 0;
        if (n == 0)
            return false;
        i += n;
    }
    return true;
}
