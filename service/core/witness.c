/* SPDX-License-Identifier: Apache-2.0 */
#include "core/witness.h"

#include <stdlib.h>
#include <string.h>

void witness_gauges_free(struct witness_gauges *g)
{
    free(g->w);
    free(g->f);
    rows_owner_release(&g->owner);
    rows_owner_release(&g->owner_f);
    memset(g, 0, sizeof *g);
}
