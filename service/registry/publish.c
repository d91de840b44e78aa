/* SPDX-License-Identifier: Apache-2.0 */
/* Static publishing of the log's tiles (registry/publish.h). */
#include "registry/publish.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "core/loghead.h"
#include "registry/logread.h"
#include "registry/receipts.h"
#include "tlog/tilepath.h"
#include "util/diag.h"
#include "util/sleep.h"

#define CHECKPOINT_NAME "checkpoint"
#define CHECKPOINT_MAX  (64 * 1024) /* a checkpoint with cosignatures is well below */

/* Creates the directories above the file at rel (relative to dir_fd). */
static bool make_parents(int dir_fd, const char *rel)
{
    char path[TILE_PATH_MAX + 16];
    size_t len = strlen(rel);
    if (len >= sizeof path)
        return false;
    memcpy(path, rel, len + 1);
    for (char *s = strchr(path, '/'); s; s = strchr(s + 1, '/')) {
        *s = '\0';
        if (mkdirat(dir_fd, path, 0755) != 0 && errno != EEXIST)
            return false;
        *s = '/';
    }
    return true;
}

static bool write_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        data += n;
        len -= (size_t)n;
    }
    return true;
}

/* Writes len bytes as dir/rel: to a temporary name beside it, fsync'd, renamed over it. */
static bool publish_file(struct publisher *p, const char *rel, const char *data, size_t len)
{
    char tmp[TILE_PATH_MAX + 32];
    int n = snprintf(tmp, sizeof tmp, "%s.%ld.tmp", rel, (long)getpid());
    if (n < 0 || (size_t)n >= sizeof tmp || !make_parents(p->dir_fd, rel)) {
        diag_error("--tiles-dir %s: cannot create the directories of %s: %s", p->dir, rel,
                   strerror(errno));
        return false;
    }
    bool ok = false;
    int fd = openat(p->dir_fd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0)
        goto out;
    if (!write_all(fd, data, len) || fsync(fd) != 0)
        goto out;
    if (close(fd) != 0) {
        fd = -1;
        goto out;
    }
    fd = -1;
    if (renameat(p->dir_fd, tmp, p->dir_fd, rel) != 0)
        goto out;
    p->files_written++;
    ok = true;
out:
    if (!ok) {
        diag_error("--tiles-dir %s: cannot write %s: %s", p->dir, rel, strerror(errno));
        if (fd >= 0)
            close(fd);
        (void)unlinkat(p->dir_fd, tmp, 0);
    }
    return ok;
}

/* Fetches the tile or bundle t (as of a tree it belongs to) and writes it at its path. */
static bool publish_tile(struct publisher *p, const struct tile_path *t)
{
    char rel[TILE_PATH_MAX];
    if (tile_path_format(t, rel) == 0) {
        diag_error("publisher: tile out of range (level %u, width %u)", t->level, t->width);
        return false;
    }
    struct problem prob = {0};
    buf_reset(&p->data);
    bool got = t->entries
                   ? registry_log_bundle(&p->reg, t->index, t->width, &p->data, &prob)
                   : registry_log_tile(&p->reg, t->level, t->index, t->width, &p->data, &prob);
    if (!got || p->data.oom) {
        diag_error("publisher: cannot read %s: %s", rel,
                   prob.detail[0] ? prob.detail : problem_info(prob.code)->title);
        return false;
    }
    return publish_file(p, rel, p->data.data ? p->data.data : "", p->data.len);
}

/* The tiles of one level (or the entry bundles) that changed from `from` to `to` nodes of that
 * level: the ones completed since, then the partial one of `to`. */
static bool changed_row(bool entries, unsigned level, uint64_t from, uint64_t to,
                        bool (*emit)(void *ctx, const struct tile_path *t), void *ctx)
{
    struct tile_path t = {.entries = entries, .level = level, .width = TILE_WIDTH};
    for (t.index = from / TILE_WIDTH; t.index < to / TILE_WIDTH; t.index++)
        if (!emit(ctx, &t))
            return false;
    t.width = (unsigned)(to % TILE_WIDTH);
    return t.width == 0 || emit(ctx, &t);
}

bool publish_changed(uint64_t from, uint64_t to, bool (*emit)(void *ctx, const struct tile_path *t),
                     void *ctx)
{
    if (from > to || !changed_row(true, 0, from, to, emit, ctx))
        return false;
    /* A 64-bit size has at most 8 levels of 8-bit tiles. */
    for (unsigned level = 0; level < 8; level++) {
        uint64_t nodes = to >> (8 * level);
        if (nodes == 0)
            break;
        if (!changed_row(false, level, from >> (8 * level), nodes, emit, ctx))
            return false;
    }
    return true;
}

