/* SPDX-License-Identifier: Apache-2.0 */
/* provd register [BASE_URL] FILE|DIR…: signs every file (streaming SHA-256, the provd.item.v1
 * statement in JCS, Ed25519) and registers them over the HTTP API, 1,000 per POST
 * /v1/items/batch, retrying 429 and 503 after their Retry-After.
 *
 * DESIGN: files are walked in a stable order (each directory's entries in bytewise name order,
 * symbolic links inside directories skipped). Each batch is hashed, signed and checked here
 * (item_parse_json: a file the server would refuse fails without being sent), then sent; its
 * results are printed and, with --state, the files created or existing are appended to the
 * state file and synced before the next batch starts. A rerun (or a run after a kill) skips
 * the files the state file holds with their current size and mtime, without reading them. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "client/api.h"
#include "cmd/cmd.h"
#include "cmd/files.h"
#include "cmd/regmeta.h"
#include "cmd/regstate.h"
#include "util/codec.h"
#include "util/jcs.h"
#include "util/keyfile.h"
#include "util/validate.h"
#include "core/item.h"
#include "crypto/sig.h"
#include "tlog/note.h"

#define USAGE                                                                                      \
    "provd register [BASE_URL] FILE|DIR... --signing-key-file KEY [--token TOKEN]\n"               \
    "       [--license SPDX] [--author NAME] [--source-url URL | --source-url-prefix URL]\n"       \
    "       [--metadata-file JSON] [--state FILE]"
#define BATCH_MAX      1000
#define SEND_ATTEMPTS  10
#define METADATA_MAX   (1u << 20) /* bytes of --metadata-file */
#define STATE_FILE_MAX (1ull << 32)

/* A file to register: its path as walked and the path its source URL is built from. */
struct reg_file {
    char *path;
    char *rel;
};

struct reg_files {
    struct reg_file *v;
    size_t n, cap;
    uint64_t bytes;
};

/* A file hashed and signed, waiting in the batch. */
struct pending {
    size_t file;
    uint8_t hash[SHA256_LEN];
    uint64_t size;
    int64_t mtime_ns;
};

struct batch {
    json_t *items;
    struct pending v[BATCH_MAX];
    size_t n;
};

struct reg_run {
    const struct config *cfg;
    struct reg_files files;
    struct api_client api;
    bool api_ready;
    struct note_key key;
    char public_key[64];
    json_t *base_md;
    struct reg_state state;
    int state_fd;
    struct progress prog;
    size_t created, existing, skipped, failed;
    unsigned retries;
};

static int usage_error(const char *what)
{
    fprintf(stderr, "provd register: %s\nusage: %s\n(see --help)\n", what, USAGE);
    return 2;
}

static bool fail(const char *what, const char *detail)
{
    fprintf(stderr, "provd register: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    return false;
}

static bool files_push(struct reg_files *l, const char *path, const char *rel, uint64_t size)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 256;
        struct reg_file *v = realloc(l->v, cap * sizeof *v);
        if (!v)
            return false;
        l->v = v;
        l->cap = cap;
    }
    struct reg_file f = {strdup(path), strdup(rel)};
    if (!f.path || !f.rel) {
        free(f.path);
        free(f.rel);
        return false;
    }
    l->v[l->n++] = f;
    l->bytes += size;
    return true;
}

static void files_free(struct reg_files *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i].path);
        free(l->v[i].rel);
    }
    free(l->v);
    memset(l, 0, sizeof *l);
}

