/* SPDX-License-Identifier: Apache-2.0 */
#include "core/problem.h"

#include <stdarg.h>
#include <stdio.h>

#define P(code, status, slug, title) [code] = {status, "urn:provd:problem:" slug, title}

static const struct problem_info problems[PROBLEM_COUNT_] = {
    P(PROBLEM_NONE, 200, "none", "No error"),
    P(PROBLEM_INTERNAL, 500, "internal", "Internal server error"),
    P(PROBLEM_NOT_FOUND, 404, "not-found", "No such resource"),
    P(PROBLEM_METHOD_NOT_ALLOWED, 405, "method-not-allowed", "Method not allowed"),
    P(PROBLEM_MALFORMED_JSON, 400, "malformed-json", "Request body is not valid JSON"),
    P(PROBLEM_UNSUPPORTED_MEDIA_TYPE, 415, "unsupported-media-type", "Unsupported media type"),
    P(PROBLEM_BODY_TOO_LARGE, 413, "body-too-large", "Request body too large"),
    P(PROBLEM_INVALID_FIELD, 422, "invalid-field", "Invalid field"),
    P(PROBLEM_SIGNATURE_INVALID, 422, "signature-invalid", "Signature does not verify"),
    P(PROBLEM_UNAUTHORIZED, 401, "unauthorized", "Missing or invalid API key"),
    P(PROBLEM_FORBIDDEN, 403, "forbidden", "API key lacks the required scope"),
    P(PROBLEM_DB_UNAVAILABLE, 503, "database-unavailable", "Database unavailable"),
    P(PROBLEM_INVALID_PARAMETER, 400, "invalid-parameter", "Invalid query or path parameter"),
    P(PROBLEM_ITEM_NOT_FOUND, 404, "item-not-found", "No such item"),
    P(PROBLEM_PROVENANCE_NOT_FOUND, 404, "provenance-not-found",
      "No registration for this content hash"),
    P(PROBLEM_NOT_READY, 503, "not-ready", "Service not ready"),
    P(PROBLEM_CORS_REJECTED, 403, "cors-origin-rejected", "Origin not allowed"),
    P(PROBLEM_LOG_EMPTY, 404, "log-empty", "The log has no checkpoint yet"),
    P(PROBLEM_SIGNER_EXISTS, 409, "signer-exists", "Signer already known"),
    P(PROBLEM_SIGNER_NOT_FOUND, 404, "signer-not-found", "No such signer"),
    P(PROBLEM_SIGNER_REVOKED, 422, "signer-revoked", "Signer revoked"),
    P(PROBLEM_SIGNER_UNKNOWN, 403, "signer-unknown", "Signer not known"),
    P(PROBLEM_ANCHOR_NOT_FOUND, 404, "anchor-not-found", "No such anchor"),
    P(PROBLEM_DATASET_NOT_FOUND, 404, "dataset-not-found", "No such dataset"),
    P(PROBLEM_DATASET_SEALED, 409, "dataset-sealed", "Dataset is sealed"),
    P(PROBLEM_DATASET_MISMATCH, 409, "dataset-mismatch",
      "Stated members differ from the dataset's"),
    P(PROBLEM_NOT_A_MEMBER, 404, "not-a-member", "Content hash is not a member"),
    P(PROBLEM_DATASET_OPEN, 409, "dataset-open", "Dataset is not sealed"),
    P(PROBLEM_DATASET_EMPTY, 409, "dataset-empty", "Dataset has no members"),
    P(PROBLEM_DATASET_FORBIDDEN, 403, "dataset-forbidden", "Dataset belongs to another API key"),
    P(PROBLEM_MODEL_NOT_FOUND, 404, "model-not-found", "No such model"),
    P(PROBLEM_MODEL_DATASET, 422, "model-dataset-invalid",
      "A named dataset is unknown, open or has another root"),
    P(PROBLEM_ATTESTATION_UNAVAILABLE, 503, "attestation-unavailable",
      "This server cannot sign attestations"),
    P(PROBLEM_SERVER_BUSY, 503, "server-busy", "Server busy"),
    P(PROBLEM_REQUEST_TIMEOUT, 408, "request-timeout", "Request not received in time"),
    P(PROBLEM_RATE_LIMITED, 429, "rate-limited", "Too many requests"),
    P(PROBLEM_TILE_NOT_FOUND, 404, "tile-not-found", "No such tile"),
};

const struct problem_info *problem_info(enum problem_code code)
{
    if ((int)code < 0 || code >= PROBLEM_COUNT_)
        code = PROBLEM_INTERNAL;
    return &problems[code];
}

bool problem_set(struct problem *p, enum problem_code code, const char *field, const char *fmt, ...)
{
    va_list ap;
    p->code = code;
    snprintf(p->field, sizeof p->field, "%s", field ? field : "");
    va_start(ap, fmt);
    vsnprintf(p->detail, sizeof p->detail, fmt, ap);
    va_end(ap);
    return false;
}
