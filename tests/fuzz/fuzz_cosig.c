/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: cosigned checkpoints (receipts read by `provd verify --witness`), witness
 * responses (signature lines from the network), cosigner vkeys and "--witness URL+VKEY". */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tlog/cosig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void lines(const struct cosig_key *k, const char *text, size_t size)
{
    const char *line;
    size_t line_len, off = 0;
    while (cosig_line_next(text, size, &off, &line, &line_len)) {
        if (line < text || line + line_len > text + size || off > size)
            abort();
        uint64_t ts = 0;
        if (cosig_line_check(k, text, size, line, line_len, &ts) == COSIG_LINE_VALID &&
            ts > COSIG_TIMESTAMP_MAX)
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct cosig_key keys[2];
    static int ready;
    if (!ready)
        ready = cosig_key_parse("witness.example/w1+c9f46989+"
                                "BDYDMT1PMrU5oHf9YwCYXxuXkBQqFGpqxa7PaEaG+6QV",
                                &keys[0]) &&
                cosig_key_parse("witness.example/w2+5af97cc0+"
                                "BJ9SR3JHJaYNb2tFPE4r87cEB15U7Cy1SzqTf80apYmD",
                                &keys[1]);
    if (!ready)
        abort(); /* the keys above are the vectors' (tests/vectors/cosignature.json) */
    const char *text = (const char *)data;
    enum cosig_line_result per[2];
    if (cosig_verify(keys, 2, text, size, per) > 2)
        abort();
    size_t body_len, sigs_off;
    if (cosig_note_split(text, size, &body_len, &sigs_off) &&
        (body_len == 0 || sigs_off != body_len + 1 || sigs_off >= size))
        abort();
    lines(&keys[0], text, size);
    char *s = strndup(text, size);
    if (s) {
        struct cosig_key k;
        char *url = NULL;
        (void)cosig_key_parse(s, &k);
        if (cosig_witness_parse(s, &url, &k) != (url != NULL))
            abort();
        free(url);
        free(s);
    }
    return 0;
}
