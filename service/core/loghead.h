/* The transparency log's state as stored: its identity and its latest checkpoint. */
#ifndef PROVD_CORE_LOGHEAD_H
#define PROVD_CORE_LOGHEAD_H

#include <stdint.h>

#include "util/rows.h"

/* Strings borrowed from owner. */
struct log_head {
    const char *origin, *vkey; /* NULL when no sequencer ever set the log up */
    uint64_t tree_size;
    const char *root_hex; /* the latest checkpoint's root, NULL while the log is empty */
    const char *note;     /* the latest signed checkpoint, NULL while the log is empty */
    struct rows_owner owner;
};

/* Releases the head's strings. */
void log_head_free(struct log_head *h);

#endif
