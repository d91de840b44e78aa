/* Registration helpers shared by POST /v1/items and POST /v1/items/batch. */
#ifndef PROVD_HTTP_ITEMS_H
#define PROVD_HTTP_ITEMS_H

#include <libpq-fe.h>
#include <stdbool.h>

#include "core/item.h"
#include "util/jsonw.h"
#include "db/pool.h"
#include "http/server.h"

/* Writes one registration from row of res (ITEM_COL_* columns) as the API shows it. */
void http_write_item(struct jsonw *w, PGresult *res, int row);

/* Checks the API key (or --open-registration) and the content type. On false the reply is
 * queued in *r. *require_known says whether the signer must be in the registry; *keyless
 * whether the request came without credentials. */
bool http_items_authorize(struct http_request *req, bool *require_known, bool *keyless,
                          enum MHD_Result *r) __attribute__((warn_unused_result));

/* Stores item (or finds the same registration): on DB_OK either *res holds its row (caller
 * PQclears it) or err->code says why the signer was refused and *res is NULL. */
enum db_status http_item_register(struct db_conn *conn, const struct item_request *item,
                                  bool require_known, bool keyless, PGresult **res,
                                  struct problem *err) __attribute__((warn_unused_result));

#endif
