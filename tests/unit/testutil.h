/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers shared by the unit tests (header-only; each test is one program). */
#ifndef PROVD_TESTUTIL_H
#define PROVD_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "util/codec.h"

/* Reads PROVD_VECTORS/rel into a NUL-terminated buffer (caller frees); fails the test if
 * the file is missing. */
static inline char *read_vector(const char *rel, size_t *len)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", PROVD_VECTORS, rel);
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *data = malloc((size_t)n + 1);
    assert_non_null(data);
    assert_int_equal(fread(data, 1, (size_t)n, f), (size_t)n);
    data[n] = '\0';
    fclose(f);
    if (len)
        *len = (size_t)n;
    return data;
}

/* Section of a JSON vector file, loaded once per test program (kept for its lifetime). */
static inline json_t *vector_section(const char *rel, const char *section)
{
    static json_t *doc;
    static const char *loaded;
    if (!doc || strcmp(loaded, rel) != 0) {
        json_decref(doc);
        char *data = read_vector(rel, NULL);
        doc = json_loads(data, 0, NULL);
        free(data);
        assert_non_null(doc);
        loaded = rel;
    }
    return json_object_get(doc, section);
}

/* Decodes "0x…" hex into out (capacity cap) and returns the length; fails the test otherwise. */
static inline size_t unhex(const char *s, uint8_t *out, size_t cap)
{
    assert_true(s[0] == '0' && s[1] == 'x');
    size_t n = (strlen(s) - 2) / 2;
    assert_true(n <= cap);
    assert_true(hex_decode(s + 2, 2 * n, out, n, false));
    return n;
}

#endif
