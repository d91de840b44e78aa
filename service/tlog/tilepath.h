/* SPDX-License-Identifier: Apache-2.0 */
/* C2SP tlog-tiles resource paths, relative to the log's prefix:
 *
 *   tile/<L>/<N>[.p/<W>]        a hash tile: level L (decimal 0..63), index N
 *   tile/entries/<N>[.p/<W>]    an entry bundle
 *
 * N is written in zero-padded 3-digit path elements, all but the last prefixed with 'x'
 * (1234067 is x001/x234/067, 5 is 005); W, the width of a partial tile, is decimal 1..255. Only
 * the canonical spelling parses: no leading zeros (in L, W or a leading 000 element of N), no
 * empty or extra segments, nothing after W. So a path parses exactly when tile_path_format
 * writes it back byte for byte. Pure: no I/O, no allocation. */
#ifndef PROVD_TLOG_TILEPATH_H
#define PROVD_TLOG_TILEPATH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TILE_PATH_MAX_LEVEL 63 /* the spec's range of L */
/* Longest path tile_path_format writes, NUL included: "tile/entries/", seven index elements
 * (x018/x446/x744/x073/x709/x551/615 for 2^64 - 1), ".p/255". */
#define TILE_PATH_MAX 64

struct tile_path {
    bool entries;   /* an entry bundle (level unused) rather than a hash tile */
    unsigned level; /* 0..TILE_PATH_MAX_LEVEL */
    uint64_t index;
    unsigned width; /* 1..255 for a partial tile, 256 for a full one */
};

/* Parses the len bytes at s (no NUL needed); false when they are not a canonical tile path. */
bool tile_path_parse(const char *s, size_t len, struct tile_path *out)
    __attribute__((warn_unused_result));
/* Writes t's canonical path with a NUL into out (TILE_PATH_MAX bytes); returns its length, 0
 * when t is out of range (level above 63, width 0 or above 256). */
size_t tile_path_format(const struct tile_path *t, char out[TILE_PATH_MAX]);

#endif
