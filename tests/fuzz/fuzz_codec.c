/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: base64/hex decoders, the query-parameter validators, list cursors and the
 * log escaping, and the event feed's Last-Event-ID and types= parsers. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/codec.h"
#include "util/diag.h"
#include "util/validate.h"
#include "core/event.h"
#include "http/server.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The escaped form of any bytes is UTF-8 without control characters. */
static void check_escape(const char *s, size_t size)
{
    size_t cap = 4 * size + 1;
    char *out = malloc(cap);
    if (!out)
        return;
    size_t n = diag_escape(out, cap, s, size);
    if (!valid_utf8_text(out, n))
        abort();
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f ||
            ((unsigned char)out[i] == 0xc2 && (unsigned char)out[i + 1] < 0xa0))
            abort();
    free(out);
}

/* A cursor that decodes is in range and decodes again to the same from its encoding. */
static void check_cursor(const char *s)
{
    int64_t us, id, us2, id2;
    char enc[64];
    if (!http_cursor_decode(s, &us, &id))
        return;
    if (us < UNIX_US_MIN || us > UNIX_US_MAX || id < 1)
        abort();
    http_cursor_encode(us, id, enc);
    if (!http_cursor_decode(enc, &us2, &id2) || us2 != us || id2 != id)
        abort();
}

/* An event id that parses formats back to exactly its text; a types list is a subset. */
static void check_event(const char *s)
{
    struct event_pos p;
    char text[EVENT_POS_MAX];
    if (event_pos_parse(s, &p)) {
        event_pos_format(&p, text);
        if (strcmp(text, s) != 0 || p.item < 0 || p.tree_size < 0 || p.anchor < 0)
            abort();
    }
    unsigned mask;
    if (event_types_parse(s, &mask) && (mask == 0 || (mask & ~EVENT_TYPES_ALL)))
        abort();
}

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
    (void)valid_utf8_text((const char *)data, size);
    check_escape((const char *)data, size);
    char *s = strndup((const char *)data, size);
    if (s) {
        int64_t us;
        (void)valid_http_url(s);
        (void)valid_rfc3339(s, &us);
        (void)valid_spdx_expression(s);
        check_cursor(s);
        check_event(s);
        free(s);
    }
    return 0;
}
