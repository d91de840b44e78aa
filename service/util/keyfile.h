/* SPDX-License-Identifier: Apache-2.0 */
/* Secret files: the log key, the Ethereum anchoring key, a curator's signing key. */
#ifndef PROVD_UTIL_KEYFILE_H
#define PROVD_UTIL_KEYFILE_H

#include <stdbool.h>
#include <stddef.h>

/* Reads the secret file at path into out (cap bytes, NUL-terminated). Refuses, with an error
 * naming the file (what says which, e.g. "log key file") and the fix: a symbolic link (opened
 * with O_NOFOLLOW), anything but a regular file, a file that group or others may read, write or
 * execute (chmod 600), and one of cap bytes or more. The caller wipes out (sodium_memzero) once
 * it has parsed it; on failure out is wiped here. */
bool keyfile_read(const char *path, const char *what, char *out, size_t cap)
    __attribute__((warn_unused_result));

/* Creates the secret file path (mode 0600; O_EXCL and O_NOFOLLOW: an existing file or link is
 * never overwritten or followed) holding data, synced to disk. Refuses with an error naming
 * the file (what says which); a file it created but could not write whole is removed. */
bool keyfile_write(const char *path, const char *what, const void *data, size_t len)
    __attribute__((warn_unused_result));

#endif
