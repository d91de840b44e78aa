/* SPDX-License-Identifier: Apache-2.0 */
/* Provenance by content hash: GET /v1/provenance/{content_hash} for one, and
 * POST /v1/provenance/batch for up to LOOKUP_MAX hashes in one query (dataset audits).
 *
 * DESIGN: both replies stay within the reply budget (http/page.h): what does not fit is left
 * out and its list says truncated (GET /v1/items?content_hash= pages through all of a hash's
 * registrations). A batch looks each distinct hash up once, and a hash asked for again is
 * answered by reference (duplicate_of: the position of its first result) instead of repeating
 * it, so 1,000 times one popular hash costs one hash's rows. The reserve of every element
 * written keeps room for the results still to come, so each position gets its result. */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/codec.h"
#include "core/item.h"
#include "util/jsonw.h"
#include "http/items.h"
#include "http/page.h"
#include "http/reply.h"
#include "http/route.h"
#include "registry/items.h"

/* What follows a reply's last list at most: closing brackets, flags and counts. */
#define TAIL_MAX 128
/* A batch lookup's result without rows, its comma included, at most: content_hash,
 * duplicate_of, empty lists and their flags (226 bytes). */
#define RESULT_EMPTY_MAX 256

/* Flags of what a looked-up hash has, for the results that repeat it. */
enum { HAS_ROWS = 1, HAS_DATASETS = 2, HAS_MODELS = 4 };

static void write_use(struct jsonw *w, const struct dataset_use *d)
{
    jw_object_begin(w);
    jw_key(w, "id");
    jw_int(w, d->id);
    jw_key(w, "name");
    jw_string(w, d->name);
    jw_key(w, "version");
    jw_string(w, d->version);
    jw_key(w, "position");
    jw_int(w, (int64_t)d->position);
    jw_object_end(w);
}

static void write_model_use(struct jsonw *w, const struct model_use *m)
{
    char digest[CONTENT_HASH_STR_LEN + 1];
    snprintf(digest, sizeof digest, "sha256:%s", m->digest_hex);
    jw_object_begin(w);
    jw_key(w, "model_id");
    jw_int(w, m->id);
    jw_key(w, "name");
    jw_string(w, m->name);
    jw_key(w, "version");
    jw_string(w, m->version);
    jw_key(w, "digest");
    jw_string(w, digest);
    jw_key(w, "dataset_ids");
    jw_raw(w, m->dataset_ids, strlen(m->dataset_ids));
    jw_object_end(w);
}

/* The datasets of lookup rank at (1-based) from *row on, at most max and as far as pg takes them
 * with reserve bytes to follow: "datasets" and "datasets_truncated". True when there are any. */
static bool write_uses(struct page *pg, const struct dataset_uses *u, size_t at, size_t *row,
                       size_t max, size_t reserve)
{
    size_t count = 0, shown = 0;
    jw_key(&pg->w, "datasets");
    jw_array_begin(&pg->w);
    for (; *row < u->n && u->v[*row].lookup == at; (*row)++, count++) {
        if (shown >= max || !page_row_begin(pg))
            continue;
        write_use(&pg->w, &u->v[*row]);
        shown += page_row_end(pg, reserve, false);
    }
    jw_array_end(&pg->w);
    jw_key(&pg->w, "datasets_truncated");
    jw_bool(&pg->w, count > shown);
    return count > 0;
}

/* The same for the models: "used_in" and "used_in_truncated". */
static bool write_used_in(struct page *pg, const struct model_uses *u, size_t at, size_t *row,
                          size_t max, size_t reserve)
{
    size_t count = 0, shown = 0;
    jw_key(&pg->w, "used_in");
    jw_array_begin(&pg->w);
    for (; *row < u->n && u->v[*row].lookup == at; (*row)++, count++) {
        if (shown >= max || !page_row_begin(pg))
            continue;
        write_model_use(&pg->w, &u->v[*row]);
        shown += page_row_end(pg, reserve, false);
    }
    jw_array_end(&pg->w);
    jw_key(&pg->w, "used_in_truncated");
    jw_bool(&pg->w, count > shown);
    return count > 0;
}

/* The bytes of a single lookup's datasets and models, which its registrations leave room for. */
static size_t uses_bytes(const struct provenance *prov)
{
    struct page scratch;
    size_t row = 0, model = 0;
    page_init(&scratch, SIZE_MAX);
    jw_object_begin(&scratch.w);
    (void)write_uses(&scratch, &prov->datasets, 1, &row, PROVENANCE_MAX_DATASETS, 0);
    (void)write_used_in(&scratch, &prov->models, 1, &model, PROVENANCE_MAX_DATASETS, 0);
    size_t n = scratch.body.len;
    page_free(&scratch);
    return n;
}

