/* SPDX-License-Identifier: Apache-2.0 */
/* provd model digest PATH [--files]: the OpenSSF model signing digest of a model directory or
 * of a single file, as sigstore/model-transparency computes it with its defaults (serialization
 * "files", SHA-256, no symlinks, the top-level git paths ignored):
 *
 *   - the model's regular files at any depth, each named by its relative POSIX path, leaving out
 *     the top-level .git, .gitattributes, .github and .gitignore (whole entries, only at the
 *     model root: sub/.gitignore counts); any other symlink, FIFO, socket or device is an error;
 *   - each file's SHA-256, read in blocks, in the tool's (pathlib) order, model_path_cmp;
 *   - the digest is SHA-256 over those 32-byte digests concatenated (model_digest_of_files).
 * A single-file model has one resource, named ".", so its digest is SHA-256(SHA-256(file)). A
 * model with no files is an error, as in the tool's current releases. The subject name is the
 * path's last component as pathlib gives it (or, for "." and "..", the resolved directory's). */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd/cmd.h"
#include "cmd/files.h"
#include "util/buf.h"
#include "util/codec.h"
#include "util/jsonw.h"
#include "core/item.h"
#include "core/model.h"

#define USAGE "provd model digest PATH [--files]"

/* hashing.Config's git paths, ignored by default (relative to the model root). */
static const char *const GIT_PATHS[] = {".git", ".gitattributes", ".github", ".gitignore", NULL};

/* A model's files: their names in the tool's order and, once hashed, their digests. */
struct model_files {
    struct path_list names; /* relative paths, or the single "." of a file model */
    uint8_t (*digests)[SHA256_LEN];
    bool single; /* the model is one file */
};

/* Prints "provd model: " and the message on stderr; returns false. */
static bool fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static bool fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("provd model: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return false;
}

/* Well-formed UTF-8 (no overlong forms, surrogates or code points above U+10FFFF): the tool
 * cannot put other names into its JSON statement. */
