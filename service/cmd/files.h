/* Local files for the CLI: streaming SHA-256 of files of any size, a directory's files in a
 * stable order, and a progress bar on a terminal. */
#ifndef PROVD_CMD_FILES_H
#define PROVD_CMD_FILES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "crypto/hash.h"

/* A one-line progress bar on stderr, redrawn at most ten times a second; silent unless stderr
 * is a terminal. */
struct progress {
    bool tty;
    const char *what;
    uint64_t total, done; /* bytes */
    uint64_t files, files_done;
    struct timespec last;
};

void progress_init(struct progress *p, const char *what, uint64_t total_bytes, uint64_t files);
void progress_bytes(struct progress *p, uint64_t n);
void progress_file(struct progress *p);
void progress_end(struct progress *p);

/* SHA-256 of the file's contents, read in 1 MiB blocks (p may be NULL). False with a reason in
 * err. */
bool file_sha256(const char *path, uint8_t out[SHA256_LEN], struct progress *p, char *err,
                 size_t err_len) __attribute__((warn_unused_result));

/* Regular files under a directory, as paths relative to it, depth-first with each directory's
 * entries in bytewise name order; symbolic links and special files are skipped. */
struct path_list {
    char **v;
    size_t n, cap;
    uint64_t bytes; /* their total size */
};

bool dir_files(const char *dir, struct path_list *out, char *err, size_t err_len)
    __attribute__((warn_unused_result));
void path_list_free(struct path_list *l);

#endif