static void write_provenance(struct page *pg, const char *hash, const struct provenance *prov)
{
    const struct item_rows *rows = &prov->items;
    size_t reserve = uses_bytes(prov) + TAIL_MAX, shown = 0, row = 0, model = 0;
    jw_object_begin(&pg->w);
    jw_key(&pg->w, "content_hash");
    jw_string(&pg->w, hash);
    jw_key(&pg->w, "registrations");
    jw_array_begin(&pg->w);
    for (; shown < rows->n && shown < PROVENANCE_MAX_ROWS && page_row_begin(pg); shown++) {
        http_write_item(&pg->w, &rows->v[shown]);
        if (!page_row_end(pg, reserve, shown == 0))
            break;
    }
    jw_array_end(&pg->w);
    jw_key(&pg->w, "truncated");
    jw_bool(&pg->w, shown < rows->n);
    (void)write_uses(pg, &prov->datasets, 1, &row, PROVENANCE_MAX_DATASETS, TAIL_MAX);
    (void)write_used_in(pg, &prov->models, 1, &model, PROVENANCE_MAX_DATASETS, TAIL_MAX);
    jw_object_end(&pg->w);
}

/* The lookup has its outcome (registry/items.h registry_provenance_queue): its request runs
 * provenance_reply. On a lookup thread. */
static void provenance_done(struct group_job *g)
{
    http_resume(g->arg);
}

static void provenance_job_free(void *arg)
{
    struct provenance_job *job = arg;
    provenance_free(&job->prov);
    free(job);
}

/* The continuation of a lookup resumed with its outcome. */
static enum MHD_Result provenance_reply(struct http_request *req, void *arg)
{
    struct provenance_job *job = arg;
    enum MHD_Result r;
    if (job->err.code != PROBLEM_NONE) {
        r = reply_failure(req, &job->err);
    } else {
        char hash[CONTENT_HASH_STR_LEN + 1] = "sha256:";
        struct page pg;
        hex_encode(job->hash, SHA256_LEN, hash + 7);
        page_init(&pg, job->max_bytes);
        write_provenance(&pg, hash, &job->prov);
        r = page_reply(req, &pg, MHD_HTTP_OK);
    }
    provenance_job_free(job);
    return r;
}

/* The hash is checked here; the lookup then waits, its connection suspended, for the query it
 * shares with those that came meanwhile. */
enum MHD_Result handle_provenance_get(struct http_request *req, const char *param)
{
    uint8_t hash[SHA256_LEN];
    if (!item_parse_content_hash(param, hash))
        return reply_problem(req, PROBLEM_INVALID_PARAMETER, "content_hash",
                             "content_hash must be sha256: followed by 64 lowercase hex digits");
    struct provenance_job *job = calloc(1, sizeof *job);
    if (!job)
        return reply_problem(req, PROBLEM_INTERNAL, NULL, "out of memory");
    memcpy(job->hash, hash, SHA256_LEN);
    job->g = (struct group_job){.done = provenance_done, .arg = req};
    job->limit = PROVENANCE_MAX_ROWS + 1;
    job->max_bytes = req->srv->opt.max_reply;
    http_suspend(req, provenance_reply, provenance_job_free, job); /* before it may be resumed */
    registry_provenance_queue(req->srv->reg, job);
    return MHD_YES;
}

/* The request's hashes (n of them, caller frees), or NULL with the problem queued in *r. */
static uint8_t (*lookup_hashes(struct http_request *req, size_t *n, enum MHD_Result *r))[SHA256_LEN]
{
    json_t *root = reply_parse_body(req, JSON_REJECT_DUPLICATES, r);
    if (!root)
        return NULL;
    json_t *list = json_object_get(root, "content_hashes");
    uint8_t(*hashes)[SHA256_LEN] = NULL;
    *n = json_array_size(list);
    if (json_object_size(root) != 1 || !json_is_array(list) || *n == 0 || *n > LOOKUP_MAX)
        *r = reply_problem(req, PROBLEM_INVALID_FIELD, "content_hashes",
                           "the body must be {\"content_hashes\": [1 to %d content hashes]}",
                           LOOKUP_MAX);
    else if (!(hashes = malloc(*n * sizeof *hashes)))
        *r = reply_problem(req, PROBLEM_INTERNAL, NULL, "out of memory");
    for (size_t i = 0; hashes && i < *n; i++) {
        const char *s = json_string_value(json_array_get(list, i));
        if (s && item_parse_content_hash(s, hashes[i]))
            continue;
        char field[40];
        snprintf(field, sizeof field, "content_hashes[%zu]", i);
        *r = reply_problem(req, PROBLEM_INVALID_FIELD, field,
                           "%s must be sha256: followed by 64 lowercase hex digits", field);
        free(hashes);
        hashes = NULL;
    }
    json_decref(root);
    return hashes;
}

/* A batch lookup's reply being written: where each list's rows stand, by distinct hash. */
struct lookup_writer {
    struct page pg;
    const struct provenance *prov;
    size_t n;    /* requested hashes */
    size_t rank; /* distinct hashes written */
    size_t row, use, model;
    uint8_t *has; /* per first appearance: HAS_* */
};

/* "registrations" and "truncated" of the hash of rank at: its rows that came with their metadata,
 * as far as they fit. True when it has any. */