/* The files under directory dir (trailing slashes dropped), relative paths kept for URLs. */
static bool add_dir(struct reg_files *l, const char *arg)
{
    size_t n = strlen(arg);
    while (n > 1 && arg[n - 1] == '/')
        n--;
    char *dir = strndup(arg, n);
    struct path_list pl = {0};
    char err[512];
    bool ok = dir && dir_files(dir, &pl, err, sizeof err);
    if (dir && !ok)
        fail(err, NULL);
    for (size_t i = 0; ok && i < pl.n; i++) {
        char full[REG_STATE_PATH_MAX + 1];
        int len = snprintf(full, sizeof full, "%s%s%s", dir, !strcmp(dir, "/") ? "" : "/", pl.v[i]);
        ok = (len < (int)sizeof full || fail(pl.v[i], "path too long")) &&
             files_push(l, full, pl.v[i], 0);
    }
    l->bytes += pl.bytes;
    path_list_free(&pl);
    free(dir);
    return ok;
}

/* Every operand's files, in order: a regular file as itself, a directory walked. */
static bool collect(struct reg_files *l, char **ops, int n)
{
    for (int i = 0; i < n; i++) {
        struct stat st;
        const char *base = strrchr(ops[i], '/');
        if (lstat(ops[i], &st) != 0)
            return fail(ops[i], strerror(errno));
        if (S_ISDIR(st.st_mode)) {
            if (!add_dir(l, ops[i]))
                return false;
        } else if (S_ISREG(st.st_mode)) {
            if (!files_push(l, ops[i], base && base[1] ? base + 1 : ops[i], (uint64_t)st.st_size))
                return fail("out of memory", NULL);
        } else {
            return fail(ops[i], S_ISLNK(st.st_mode) ? "is a symbolic link (not followed)"
                                                    : "is neither a regular file nor a directory");
        }
    }
    return true;
}

static bool load_key(struct reg_run *r)
{
    char text[512];
    if (!keyfile_read(r->cfg->signing_key_file, "signing key file", text, sizeof text))
        return false;
    bool ok = note_key_parse_private(text, &r->key);
    sodium_memzero(text, sizeof text);
    if (!ok)
        return fail(r->cfg->signing_key_file,
                    "not an Ed25519 key in the note format (make one with provd keygen)");
    base64url_encode(r->key.public_key, sizeof r->key.public_key, r->public_key);
    return true;
}

static bool load_metadata(struct reg_run *r)
{
    const char *path = r->cfg->metadata_file;
    json_error_t jerr;
    if (!path)
        return true;
    r->base_md = json_load_file(path, JSON_DECODE_INT_AS_REAL | JSON_REJECT_DUPLICATES, &jerr);
    if (!r->base_md) {
        char why[300];
        snprintf(why, sizeof why, "line %d: %s", jerr.line, jerr.text);
        return fail(path, why);
    }
    return json_is_object(r->base_md) || fail(path, "is not a JSON object");
}

/* Reads the whole state file open at fd into b; cuts a last line a kill left unfinished. */
static bool state_read(int fd, const char *path, struct buf *b)
{
    char block[65536];
    ssize_t n;
    while ((n = read(fd, block, sizeof block)) > 0 && b->len < STATE_FILE_MAX)
        buf_append(b, block, (size_t)n);
    if (n < 0 || b->oom)
        return fail(path, n < 0 ? strerror(errno) : "out of memory");
    size_t keep = b->len;
    while (keep && b->data[keep - 1] != '\n')
        keep--;
    if (keep < b->len && ftruncate(fd, (off_t)keep) != 0)
        return fail(path, strerror(errno));
    b->len = keep;
    return true;
}

/* Opens (creating it) and loads the state file, ready to append. */
static bool state_open(struct reg_run *r)
{
    const char *path = r->cfg->state_file;
    if (!path)
        return true;
    r->state_fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (r->state_fd < 0)
        return fail(path, strerror(errno));
    struct buf b = BUF_INIT;
    char err[300];
    bool ok = state_read(r->state_fd, path, &b);
    if (ok && b.len == 0) {
        const char *h = REG_STATE_HEADER "\n";
        ok = write(r->state_fd, h, strlen(h)) == (ssize_t)strlen(h) || fail(path, strerror(errno));
    } else if (ok && !reg_state_parse(b.data, b.len, &r->state, err, sizeof err)) {
        ok = fail(path, err);
    }
    buf_free(&b);
    return ok;
}

