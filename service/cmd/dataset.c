/* SPDX-License-Identifier: Apache-2.0 */
/* provd dataset create | add | seal | audit | proof: the trainer's side of datasets, over the
 * HTTP API. The members come from a file or stdin (one sha256:<hex> per line) or from a
 * directory whose files are hashed here; seal computes the members root locally from the same
 * list, so the curator never trusts the server for it. */
#include <inttypes.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client/api.h"
#include "cmd/cmd.h"
#include "cmd/files.h"
#include "util/codec.h"
#include "util/jcs.h"
#include "util/keyfile.h"
#include "core/dataset.h"
#include "core/item.h"
#include "crypto/sig.h"
#include "tlog/note.h"
#include "tlog/tiles.h"

#define USAGE                                                                                      \
    "provd dataset create --name NAME --version VERSION [--metadata JSON] [--policy JSON]\n"       \
    "       provd dataset add ID (FILE | - | --dir DIR)\n"                                         \
    "       provd dataset seal ID (FILE | - | --dir DIR) --signing-key-file KEY\n"                 \
    "       provd dataset audit ID\n"                                                              \
    "       provd dataset proof ID CONTENT_HASH\n"                                                 \
    "       (each with --url URL and --token TOKEN)"
#define ADD_CHUNK 100000 /* hashes per request */

static int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("provd dataset: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return 1;
}

/* Sends one request; on anything but want (0: any 2xx) prints the problem and fails. */
static bool call(struct api_client *c, const char *method, const char *path, const char *ctype,
                 const char *body, size_t len, long want, struct api_reply *out)
{
    if (!api_call(c, method, path, ctype, body, len, out)) {
        fail("%s", c->err);
        return false;
    }
    bool ok = want ? out->status == want : out->status / 100 == 2;
    if (!ok) {
        char text[400];
        api_problem_text(out, text, sizeof text);
        fail("%s %s: %s", method, path, text);
        api_reply_free(out);
    }
    return ok;
}

/* Members from a list file or stdin ("-"), in order. */
static bool read_list(const char *path, struct hash_list *out)
{
    FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
    if (!f) {
        fail("cannot read %s", path);
        return false;
    }
    struct hash_lines h;
    hash_lines_init(&h);
    char block[65536];
    size_t n;
    bool ok = true;
    while (ok && (n = fread(block, 1, sizeof block, f)) > 0)
        ok = hash_lines_feed(&h, block, n);
    struct problem p;
    if (ok && !hash_lines_finish(&h, &p)) {
        fail("%s: %s", path, p.detail);
        ok = false;
    }
    if (f != stdin)
        fclose(f);
    *out = h.list;
    return ok;
}

/* Members from the files under dir, hashed here. */
static bool hash_dir(const char *dir, struct hash_list *out)
{
    struct path_list files;
    char err[512];
    memset(out, 0, sizeof *out);
    if (!dir_files(dir, &files, err, sizeof err))
        return fail("%s", err) == 0;
    out->v = malloc((files.n ? files.n : 1) * sizeof *out->v);
    bool ok = out->v != NULL;
    struct progress p;
    progress_init(&p, "hashing", files.bytes, files.n);
    for (size_t i = 0; ok && i < files.n; i++) {
        char full[4096];
        snprintf(full, sizeof full, "%s/%s", dir, files.v[i]);
        ok = file_sha256(full, out->v[out->n], &p, err, sizeof err);
        out->n += ok;
        progress_file(&p);
    }
    progress_end(&p);
    if (!ok)
        fail("%s", err);
    path_list_free(&files);
    return ok;
}

/* The members (duplicates dropped, first occurrence kept), from the argument or --dir. */
static bool members_of(const struct config *cfg, const char *source, struct hash_list *out)
{
    memset(out, 0, sizeof *out);
    if ((source != NULL) == (cfg->dir != NULL)) {
        fail("give the members as a FILE (or - for stdin) or as --dir DIR, one of the two");
        return false;
    }
    if (!(cfg->dir ? hash_dir(cfg->dir, out) : read_list(source, out)))
        return false;
    bool *seen = calloc(out->n ? out->n : 1, sizeof *seen);
    uint8_t(*uniq)[SHA256_LEN] = malloc((out->n ? out->n : 1) * sizeof *uniq);
    size_t n = seen && uniq ? hash_list_fresh(out, seen, uniq) : SIZE_MAX;
    free(seen);
    if (n == SIZE_MAX) {
        free(uniq);
        return fail("out of memory") == 0;
    }
    free(out->v);
    out->v = uniq;
    out->n = n;
    return true;
}

