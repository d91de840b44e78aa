/* SPDX-License-Identifier: Apache-2.0 */
/* GET /v1/anchors and /v1/anchors/{id}; the anchor object receipts embed. */
#ifndef PROVD_HTTP_ANCHORS_H
#define PROVD_HTTP_ANCHORS_H

#include "core/anchor.h"
#include "util/jsonw.h"

/* Writes a as the API's anchor object, leaving it open so that the caller can add members
 * before jw_object_end. */
void write_anchor_members(struct jsonw *w, const struct anchor_row *a);

#endif