static bool write_registrations(struct page *pg, const struct item_rows *rows, size_t at,
                                size_t *row, size_t reserve)
{
    size_t count = 0, shown = 0;
    jw_key(&pg->w, "registrations");
    jw_array_begin(&pg->w);
    for (; *row < rows->n && rows->v[*row].lookup == at; (*row)++, count++) {
        if (rows->v[*row].withheld || shown >= LOOKUP_PER_HASH || !page_row_begin(pg))
            continue;
        http_write_item(&pg->w, &rows->v[*row]);
        shown += page_row_end(pg, reserve, false);
    }
    jw_array_end(&pg->w);
    jw_key(&pg->w, "truncated");
    jw_bool(&pg->w, count > shown);
    return count > 0;
}

/* A hash asked for before, at position first: nothing repeated, the flags say whether the
 * first result has anything (which this one does not show). */
static void write_repeat(struct jsonw *w, size_t first, uint8_t has)
{
    static const char *const lists[][2] = {{"registrations", "truncated"},
                                           {"datasets", "datasets_truncated"},
                                           {"used_in", "used_in_truncated"}};
    jw_key(w, "duplicate_of");
    jw_int(w, (int64_t)first);
    for (unsigned k = 0; k < 3; k++) {
        jw_key(w, lists[k][0]);
        jw_array_begin(w);
        jw_array_end(w);
        jw_key(w, lists[k][1]);
        jw_bool(w, has & (1u << k));
    }
}

static void write_result(struct lookup_writer *lw, const uint8_t hash[SHA256_LEN], size_t i)
{
    struct page *pg = &lw->pg;
    const struct provenance *prov = lw->prov;
    size_t first = prov->first[i];
    size_t reserve = (lw->n - i) * RESULT_EMPTY_MAX + TAIL_MAX; /* this and every later result */
    char hex[CONTENT_HASH_STR_LEN + 1] = "sha256:";
    hex_encode(hash, SHA256_LEN, hex + 7);
    jw_object_begin(&pg->w);
    jw_key(&pg->w, "content_hash");
    jw_string(&pg->w, hex);
    if (first != i) {
        write_repeat(&pg->w, first, lw->has[first]);
    } else {
        size_t at = ++lw->rank;
        uint8_t has = 0;
        has |= write_registrations(pg, &prov->items, at, &lw->row, reserve) ? HAS_ROWS : 0;
        has |= write_uses(pg, &prov->datasets, at, &lw->use, LOOKUP_DATASETS, reserve)
                   ? HAS_DATASETS
                   : 0;
        has |= write_used_in(pg, &prov->models, at, &lw->model, LOOKUP_DATASETS, reserve)
                   ? HAS_MODELS
                   : 0;
        lw->has[i] = has;
    }
    jw_object_end(&pg->w);
}

/* One result per requested hash, in order, within the reply budget. */
static void write_lookup(struct lookup_writer *lw, const uint8_t (*hashes)[SHA256_LEN])
{
    size_t found = 0;
    jw_object_begin(&lw->pg.w);
    jw_key(&lw->pg.w, "results");
    jw_array_begin(&lw->pg.w);
    for (size_t i = 0; i < lw->n; i++) {
        write_result(lw, hashes[i], i);
        found += (lw->has[lw->prov->first[i]] & HAS_ROWS) != 0;
    }
    jw_array_end(&lw->pg.w);
    jw_key(&lw->pg.w, "found");
    jw_int(&lw->pg.w, (int64_t)found);
    jw_key(&lw->pg.w, "missing");
    jw_int(&lw->pg.w, (int64_t)(lw->n - found));
    jw_object_end(&lw->pg.w);
}

enum MHD_Result handle_provenance_batch_post(struct http_request *req, const char *param)
{
    (void)param;
    if (!http_is_json(req))
        return reply_problem(req, PROBLEM_UNSUPPORTED_MEDIA_TYPE, NULL,
                             "send the content hashes as Content-Type: application/json");
    size_t n;
    enum MHD_Result r = MHD_NO;
    uint8_t(*hashes)[SHA256_LEN] = lookup_hashes(req, &n, &r);
    if (!hashes)
        return r;
    struct provenance prov;
    struct problem p;
    struct lookup_writer lw = {.prov = &prov, .n = n, .has = calloc(n, 1)};
    size_t max = req->srv->opt.max_reply;
    if (!lw.has)
        r = reply_problem(req, PROBLEM_INTERNAL, NULL, "out of memory");
    else if (!registry_provenance_many(req->srv->reg, (const uint8_t(*)[SHA256_LEN])hashes, n,
                                       LOOKUP_PER_HASH, max, &prov, &p))
        r = reply_failure(req, &p);
    else {
        page_init(&lw.pg, max);
        write_lookup(&lw, (const uint8_t(*)[SHA256_LEN])hashes);
        provenance_free(&prov);
        r = page_reply(req, &lw.pg, MHD_HTTP_OK);
    }
    free(lw.has);
    free(hashes);
    return r;
}
