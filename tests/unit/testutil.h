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

#endif
