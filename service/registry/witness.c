/* SPDX-License-Identifier: Apache-2.0 */
#include "registry/witness.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/loghead.h"
#include "db/tlog.h"
#include "db/witness.h"
#include "registry/prove.h"
#include "util/diag.h"
#include "util/sleep.h"

static const char *const outcome_names[WITNESS_OUTCOME_COUNT_] = {
    [WITNESS_COSIGNED] = "cosigned",       [WITNESS_REFUSED] = "refused",
    [WITNESS_UNKNOWN_LOG] = "unknown_log", [WITNESS_BAD_PROOF] = "bad_proof",
    [WITNESS_CONFLICT] = "conflict",       [WITNESS_FORK] = "fork",
    [WITNESS_UNREACHABLE] = "unreachable", [WITNESS_BAD_COSIGNATURE] = "bad_cosignature",
    [WITNESS_BAD_REPLY] = "bad_reply",     [WITNESS_LOCAL_ERROR] = "local_error",
};

const char *witness_outcome_name(enum witness_outcome o)
{
    return o < WITNESS_OUTCOME_COUNT_ ? outcome_names[o] : "unknown";
}

bool witness_peer_init(struct witness_peer *p, const char *spec)
{
    char *prefix = NULL;
    memset(p, 0, sizeof *p);
    if (!cosig_witness_parse(spec, &prefix, &p->key))
        return false;
    size_t len = strlen(prefix);
    while (len > 0 && prefix[len - 1] == '/')
        len--;
    static const char path[] = "/add-checkpoint";
    p->url = malloc(len + sizeof path);
    if (p->url) {
        memcpy(p->url, prefix, len);
        memcpy(p->url + len, path, sizeof path);
    }
    free(prefix);
    cosig_key_label(&p->key, p->label, sizeof p->label);
    return p->url != NULL;
}

void witness_peer_free(struct witness_peer *p)
{
    free(p->url);
    p->url = NULL;
}

void witness_result_free(struct witness_result *r)
{
    for (size_t i = 0; i < WITNESS_LINES_MAX; i++)
        buf_free(&r->line[i]);
    r->n_lines = 0;
}

/* What one POST brought back. */
struct exchange {
    long status;
    char content_type[128];
    struct buf reply;
};

/* Sends "old <old>", the proof from old to cp->size and the note; false (out->detail set) when
 * no reply came, *local telling whether the request could not even be built. */
static bool post(const struct witness_peer *p, const struct witness_checkpoint *cp, uint64_t old,
                 witness_proof_fn proof_fn, void *proof_ctx, witness_transport_fn transport,
                 void *tctx, unsigned timeout_ms, struct exchange *ex, struct witness_result *out,
                 bool *local)
{
    uint8_t proof[MERKLE_MAX_PROOF][MERKLE_HASH_LEN];
    int count = 0;
    struct buf body = BUF_INIT;
    bool ok = false;
    *local = true;
    if (old > 0 && old < cp->size && !proof_fn(proof_ctx, old, cp->size, proof, &count)) {
        snprintf(out->detail, sizeof out->detail, "no consistency proof from %" PRIu64, old);
        goto out;
    }
    if (count < 0 || count > COSIG_PROOF_MAX ||
        !cosig_request_format(old, (const uint8_t(*)[MERKLE_HASH_LEN])proof, (size_t)count,
                              cp->note, cp->len, &body)) {
        snprintf(out->detail, sizeof out->detail, "cannot build the request");
        goto out;
    }
    *local = false;
    ex->status = 0;
    ex->content_type[0] = '\0';
    ex->reply.len = 0;
    ok = transport(tctx, p->url, body.data, body.len, timeout_ms, &ex->status, ex->content_type,
                   sizeof ex->content_type, &ex->reply, out->detail, sizeof out->detail);
out:
    buf_free(&body);
    return ok;
}

