/* SPDX-License-Identifier: Apache-2.0 */
/* The explorer's static assets, compiled into the binary (cmake/embed_assets.cmake writes the
 * table from service/http/explorer/). */
#ifndef PROVD_HTTP_EXPLORER_H
#define PROVD_HTTP_EXPLORER_H

#include <stddef.h>

struct explorer_asset {
    const char *name; /* as served: index.html, else NAME.BUILD.EXT */
    const char *content_type;
    const char *data;
    size_t len;
};

extern const char explorer_build[]; /* 12 hex digits over every asset's name and bytes */
extern const struct explorer_asset explorer_assets[];
extern const size_t explorer_assets_count;

/* The asset served under name, NULL for none. */
const struct explorer_asset *explorer_find(const char *name);

#endif