static int dataset_create(struct api_client *c, const struct config *cfg)
{
    if (!cfg->name || !cfg->version)
        return fail("create needs --name and --version");
    json_error_t jerr;
    json_t *body = json_pack("{s:s, s:s}", "name", cfg->name, "version", cfg->version);
    const char *keys[] = {"metadata", "policy"};
    const char *vals[] = {cfg->metadata, cfg->policy};
    for (int i = 0; body && i < 2; i++) {
        json_t *v = vals[i] ? json_loads(vals[i], 0, &jerr) : NULL;
        if (vals[i] && !v) {
            json_decref(body);
            return fail("--%s is not JSON: %s", keys[i], jerr.text);
        }
        if (v)
            json_object_set_new(body, keys[i], v);
    }
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    if (!text)
        return fail("out of memory");
    struct api_reply r;
    bool ok = call(c, "POST", "/v1/datasets", "application/json", text, strlen(text), 201, &r);
    free(text);
    if (!ok)
        return 1;
    printf("%.*s\n", (int)r.body.len, r.body.data);
    api_reply_free(&r);
    return 0;
}

/* Sends hashes [at, at + n) as one text/plain append; adds the reply's counts. */
static bool add_chunk(struct api_client *c, const char *path, const struct hash_list *l, size_t at,
                      size_t n, uint64_t *appended, uint64_t *dups, struct api_reply *r)
{
    struct buf body = BUF_INIT;
    char line[CONTENT_HASH_STR_LEN + 2] = "sha256:";
    for (size_t i = at; i < at + n; i++) {
        hex_encode(l->v[i], SHA256_LEN, line + 7);
        line[CONTENT_HASH_STR_LEN] = '\n';
        buf_append(&body, line, CONTENT_HASH_STR_LEN + 1);
    }
    bool ok = !body.oom && call(c, "POST", path, "text/plain", body.data, body.len, 200, r);
    buf_free(&body);
    if (ok) {
        *appended += (uint64_t)json_integer_value(json_object_get(r->json, "appended"));
        *dups += (uint64_t)json_integer_value(json_object_get(r->json, "duplicates"));
    }
    return ok;
}

static int dataset_add(struct api_client *c, const struct config *cfg, int64_t id,
                       const char *source)
{
    struct hash_list l;
    if (!members_of(cfg, source, &l)) {
        hash_list_free(&l);
        return 1;
    }
    char path[64];
    snprintf(path, sizeof path, "/v1/datasets/%" PRId64 "/members", id);
    uint64_t appended = 0, dups = 0;
    struct api_reply r = {0};
    bool ok = true;
    for (size_t at = 0; ok && at < l.n; at += ADD_CHUNK) {
        api_reply_free(&r);
        ok = add_chunk(c, path, &l, at, l.n - at < ADD_CHUNK ? l.n - at : ADD_CHUNK, &appended,
                       &dups, &r);
    }
    if (ok && l.n)
        printf("dataset %" PRId64 ": appended %" PRIu64 ", already there %" PRIu64
               ", member_count %" PRIu64 ", members_root %s\n",
               id, appended, dups,
               (uint64_t)json_integer_value(json_object_get(r.json, "member_count")),
               json_string_value(json_object_get(r.json, "members_root")));
    api_reply_free(&r);
    hash_list_free(&l);
    return ok ? 0 : 1;
}

/* The members root of l, computed here. */
static bool local_root(const struct hash_list *l, char hex[2 * SHA256_LEN + 1])
{
    struct tile_edge *e = malloc(sizeof *e);
    if (!e)
        return false;
    tile_edge_init(e, 0);
    bool ok = true;
    for (size_t i = 0; ok && i < l->n; i++) {
        uint8_t leaf[SHA256_LEN];
        dataset_member_leaf(l->v[i], leaf);
        ok = tile_edge_append(e, leaf);
        tile_edge_clear_full(e); /* the root needs only the edge */
    }
    uint8_t root[SHA256_LEN];
    ok = ok && tile_edge_root(e, root);
    if (ok)
        hex_encode(root, SHA256_LEN, hex);
    tile_edge_free(e);
    free(e);
    return ok;
}

