/* SPDX-License-Identifier: Apache-2.0 */
#include "util/jsonw.h"

#include <inttypes.h>
#include <string.h>

#include "util/jcs.h"

void jw_init(struct jsonw *w, struct buf *out)
{
    w->out = out;
    w->depth = 0;
    w->first[0] = true;
}

struct jw_mark jw_mark(const struct jsonw *w)
{
    return (struct jw_mark){w->out->len, w->depth, w->first[w->depth]};
}

void jw_rewind(struct jsonw *w, struct jw_mark m)
{
    buf_truncate(w->out, m.len);
    w->depth = m.depth;
    w->first[m.depth] = m.first;
}

/* Before a value: a comma unless it is the first in its container or follows a key. */
static void jw_value_prefix(struct jsonw *w)
{
    if (!w->first[w->depth])
        buf_putc(w->out, ',');
    w->first[w->depth] = false;
}

static void jw_open(struct jsonw *w, char c)
{
    jw_value_prefix(w);
    buf_putc(w->out, c);
    if (w->depth + 1 < JSONW_MAX_DEPTH)
        w->depth++;
    w->first[w->depth] = true;
}

static void jw_close(struct jsonw *w, char c)
{
    buf_putc(w->out, c);
    if (w->depth > 0)
        w->depth--;
}

void jw_object_begin(struct jsonw *w)
{
    jw_open(w, '{');
}

void jw_object_end(struct jsonw *w)
{
    jw_close(w, '}');
}

void jw_array_begin(struct jsonw *w)
{
    jw_open(w, '[');
}

void jw_array_end(struct jsonw *w)
{
    jw_close(w, ']');
}

void jw_key(struct jsonw *w, const char *key)
{
    jw_value_prefix(w);
    jcs_write_string(w->out, key, strlen(key));
    buf_putc(w->out, ':');
    w->first[w->depth] = true; /* the value that follows takes no comma */
}

void jw_string_len(struct jsonw *w, const char *s, size_t len)
{
    jw_value_prefix(w);
    jcs_write_string(w->out, s, len);
}

void jw_string(struct jsonw *w, const char *s)
{
    jw_string_len(w, s, strlen(s));
}

void jw_int(struct jsonw *w, int64_t v)
{
    jw_value_prefix(w);
    buf_printf(w->out, "%" PRId64, v);
}

void jw_bool(struct jsonw *w, bool v)
{
    jw_value_prefix(w);
    buf_puts(w->out, v ? "true" : "false");
}

void jw_null(struct jsonw *w)
{
    jw_value_prefix(w);
    buf_puts(w->out, "null");
}

void jw_raw(struct jsonw *w, const char *json, size_t len)
{
    jw_value_prefix(w);
    buf_append(w->out, json, len);
}