/* Publishes t, unless the worker is stopping (a long catch-up then ends between two files). */
static bool emit_tile(void *ctx, const struct tile_path *t)
{
    struct publisher *p = ctx;
    return !(p->stop && atomic_load(p->stop)) && publish_tile(p, t);
}

/* Reads dir/checkpoint into p->data: 1 when there is one, 0 when there is none, -1 on error. */
static int read_checkpoint(struct publisher *p)
{
    int fd = openat(p->dir_fd, CHECKPOINT_NAME, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return errno == ENOENT ? 0 : -1;
    buf_reset(&p->data);
    char chunk[4096];
    int rc = 1;
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n >= 0 && p->data.len + (size_t)n > CHECKPOINT_MAX)
            errno = EFBIG;
        if (n < 0 || p->data.len + (size_t)n > CHECKPOINT_MAX) {
            rc = -1;
            break;
        }
        if (n == 0)
            break;
        buf_append(&p->data, chunk, (size_t)n);
    }
    close(fd);
    return rc == 1 && p->data.oom ? -1 : rc;
}

/* Parses the checkpoint in p->data into p->size and p->root after checking its signature. */
static bool parse_published(struct publisher *p)
{
    char err[128], origin[NOTE_NAME_MAX];
    size_t text_len = 0;
    if (!p->data.data ||
        !note_verify(&p->key, p->data.data, p->data.len, &text_len, err, sizeof err)) {
        diag_error("--tiles-dir %s: its checkpoint is not signed by this log's key (%s): the "
                   "directory holds another log's tiles",
                   p->dir, p->data.data ? err : "empty file");
        return false;
    }
    if (!checkpoint_parse(p->data.data, text_len, origin, &p->size, p->root) ||
        strcmp(origin, p->key.name) != 0) {
        diag_error("--tiles-dir %s: its checkpoint is not one of log %s", p->dir, p->key.name);
        return false;
    }
    return true;
}

bool publisher_init(struct publisher *p, const char *dir, const char *database_url,
                    const struct db_limits *l, const struct note_key *key)
{
    memset(p, 0, sizeof *p);
    p->dir_fd = -1;
    p->key = *key;
    p->limits = *l;
    p->dir = strdup(dir);
    p->database_url = strdup(database_url);
    if (!p->dir || !p->database_url) {
        diag_error("out of memory");
        goto fail;
    }
    p->dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (p->dir_fd < 0) {
        diag_error("--tiles-dir %s: %s (create the directory first)", dir, strerror(errno));
        goto fail;
    }
    int rc = read_checkpoint(p);
    if (rc < 0) {
        diag_error("--tiles-dir %s: cannot read its checkpoint: %s", dir, strerror(errno));
        goto fail;
    }
    if (rc == 1 && !parse_published(p))
        goto fail;
    p->published = rc == 1;
    if (p->published)
        diag_info("publishing to %s from its checkpoint of size %llu", dir,
                  (unsigned long long)p->size);
    else
        diag_info("publishing to %s (no checkpoint there yet)", dir);
    return true;
fail:
    publisher_free(p);
    return false;
}

void publisher_free(struct publisher *p)
{
    if (p->reg_ready)
        registry_destroy(&p->reg);
    p->reg_ready = false;
    db_pool_destroy(p->pool);
    p->pool = NULL;
    if (p->dir_fd >= 0)
        close(p->dir_fd);
    p->dir_fd = -1;
    free(p->dir);
    free(p->database_url);
    p->dir = p->database_url = NULL;
    buf_free(&p->data);
    buf_free(&p->note);
    sodium_memzero(&p->key, sizeof p->key);
}

/* Whether the published checkpoint (p->size, p->root) is a prefix of the tree (size, root). */
static bool published_is_prefix(struct publisher *p, uint64_t size, const uint8_t *root,
                                struct problem *prob)
{
    if (p->size > size)
        return false;
    if (p->size == size)
        return sodium_memcmp(p->root, root, MERKLE_HASH_LEN) == 0;
    if (p->size == 0) /* an empty proof (the API's consistency route starts at 1) */
        return merkle_verify_consistency(0, size, p->root, root, NULL, 0);
    uint8_t proof[MERKLE_MAX_PROOF][MERKLE_HASH_LEN];
    int count = 0;
    if (!registry_consistency(&p->reg, p->size, size, proof, &count, prob))
        return false;
    return merkle_verify_consistency(p->size, size, p->root, root,
                                     (const uint8_t(*)[MERKLE_HASH_LEN])proof, (size_t)count);
}

