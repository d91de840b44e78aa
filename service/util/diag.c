/* SPDX-License-Identifier: Apache-2.0 */
#include "util/diag.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "util/validate.h"

static enum diag_level min_level = DIAG_INFO;
static enum diag_format line_format = DIAG_TEXT;

void diag_set_level(enum diag_level level)
{
    min_level = level;
}

void diag_set_format(enum diag_format format)
{
    line_format = format;
}

/* One character of s (n >= 1 bytes) as a text line shows it, in esc; returns its length and
 * stores in *used how many bytes of s it stands for. */
static size_t text_char(const char *s, size_t n, char esc[16], size_t *used)
{
    unsigned char c = (unsigned char)s[0];
    size_t len = utf8_char_len(s, n);
    bool c1 = len == 2 && c == 0xc2 && (unsigned char)s[1] < 0xa0; /* U+0080..U+009F */
    *used = len ? len : 1;
    if ((len == 1 && c >= 0x20 && c != 0x7f && c != '\\') || (len > 1 && !c1)) {
        memcpy(esc, s, len);
        return len;
    }
    size_t k = 0;
    for (size_t i = 0; i < *used; i++)
        k += (size_t)snprintf(esc + k, 16 - k, "\\x%02x", (unsigned char)s[i]);
    return k;
}

/* The same for a JSON string: controls as \u00XX, invalid UTF-8 as U+FFFD. */
static size_t json_char(const char *s, size_t n, char esc[16], size_t *used)
{
    unsigned char c = (unsigned char)s[0];
    size_t len = utf8_char_len(s, n);
    *used = len ? len : 1;
    if (len == 0) {
        memcpy(esc, "\\ufffd", 6);
        return 6;
    }
    unsigned cp = len == 1 ? c : len == 2 && c == 0xc2 ? (unsigned char)s[1] : 0x100;
    if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0))
        return (size_t)snprintf(esc, 16, "\\u%04x", cp);
    if (c == '"' || c == '\\') {
        esc[0] = '\\';
        esc[1] = (char)c;
        return 2;
    }
    memcpy(esc, s, len);
    return len;
}

size_t diag_escape(char *out, size_t cap, const char *s, size_t len)
{
    size_t k = 0, used;
    for (size_t i = 0; i < len; i += used) {
        char esc[16];
        size_t n = text_char(s + i, len - i, esc, &used);
        if (n >= cap - k)
            break;
        memcpy(out + k, esc, n);
        k += n;
    }
    out[k] = '\0';
    return k;
}

/* A line being built. A put is all or nothing; once one does not fit the line is full and
 * takes nothing more, except the closing quote and brace of a JSON line, for which CLOSE_ROOM
 * bytes (and the NUL) stay free below DIAG_LINE_MAX. */
#define CLOSE_ROOM 4
#define MSG_ROOM   1024 /* of a JSON line, kept for the fields that follow the message */

struct line {
    char *p;
    size_t len, cap;
    bool full;
};

static bool put(struct line *l, const char *s, size_t n)
{
    if (l->full || n > l->cap - l->len) {
        l->full = true;
        return false;
    }
    memcpy(l->p + l->len, s, n);
    l->len += n;
    return true;
}

static void put_closing(struct line *l, char c)
{
    char s[1] = {c};
    if (!put(l, s, 1))
        l->p[l->len++] = c; /* into CLOSE_ROOM */
}

static void put_escaped(struct line *l, enum diag_format format, const char *s)
{
    size_t n = strlen(s), used;
    for (size_t i = 0; i < n; i += used) {
        char esc[16];
        size_t k = format == DIAG_JSON ? json_char(s + i, n - i, esc, &used)
                                       : text_char(s + i, n - i, esc, &used);
        if (!put(l, esc, k))
            return;
    }
}

static void text_line(struct line *l, const char *time, const char *level, const char *rid,
                      const char *msg)
{
    put(l, time, strlen(time));
    put(l, " ", 1);
    put(l, level, strlen(level));
    put(l, " ", 1);
    if (rid) {
        put(l, "[", 1);
        put_escaped(l, DIAG_TEXT, rid);
        put(l, "] ", 2);
    }
    put_escaped(l, DIAG_TEXT, msg);
}

/* ,"key":"value" (the comma unless it is the first member). */
static void json_member(struct line *l, const char *key, const char *value)
{
    char prefix[48];
    int n = snprintf(prefix, sizeof prefix, "%s\"%s\":\"", l->len > 1 ? "," : "", key);
    if (n < 0 || (size_t)n >= sizeof prefix || !put(l, prefix, (size_t)n))
        return;
    put_escaped(l, DIAG_JSON, value);
    put_closing(l, '"');
}

static void json_line(struct line *l, const char *time, const char *level, const char *rid,
                      const struct diag_field *fields, size_t n, const char *msg)
{
    put(l, "{", 1);
    json_member(l, "ts", time);
    json_member(l, "level", level);
    if (rid)
        json_member(l, "request_id", rid);
    size_t cap = l->cap;
    l->cap = cap - MSG_ROOM;
    json_member(l, "msg", msg);
    l->cap = cap;
    l->full = false;
    for (size_t i = 0; i < n; i++) {
        char num[48];
        if (fields[i].str) {
            json_member(l, fields[i].key, fields[i].str);
            continue;
        }
        int k = snprintf(num, sizeof num, ",\"%s\":%" PRId64, fields[i].key, fields[i].num);
        if (k > 0 && (size_t)k < sizeof num)
            put(l, num, (size_t)k);
    }
    put_closing(l, '}');
}

size_t diag_format_line(char out[DIAG_LINE_MAX], enum diag_format format, enum diag_level level,
                        const char *time, const char *rid, const struct diag_field *fields,
                        size_t n, const char *msg)
{
    static const char *const text_names[] = {"DEBUG", "INFO", "WARN", "ERROR"};
    static const char *const json_names[] = {"debug", "info", "warn", "error"};
    /* the newline the writer adds takes one more byte */
    struct line l = {out, 0, DIAG_LINE_MAX - 1 - CLOSE_ROOM, false};
    if (format == DIAG_JSON)
        json_line(&l, time, json_names[level], rid, fields, n, msg);
    else
        text_line(&l, time, text_names[level], rid, msg);
    out[l.len] = '\0';
    return l.len;
}

static void now_text(char out[64])
{
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    snprintf(out, 64, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000);
}

static void vlog(enum diag_level level, const char *rid, const struct diag_field *fields, size_t n,
                 const char *fmt, va_list ap) __attribute__((format(printf, 5, 0)));

static void vlog(enum diag_level level, const char *rid, const struct diag_field *fields, size_t n,
                 const char *fmt, va_list ap)
{
    if (level < min_level)
        return;
    char msg[DIAG_LINE_MAX], line[DIAG_LINE_MAX], time[64];
    vsnprintf(msg, sizeof msg, fmt, ap);
    now_text(time);
    size_t len = diag_format_line(line, line_format, level, time, rid, fields, n, msg);
    line[len++] = '\n';
    /* One write per line; stdio locks the stream so concurrent lines do not interleave. */
    flockfile(stderr);
    fwrite(line, 1, len, stderr);
    funlockfile(stderr);
}

void diag_msg(enum diag_level level, const char *rid, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog(level, rid, NULL, 0, fmt, ap);
    va_end(ap);
}

void diag_fields(enum diag_level level, const char *rid, const struct diag_field *fields, size_t n,
                 const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog(level, rid, fields, n, fmt, ap);
    va_end(ap);
}
