/* SPDX-License-Identifier: Apache-2.0 */
/* The service's error registry: every failure a client can see has one code here, with its HTTP
 * status, a stable problem `type` (RFC 9457) and a title. Never renumber or reuse a code. */
#ifndef PROVD_CORE_PROBLEM_H
#define PROVD_CORE_PROBLEM_H

#include <stdbool.h>

enum problem_code {
    PROBLEM_NONE = 0,
    PROBLEM_INTERNAL = 1,
    PROBLEM_NOT_FOUND = 2,
    PROBLEM_METHOD_NOT_ALLOWED = 3,
    PROBLEM_MALFORMED_JSON = 4,
    PROBLEM_UNSUPPORTED_MEDIA_TYPE = 5,
    PROBLEM_BODY_TOO_LARGE = 6,
    PROBLEM_INVALID_FIELD = 7,
    PROBLEM_SIGNATURE_INVALID = 8,
    PROBLEM_UNAUTHORIZED = 9,
    PROBLEM_FORBIDDEN = 10,
    PROBLEM_DB_UNAVAILABLE = 11,
    PROBLEM_INVALID_PARAMETER = 12,
    PROBLEM_ITEM_NOT_FOUND = 13,
    PROBLEM_PROVENANCE_NOT_FOUND = 14,
    PROBLEM_NOT_READY = 15,
    PROBLEM_CORS_REJECTED = 16,
    PROBLEM_LOG_EMPTY = 17,
    PROBLEM_SIGNER_EXISTS = 18,
    PROBLEM_SIGNER_NOT_FOUND = 19,
    PROBLEM_SIGNER_REVOKED = 20,
    PROBLEM_SIGNER_UNKNOWN = 21,
    PROBLEM_ANCHOR_NOT_FOUND = 22,
    PROBLEM_DATASET_NOT_FOUND = 23,
    PROBLEM_DATASET_SEALED = 24,
    PROBLEM_DATASET_MISMATCH = 25,
    PROBLEM_NOT_A_MEMBER = 26,
    PROBLEM_DATASET_OPEN = 27,
    PROBLEM_DATASET_EMPTY = 28,
    PROBLEM_DATASET_FORBIDDEN = 29,
    PROBLEM_MODEL_NOT_FOUND = 30,
    PROBLEM_MODEL_DATASET = 31,
    PROBLEM_ATTESTATION_UNAVAILABLE = 32,
    PROBLEM_SERVER_BUSY = 33,     /* bodies or replies held at once would pass --max-buffered */
    PROBLEM_REQUEST_TIMEOUT = 34, /* the request did not arrive within --request-timeout */
    PROBLEM_RATE_LIMITED = 35,    /* past --rate-limit-ip or --rate-limit-key */
    PROBLEM_TILE_NOT_FOUND = 36,  /* no such tlog-tiles tile, entry bundle or path */
    PROBLEM_COUNT_
};

struct problem_info {
    unsigned status;
    const char *type; /* stable URI, part of the API */
    const char *title;
};

/* A failure as the domain reports it: adapters turn it into a reply (HTTP) or a message (CLI). */
struct problem {
    enum problem_code code; /* PROBLEM_NONE: no failure */
    char field[64];         /* JSON path or parameter at fault, "" for the whole request */
    char detail[256];       /* for people; "" lets the adapter say it (e.g. a request id) */
};

/* Sets p (field may be NULL) and returns false, so that a check can end with
 * `return problem_set(...)`. */
bool problem_set(struct problem *p, enum problem_code code, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Static entry for code (PROBLEM_INTERNAL's for unknown codes). */
const struct problem_info *problem_info(enum problem_code code);

#endif
