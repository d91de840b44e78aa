/* SPDX-License-Identifier: Apache-2.0 */
#include "core/signer.h"

#include <stdlib.h>

void signer_rows_free(struct signer_rows *r)
{
    free(r->v);
    rows_owner_release(&r->owner);
    r->v = NULL;
    r->n = 0;
}