/* A 409 body: the witness's size in decimal and a newline, typed text/x.tlog.size. */
static bool parse_size(const struct exchange *ex, uint64_t *size)
{
    static const char type[] = "text/x.tlog.size";
    if (strncmp(ex->content_type, type, sizeof type - 1) != 0)
        return false;
    const char *s = ex->reply.data;
    size_t len = ex->reply.len;
    if (!s || len < 2 || len > 21 || s[len - 1] != '\n' || (s[0] == '0' && len > 2))
        return false;
    uint64_t v = 0;
    for (size_t i = 0; i + 1 < len; i++) {
        if (s[i] < '0' || s[i] > '9' || v > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10)
            return false;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    *size = v;
    return true;
}

/* A 200 body: keeps the lines that are valid cosignatures of the checkpoint by p's key. */
static enum witness_outcome take_cosignatures(const struct witness_peer *p,
                                              const struct witness_checkpoint *cp,
                                              const struct exchange *ex, struct witness_result *out)
{
    size_t body_len = 0, sigs_off = 0, off = 0;
    if (!cosig_note_split(cp->note, cp->len, &body_len, &sigs_off) || !ex->reply.data) {
        snprintf(out->detail, sizeof out->detail, "an empty or unreadable reply");
        return !ex->reply.data ? WITNESS_BAD_REPLY : WITNESS_LOCAL_ERROR;
    }
    const char *line;
    size_t line_len;
    while (cosig_line_next(ex->reply.data, ex->reply.len, &off, &line, &line_len)) {
        uint64_t ts = 0;
        enum cosig_line_result r =
            cosig_line_check(&p->key, cp->note, body_len, line, line_len, &ts);
        if (r == COSIG_LINE_INVALID)
            out->bad_lines++;
        if (r != COSIG_LINE_VALID || out->n_lines == WITNESS_LINES_MAX)
            continue;
        struct buf *b = &out->line[out->n_lines];
        buf_append(b, line, line_len);
        out->signed_at[out->n_lines++] = ts;
    }
    if (out->n_lines > 0)
        return WITNESS_COSIGNED;
    snprintf(out->detail, sizeof out->detail, "%s",
             out->bad_lines ? "no cosignature by its key verifies" : "no cosignature by its key");
    return out->bad_lines ? WITNESS_BAD_COSIGNATURE : WITNESS_BAD_REPLY;
}

/* Reads a 409 on attempt (0 first, 1 the resync): *retry_old set when a retry from it helps. */
static enum witness_outcome on_conflict(struct witness_peer *p, const struct witness_checkpoint *cp,
                                        const struct exchange *ex, int attempt,
                                        struct witness_result *out, bool *retry)
{
    uint64_t s = 0;
    *retry = false;
    if (!parse_size(ex, &s)) {
        snprintf(out->detail, sizeof out->detail, "409 without a text/x.tlog.size body");
        return WITNESS_BAD_REPLY;
    }
    out->witness_size = s;
    if (s > cp->size) {
        snprintf(out->detail, sizeof out->detail,
                 "the witness cosigned size %" PRIu64 ", beyond the log's %" PRIu64, s, cp->size);
        return WITNESS_FORK;
    }
    p->known = true;
    p->size = s;
    if (attempt == 0) {
        *retry = true;
        return WITNESS_CONFLICT;
    }
    if (s == cp->size) {
        snprintf(out->detail, sizeof out->detail,
                 "the witness holds another checkpoint of size %" PRIu64, s);
        return WITNESS_FORK;
    }
    snprintf(out->detail, sizeof out->detail, "the witness's size moved to %" PRIu64, s);
    return WITNESS_CONFLICT;
}

/* The outcome of a reply that is neither 200 nor 409. */
static enum witness_outcome on_refusal(struct witness_peer *p, const struct exchange *ex,
                                       int attempt, uint64_t old, struct witness_result *out)
{
    switch (ex->status) {
    case 403:
        snprintf(out->detail, sizeof out->detail, "403: the witness does not trust the log's key");
        return WITNESS_REFUSED;
    case 404:
        snprintf(out->detail, sizeof out->detail, "404: the witness does not know the log");
        return WITNESS_UNKNOWN_LOG;
    case 422:
        p->known = false; /* ask its size again next time (old 0) */
        snprintf(out->detail, sizeof out->detail,
                 "422: the consistency proof from %" PRIu64 " did not verify", old);
        return attempt ? WITNESS_FORK : WITNESS_BAD_PROOF;
    default:
        snprintf(out->detail, sizeof out->detail, "unexpected status %ld", ex->status);
        return WITNESS_BAD_REPLY;
    }
}

void witness_submit(struct witness_peer *p, const struct witness_checkpoint *cp,
                    witness_proof_fn proof, void *proof_ctx, witness_transport_fn transport,
                    void *transport_ctx, unsigned timeout_ms, struct witness_result *out)
{
    memset(out, 0, sizeof *out);
    struct exchange ex = {.reply = BUF_INIT};
    uint64_t old = p->known ? p->size : 0;
    if (old > cp->size) {
        snprintf(out->detail, sizeof out->detail,
                 "the witness cosigned size %" PRIu64 ", beyond the log's %" PRIu64, old, cp->size);
        out->outcome = WITNESS_FORK;
        return;
    }
    for (int attempt = 0; attempt < 2; attempt++) {
        bool local = false, retry = false;
        if (!post(p, cp, old, proof, proof_ctx, transport, transport_ctx, timeout_ms, &ex, out,
                  &local)) {
            out->outcome = local ? WITNESS_LOCAL_ERROR : WITNESS_UNREACHABLE;
            break;
        }
        out->status = ex.status;
        if (ex.status == 200) {
            out->outcome = take_cosignatures(p, cp, &ex, out);
            p->known = true; /* it recorded our checkpoint, valid cosignature or not */
            p->size = cp->size;
            break;
        }
        if (ex.status == 409)
            out->outcome = on_conflict(p, cp, &ex, attempt, out, &retry);
        else
            out->outcome = on_refusal(p, &ex, attempt, old, out);
        if (!retry)
            break;
        old = p->size;
    }
    buf_free(&ex.reply);
}

void witness_schedule(struct witness_peer *p, enum witness_outcome o, unsigned interval_s,
                      int64_t now_ms)
{
    unsigned base = interval_s ? interval_s : 1;
    if (o == WITNESS_COSIGNED) {
        p->backoff_s = 0;
        p->next_ms = now_ms + (int64_t)base * 1000;
        return;
    }
    unsigned max = base * WITNESS_BACKOFF_INTERVALS;
    if (max > WITNESS_BACKOFF_MAX_S)
        max = WITNESS_BACKOFF_MAX_S;
    p->backoff_s = p->backoff_s ? p->backoff_s * 2 : base;
    if (p->backoff_s > max)
        p->backoff_s = max;
    p->next_ms = now_ms + (int64_t)p->backoff_s * 1000;
}

/* ---- the service ---- */

bool witness_service_init(struct witness_service *s, const struct witness_options *o)
{
    memset(s, 0, sizeof *s);
    s->database_url = strdup(o->database_url);
    s->peers = calloc(o->n_specs ? o->n_specs : 1, sizeof *s->peers);
    if (!s->database_url || !s->peers)
        goto fail;
    for (; s->n < o->n_specs; s->n++) {
        if (!witness_peer_init(&s->peers[s->n], o->specs[s->n])) {
            diag_error("invalid --witness %s", o->specs[s->n]);
            goto fail;
        }
    }
    s->limits = o->limits;
    s->quorum = o->quorum;
    s->interval_s = o->interval_s;
    s->timeout_ms = o->timeout_ms;
    s->transport = o->transport;
    s->transport_ctx = o->transport_ctx;
    return true;
fail:
    witness_service_free(s);
    return false;
}

void witness_service_free(struct witness_service *s)
{
    for (size_t i = 0; s->peers && i < s->n; i++)
        witness_peer_free(&s->peers[i]);
    free(s->peers);
    free(s->database_url);
    db_disconnect(s->conn);
    memset(s, 0, sizeof *s);
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool proof_from_db(void *ctx, uint64_t m, uint64_t n, uint8_t (*proof)[MERKLE_HASH_LEN],
                          int *count)
{
    return prove_consistency(ctx, NULL, m, n, proof, count) == DB_OK;
}

/* Marks the witnesses of this configuration active and reads what each last cosigned. */
static enum db_status configure(struct db_conn *conn, void *arg)
{
    struct witness_service *s = arg;
    enum db_status st = db_witness_reset(conn, s->quorum);
    for (size_t i = 0; i < s->n && st == DB_OK; i++) {
        struct witness_peer *p = &s->peers[i];
        struct buf vkey = BUF_INIT;
        cosig_key_format(&p->key, &vkey);
        st = db_witness_upsert(conn, p->key.name, p->key.id, p->url, vkey.data ? vkey.data : "",
                               &p->known, &p->size);
        buf_free(&vkey);
    }
    return st;
}

struct store {
    const struct witness_peer *p;
    const struct witness_result *r;
    uint64_t size;
    bool met;
};

static enum db_status store_cosignatures(struct db_conn *conn, void *arg)
{
    struct store *a = arg;
    enum db_status st = DB_OK;
    for (size_t i = 0; i < a->r->n_lines && st == DB_OK; i++)
        st = db_witness_cosignature_insert(conn, a->size, a->p->key.name, a->p->key.id,
                                           a->r->signed_at[i], a->r->line[i].data);
    if (st == DB_OK && a->r->bad_lines)
        st = db_witness_failure_add(conn, a->p->key.name, a->p->key.id,
                                    witness_outcome_name(WITNESS_BAD_COSIGNATURE));
    return st == DB_OK ? db_witness_quorum_update(conn, a->size, &a->met) : st;
}

/* Stores what an exchange brought and says so in the log. */
static enum db_status record(struct witness_service *s, const struct witness_peer *p,
                             const struct witness_result *r, uint64_t size)
{
    if (r->outcome == WITNESS_COSIGNED) {
        struct store a = {.p = p, .r = r, .size = size};
        enum db_status st = db_transaction(s->conn, store_cosignatures, &a);
        if (st == DB_OK)
            diag_info("witness %s cosigned tree size %" PRIu64 "%s", p->label, size,
                      a.met ? " (quorum met)" : "");
        return st;
    }
    if (r->outcome == WITNESS_FORK)
        diag_error("witness %s: POSSIBLE SPLIT VIEW of the log at tree size %" PRIu64 ": %s",
                   p->label, size, r->detail);
    else
        diag_warn("witness %s refused tree size %" PRIu64 " (%s): %s", p->label, size,
                  witness_outcome_name(r->outcome), r->detail);
    return db_witness_failure_add(s->conn, p->key.name, p->key.id,
                                  witness_outcome_name(r->outcome));
}

/* Sends the checkpoint to every witness that is due and has not cosigned it. */
static enum db_status round_all(struct witness_service *s, const struct witness_checkpoint *cp)
{
    for (size_t i = 0; i < s->n; i++) {
        struct witness_peer *p = &s->peers[i];
        int64_t t = now_ms();
        if (t < p->next_ms || (p->known && p->size >= cp->size && p->backoff_s == 0))
            continue;
        struct witness_result r;
        witness_submit(p, cp, proof_from_db, s->conn, s->transport, s->transport_ctx, s->timeout_ms,
                       &r);
        witness_schedule(p, r.outcome, s->interval_s, now_ms());
        enum db_status st = record(s, p, &r, cp->size);
        witness_result_free(&r);
        if (st != DB_OK)
            return st;
    }
    return DB_OK;
}

static void drop_leadership(struct witness_service *s)
{
    s->leader = false;
    s->configured = false;
    db_disconnect(s->conn);
    s->conn = NULL;
}

/* One round: leadership, configuration, then the exchanges. False on a database failure. */
static bool witness_step(struct witness_service *s)
{
    struct log_head head = {0};
    bool ok = false;
    if (!s->conn && !(s->conn = db_connect(s->database_url, 0, &s->limits)))
        return false;
    if (!s->leader && db_witness_try_lock(s->conn, &s->leader) != DB_OK)
        goto out;
    if (!s->leader) {
        ok = true;
        goto out;
    }
    if (db_log_head(s->conn, &head) != DB_OK)
        goto out;
    if (!s->configured && head.origin) {
        if (db_transaction(s->conn, configure, s) != DB_OK)
            goto out;
        s->configured = true;
    }
    if (s->configured && head.note) {
        struct witness_checkpoint cp = {head.note, strlen(head.note), head.tree_size};
        if (round_all(s, &cp) != DB_OK)
            goto out;
    }
    ok = true;
out:
    log_head_free(&head);
    if (!ok)
        drop_leadership(s);
    return ok;
}

void witness_service_run(struct witness_service *s, atomic_bool *stop)
{
    diag_info("witness cosigning: %zu witnesses, quorum %u, every %u s", s->n, s->quorum,
              s->interval_s);
    while (!atomic_load(stop)) {
        if (!witness_step(s))
            diag_warn("witness cosigning: database unavailable, retrying");
        sleep_ms_unless(1000, stop);
    }
}

bool registry_witness_gauges(struct registry *reg, struct witness_gauges *out)
{
    memset(out, 0, sizeof *out);
    struct db_conn *conn = db_acquire(reg->pool);
    enum db_status st = conn ? db_witness_gauges(conn, out) : DB_UNAVAILABLE;
    db_release(reg->pool, conn);
    return st == DB_OK;
}
