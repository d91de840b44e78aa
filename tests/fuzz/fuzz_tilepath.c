/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: tlog-tiles paths, as GET <prefix>tile/... takes them from any client. A path
 * that parses is canonical: formatting it back gives the same bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tlog/tilepath.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct tile_path t;
    if (!tile_path_parse((const char *)data, size, &t))
        return 0;
    char back[TILE_PATH_MAX];
    size_t n = tile_path_format(&t, back);
    if (n != size || memcmp(back, data, size) != 0)
        abort();
    return 0;
}
