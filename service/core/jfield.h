/* SPDX-License-Identifier: Apache-2.0 */
/* Reading a request's JSON into typed fields, with a struct problem naming the field at fault:
 * the shared vocabulary of the request parsers (items, datasets). */
#ifndef PROVD_CORE_JFIELD_H
#define PROVD_CORE_JFIELD_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"
#include "core/problem.h"

/* Parses a request body (duplicate member names refused); NULL with PROBLEM_MALFORMED_JSON. */
json_t *jf_load(const char *body, size_t len, struct problem *err);
/* Member key of obj as a string without NUL bytes. NULL when it is absent (*missing set; err set
 * too when required) or not such a string (err set). field names it in messages. */
const char *jf_string(json_t *obj, const char *key, const char *field, bool required,
                      struct problem *err, bool *missing);
/* A required string member of 1..max bytes. */
const char *jf_text(json_t *obj, const char *key, size_t max, struct problem *err);
/* Optional boolean member key (false when absent). */
bool jf_bool(json_t *obj, const char *key, const char *field, bool *out, struct problem *err);
/* A required non-negative integer member (below 2^53). */
bool jf_uint(json_t *obj, const char *key, uint64_t *out, struct problem *err);
/* False (err naming prefix + key) when obj has a member not in allowed (NULL-terminated). */
bool jf_only_keys(json_t *obj, const char *const *allowed, const char *prefix, struct problem *err);
/* Optional JSON object member key, canonicalised into out ({} when absent): at most depth
 * levels deep and max bytes. field names it. */
bool jf_canonical_object(json_t *obj, const char *key, const char *field, int depth, size_t max,
                         struct buf *out, struct problem *err) __attribute__((warn_unused_result));
/* Nesting depth: 0 for a scalar, 1 for an object or array of scalars, … */
int jf_depth(const json_t *v);

#endif
