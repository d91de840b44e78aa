/* SPDX-License-Identifier: Apache-2.0 */
/* The log as C2SP tlog-tiles resources: hash tiles and entry bundles, read from the stored tiles
 * (log_tiles) and re-derived from the stored records with the sequencer's own code
 * (item_row_record + item_record_write, dataset_record_write, model_record_write), so a bundle's
 * entries are exactly the bytes whose leaf hashes the level-0 tiles hold. Served by
 * GET <--tiles-prefix>tile/... (http/tlog.c) and by static publishing.
 *
 * Which resources exist (tlog-tiles "Partial Tiles"): the tile (L, N) of width W < 256 exists
 * when a stored checkpoint's tree size s has floor(s / 256^L) = 256 N + W, the full one (W 256)
 * when one has floor(s / 256^L) >= 256 (N + 1). The stored tiles only grow, so a partial one is a
 * prefix of the stored tile. */
#ifndef PROVD_REGISTRY_LOGREAD_H
#define PROVD_REGISTRY_LOGREAD_H

#include <stdbool.h>
#include <stdint.h>

#include "core/problem.h"
#include "registry/registry.h"
#include "util/buf.h"

/* The bytes of hash tile (level, index) of width 1..256 (256 = full: 8,192 bytes), as tlog-tiles
 * serves it, appended to out. False with problem tile-not-found (404) when the log has no such
 * tile: a partial tile exists only when some stored checkpoint's tree size makes that tile
 * exactly that wide; a full tile when the tree is at least that big and a checkpoint covers
 * it. */
bool registry_log_tile(struct registry *reg, unsigned level, uint64_t index, unsigned width,
                       struct buf *out, struct problem *p) __attribute__((warn_unused_result));
/* The entry bundle (index, width): each logged record's exact leaf data (the bytes hashed with
 * the 0x00 prefix), each as a big-endian uint16 length then the bytes (C2SP tlog-tiles),
 * appended to out. Same existence rule as the level-0 tile (index, width). A record longer than
 * 65,535 bytes cannot be put in a bundle: PROBLEM_INTERNAL (500) naming its index. */
bool registry_log_bundle(struct registry *reg, uint64_t index, unsigned width, struct buf *out,
                         struct problem *p) __attribute__((warn_unused_result));

#endif