/* The curator's key: a private file (keyfile_read), wiped by the caller after use. */
static bool load_signing_key(const char *path, struct note_key *key)
{
    char text[512];
    if (!path)
        return fail("seal needs --signing-key-file KEY (an Ed25519 key, e.g. from provd logkey "
                    "create)") == 0;
    if (!keyfile_read(path, "signing key file", text, sizeof text))
        return false;
    bool ok = note_key_parse_private(text, key);
    sodium_memzero(text, sizeof text);
    return ok || fail("%s is not an Ed25519 key in the note format", path) == 0;
}

/* The seal request: the statement signed with key. */
static char *signed_seal(const struct note_key *key, uint64_t count, const char *root,
                         const struct buf *statement)
{
    uint8_t sig[ED25519_SIGNATURE_LEN];
    char pub_b64[64], sig_b64[100];
    if (statement->oom ||
        !ed25519_sign(key->secret_key, (const uint8_t *)statement->data, statement->len, sig))
        return NULL;
    base64url_encode(key->public_key, 32, pub_b64);
    base64url_encode(sig, sizeof sig, sig_b64);
    json_t *b = json_pack("{s:I, s:s, s:{s:s, s:s, s:s}}", "member_count", (json_int_t)count,
                          "members_root", root, "signature", "scheme", "ed25519", "public_key",
                          pub_b64, "value", sig_b64);
    char *out = b ? json_dumps(b, JSON_COMPACT) : NULL;
    json_decref(b);
    return out;
}

/* The signed seal request for dataset d (as the server shows it) with the local count and root. */
static char *seal_body(json_t *d, const struct note_key *key, uint64_t count, const char *root)
{
    struct buf md = BUF_INIT, pol = BUF_INIT, statement = BUF_INIT;
    struct dataset_fields f = {
        .name = json_string_value(json_object_get(d, "name")),
        .version = json_string_value(json_object_get(d, "version")),
        .member_count = count,
        .members_root_hex = root,
    };
    char *out = NULL;
    if (f.name && f.version && jcs_serialize(json_object_get(d, "metadata"), &md) &&
        jcs_serialize(json_object_get(d, "policy"), &pol)) {
        f.metadata = md.data, f.metadata_len = md.len;
        f.policy = pol.data, f.policy_len = pol.len;
        dataset_statement_write(&statement, &f);
        out = signed_seal(key, count, root, &statement);
    }
    buf_free(&md);
    buf_free(&pol);
    buf_free(&statement);
    return out;
}

static int dataset_seal(struct api_client *c, const struct config *cfg, int64_t id,
                        const char *source)
{
    struct note_key key;
    struct hash_list l;
    char root[2 * SHA256_LEN + 1], path[64];
    if (!load_signing_key(cfg->signing_key_file, &key))
        return 1;
    if (!members_of(cfg, source, &l) || !local_root(&l, root)) {
        sodium_memzero(&key, sizeof key);
        hash_list_free(&l);
        return 1;
    }
    snprintf(path, sizeof path, "/v1/datasets/%" PRId64, id);
    struct api_reply d, r;
    int rc = 1;
    if (!call(c, "GET", path, NULL, NULL, 0, 200, &d))
        goto out;
    char *body = seal_body(d.json, &key, l.n, root);
    sodium_memzero(&key, sizeof key);
    api_reply_free(&d);
    snprintf(path, sizeof path, "/v1/datasets/%" PRId64 "/seal", id);
    if (body && call(c, "POST", path, "application/json", body, strlen(body), 200, &r)) {
        printf("dataset %" PRId64 " sealed: %zu members, members root %s\n", id, l.n, root);
        api_reply_free(&r);
        rc = 0;
    }
    free(body);
out:
    sodium_memzero(&key, sizeof key);
    hash_list_free(&l);
    return rc;
}

static void print_failure(json_t *f)
{
    printf("  %" JSON_INTEGER_FORMAT "  %s ", json_integer_value(json_object_get(f, "position")),
           json_string_value(json_object_get(f, "content_hash")));
    json_t *reasons = json_object_get(f, "reasons");
    for (size_t i = 0; i < json_array_size(reasons); i++)
        printf("%s%s", i ? "," : "", json_string_value(json_array_get(reasons, i)));
    printf("\n");
}