static bool utf8_valid(const char *str)
{
    static const uint32_t min[] = {0, 0x80, 0x800, 0x10000};
    const unsigned char *s = (const unsigned char *)str;
    while (*s) {
        unsigned c = *s;
        size_t n = c < 0x80 ? 0 : (c & 0xe0) == 0xc0 ? 1 : (c & 0xf0) == 0xe0 ? 2 : 3;
        if ((c >= 0x80 && c < 0xc0) || c >= 0xf8)
            return false;
        uint32_t cp = n ? c & (0x3fu >> n) : c;
        for (size_t i = 1; i <= n; i++) {
            if ((s[i] & 0xc0) != 0x80) /* also stops at the NUL */
                return false;
            cp = cp << 6 | (s[i] & 0x3fu);
        }
        if (cp < min[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        s += n + 1;
    }
    return true;
}

static int by_model_path(const void *a, const void *b)
{
    return model_path_cmp(*(char *const *)a, *(char *const *)b);
}

/* The files of directory model root, in the tool's order. */
static bool list_dir(const char *root, struct model_files *m)
{
    char err[PATH_MAX + 128];
    if (!dir_files_strict(root, GIT_PATHS, &m->names, err, sizeof err))
        return fail("%s", err);
    if (m->names.n == 0)
        return fail("%s: the model has no files (empty directories count for nothing; the "
                    "top-level .git, .gitattributes, .github and .gitignore are left out)",
                    root);
    /* The walk's order (each directory's names bytewise, depth first) already is this one; the
     * sort makes model_path_cmp the one definition of it. */
    qsort(m->names.v, m->names.n, sizeof *m->names.v, by_model_path);
    for (size_t i = 0; i < m->names.n; i++)
        if (!utf8_valid(m->names.v[i]))
            return fail("%s/%s: the name is not UTF-8, which the model signing tool refuses", root,
                        m->names.v[i]);
    return true;
}

/* The one resource of a file model, of size bytes. */
static bool list_file(uint64_t size, struct model_files *m)
{
    char *dot = strdup(".");
    m->single = true;
    if (!dot || !path_list_push(&m->names, dot, size))
        return fail("out of memory");
    return true;
}

/* The model at path: a directory or a regular file, not a symlink. */
static bool list_model(const char *path, struct model_files *m)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return fail("%s: %s", path, strerror(errno));
    if (S_ISLNK(st.st_mode))
        return fail("%s: is a symbolic link (give the model's own path)", path);
    if (S_ISDIR(st.st_mode))
        return list_dir(path, m);
    if (S_ISREG(st.st_mode))
        return list_file((uint64_t)st.st_size, m);
    return fail("%s: is neither a directory nor a regular file", path);
}

/* Hashes every file of the model at root, with a progress bar on a terminal. */
static bool hash_files(const char *root, struct model_files *m)
{
    char err[PATH_MAX + 128];
    m->digests = malloc((m->names.n ? m->names.n : 1) * sizeof *m->digests);
    if (!m->digests)
        return fail("out of memory");
    struct progress p;
    progress_init(&p, "hashing", m->names.bytes, m->names.n);
    bool ok = true;
    for (size_t i = 0; ok && i < m->names.n; i++) {
        struct buf full = BUF_INIT;
        if (m->single)
            buf_puts(&full, root);
        else
            buf_printf(&full, "%s/%s", root, m->names.v[i]);
        ok = !full.oom && file_sha256(full.data, m->digests[i], &p, err, sizeof err);
        if (!ok)
            fail("%s", full.oom ? "out of memory" : err);
        buf_free(&full);
        progress_file(&p);
    }
    progress_end(&p);
    return ok;
}

/* subject[0].name: pathlib's Path(path).name (empty and "." components dropped), or the
 * resolved path's last component when that is empty or "..". Returns a new string. */
static char *model_name(const char *path)
{
    const char *last = "";
    size_t len = 0;
    for (const char *p = path; *p;) {
        size_t n = strcspn(p, "/");
        if (n && !(n == 1 && p[0] == '.'))
            last = p, len = n;
        p += n + (p[n] == '/');
    }
    if (len && !(len == 2 && !strncmp(last, "..", 2)))
        return strndup(last, len);
    char *resolved = realpath(path, NULL);
    char *name = resolved ? strdup(strrchr(resolved, '/') + 1) : NULL;
    free(resolved);
    return name;
}

static void write_digest(struct jsonw *w, const uint8_t digest[SHA256_LEN])
{
    char text[CONTENT_HASH_STR_LEN + 1] = "sha256:";
    hex_encode(digest, SHA256_LEN, text + 7);
    jw_string(w, text);
}

/* {"name", "digest", "files": [{"path", "digest"}…]} on one line. */
static bool print_manifest(const char *path, const struct model_files *m,
                           const uint8_t digest[SHA256_LEN])
{
    char *name = model_name(path);
    if (!name)
        return fail("%s: %s", path, strerror(errno));
    if (!utf8_valid(name)) {
        free(name);
        return fail("%s: the model's name is not UTF-8", path);
    }
    struct buf out = BUF_INIT;
    struct jsonw w;
    jw_init(&w, &out);
    jw_object_begin(&w);
    jw_key(&w, "name");
    jw_string(&w, name);
    jw_key(&w, "digest");
    write_digest(&w, digest);
    jw_key(&w, "files");
    jw_array_begin(&w);
    for (size_t i = 0; i < m->names.n; i++) {
        jw_object_begin(&w);
        jw_key(&w, "path");
        jw_string(&w, m->names.v[i]);
        jw_key(&w, "digest");
        write_digest(&w, m->digests[i]);
        jw_object_end(&w);
    }
    jw_array_end(&w);
    jw_object_end(&w);
    bool ok = !out.oom;
    if (ok)
        printf("%.*s\n", (int)out.len, out.data);
    else
        fail("out of memory");
    buf_free(&out);
    free(name);
    return ok;
}

static int model_digest(const char *path, bool list_files)
{
    struct model_files m = {0};
    int rc = 1;
    if (!list_model(path, &m) || !hash_files(path, &m))
        goto out;
    uint8_t digest[SHA256_LEN];
    model_digest_of_files((const uint8_t(*)[SHA256_LEN])m.digests, m.names.n, digest);
    if (list_files) {
        if (!print_manifest(path, &m, digest))
            goto out;
    } else {
        char hex[2 * SHA256_LEN + 1];
        hex_encode(digest, SHA256_LEN, hex);
        printf("sha256:%s\n", hex);
    }
    if (fflush(stdout) != 0) {
        fail("cannot write the result: %s", strerror(errno));
        goto out;
    }
    rc = 0;
out:
    free(m.digests);
    path_list_free(&m.names);
    return rc;
}

int cmd_model(int argc, char **argv)
{
    struct config cfg;
    int rc = cmd_load_config(&cfg, CMD_MODEL, USAGE, argc, argv);
    if (rc >= 0)
        return rc;
    if (cfg.n_args == 0 || strcmp(cfg.args[0], "digest") != 0) {
        if (cfg.n_args)
            fprintf(stderr, "provd model: unknown subcommand %s\n", cfg.args[0]);
        fprintf(stderr, "usage: %s\n", USAGE);
        rc = 2;
    } else if (cfg.n_args != 2) {
        fprintf(stderr, "provd model: digest takes one PATH\nusage: %s\n", USAGE);
        rc = 2;
    } else {
        rc = model_digest(cfg.args[1], cfg.list_files);
    }
    config_free(&cfg);
    return rc;
}
