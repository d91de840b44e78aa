/* SPDX-License-Identifier: Apache-2.0 */
#include "tlog/tilepath.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

struct cursor {
    const char *p, *end;
};

static bool take(struct cursor *c, const char *lit)
{
    size_t n = strlen(lit);
    if ((size_t)(c->end - c->p) < n || memcmp(c->p, lit, n) != 0)
        return false;
    c->p += n;
    return true;
}

static bool is_digit(char ch)
{
    return ch >= '0' && ch <= '9';
}

/* A decimal in min..max without leading zeros (at most 3 digits, as every use needs). */
static bool take_small(struct cursor *c, unsigned min, unsigned max, unsigned *out)
{
    unsigned v = 0;
    const char *start = c->p;
    while (c->p < c->end && is_digit(*c->p) && c->p - start < 3)
        v = v * 10 + (unsigned)(*c->p++ - '0');
    size_t n = (size_t)(c->p - start);
    if (n == 0 || (n > 1 && *start == '0') || (c->p < c->end && is_digit(*c->p)))
        return false;
    *out = v;
    return v >= min && v <= max;
}

/* Three digits. */
static bool take_group(struct cursor *c, unsigned *out)
{
    if (c->end - c->p < 3 || !is_digit(c->p[0]) || !is_digit(c->p[1]) || !is_digit(c->p[2]))
        return false;
    *out = (unsigned)((c->p[0] - '0') * 100 + (c->p[1] - '0') * 10 + (c->p[2] - '0'));
    c->p += 3;
    return true;
}

/* N: "x" + 3 digits + "/" for every element but the last, then 3 digits; the first element
 * is not 000 unless it is the only one, and the value fits 64 bits. */
static bool take_index(struct cursor *c, uint64_t *out)
{
    uint64_t v = 0;
    for (int element = 0;; element++) {
        bool more = take(c, "x");
        unsigned g;
        if (!take_group(c, &g) || (more && !take(c, "/")) || (more && element == 0 && g == 0))
            return false;
        if (v > (UINT64_MAX - g) / 1000)
            return false;
        v = v * 1000 + g;
        if (!more)
            break;
    }
    *out = v;
    return true;
}

bool tile_path_parse(const char *s, size_t len, struct tile_path *out)
{
    struct cursor c = {s, s + len};
    struct tile_path t = {.width = 256};
    if (!take(&c, "tile/"))
        return false;
    if (take(&c, "entries/"))
        t.entries = true;
    else if (!take_small(&c, 0, TILE_PATH_MAX_LEVEL, &t.level) || !take(&c, "/"))
        return false;
    if (!take_index(&c, &t.index))
        return false;
    if (take(&c, ".p/") && !take_small(&c, 1, 255, &t.width))
        return false;
    if (c.p != c.end)
        return false;
    *out = t;
    return true;
}

size_t tile_path_format(const struct tile_path *t, char out[TILE_PATH_MAX])
{
    if ((!t->entries && t->level > TILE_PATH_MAX_LEVEL) || t->width == 0 || t->width > 256) {
        out[0] = '\0';
        return 0;
    }
    unsigned groups[7];
    int n = 0;
    uint64_t v = t->index;
    do {
        groups[n++] = (unsigned)(v % 1000);
        v /= 1000;
    } while (v);
    size_t len = 0;
    if (t->entries)
        len += (size_t)snprintf(out, TILE_PATH_MAX, "tile/entries/");
    else
        len += (size_t)snprintf(out, TILE_PATH_MAX, "tile/%u/", t->level);
    for (int i = n - 1; i > 0; i--)
        len += (size_t)snprintf(out + len, TILE_PATH_MAX - len, "x%03u/", groups[i]);
    len += (size_t)snprintf(out + len, TILE_PATH_MAX - len, "%03u", groups[0]);
    if (t->width < 256)
        len += (size_t)snprintf(out + len, TILE_PATH_MAX - len, ".p/%u", t->width);
    return len;
}
