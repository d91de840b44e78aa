/* SPDX-License-Identifier: Apache-2.0 */
#include "core/apikey.h"

#include <stdlib.h>

void apikey_rows_free(struct apikey_rows *r)
{
    free(r->v);
    rows_owner_release(&r->owner);
    r->v = NULL;
    r->n = 0;
}
