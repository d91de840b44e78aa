/* SPDX-License-Identifier: Apache-2.0 */
#include "core/jfield.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "util/jcs.h"

json_t *jf_load(const char *body, size_t len, struct problem *err)
{
    json_error_t jerr;
    json_t *root = json_loadb(
        body, len, JSON_DECODE_INT_AS_REAL | JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
    if (!root)
        problem_set(err, PROBLEM_MALFORMED_JSON, "", "%s at line %d column %d", jerr.text,
                    jerr.line, jerr.column);
    return root;
}

const char *jf_string(json_t *obj, const char *key, const char *field, bool required,
                      struct problem *err, bool *missing)
{
    json_t *v = json_object_get(obj, key);
    *missing = v == NULL;
    if (!v) {
        if (required)
            problem_set(err, PROBLEM_INVALID_FIELD, field, "%s is required", field);
        return NULL;
    }
    if (!json_is_string(v)) {
        problem_set(err, PROBLEM_INVALID_FIELD, field, "%s must be a string", field);
        return NULL;
    }
    const char *s = json_string_value(v);
    if (strlen(s) != json_string_length(v)) {
        problem_set(err, PROBLEM_INVALID_FIELD, field, "%s must not contain NUL characters", field);
        return NULL;
    }
    return s;
}

const char *jf_text(json_t *obj, const char *key, size_t max, struct problem *err)
{
    bool missing;
    const char *s = jf_string(obj, key, key, true, err, &missing);
    if (s && (!*s || strlen(s) > max)) {
        problem_set(err, PROBLEM_INVALID_FIELD, key, "%s must be 1 to %zu bytes", key, max);
        return NULL;
    }
    return s;
}

bool jf_bool(json_t *obj, const char *key, const char *field, bool *out, struct problem *err)
{
    json_t *v = json_object_get(obj, key);
    *out = false;
    if (!v)
        return true;
    if (!json_is_boolean(v))
        return problem_set(err, PROBLEM_INVALID_FIELD, field, "%s must be true or false", field);
    *out = json_is_true(v);
    return true;
}

bool jf_uint(json_t *obj, const char *key, uint64_t *out, struct problem *err)
{
    json_t *v = json_object_get(obj, key);
    double d = json_is_number(v) ? json_number_value(v) : -1;
    if (d < 0 || d > 9007199254740991.0 || floor(d) != d) /* 2^53 - 1: exact as a double */
        return problem_set(err, PROBLEM_INVALID_FIELD, key,
                           v ? "%s must be a non-negative integer" : "%s is required", key);
    *out = (uint64_t)d;
    return true;
}

bool jf_only_keys(json_t *obj, const char *const *allowed, const char *prefix, struct problem *err)
{
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v)
    {
        bool ok = false;
        for (const char *const *a = allowed; *a; a++)
            ok = ok || !strcmp(key, *a);
        if (!ok) {
            char field[64];
            snprintf(field, sizeof field, "%s%.40s", prefix, key);
            return problem_set(err, PROBLEM_INVALID_FIELD, field, "unknown field %s", field);
        }
    }
    return true;
}

int jf_depth(const json_t *v)
{
    int max = 0;
    if (json_is_object(v)) {
        const char *k;
        json_t *c;
        json_object_foreach((json_t *)v, k, c)
        {
            int d = jf_depth(c);
            max = d > max ? d : max;
        }
        return max + 1;
    }
    if (json_is_array(v)) {
        for (size_t i = 0; i < json_array_size(v); i++) {
            int d = jf_depth(json_array_get(v, i));
            max = d > max ? d : max;
        }
        return max + 1;
    }
    return 0;
}

bool jf_canonical_object(json_t *obj, const char *key, const char *field, int depth, size_t max,
                         struct buf *out, struct problem *err)
{
    json_t *v = json_object_get(obj, key);
    if (!v) {
        buf_puts(out, "{}");
        return true;
    }
    if (!json_is_object(v))
        return problem_set(err, PROBLEM_INVALID_FIELD, field, "%s must be a JSON object", field);
    if (jf_depth(v) > depth)
        return problem_set(err, PROBLEM_INVALID_FIELD, field, "%s nests deeper than %d levels",
                           field, depth);
    if (!jcs_serialize(v, out))
        return problem_set(err, PROBLEM_INTERNAL, NULL, "out of memory");
    if (out->len > max)
        return problem_set(err, PROBLEM_INVALID_FIELD, field,
                           "canonical %s is %zu bytes, more than the limit of %zu", field, out->len,
                           max);
    return true;
}
