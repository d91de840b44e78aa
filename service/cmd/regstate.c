/* SPDX-License-Identifier: Apache-2.0 */
#include "cmd/regstate.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/codec.h"

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Decodes the %XX-encoded path [s, s + len) into a new string; NULL when malformed. */
static char *path_decode(const char *s, size_t len)
{
    if (len == 0 || len > 3 * REG_STATE_PATH_MAX)
        return NULL;
    char *out = malloc(len + 1);
    size_t n = 0;
    for (size_t i = 0; out && i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        int hi = 0, lo = 0;
        if (c == '%' && (i + 2 >= len || (hi = hex_digit(s[i + 1])) < 0 ||
                         (lo = hex_digit(s[i + 2])) < 0 || (hi == 0 && lo == 0)))
            goto bad;
        if (c != '%' && (c < '!' || c > '~'))
            goto bad;
        ((unsigned char *)out)[n++] = c == '%' ? (unsigned char)(hi << 4 | lo) : c;
        i += c == '%' ? 2 : 0;
    }
    if (!out || n > REG_STATE_PATH_MAX)
        goto bad;
    out[n] = '\0';
    return out;
bad:
    free(out);
    return NULL;
}

/* A decimal number of at most 19 digits ending at a space; advances *s past the space. */
static bool take_number(const char **s, const char *end, uint64_t *out)
{
    const char *p = *s;
    uint64_t v = 0;
    int digits = 0;
    while (p < end && *p >= '0' && *p <= '9' && digits < 20) {
        v = v * 10 + (uint64_t)(*p++ - '0');
        digits++;
    }
    if (digits == 0 || digits > 19 || (digits > 1 && **s == '0') || p >= end || *p != ' ')
        return false;
    *s = p + 1;
    *out = v;
    return true;
}

bool reg_state_parse_line(const char *line, size_t len, struct reg_entry *out)
{
    const char *p = line, *end = line + len;
    uint64_t size, mtime;
    memset(out, 0, sizeof *out);
    if (!take_number(&p, end, &size) || !take_number(&p, end, &mtime) || mtime > INT64_MAX)
        return false;
    if ((size_t)(end - p) < 7 + 2 * SHA256_LEN + 2 || memcmp(p, "sha256:", 7) != 0 ||
        !hex_decode(p + 7, 2 * SHA256_LEN, out->hash, SHA256_LEN, true) ||
        p[7 + 2 * SHA256_LEN] != ' ')
        return false;
    p += 7 + 2 * SHA256_LEN + 1;
    out->path = path_decode(p, (size_t)(end - p));
    out->size = size;
    out->mtime_ns = (int64_t)mtime;
    return out->path != NULL;
}

static bool push(struct reg_state *s, const struct reg_entry *e)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 256;
        struct reg_entry *v = realloc(s->v, cap * sizeof *v);
        if (!v)
            return false;
        s->v = v;
        s->cap = cap;
    }
    s->v[s->n++] = *e;
    return true;
}

static int by_path_then_line(const void *a, const void *b)
{
    const struct reg_entry *x = a, *y = b;
    int c = strcmp(x->path, y->path);
    return c ? c : x->line < y->line ? -1 : x->line > y->line;
}

/* Sorts the entries and keeps the last line of each path. */
static void keep_last(struct reg_state *s)
{
    if (s->n > 1)
        qsort(s->v, s->n, sizeof *s->v, by_path_then_line);
    size_t w = 0;
    for (size_t i = 0; i < s->n; i++) {
        if (i + 1 < s->n && !strcmp(s->v[i].path, s->v[i + 1].path)) {
            free(s->v[i].path);
            continue;
        }
        s->v[w++] = s->v[i];
    }
    s->n = w;
}

static bool parse_fail(struct reg_state *out, char *err, size_t err_len, size_t line,
                       const char *why)
{
    snprintf(err, err_len, "line %zu: %s", line, why);
    reg_state_free(out);
    return false;
}

bool reg_state_parse(const char *text, size_t len, struct reg_state *out, char *err, size_t err_len)
{
    memset(out, 0, sizeof *out);
    size_t at = 0, line = 0;
    while (at < len) {
        const char *nl = memchr(text + at, '\n', len - at);
        line++;
        if (!nl)
            return parse_fail(out, err, err_len, line, "does not end with a newline");
        size_t n = (size_t)(nl - (text + at));
        struct reg_entry e;
        if (line == 1) {
            if (n != strlen(REG_STATE_HEADER) || memcmp(text, REG_STATE_HEADER, n) != 0)
                return parse_fail(out, err, err_len, line,
                                  "not a provd register state file (no '" REG_STATE_HEADER
                                  "' header)");
        } else if (!reg_state_parse_line(text + at, n, &e)) {
            return parse_fail(out, err, err_len, line,
                              "not SIZE MTIME_NS sha256:HEX PATH (the state file is damaged)");
        } else {
            e.line = line;
            if (!push(out, &e)) {
                free(e.path);
                return parse_fail(out, err, err_len, line, "out of memory");
            }
        }
        at += n + 1;
    }
    keep_last(out);
    return true;
}

const struct reg_entry *reg_state_find(const struct reg_state *s, const char *path)
{
    size_t lo = 0, hi = s->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(path, s->v[mid].path);
        if (c == 0)
            return &s->v[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

void reg_state_free(struct reg_state *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i].path);
    free(s->v);
    memset(s, 0, sizeof *s);
}

void reg_state_format_line(struct buf *out, const char *path, uint64_t size, int64_t mtime_ns,
                           const uint8_t hash[SHA256_LEN])
{
    char head[64], hex[2 * SHA256_LEN + 1];
    hex_encode(hash, SHA256_LEN, hex);
    snprintf(head, sizeof head, "%" PRIu64 " %" PRId64 " sha256:", size,
             mtime_ns < 0 ? (int64_t)0 : mtime_ns);
    buf_puts(out, head);
    buf_puts(out, hex);
    buf_puts(out, " ");
    for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
        if (*p < '!' || *p > '~' || *p == '%') {
            char esc[4];
            snprintf(esc, sizeof esc, "%%%02X", *p);
            buf_puts(out, esc);
        } else {
            buf_append(out, p, 1);
        }
    }
    buf_puts(out, "\n");
}