/* Appends the batch's registered files to the state file and syncs it. */
static bool state_append(struct reg_run *r, const struct batch *b, const bool *stored)
{
    if (r->state_fd < 0)
        return true;
    struct buf lines = BUF_INIT;
    for (size_t i = 0; i < b->n; i++)
        if (stored[i])
            reg_state_format_line(&lines, r->files.v[b->v[i].file].path, b->v[i].size,
                                  b->v[i].mtime_ns, b->v[i].hash);
    bool ok = !lines.oom &&
              (lines.len == 0 || (write(r->state_fd, lines.data, lines.len) == (ssize_t)lines.len &&
                                  fsync(r->state_fd) == 0));
    buf_free(&lines);
    return ok || fail(r->cfg->state_file, "cannot append to it");
}

static void clear_progress(const struct reg_run *r)
{
    if (r->prog.tty)
        fputs("\r\033[K", stderr);
}

static void report_failed(struct reg_run *r, const char *path, const char *why)
{
    clear_progress(r);
    printf("failed   %s: %s\n", path, why);
    r->failed++;
}

/* The registration of hash ch with metadata md (taken), signed; NULL when out of memory. */
static json_t *signed_item(const struct reg_run *r, const char *ch, json_t *md)
{
    json_t *st = json_pack("{s:s, s:s, s:O}", "type", ITEM_STATEMENT_TYPE, "content_hash", ch,
                           "metadata", md);
    struct buf bytes = BUF_INIT;
    uint8_t sig[ED25519_SIGNATURE_LEN];
    json_t *item = NULL;
    if (st && jcs_serialize(st, &bytes) && !bytes.oom &&
        ed25519_sign(r->key.secret_key, (const uint8_t *)bytes.data, bytes.len, sig)) {
        char sig_b64[128];
        base64url_encode(sig, sizeof sig, sig_b64);
        item = json_pack("{s:s, s:O, s:{s:s, s:s, s:s}}", "content_hash", ch, "metadata", md,
                         "signature", "scheme", "ed25519", "public_key", r->public_key, "value",
                         sig_b64);
    }
    json_decref(st);
    json_decref(md);
    buf_free(&bytes);
    return item;
}

/* The metadata of file f (size bytes, modified at mtime_s); NULL when out of memory. */
static json_t *metadata_of(const struct reg_run *r, const struct reg_file *f, uint64_t size,
                           int64_t mtime_s)
{
    char *url =
        r->cfg->source_url_prefix ? reg_source_url(r->cfg->source_url_prefix, f->rel) : NULL;
    struct reg_meta_flags flags = {
        .license = r->cfg->license,
        .author = r->cfg->author,
        .source_url = url ? url : r->cfg->source_url,
    };
    json_t *md = r->cfg->source_url_prefix && !url
                     ? NULL
                     : reg_metadata_build(r->base_md, &flags, size, mtime_s);
    free(url);
    return md;
}

/* Hashes, signs and checks file i; adds it to b, or counts it as skipped or failed. False only
 * when out of memory. */
static bool prepare(struct reg_run *r, size_t i, struct batch *b)
{
    const struct reg_file *f = &r->files.v[i];
    struct stat st;
    char err[600];
    if (lstat(f->path, &st) != 0 || !S_ISREG(st.st_mode)) {
        report_failed(r, f->path, "no longer a regular file");
        return true;
    }
    struct pending *p = &b->v[b->n];
    *p = (struct pending){.file = i, .size = (uint64_t)st.st_size};
    p->mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
    const struct reg_entry *e = reg_state_find(&r->state, f->path);
    if (e && e->size == p->size && e->mtime_ns == p->mtime_ns) {
        r->skipped++;
        progress_bytes(&r->prog, p->size);
        return true;
    }
    if (!file_sha256(f->path, p->hash, &r->prog, err, sizeof err)) {
        report_failed(r, f->path, err);
        return true;
    }
    char ch[CONTENT_HASH_STR_LEN + 1] = "sha256:";
    hex_encode(p->hash, SHA256_LEN, ch + 7);
    json_t *md = metadata_of(r, f, p->size, (int64_t)st.st_mtim.tv_sec);
    json_t *item = md ? signed_item(r, ch, md) : NULL;
    struct item_request req;
    struct problem prob;
    if (!item)
        return false;
    if (!item_parse_json(item, &req, &prob)) {
        report_failed(r, f->path, prob.detail);
        json_decref(item);
        return true;
    }
    item_request_free(&req);
    b->n++;
    return json_array_append_new(b->items, item) == 0;
}

