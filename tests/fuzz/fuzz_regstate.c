/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: provd register's state file parser (cmd/regstate). Whatever parses
 * formats back to lines that parse to the same entries. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/regstate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_round_trip(const struct reg_state *s)
{
    struct buf b = BUF_INIT;
    buf_puts(&b, REG_STATE_HEADER "\n");
    for (size_t i = 0; i < s->n; i++)
        reg_state_format_line(&b, s->v[i].path, s->v[i].size, s->v[i].mtime_ns, s->v[i].hash);
    struct reg_state again;
    char err[200];
    if (b.oom)
        goto out;
    if (!reg_state_parse(b.data, b.len, &again, err, sizeof err) || again.n != s->n)
        abort();
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(again.v[i].path, s->v[i].path) != 0 || again.v[i].size != s->v[i].size ||
            again.v[i].mtime_ns != s->v[i].mtime_ns ||
            memcmp(again.v[i].hash, s->v[i].hash, SHA256_LEN) != 0)
            abort();
    reg_state_free(&again);
out:
    buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct reg_state s;
    char err[200];
    if (reg_state_parse((const char *)data, size, &s, err, sizeof err)) {
        check_round_trip(&s);
        reg_state_free(&s);
    }
    struct reg_entry e;
    if (reg_state_parse_line((const char *)data, size, &e))
        free(e.path);
    return 0;
}
