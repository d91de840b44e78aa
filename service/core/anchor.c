/* SPDX-License-Identifier: Apache-2.0 */
#include "core/anchor.h"

#include <stdlib.h>
#include <string.h>

static const char *const status_names[] = {"pending", "submitted", "mined", "confirmed"};

const char *anchor_status_name(enum anchor_status s)
{
    return status_names[s];
}

bool anchor_status_parse(const char *s, enum anchor_status *out)
{
    for (int i = 0; i < 4; i++)
        if (!strcmp(s, status_names[i])) {
            *out = (enum anchor_status)i;
            return true;
        }
    return false;
}

bool anchor_add_attempt(struct anchor *a, struct anchor_attempt *at)
{
    struct anchor_attempt *list = realloc(a->attempts, (a->n_attempts + 1) * sizeof *list);
    if (!list)
        return false;
    a->attempts = list;
    list[a->n_attempts++] = *at;
    memset(at, 0, sizeof *at);
    return true;
}

void anchor_free(struct anchor *a)
{
    for (size_t i = 0; i < a->n_attempts; i++)
        buf_free(&a->attempts[i].raw);
    free(a->attempts);
    buf_free(&a->calldata);
    memset(a, 0, sizeof *a);
}

void anchor_rows_free(struct anchor_rows *r)
{
    free(r->v);
    rows_owner_release(&r->owner);
    r->v = NULL;
    r->n = 0;
}
