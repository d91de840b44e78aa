/* SPDX-License-Identifier: Apache-2.0 */
/* Streaming JSON writer for responses: appends to a caller-owned struct buf and inserts the
 * commas. Strings are escaped as in JCS; jw_raw embeds already-serialised JSON (e.g. stored
 * canonical metadata) without re-parsing it. */
#ifndef PROVD_UTIL_JSONW_H
#define PROVD_UTIL_JSONW_H

#include <stdbool.h>
#include <stdint.h>

#include "util/buf.h"

#define JSONW_MAX_DEPTH 16

struct jsonw {
    struct buf *out;
    int depth;
    bool first[JSONW_MAX_DEPTH];
};

/* Where the writer stands: jw_rewind takes back everything written after jw_mark (at the same
 * depth), e.g. a row that turned out not to fit a reply. */
struct jw_mark {
    size_t len;
    int depth;
    bool first;
};

void jw_init(struct jsonw *w, struct buf *out);
struct jw_mark jw_mark(const struct jsonw *w);
void jw_rewind(struct jsonw *w, struct jw_mark m);
void jw_object_begin(struct jsonw *w);
void jw_object_end(struct jsonw *w);
void jw_array_begin(struct jsonw *w);
void jw_array_end(struct jsonw *w);
/* Member name; the next value call writes its value. */
void jw_key(struct jsonw *w, const char *key);
void jw_string(struct jsonw *w, const char *s);
void jw_string_len(struct jsonw *w, const char *s, size_t len);
void jw_int(struct jsonw *w, int64_t v);
void jw_bool(struct jsonw *w, bool v);
void jw_null(struct jsonw *w);
void jw_raw(struct jsonw *w, const char *json, size_t len);

#endif
