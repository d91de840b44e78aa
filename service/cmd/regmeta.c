/* SPDX-License-Identifier: Apache-2.0 */
#include "cmd/regmeta.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Sets key to a new string s (unless s is NULL). */
static bool set_str(json_t *o, const char *key, const char *s)
{
    return !s || json_object_set_new(o, key, json_string(s)) == 0;
}

json_t *reg_metadata_build(const json_t *base, const struct reg_meta_flags *f, uint64_t size,
                           int64_t mtime_s)
{
    json_t *md = base ? json_deep_copy(base) : json_object();
    char when[32] = "";
    time_t t = (time_t)mtime_s;
    struct tm tm;
    if (!md || !gmtime_r(&t, &tm) || !strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm))
        goto fail;
    if (json_object_set_new(md, "size", json_real((double)size)) != 0 ||
        !set_str(md, "modified_at", when) || !set_str(md, "license", f->license) ||
        !set_str(md, "author", f->author) || !set_str(md, "source_url", f->source_url))
        goto fail;
    return md;
fail:
    json_decref(md);
    return NULL;
}

static bool unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~' || c == '/';
}

char *reg_source_url(const char *prefix, const char *rel)
{
    size_t plen = strlen(prefix), rlen = strlen(rel);
    char *out = malloc(plen + 3 * rlen + 1);
    if (!out)
        return NULL;
    memcpy(out, prefix, plen);
    char *w = out + plen;
    for (const unsigned char *p = (const unsigned char *)rel; *p; p++) {
        if (unreserved(*p)) {
            *w++ = (char)*p;
        } else {
            snprintf(w, 4, "%%%02X", *p);
            w += 3;
        }
    }
    *w = '\0';
    return out;
}
