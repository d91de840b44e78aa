/* SPDX-License-Identifier: Apache-2.0 */
#include "core/loghead.h"

#include <string.h>

void log_head_free(struct log_head *h)
{
    rows_owner_release(&h->owner);
    memset(h, 0, sizeof *h);
}

struct log_context_span log_context_span_of(int64_t tag, uint64_t e, uint64_t lo_anchor,
                                            bool has_anchor, uint64_t anchor_size,
                                            uint64_t cosigned_size)
{
    struct log_context_span s = {tag, lo_anchor, has_anchor ? anchor_size : UINT64_MAX};
    if (cosigned_size < (has_anchor ? anchor_size : 0))
        return s; /* the cosigned checkpoint does not reach the anchor: the latest for all */
    if (e < cosigned_size)
        s.hi = cosigned_size < s.hi ? cosigned_size : s.hi;
    else
        s.lo = cosigned_size > s.lo ? cosigned_size : s.lo;
    return s;
}
