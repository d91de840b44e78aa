/* SPDX-License-Identifier: Apache-2.0 */
#include "cmd/files.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define READ_BLOCK (1u << 20)

void progress_init(struct progress *p, const char *what, uint64_t total_bytes, uint64_t files)
{
    *p = (struct progress){
        .tty = isatty(STDERR_FILENO), .what = what, .total = total_bytes, .files = files};
}

static void draw(struct progress *p, bool force)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    long ms = (now.tv_sec - p->last.tv_sec) * 1000 + (now.tv_nsec - p->last.tv_nsec) / 1000000;
    if (!p->tty || (!force && ms < 100))
        return;
    p->last = now;
    double pct = p->total ? 100.0 * (double)p->done / (double)p->total : 100.0;
    fprintf(stderr, "\r%s: %5.1f%%  %" PRIu64 "/%" PRIu64 " MiB  %" PRIu64 "/%" PRIu64 " files",
            p->what, pct, p->done >> 20, p->total >> 20, p->files_done, p->files);
}

void progress_bytes(struct progress *p, uint64_t n)
{
    p->done += n;
    draw(p, false);
}

void progress_file(struct progress *p)
{
    p->files_done++;
    draw(p, false);
}

void progress_end(struct progress *p)
{
    draw(p, true);
    if (p->tty)
        fputc('\n', stderr);
}

bool file_sha256(const char *path, uint8_t out[SHA256_LEN], struct progress *p, char *err,
                 size_t err_len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    uint8_t *block = malloc(READ_BLOCK);
    struct sha256_stream s = {0};
    bool ok = fd >= 0 && block && sha256_stream_init(&s);
    ssize_t n = 0;
    while (ok && (n = read(fd, block, READ_BLOCK)) > 0) {
        ok = sha256_stream_update(&s, block, (size_t)n);
        if (p)
            progress_bytes(p, (uint64_t)n);
    }
    int saved = fd < 0 || n < 0 ? errno : 0;
    ok = ok && n == 0 && sha256_stream_final(&s, out);
    if (!ok)
        snprintf(err, err_len, "%s: %s", path, saved ? strerror(saved) : "cannot hash it");
    sha256_stream_free(&s);
    free(block);
    if (fd >= 0)
        close(fd);
    return ok;
}

bool path_list_push(struct path_list *l, char *path, uint64_t size)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 64;
        char **v = realloc(l->v, cap * sizeof *v);
        if (!v) {
            free(path);
            return false;
        }
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = path;
    l->bytes += size;
    return true;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

/* One directory walk: where it starts, what it collects and how strict it is. */
struct walk {
    const char *root;
    struct path_list *out;
    char *err;
    size_t err_len;
    bool strict;             /* symbolic links and special files are errors, not skipped */
    const char *const *skip; /* top-level names left out (NULL-terminated), or NULL */
};

static bool walk(struct walk *w, const char *rel, int depth);

static bool skipped(const struct walk *w, const char *rel, const char *name)
{
    for (const char *const *s = w->skip; s && !*rel && *s; s++)
        if (!strcmp(name, *s))
            return true;
    return false;
}

/* What a strict walk says about an entry that is neither a directory nor a regular file. */
static bool refuse(struct walk *w, const char *full, mode_t mode)
{
    snprintf(w->err, w->err_len, "%s: %s", full,
             S_ISLNK(mode)
                 ? "is a symbolic link"
                 : "is neither a regular file nor a directory (a FIFO, socket or device)");
    return false;
}

/* The entry child (relative to the root) at full: recurse into a directory, keep a file. Takes
 * child. */
static bool walk_path(struct walk *w, char *child, const char *full, int depth)
{
    struct stat st;
    bool ok = true;
    if (lstat(full, &st) != 0) {
        snprintf(w->err, w->err_len, "%s: %s", full, strerror(errno));
        ok = false;
    } else if (S_ISDIR(st.st_mode)) {
        ok = walk(w, child, depth + 1);
    } else if (S_ISREG(st.st_mode)) {
        ok = path_list_push(w->out, child, (uint64_t)st.st_size);
        child = NULL; /* the list owns it now (or freed it) */
    } else if (w->strict) {
        ok = refuse(w, full, st.st_mode);
    }
    free(child);
    return ok;
}

/* One entry of directory rel (relative to the root). */
static bool walk_entry(struct walk *w, const char *rel, const char *name, int depth)
{
    if (skipped(w, rel, name))
        return true;
    size_t len = strlen(rel) + strlen(name) + 2;
    char *child = malloc(len);
    if (!child)
        return false;
    snprintf(child, len, "%s%s%s", rel, *rel ? "/" : "", name);
    size_t flen = strlen(w->root) + len + 1;
    char *full = malloc(flen);
    if (!full) {
        free(child);
        return false;
    }
    snprintf(full, flen, "%s/%s", w->root, child);
    bool ok = walk_path(w, child, full, depth);
    free(full);
    return ok;
}

static bool walk(struct walk *w, const char *rel, int depth)
{
    if (depth > 64) {
        snprintf(w->err, w->err_len, "%s/%s: directories nest deeper than 64 levels", w->root, rel);
        return false;
    }
    size_t len = strlen(w->root) + strlen(rel) + 2;
    char *dir = malloc(len);
    if (!dir)
        return false;
    snprintf(dir, len, "%s%s%s", w->root, *rel ? "/" : "", rel);
    struct dirent **names = NULL;
    int n = scandir(dir, &names, NULL, by_name);
    bool ok = n >= 0;
    if (!ok)
        snprintf(w->err, w->err_len, "%s: %s", dir, strerror(errno));
    for (int i = 0; i < n; i++) {
        const char *name = names[i]->d_name;
        if (ok && strcmp(name, ".") != 0 && strcmp(name, "..") != 0)
            ok = walk_entry(w, rel, name, depth);
        free(names[i]);
    }
    free(names);
    free(dir);
    return ok;
}

static bool walk_from(struct walk *w)
{
    memset(w->out, 0, sizeof *w->out);
    snprintf(w->err, w->err_len, "out of memory");
    if (walk(w, "", 0))
        return true;
    path_list_free(w->out);
    return false;
}

bool dir_files(const char *dir, struct path_list *out, char *err, size_t err_len)
{
    struct walk w = {.root = dir, .out = out, .err = err, .err_len = err_len};
    return walk_from(&w);
}

bool dir_files_strict(const char *dir, const char *const *skip_top, struct path_list *out,
                      char *err, size_t err_len)
{
    struct walk w = {
        .root = dir, .out = out, .err = err, .err_len = err_len, .strict = true, .skip = skip_top};
    return walk_from(&w);
}

void path_list_free(struct path_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    memset(l, 0, sizeof *l);
}
