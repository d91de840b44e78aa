/* SPDX-License-Identifier: Apache-2.0 */
/* provd register's metadata for one file: the --metadata-file object, then the file's size and
 * modification time, then the flags (--license, --author and the source URL), later ones
 * replacing earlier members of the same name. Pure, for unit tests. */
#ifndef PROVD_CMD_REGMETA_H
#define PROVD_CMD_REGMETA_H

#include <jansson.h>
#include <stdint.h>

struct reg_meta_flags {
    const char *license;    /* NULL: none */
    const char *author;     /* NULL: none */
    const char *source_url; /* NULL: none */
};

/* A new metadata object (the caller owns it): a copy of base (borrowed; NULL for none; numbers
 * in it must be reals, as JCS needs), "size" (a number), "modified_at" (RFC 3339, UTC, whole
 * seconds, from mtime_s) and the flags given. NULL when out of memory. */
json_t *reg_metadata_build(const json_t *base, const struct reg_meta_flags *f, uint64_t size,
                           int64_t mtime_s);

/* prefix followed by rel (a relative path) with every byte but A-Z a-z 0-9 - . _ ~ / written as
 * %XX: the source URL of a file under a directory given with --source-url-prefix. Caller frees;
 * NULL when out of memory. */
char *reg_source_url(const char *prefix, const char *rel);

#endif