/* A result of the batch reply says its item is stored (created, or there already). */
static bool result_stored(json_t *res)
{
    json_int_t status = json_integer_value(json_object_get(res, "status"));
    return status == 201 || status == 200;
}

/* One result of the batch reply, for file path. */
static void report_result(struct reg_run *r, const char *path, const struct pending *p, json_t *res)
{
    json_int_t status = json_integer_value(json_object_get(res, "status"));
    char hex[2 * SHA256_LEN + 1];
    hex_encode(p->hash, SHA256_LEN, hex);
    if (result_stored(res)) {
        clear_progress(r);
        printf("%s sha256:%s %s\n", status == 201 ? "created " : "existing", hex, path);
        *(status == 201 ? &r->created : &r->existing) += 1;
        return;
    }
    json_t *pr = json_object_get(res, "problem");
    const char *detail = json_string_value(json_object_get(pr, "detail"));
    const char *type = json_string_value(json_object_get(pr, "type"));
    char why[600];
    snprintf(why, sizeof why, "%s (%" JSON_INTEGER_FORMAT " %s)", detail ? detail : "refused",
             status, type && !strncmp(type, "urn:provd:problem:", 18) ? type + 18 : "");
    report_failed(r, path, why);
}

/* Why a batch as a whole was refused, as one line. */
static void batch_refused(const struct api_reply *rep)
{
    char text[400];
    api_problem_text(rep, text, sizeof text);
    fail("POST /v1/items/batch", text);
    if (rep->status == 401 || rep->status == 403)
        fprintf(stderr, "provd register: give an API key of scope register with --token or "
                        "PROVD_TOKEN\n");
}

/* Sends b, records its results and prints them; empties b. False when the batch as a whole
 * failed (nothing of it is stored) or the state file cannot be written. */
static bool send_batch(struct reg_run *r, struct batch *b)
{
    if (b->n == 0)
        return true;
    json_t *body = json_pack("{s:O}", "items", b->items);
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    struct api_reply rep = {0};
    bool stored[BATCH_MAX] = {false};
    bool built = text != NULL;
    bool ok = built && api_call_retry(&r->api, "POST", "/v1/items/batch", "application/json", text,
                                      strlen(text), SEND_ATTEMPTS, &r->retries, &rep);
    free(text);
    json_t *results = json_object_get(rep.json, "results");
    if (!ok)
        fail(built ? r->api.err : "out of memory", NULL);
    else if (rep.status != 200 || json_array_size(results) != b->n)
        ok = false, batch_refused(&rep);
    for (size_t i = 0; ok && i < b->n; i++)
        stored[i] = result_stored(json_array_get(results, i));
    /* Recorded before reported: a file the output calls stored is in the state file, even if
     * the run is killed right after. */
    bool recorded = !ok || state_append(r, b, stored);
    for (size_t i = 0; ok && i < b->n; i++)
        report_result(r, r->files.v[b->v[i].file].path, &b->v[i], json_array_get(results, i));
    fflush(stdout);
    ok = ok && recorded;
    api_reply_free(&rep);
    json_array_clear(b->items);
    b->n = 0;
    return ok;
}

