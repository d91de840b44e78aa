/* SPDX-License-Identifier: Apache-2.0 */
#include "util/keyfile.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/diag.h"

static bool open_failed(const char *path, const char *what)
{
    if (errno == ELOOP)
        diag_error("the %s %s is a symbolic link: refusing it (give the path of the file itself)",
                   what, path);
    else
        diag_error("cannot read the %s %s: %s", what, path, strerror(errno));
    return false;
}

/* A regular file only its owner may use. */
static bool private_file(int fd, const char *path, const char *what, size_t cap)
{
    struct stat st;
    if (fstat(fd, &st) != 0) {
        diag_error("cannot read the %s %s: %s", what, path, strerror(errno));
        return false;
    }
    if (!S_ISREG(st.st_mode)) {
        diag_error("the %s %s is not a regular file", what, path);
        return false;
    }
    unsigned mode = (unsigned)st.st_mode & 07777;
    if (mode & 077) {
        const char *how = mode & 044 ? "readable" : mode & 022 ? "writable" : "accessible";
        diag_error("the %s %s is %s by group or others (mode %04o): run chmod 600 %s", what, path,
                   how, mode, path);
        return false;
    }
    if (st.st_size < 0 || (size_t)st.st_size >= cap) {
        diag_error("the %s %s is too large to be a key (%lld bytes)", what, path,
                   (long long)st.st_size);
        return false;
    }
    return true;
}

/* Reads all of fd (fewer than cap bytes) into out. */
static bool read_all(int fd, const char *path, const char *what, char *out, size_t cap)
{
    size_t n = 0;
    for (;;) {
        ssize_t r = read(fd, out + n, cap - 1 - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            diag_error("cannot read the %s %s: %s", what, path, strerror(errno));
            return false;
        }
        n += (size_t)r;
        if (r == 0 || n == cap - 1)
            break;
    }
    out[n] = '\0';
    char extra;
    if (n == cap - 1 && read(fd, &extra, 1) > 0) {
        diag_error("the %s %s is too large to be a key", what, path);
        return false;
    }
    return true;
}

bool keyfile_read(const char *path, const char *what, char *out, size_t cap)
{
    out[0] = '\0';
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return open_failed(path, what);
    bool ok = private_file(fd, path, what, cap) && read_all(fd, path, what, out, cap);
    close(fd);
    if (!ok)
        sodium_memzero(out, cap);
    return ok;
}

bool keyfile_write(const char *path, const char *what, const void *data, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC, 0600);
    if (fd < 0) {
        diag_error("cannot create the %s %s: %s%s", what, path, strerror(errno),
                   errno == EEXIST ? " (refusing to overwrite it)" : "");
        return false;
    }
    const char *p = data;
    size_t done = 0;
    bool ok = fchmod(fd, 0600) == 0;
    while (ok && done < len) {
        ssize_t n = write(fd, p + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        ok = n > 0;
        done += ok ? (size_t)n : 0;
    }
    ok = ok && fsync(fd) == 0;
    if (!ok) {
        diag_error("cannot write the %s %s: %s", what, path, strerror(errno));
        unlink(path);
    }
    close(fd);
    return ok;
}
