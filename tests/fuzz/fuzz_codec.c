/* libFuzzer target: base64/hex decoders and the query-parameter validators. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/codec.h"
#include "util/validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t out[256];
    size_t n;
    if (base64_decode((const char *)data, size, out, sizeof out, &n)) {
        char enc[400];
        base64url_encode(out, n, enc);
        uint8_t again[256];
        size_t m;
        if (!base64_decode(enc, strlen(enc), again, sizeof again, &m) || m != n ||
            memcmp(again, out, n) != 0)
            abort(); /* decode(encode(x)) must be x */
    }
    (void)hex_decode((const char *)data, size, out, size / 2 < sizeof out ? size / 2 : 0, false);
    char *s = strndup((const char *)data, size);
    if (s) {
        int64_t us;
        (void)valid_http_url(s);
        (void)valid_rfc3339(s, &us);
        (void)valid_spdx_expression(s);
        free(s);
    }
    return 0;
}
