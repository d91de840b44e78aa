/* SPDX-License-Identifier: Apache-2.0 */
/* Line-oriented logging to stderr. Thread-safe. Two formats (diag_set_format):
 *   text  "TIME LEVEL [request-id] message"
 *   json  {"ts":TIME,"level":"info","request_id":…,"msg":…, then the fields given}, one per line
 * Messages and fields often carry client input (URLs, headers, query keys), so every one is
 * escaped: a text line shows each control character (C0, DEL, C1), backslash and byte of invalid
 * UTF-8 as \xHH; a JSON line escapes controls as JSON does and writes invalid UTF-8 as U+FFFD.
 * Either way a line is valid UTF-8 without control characters and cannot be split or forged. */
#ifndef PROVD_UTIL_DIAG_H
#define PROVD_UTIL_DIAG_H

#include <stddef.h>
#include <stdint.h>

enum diag_level { DIAG_DEBUG, DIAG_INFO, DIAG_WARN, DIAG_ERROR };
enum diag_format { DIAG_TEXT, DIAG_JSON };

/* A named value that JSON lines add after "msg" (text lines show the message only). */
struct diag_field {
    const char *key; /* a JSON-safe constant */
    const char *str; /* NULL: the value is num */
    int64_t num;
};

/* Set once at start-up, before other threads log. */
void diag_set_level(enum diag_level level);
void diag_set_format(enum diag_format format);
/* rid may be NULL (no request). */
void diag_msg(enum diag_level level, const char *rid, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* As diag_msg, with n fields for JSON lines. */
void diag_fields(enum diag_level level, const char *rid, const struct diag_field *fields, size_t n,
                 const char *fmt, ...) __attribute__((format(printf, 5, 6)));

#define DIAG_LINE_MAX 4096 /* bytes of a line, newline included; longer messages are cut */

/* Formats one line of msg (without the newline) into out, which holds DIAG_LINE_MAX bytes, and
 * returns its length; time is the timestamp shown. What does not fit is cut at a character,
 * and a JSON line stays a complete object. */
size_t diag_format_line(char out[DIAG_LINE_MAX], enum diag_format format, enum diag_level level,
                        const char *time, const char *rid, const struct diag_field *fields,
                        size_t n, const char *msg);
/* Writes s[0..len) escaped as in text lines into out (cap >= 1 bytes, NUL-terminated, cut
 * before a character that does not fit); returns the length written. */
size_t diag_escape(char *out, size_t cap, const char *s, size_t len);

#define diag_info(...)  diag_msg(DIAG_INFO, NULL, __VA_ARGS__)
#define diag_warn(...)  diag_msg(DIAG_WARN, NULL, __VA_ARGS__)
#define diag_error(...) diag_msg(DIAG_ERROR, NULL, __VA_ARGS__)

#endif
