/* SPDX-License-Identifier: Apache-2.0 */
/* Syntax checks for well-known field values. All take NUL-terminated strings. */
#ifndef PROVD_UTIL_VALIDATE_H
#define PROVD_UTIL_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define URL_MAX_LEN     2048
#define LICENSE_MAX_LEN 256

/* Absolute http:// or https:// URL with a non-empty host, no spaces or control characters. */
bool valid_http_url(const char *s);
/* A template of such a URL that holds var (e.g. "{tx}") exactly once: true when replacing it
 * with a 66-byte value (an Ethereum transaction hash, 0x and 64 hex digits) makes a
 * valid_http_url. */
bool valid_url_template(const char *s, const char *var);
/* RFC 3339 date-time (e.g. 2026-01-02T03:04:05Z, 2026-01-02T03:04:05.5+02:00). On success and
 * when unix_us is non-NULL, stores the instant as microseconds since the epoch. */
bool valid_rfc3339(const char *s, int64_t *unix_us);
#define RFC3339_US_LEN 27 /* "2026-01-02T03:04:05.123456Z" */

/* Formats microseconds since the epoch as RFC 3339 UTC with exactly six fractional digits
 * (out: RFC3339_US_LEN + 1 bytes). The inverse of valid_rfc3339 for such strings. */
void format_rfc3339_us(int64_t unix_us, char out[RFC3339_US_LEN + 1]);
/* The instants RFC 3339 can name in UTC, years 0000 to 9999, as microseconds since the epoch:
 * the range of the times a client may hand back (list cursors). */
#define UNIX_US_MIN (-62167219200000000LL) /* 0000-01-01T00:00:00Z */
#define UNIX_US_MAX 253402300799999999LL   /* 9999-12-31T23:59:59.999999Z */

/* The length of the character at s (n >= 1 bytes available) when it is well-formed UTF-8: 1 to
 * 4; 0 for an overlong form, a surrogate, a code point above U+10FFFF or a bad sequence. */
size_t utf8_char_len(const char *s, size_t n);
/* s[0..len) is well-formed UTF-8 without NUL: text PostgreSQL accepts. */
bool valid_utf8_text(const char *s, size_t len);

/* SPDX license expression: identifiers ([A-Za-z0-9.-]+ with optional trailing +, LicenseRef-…)
 * combined with AND, OR, WITH and parentheses. */
bool valid_spdx_expression(const char *s);

#endif
