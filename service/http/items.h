/* SPDX-License-Identifier: Apache-2.0 */
/* Registration helpers shared by the item, batch and provenance endpoints. */
#ifndef PROVD_HTTP_ITEMS_H
#define PROVD_HTTP_ITEMS_H

#include <stdbool.h>

#include "core/item.h"
#include "http/server.h"
#include "util/jsonw.h"

/* Writes one registration as the API shows it. */
void http_write_item(struct jsonw *w, const struct item_row *row);

/* Writes the "signer" ({scheme, <key field>, known, name, revoked}) and "signature" ({scheme,
 * <key field>, value}) members of a stored signature; signature_hex is the raw value in hex. */
void http_write_signature(struct jsonw *w, const char *scheme, const char *signer,
                          const char *signer_name, bool revoked, const char *signature_hex);

/* Checks the API key (or --open-registration) and the content type. On false the reply is
 * queued in *r. *keyless says whether the request came without credentials (its signer must
 * then be known). */
bool http_items_authorize(struct http_request *req, bool *keyless, enum MHD_Result *r)
    __attribute__((warn_unused_result));

#endif
