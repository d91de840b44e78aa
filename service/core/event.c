/* SPDX-License-Identifier: Apache-2.0 */
#include "core/event.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/codec.h"

static const char *const type_names[EVENT_TYPES_] = {"registered", "logged", "anchored"};

const char *event_type_name(enum event_type t)
{
    return (unsigned)t < EVENT_TYPES_ ? type_names[t] : "unknown";
}

void event_pos_format(const struct event_pos *p, char out[EVENT_POS_MAX])
{
    snprintf(out, EVENT_POS_MAX, "%" PRId64 "-%" PRId64 "-%" PRId64, p->item, p->tree_size,
             p->anchor);
}

/* One component: digits up to the next '-' (or the end when last). */
static bool parse_part(const char **s, bool last, int64_t *out)
{
    char part[24];
    size_t n = strcspn(*s, "-");
    uint64_t v;
    if (n == 0 || n >= sizeof part || (last ? (*s)[n] != '\0' : (*s)[n] != '-'))
        return false;
    memcpy(part, *s, n);
    part[n] = '\0';
    if (!parse_u64(part, &v) || v > INT64_MAX)
        return false;
    *out = (int64_t)v;
    *s += n + !last;
    return true;
}

bool event_pos_parse(const char *s, struct event_pos *out)
{
    struct event_pos p;
    if (!s || strlen(s) >= EVENT_POS_MAX)
        return false;
    if (!parse_part(&s, false, &p.item) || !parse_part(&s, false, &p.tree_size) ||
        !parse_part(&s, true, &p.anchor))
        return false;
    *out = p;
    return true;
}

void event_pos_max(struct event_pos *a, const struct event_pos *b)
{
    if (b->item > a->item)
        a->item = b->item;
    if (b->tree_size > a->tree_size)
        a->tree_size = b->tree_size;
    if (b->anchor > a->anchor)
        a->anchor = b->anchor;
}

bool event_pos_equal(const struct event_pos *a, const struct event_pos *b)
{
    return a->item == b->item && a->tree_size == b->tree_size && a->anchor == b->anchor;
}

bool event_types_parse(const char *s, unsigned *mask)
{
    unsigned m = 0;
    if (!s || !*s)
        return false;
    for (;;) {
        size_t n = strcspn(s, ",");
        unsigned t = 0;
        while (t < EVENT_TYPES_ &&
               (strlen(type_names[t]) != n || strncmp(s, type_names[t], n) != 0))
            t++;
        if (t == EVENT_TYPES_ || (m & (1u << t)))
            return false;
        m |= 1u << t;
        if (s[n] == '\0')
            break;
        s += n + 1;
    }
    *mask = m;
    return true;
}

void event_sse_append(struct buf *out, const char *id, const char *type, const char *data,
                      size_t data_len)
{
    if (id)
        buf_printf(out, "id: %s\n", id);
    if (type)
        buf_printf(out, "event: %s\n", type);
    if (data) {
        buf_puts(out, "data: ");
        buf_append(out, data, data_len);
        buf_putc(out, '\n');
    }
    buf_putc(out, '\n');
}

void event_sse_comment(struct buf *out, const char *text)
{
    buf_printf(out, ": %s\n", text);
}

void event_checkpoints_free(struct event_checkpoints *r)
{
    free(r->v);
    rows_owner_release(&r->owner);
    r->v = NULL;
    r->n = 0;
}

void event_anchors_free(struct event_anchors *r)
{
    free(r->v);
    rows_owner_release(&r->owner);
    r->v = NULL;
    r->n = 0;
}
