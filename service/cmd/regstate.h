/* SPDX-License-Identifier: Apache-2.0 */
/* provd register's state file (--state): which files are registered already, so that a rerun
 * skips them without hashing them again. Text, one line per registered file after a header:
 *
 *   provd-register-state v1
 *   SIZE MTIME_NS sha256:HEX PATH
 *
 * SIZE and MTIME_NS are decimal (the file's size and modification time in nanoseconds since the
 * epoch when it was hashed), PATH is the path as walked with every byte below '!', above '~' and
 * '%' itself written as %XX. Lines are only appended; a later line for a path wins. Parsing is
 * pure (no I/O), so it is unit-tested and fuzzed. */
#ifndef PROVD_CMD_REGSTATE_H
#define PROVD_CMD_REGSTATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"
#include "crypto/hash.h"

#define REG_STATE_HEADER   "provd-register-state v1"
#define REG_STATE_PATH_MAX 4096 /* bytes of a decoded path */

struct reg_entry {
    char *path; /* decoded, owned */
    uint64_t size;
    int64_t mtime_ns;
    uint8_t hash[SHA256_LEN];
    size_t line; /* 1-based line number: a later line wins */
};

/* Entries sorted by path, one per path (the last line's). */
struct reg_state {
    struct reg_entry *v; /* owned */
    size_t n, cap;
};

/* Parses one line (without its '\n') into out (out->path owned by the caller). False when it is
 * not a well-formed entry. */
bool reg_state_parse_line(const char *line, size_t len, struct reg_entry *out)
    __attribute__((warn_unused_result));
/* Parses a whole state file's text: the header, then entries, each ending in '\n' (an empty
 * text is an empty state). False, with the reason and line number in err, on anything else;
 * out is empty then. */
bool reg_state_parse(const char *text, size_t len, struct reg_state *out, char *err, size_t err_len)
    __attribute__((warn_unused_result));
/* The entry for path, or NULL. */
const struct reg_entry *reg_state_find(const struct reg_state *s, const char *path);
void reg_state_free(struct reg_state *s);

/* Appends the entry's line, with its '\n'. */
void reg_state_format_line(struct buf *out, const char *path, uint64_t size, int64_t mtime_ns,
                           const uint8_t hash[SHA256_LEN]);

#endif
