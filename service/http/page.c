/* SPDX-License-Identifier: Apache-2.0 */
#include "http/page.h"

#include "http/reply.h"

/* What follows a list's rows at most: "],"next_cursor":"<cursor>"}". */
#define LIST_TAIL_MAX (PAGE_CURSOR_MAX + 32)

void page_init(struct page *pg, size_t max)
{
    pg->body = (struct buf)BUF_INIT;
    jw_init(&pg->w, &pg->body);
    pg->max = max;
    pg->full = false;
    pg->mark = jw_mark(&pg->w);
}

void page_free(struct page *pg)
{
    buf_free(&pg->body);
}

bool page_row_begin(struct page *pg)
{
    if (pg->full)
        return false;
    pg->mark = jw_mark(&pg->w);
    return true;
}

bool page_row_end(struct page *pg, size_t reserve, bool keep)
{
    if (keep || (pg->body.len <= pg->max && reserve <= pg->max - pg->body.len))
        return true;
    jw_rewind(&pg->w, pg->mark);
    pg->full = true;
    return false;
}

enum MHD_Result page_reply(struct http_request *req, struct page *pg, unsigned status)
{
    buf_shrink(&pg->body);
    if (!conns_take(&req->srv->conns, pg->body.cap)) {
        page_free(pg);
        return reply_problem(req, PROBLEM_SERVER_BUSY, NULL,
                             "the replies being sent fill the server's memory budget "
                             "(--max-buffered); retry shortly");
    }
    req->held += pg->body.cap; /* given back when the request completes, i.e. the reply is sent */
    return reply_json(req, status, &pg->body);
}

enum MHD_Result page_reply_list(struct http_request *req, const struct page_list *l)
{
    struct page pg;
    page_init(&pg, req->srv->opt.max_reply);
    jw_object_begin(&pg.w);
    jw_key(&pg.w, l->key);
    jw_array_begin(&pg.w);
    size_t shown = 0;
    for (; shown < l->n && shown < l->limit && page_row_begin(&pg); shown++) {
        l->write(&pg.w, l->rows, shown);
        if (!page_row_end(&pg, LIST_TAIL_MAX, shown == 0))
            break;
    }
    jw_array_end(&pg.w);
    jw_key(&pg.w, "next_cursor");
    if (shown < l->n) { /* cut by the limit or the budget; shown > 0: the first row stays */
        char cursor[PAGE_CURSOR_MAX];
        l->cursor(l->rows, shown - 1, cursor);
        jw_string(&pg.w, cursor);
    } else {
        jw_null(&pg.w);
    }
    jw_object_end(&pg.w);
    return page_reply(req, &pg, MHD_HTTP_OK);
}
