/* SPDX-License-Identifier: Apache-2.0 */
/* Replies that list rows (lists, provenance lookups), built within the reply budget
 * (--max-reply, http_options.max_reply).
 *
 * DESIGN: a row is written, then taken back (jw_rewind) when the reply would pass the budget
 * with what must still follow it (the caller's reserve): the page is full, nothing more is added,
 * and the caller ends its list with next_cursor (lists) or truncated (lookups), so that paging
 * still reaches every row. A list keeps its first row whatever its size, so paging advances. The
 * statements fetch no more than a reply can take (db/exec.h DB_PAGE), so a request holds at
 * most about one budget of rows and one of reply while its handler runs; the reply then waits
 * to be sent within the budget of bytes held for connections (page_reply), so that slow readers
 * cannot pile replies up. Replies are built whole, not streamed: the cap is what bounds them. */
#ifndef PROVD_HTTP_PAGE_H
#define PROVD_HTTP_PAGE_H

#include <stdbool.h>
#include <stddef.h>

#include "http/server.h"
#include "util/buf.h"
#include "util/jsonw.h"

#define PAGE_CURSOR_MAX 256 /* bytes of a list's next_cursor, NUL included */

struct page {
    struct buf body; /* the reply; owned until page_reply (or page_free) */
    struct jsonw w;  /* writes body */
    size_t max;      /* the budget, bytes */
    bool full;       /* a row did not fit: add no more */
    struct jw_mark mark;
};

void page_init(struct page *pg, size_t max);
void page_free(struct page *pg);
/* Before writing a row on pg->w: false when the page is full (then write nothing). */
bool page_row_begin(struct page *pg);
/* After writing it: true when it stays, i.e. the reply with reserve more bytes is within the
 * budget, or keep; otherwise the row is taken back, the page is full and false returned. */
bool page_row_end(struct page *pg, size_t reserve, bool keep);
/* Sends the page as application/json with status (the body is taken over). Until it is sent,
 * the reply counts in the budget of bytes held for connections (--max-buffered, struct conns,
 * with the request bodies): when that has no room for it, 503 server-busy instead. */
enum MHD_Result page_reply(struct http_request *req, struct page *pg, unsigned status);

/* A list reply {"<key>": [rows…], "next_cursor": <cursor after the last row shown> | null}. */
struct page_list {
    const char *key;  /* the array's name */
    const void *rows; /* borrowed */
    size_t n;         /* rows fetched: up to limit + 1, the one more telling there are more */
    size_t limit;     /* rows asked for */
    void (*write)(struct jsonw *w, const void *rows, size_t i);
    /* The cursor of the page that follows row i. */
    void (*cursor)(const void *rows, size_t i, char out[PAGE_CURSOR_MAX]);
};

/* Sends l as one page of at most limit rows within the budget (200). */
enum MHD_Result page_reply_list(struct http_request *req, const struct page_list *l);

#endif
