/* SPDX-License-Identifier: Apache-2.0 */
#include "http/cors.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/validate.h"

static bool add_origin(struct cors_policy *p, const char *s, size_t len, char *err,
                       unsigned err_len)
{
    while (len && s[0] == ' ')
        s++, len--;
    while (len && s[len - 1] == ' ')
        len--;
    if (len == 1 && s[0] == '*') {
        p->any = true;
        return true;
    }
    char *o = strndup(s, len);
    /* An origin is scheme://host[:port] with no path. */
    if (!o || !valid_http_url(o) || strchr(strstr(o, "://") + 3, '/')) {
        snprintf(err, err_len, "--cors-origins: '%.*s' is not an origin like https://host[:port]",
                 (int)len, s);
        free(o);
        return false;
    }
    char **grown = realloc(p->origins, (size_t)(p->n_origins + 1) * sizeof *grown);
    if (!grown) {
        free(o);
        snprintf(err, err_len, "out of memory");
        return false;
    }
    p->origins = grown;
    p->origins[p->n_origins++] = o;
    return true;
}

bool cors_policy_parse(struct cors_policy *p, const char *list, char *err, unsigned err_len)
{
    memset(p, 0, sizeof *p);
    for (const char *s = list; s && *s;) {
        size_t len = strcspn(s, ",");
        if (!add_origin(p, s, len, err, err_len)) {
            cors_policy_free(p);
            return false;
        }
        s += len + (s[len] == ',');
    }
    return true;
}

void cors_policy_free(struct cors_policy *p)
{
    for (int i = 0; i < p->n_origins; i++)
        free(p->origins[i]);
    free(p->origins);
    memset(p, 0, sizeof *p);
}

bool cors_policy_enabled(const struct cors_policy *p)
{
    return p->any || p->n_origins > 0;
}

bool cors_origin_allowed(const struct cors_policy *p, const char *origin)
{
    if (!origin)
        return false;
    if (p->any)
        return true;
    for (int i = 0; i < p->n_origins; i++)
        if (!strcmp(p->origins[i], origin))
            return true;
    return false;
}