/* Every file, batch by batch; false when the run stopped early. */
static bool register_all(struct reg_run *r)
{
    struct batch *b = malloc(sizeof *b);
    bool ok = b && (b->items = json_array()) != NULL;
    if (!ok) {
        free(b);
        return fail("out of memory", NULL);
    }
    b->n = 0;
    progress_init(&r->prog, "registering", r->files.bytes, r->files.n);
    for (size_t i = 0; ok && i < r->files.n; i++) {
        ok = prepare(r, i, b) || fail("out of memory", NULL);
        progress_file(&r->prog);
        if (ok && b->n == BATCH_MAX)
            ok = send_batch(r, b);
    }
    ok = ok && send_batch(r, b);
    progress_end(&r->prog);
    json_decref(b->items);
    free(b);
    return ok;
}

static void summary(const struct reg_run *r, bool completed)
{
    size_t done = r->created + r->existing + r->skipped + r->failed;
    printf("%zu files: %zu created, %zu existing, %zu skipped (unchanged since the state file), "
           "%zu failed",
           r->files.n, r->created, r->existing, r->skipped, r->failed);
    if (!completed)
        printf(", %zu not registered (stopped early)", r->files.n - done);
    if (r->retries)
        printf("; %u requests retried", r->retries);
    printf("\n");
}

/* The checks config.c leaves to the command; an exit status, or -1 to go on. */
static int check_usage(struct config *cfg, char ***ops, int *n_ops)
{
    *ops = cfg->operands;
    *n_ops = cfg->n_operands;
    if (*n_ops && (!strncmp(**ops, "http://", 7) || !strncmp(**ops, "https://", 8))) {
        free(cfg->url);
        cfg->url = strdup(**ops);
        ++*ops, --*n_ops;
    }
    if (!cfg->url)
        return usage_error("out of memory");
    if (*n_ops == 0)
        return usage_error("give at least one FILE or DIR to register");
    if (!cfg->signing_key_file)
        return usage_error("--signing-key-file KEY is required (make one with provd keygen)");
    if (cfg->source_url && cfg->source_url_prefix)
        return usage_error("give --source-url or --source-url-prefix, not both");
    if ((cfg->source_url && !valid_http_url(cfg->source_url)) ||
        (cfg->source_url_prefix && !valid_http_url(cfg->source_url_prefix)))
        return usage_error("the source URL must be an absolute http:// or https:// URL");
    if (cfg->license && !valid_spdx_expression(cfg->license))
        return usage_error("--license must be an SPDX identifier or expression");
    return -1;
}

static int run(struct reg_run *r, char **ops, int n_ops)
{
    if (!collect(&r->files, ops, n_ops))
        return 1;
    if (r->cfg->source_url && r->files.n != 1)
        return usage_error("--source-url names one file; for a directory use --source-url-prefix");
    if (!load_key(r) || !load_metadata(r) || !state_open(r))
        return 1;
    if (!api_client_init(&r->api, r->cfg->url, r->cfg->token, r->cfg->http_timeout)) {
        fail(r->api.err, NULL);
        return 1;
    }
    r->api_ready = true;
    bool completed = register_all(r);
    summary(r, completed);
    return completed && r->failed == 0 ? 0 : 1;
}

int cmd_register(int argc, char **argv)
{
    struct config cfg;
    int rc = cmd_load_config(&cfg, CMD_REGISTER, USAGE, argc, argv);
    if (rc >= 0)
        return rc;
    char **ops;
    int n_ops;
    struct reg_run r = {.cfg = &cfg, .state_fd = -1};
    rc = check_usage(&cfg, &ops, &n_ops);
    if (rc < 0)
        rc = run(&r, ops, n_ops);
    if (r.api_ready)
        api_client_free(&r.api);
    if (r.state_fd >= 0)
        close(r.state_fd);
    reg_state_free(&r.state);
    json_decref(r.base_md);
    files_free(&r.files);
    sodium_memzero(&r.key, sizeof r.key);
    config_free(&cfg);
    return rc;
}