/* On the first round that sees the log: is DIR's checkpoint one of its checkpoints? */
static bool check_published(struct publisher *p, uint64_t size, const uint8_t *root)
{
    if (!p->published || p->checked)
        return true;
    struct problem prob = {0};
    if (published_is_prefix(p, size, root, &prob)) {
        p->checked = true;
        return true;
    }
    if (prob.code != PROBLEM_NONE && prob.code != PROBLEM_INVALID_PARAMETER)
        return false; /* the database failed: try again */
    diag_error("--tiles-dir %s: its checkpoint (size %llu) is not one of this log's, whose "
               "size is %llu: the directory holds another log's tiles (or this database was "
               "reset); refusing to publish",
               p->dir, (unsigned long long)p->size, (unsigned long long)size);
    p->fatal = true;
    return false;
}

/* Writes the checkpoint file (atomically) and remembers what it holds. */
static bool publish_note(struct publisher *p, const char *note)
{
    size_t len = strlen(note);
    if (!publish_file(p, CHECKPOINT_NAME, note, len))
        return false;
    if (fsync(p->dir_fd) != 0) {
        diag_error("--tiles-dir %s: fsync: %s", p->dir, strerror(errno));
        return false;
    }
    buf_reset(&p->note);
    buf_append(&p->note, note, len);
    return true;
}

/* The same checkpoint with other signature lines (a witness's cosignature arrived): rewrites
 * the file, since its tiles are all there. 1 when written, 0 when unchanged, -1 on failure. */
static int republish_note(struct publisher *p, const char *note)
{
    size_t len = strlen(note);
    if (p->note.len == len && !memcmp(p->note.data, note, len))
        return 0;
    return publish_note(p, note) ? 1 : -1;
}

/* Writes the tiles from p->size to size, syncs, then the signed checkpoint note. */
static bool publish_head(struct publisher *p, const char *note, uint64_t size, const uint8_t *root)
{
    uint64_t from = p->published ? p->size : 0;
    uint64_t before = p->files_written;
    if (!publish_changed(from, size, emit_tile, p))
        return false;
    if (syncfs(p->dir_fd) != 0) {
        diag_error("--tiles-dir %s: syncfs: %s", p->dir, strerror(errno));
        return false;
    }
    if (!publish_note(p, note))
        return false;
    p->published = p->checked = true;
    p->size = size;
    memcpy(p->root, root, MERKLE_HASH_LEN);
    diag_msg(DIAG_DEBUG, NULL, "published the checkpoint of size %llu to %s (%llu files)",
             (unsigned long long)size, p->dir, (unsigned long long)(p->files_written - before));
    return true;
}

/* The size and root of the log's signed checkpoint note (checked against the key). */
static bool head_tree(struct publisher *p, const char *note, uint64_t *size, uint8_t *root)
{
    char err[128], origin[NOTE_NAME_MAX];
    size_t text_len = 0, len = strlen(note);
    if (note_verify(&p->key, note, len, &text_len, err, sizeof err) &&
        checkpoint_parse(note, text_len, origin, size, root) && !strcmp(origin, p->key.name))
        return true;
    diag_error("publisher: the log's latest checkpoint is not signed by this worker's key");
    return false;
}

int publisher_step(struct publisher *p)
{
    struct log_head head;
    struct problem prob = {0};
    if (!registry_log_head(&p->reg, &head, &prob))
        return prob.code == PROBLEM_LOG_EMPTY ? 0 : -1;
    int rc = 0;
    uint64_t size = 0;
    uint8_t root[MERKLE_HASH_LEN];
    if (!head.note) /* no checkpoint yet */
        goto out;
    rc = -1;
    if (!head_tree(p, head.note, &size, root) || !check_published(p, size, root))
        goto out;
    rc = 0;
    if (p->published && p->size > size)
        goto out;
    if (p->published && p->size == size) {
        rc = republish_note(p, head.note);
        goto out;
    }
    rc = publish_head(p, head.note, size, root) ? 1 : -1;
out:
    log_head_free(&head);
    return rc;
}

/* The pool and the registry the reads go through. */
static bool publisher_connect(struct publisher *p)
{
    if (!p->pool)
        p->pool = db_pool_create(p->database_url, 1, 0, &p->limits);
    return p->pool && registry_init(&p->reg, p->pool, &(struct registry_policy){0});
}

void publisher_run(struct publisher *p, atomic_bool *stop)
{
    unsigned backoff = 250;
    p->stop = stop;
    while (!atomic_load(stop) && !p->fatal) {
        if (!p->reg_ready) {
            p->reg_ready = publisher_connect(p);
        }
        int rc = p->reg_ready ? publisher_step(p) : -1;
        if (rc < 0 && !p->fatal) {
            sleep_ms_unless(backoff, stop);
            backoff = backoff < 5000 ? backoff * 2 : 5000;
            continue;
        }
        backoff = 250;
        if (rc == 0)
            sleep_ms_unless(PUBLISH_POLL_MS, stop);
    }
}
