/* SPDX-License-Identifier: Apache-2.0 */
/* RFC 8785 JSON Canonicalization Scheme (JCS) for jansson values.
 *
 * Numbers must have been parsed as doubles (JSON_DECODE_INT_AS_REAL) so that they are
 * serialised exactly as ECMAScript's Number.prototype.toString would; integers held as
 * json_int_t are converted to double first, as JCS requires. */
#ifndef PROVD_UTIL_JCS_H
#define PROVD_UTIL_JCS_H

#include <jansson.h>
#include <stdbool.h>

#include "util/buf.h"

#define JCS_NUMBER_MAX 32

/* Appends the canonical form of v to out. False on a non-finite number or out of memory. */
bool jcs_serialize(const json_t *v, struct buf *out) __attribute__((warn_unused_result));
/* Writes the ECMAScript shortest round-trip form of d into out; false if d is not finite. */
bool jcs_format_number(double d, char out[JCS_NUMBER_MAX]) __attribute__((warn_unused_result));
/* Appends s (valid UTF-8, may contain NUL) as a JSON string literal with JCS escaping. */
void jcs_write_string(struct buf *out, const char *s, size_t len);

#endif
