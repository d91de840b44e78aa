/* SPDX-License-Identifier: Apache-2.0 */
/* Local files for the CLI: streaming SHA-256 of files of any size, a directory's files in a
 * stable order, and a progress bar on a terminal. Used by provd dataset (--dir) and provd model
 * digest. */
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
/* As dir_files, but a symbolic link or special file under dir is an error that names it, and
 * the top-level entries named in skip_top (NULL-terminated; NULL for none) are left out without
 * being looked at, with everything under them. */
bool dir_files_strict(const char *dir, const char *const *skip_top, struct path_list *out,
                      char *err, size_t err_len) __attribute__((warn_unused_result));
/* Appends path (taking it: it is freed if that fails) of a file of size bytes. */
bool path_list_push(struct path_list *l, char *path, uint64_t size)
    __attribute__((warn_unused_result));
void path_list_free(struct path_list *l);

#endif
