/* SPDX-License-Identifier: Apache-2.0 */
/* CORS for browser frontends: which origins may call the API (--cors-origins). */
#ifndef PROVD_HTTP_CORS_H
#define PROVD_HTTP_CORS_H

#include <stdbool.h>

struct cors_policy {
    bool any;       /* "*" */
    char **origins; /* owned, exact origins such as https://app.example.org */
    int n_origins;
};

/* Parses a comma-separated list (NULL or "" allows none). False on a malformed origin. */
bool cors_policy_parse(struct cors_policy *p, const char *list, char *err, unsigned err_len)
    __attribute__((warn_unused_result));
void cors_policy_free(struct cors_policy *p);
/* Some origin is allowed (--cors-origins given). */
bool cors_policy_enabled(const struct cors_policy *p);
bool cors_origin_allowed(const struct cors_policy *p, const char *origin);

#endif
