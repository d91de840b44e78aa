/* Syntax checks for well-known field values. All take NUL-terminated strings. */
#ifndef PROVD_UTIL_VALIDATE_H
#define PROVD_UTIL_VALIDATE_H

#include <stdbool.h>
#include <stdint.h>

#define URL_MAX_LEN     2048
#define LICENSE_MAX_LEN 256

/* Absolute http:// or https:// URL with a non-empty host, no spaces or control characters. */
bool valid_http_url(const char *s);
/* RFC 3339 date-time (e.g. 2026-01-02T03:04:05Z, 2026-01-02T03:04:05.5+02:00). On success and
 * when unix_us is non-NULL, stores the instant as microseconds since the epoch. */
bool valid_rfc3339(const char *s, int64_t *unix_us);
#define RFC3339_US_LEN 27 /* "2026-01-02T03:04:05.123456Z" */

/* Formats microseconds since the epoch as RFC 3339 UTC with exactly six fractional digits
 * (out: RFC3339_US_LEN + 1 bytes). The inverse of valid_rfc3339 for such strings. */
void format_rfc3339_us(int64_t unix_us, char out[RFC3339_US_LEN + 1]);
/* SPDX license expression: identifiers ([A-Za-z0-9.-]+ with optional trailing +, LicenseRef-…)
 * combined with AND, OR, WITH and parentheses. */
bool valid_spdx_expression(const char *s);

#endif
