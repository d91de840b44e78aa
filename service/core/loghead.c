/* SPDX-License-Identifier: Apache-2.0 */
#include "core/loghead.h"

#include <string.h>

void log_head_free(struct log_head *h)
{
    rows_owner_release(&h->owner);
    memset(h, 0, sizeof *h);
}