static int dataset_audit(struct api_client *c, int64_t id)
{
    char path[80];
    snprintf(path, sizeof path, "/v1/datasets/%" PRId64 "/audit?limit=1000", id);
    struct api_reply r;
    if (!call(c, "GET", path, NULL, NULL, 0, 200, &r))
        return 1;
    json_t *a = r.json;
    json_int_t failing = json_integer_value(json_object_get(a, "failing"));
    printf("dataset %" PRId64 " (%s%s): %" JSON_INTEGER_FORMAT " members, %" JSON_INTEGER_FORMAT
           " passing, %" JSON_INTEGER_FORMAT " failing\n",
           id, json_string_value(json_object_get(a, "status")),
           json_is_true(json_object_get(a, "final")) ? ", final" : "",
           json_integer_value(json_object_get(a, "members")),
           json_integer_value(json_object_get(a, "passing")), failing);
    const char *key;
    json_t *v;
    json_object_foreach(json_object_get(a, "by_reason"), key, v)
    {
        if (json_integer_value(v))
            printf("  %s: %" JSON_INTEGER_FORMAT "\n", key, json_integer_value(v));
    }
    json_t *list = json_object_get(a, "failures");
    for (size_t i = 0; i < json_array_size(list); i++)
        print_failure(json_array_get(list, i));
    if (!json_is_null(json_object_get(a, "next_cursor")))
        printf("  … more failing members: GET %s&cursor=%s\n", path,
               json_string_value(json_object_get(a, "next_cursor")));
    api_reply_free(&r);
    return failing ? 1 : 0;
}

static int dataset_proof(struct api_client *c, int64_t id, const char *hash)
{
    uint8_t h[SHA256_LEN];
    if (!hash || !item_parse_content_hash(hash, h))
        return fail("proof needs a CONTENT_HASH (sha256: and 64 lowercase hex digits)");
    char path[160];
    snprintf(path, sizeof path, "/v1/datasets/%" PRId64 "/proof?content_hash=%s", id, hash);
    struct api_reply r;
    for (int attempt = 0; attempt < 120; attempt++) {
        if (!call(c, "GET", path, NULL, NULL, 0, 0, &r))
            return 1;
        if (r.status == 200)
            break;
        api_reply_free(&r); /* 202: the dataset record waits for the sequencer */
        usleep(500 * 1000);
    }
    if (r.status != 200)
        return fail("the dataset record was not logged within a minute (is a worker running?)");
    printf("%.*s\n", (int)r.body.len, r.body.data);
    api_reply_free(&r);
    return 0;
}

static int run(const struct config *cfg, const char *sub, struct api_client *c)
{
    if (!strcmp(sub, "create"))
        return cfg->n_args == 1 ? dataset_create(c, cfg) : fail("create takes no arguments");
    uint64_t id;
    if (cfg->n_args < 2 || !parse_u64(cfg->args[1], &id) || id == 0 || id > INT64_MAX)
        return fail("%s needs a dataset ID", sub);
    const char *arg = cfg->n_args > 2 ? cfg->args[2] : NULL;
    if (!strcmp(sub, "add"))
        return dataset_add(c, cfg, (int64_t)id, arg);
    if (!strcmp(sub, "seal"))
        return dataset_seal(c, cfg, (int64_t)id, arg);
    if (!strcmp(sub, "audit"))
        return cfg->n_args == 2 ? dataset_audit(c, (int64_t)id) : fail("audit takes an ID only");
    if (!strcmp(sub, "proof"))
        return dataset_proof(c, (int64_t)id, arg);
    fprintf(stderr, "provd dataset: unknown subcommand %s\nusage: %s\n", sub, USAGE);
    return 2;
}

int cmd_dataset(int argc, char **argv)
{
    struct config cfg;
    int rc = cmd_load_config(&cfg, CMD_DATASET, USAGE, argc, argv);
    if (rc >= 0)
        return rc;
    struct api_client c;
    if (cfg.n_args == 0) {
        fprintf(stderr, "usage: %s\n", USAGE);
        rc = 2;
    } else if (!api_client_init(&c, cfg.url, cfg.token, cfg.http_timeout)) {
        rc = fail("%s", c.err);
    } else {
        rc = run(&cfg, cfg.args[0], &c);
        api_client_free(&c);
    }
    config_free(&cfg);
    return rc;
}
