/* SPDX-License-Identifier: Apache-2.0 */
/* A model's lineage as JSON, and its in-toto attestation in a DSSE envelope:
 *   envelope  {"payloadType": "application/vnd.in-toto+json", "payload": base64(statement),
 *              "signatures": [{"keyid": <8 hex: the log key's C2SP key id>,
 *                              "sig": base64(Ed25519(PAE(payloadType, statement)))}]}
 *   PAE       "DSSEv1" SP len(type) SP type SP len(body) SP body (lengths in ASCII decimal)
 *   statement {"_type": "https://in-toto.io/Statement/v1",
 *              "subject": [{"name": model name, "digest": {"sha256": <hex>}}],
 *              "predicateType": MODEL_PREDICATE_TYPE, "predicate": {...}} */
#include "registry/models.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/codec.h"
#include "util/validate.h"
#include "crypto/sig.h"

#define DSSE_PAYLOAD_TYPE "application/vnd.in-toto+json"

static void write_nullable(struct jsonw *w, const char *key, const char *v)
{
    jw_key(w, key);
    if (v)
        jw_string(w, v);
    else
        jw_null(w);
}

static void write_index(struct jsonw *w, const char *key, bool set, uint64_t v)
{
    jw_key(w, key);
    if (set)
        jw_int(w, (int64_t)v);
    else
        jw_null(w);
}

static void write_curator(struct jsonw *w, const struct dataset_row *d)
{
    enum sig_scheme s = sig_scheme_parse(d->scheme ? d->scheme : "");
    jw_key(w, "curator");
    jw_object_begin(w);
    jw_key(w, "scheme");
    jw_string(w, d->scheme ? d->scheme : "");
    jw_key(w, sig_key_field(s));
    jw_string(w, d->signer ? d->signer : "");
    jw_key(w, "known");
    jw_bool(w, d->signer_name != NULL);
    write_nullable(w, "name", d->signer_name);
    jw_key(w, "revoked");
    jw_bool(w, d->signer_revoked);
    jw_object_end(w);
}

static void write_audit(struct jsonw *w, const struct audit_report *a)
{
    jw_key(w, "audit");
    jw_object_begin(w);
    jw_key(w, "final");
    jw_bool(w, a->final);
    audit_totals_write(w, a);
    jw_object_end(w);
}

static void write_dataset(struct jsonw *w, const struct dataset_row *d,
                          const struct audit_report *a)
{
    char sealed_at[RFC3339_US_LEN + 1];
    format_rfc3339_us(d->sealed_us, sealed_at);
    jw_object_begin(w);
    jw_key(w, "id");
    jw_int(w, d->id);
    jw_key(w, "name");
    jw_string(w, d->name);
    jw_key(w, "version");
    jw_string(w, d->version);
    jw_key(w, "member_count");
    jw_int(w, (int64_t)d->member_count);
    write_nullable(w, "members_root", d->members_root_hex);
    jw_key(w, "sealed_at");
    jw_string(w, sealed_at);
    write_index(w, "log_index", d->logged, d->log_index);
    write_curator(w, d);
    write_audit(w, a);
    jw_object_end(w);
}

void model_lineage_write(struct jsonw *w, const struct model_lineage *l)
{
    jw_key(w, "datasets");
    jw_array_begin(w);
    for (size_t i = 0; i < l->datasets.n; i++)
        write_dataset(w, &l->datasets.v[i], &l->audits[i]);
    jw_array_end(w);
    jw_key(w, "totals");
    jw_object_begin(w);
    jw_key(w, "members");
    jw_int(w, (int64_t)l->members);
    jw_key(w, "passing");
    jw_int(w, (int64_t)l->passing);
    jw_key(w, "failing");
    jw_int(w, (int64_t)l->failing);
    jw_object_end(w);
}

/* The in-toto statement of lineage l, its model record logged at index and covered by the
 * checkpoint note of log origin at tree size. */
static void write_statement(struct buf *out, const struct model_lineage *l, const char *origin,
                            uint64_t size, const char *note)
{
    const struct model_row *m = &l->model.v[0];
    struct jsonw w;
    jw_init(&w, out);
    jw_object_begin(&w);
    jw_key(&w, "_type");
    jw_string(&w, "https://in-toto.io/Statement/v1");
    jw_key(&w, "subject");
    jw_array_begin(&w);
    jw_object_begin(&w);
    jw_key(&w, "name");
    jw_string(&w, m->f.name);
    jw_key(&w, "digest");
    jw_object_begin(&w);
    jw_key(&w, "sha256");
    jw_string(&w, m->f.digest_hex);
    jw_object_end(&w);
    jw_object_end(&w);
    jw_array_end(&w);
    jw_key(&w, "predicateType");
    jw_string(&w, MODEL_PREDICATE_TYPE);
    jw_key(&w, "predicate");
    jw_object_begin(&w);
    jw_key(&w, "model");
    jw_object_begin(&w);
    jw_key(&w, "id");
    jw_int(&w, m->id);
    jw_key(&w, "name");
    jw_string(&w, m->f.name);
    jw_key(&w, "version");
    jw_string(&w, m->f.version);
    jw_key(&w, "log_index");
    jw_int(&w, (int64_t)m->log_index);
    jw_object_end(&w);
    model_lineage_write(&w, l);
    jw_key(&w, "log");
    jw_object_begin(&w);
    jw_key(&w, "origin");
    jw_string(&w, origin);
    jw_key(&w, "tree_size");
    jw_int(&w, (int64_t)size);
    jw_key(&w, "checkpoint");
    jw_string(&w, note);
    jw_object_end(&w);
    jw_object_end(&w);
    jw_object_end(&w);
}

static void write_envelope(struct buf *out, const char *payload, uint32_t key_id,
                           const uint8_t sig[ED25519_SIGNATURE_LEN])
{
    char sig_b64[4 * ((ED25519_SIGNATURE_LEN + 2) / 3) + 1], keyid[9];
    base64_std_encode(sig, ED25519_SIGNATURE_LEN, sig_b64);
    snprintf(keyid, sizeof keyid, "%08" PRIx32, key_id);
    struct jsonw w;
    jw_init(&w, out);
    jw_object_begin(&w);
    jw_key(&w, "payloadType");
    jw_string(&w, DSSE_PAYLOAD_TYPE);
    jw_key(&w, "payload");
    jw_string(&w, payload);
    jw_key(&w, "signatures");
    jw_array_begin(&w);
    jw_object_begin(&w);
    jw_key(&w, "keyid");
    jw_string(&w, keyid);
    jw_key(&w, "sig");
    jw_string(&w, sig_b64);
    jw_object_end(&w);
    jw_array_end(&w);
    jw_object_end(&w);
}

/* Signs the DSSE pre-authentication encoding of statement and writes the envelope. */
static bool sign_envelope(const struct note_key *key, const struct buf *statement, struct buf *out)
{
    struct buf pae = BUF_INIT;
    buf_printf(&pae, "DSSEv1 %zu " DSSE_PAYLOAD_TYPE " %zu ", strlen(DSSE_PAYLOAD_TYPE),
               statement->len);
    buf_append(&pae, statement->data, statement->len);
    uint8_t sig[ED25519_SIGNATURE_LEN];
    char *payload = malloc(4 * ((statement->len + 2) / 3) + 1); /* padded */
    bool ok = !pae.oom && payload &&
              ed25519_sign(key->secret_key, (const uint8_t *)pae.data, pae.len, sig);
    if (ok) {
        base64_std_encode((const uint8_t *)statement->data, statement->len, payload);
        write_envelope(out, payload, key->id, sig);
        ok = !out->oom;
    }
    free(payload);
    buf_free(&pae);
    return ok;
}

/* PROBLEM_ATTESTATION_UNAVAILABLE unless key can sign and is the log's (head's). */
static bool key_usable(const struct note_key *key, const struct log_head *head, struct problem *p)
{
    struct buf vkey = BUF_INIT;
    if (!key || !key->has_secret)
        return problem_set(p, PROBLEM_ATTESTATION_UNAVAILABLE, NULL,
                           "this server has no log key to sign attestations with (start "
                           "provd serve with --log-key-file)");
    note_key_format_vkey(key, &vkey);
    bool same = !vkey.oom && head->vkey && strcmp(vkey.data, head->vkey) == 0;
    buf_free(&vkey);
    if (!same)
        return problem_set(p, PROBLEM_ATTESTATION_UNAVAILABLE, NULL,
                           "this server's --log-key-file is not the log's key");
    return true;
}

bool registry_model_attestation(struct registry *reg, int64_t id, const struct note_key *key,
                                struct buf *out, bool *pending, struct problem *p)
{
    struct model_lineage l;
    struct log_head head = {0};
    struct buf statement = BUF_INIT;
    *pending = false;
    if (!key || !key->has_secret)
        return key_usable(key, NULL, p);
    bool ok = registry_model_lineage(reg, id, &l, p);
    const struct model_row *m = ok ? &l.model.v[0] : NULL;
    *pending = ok && !m->logged;
    ok = ok && (*pending || (registry_log_head(reg, &head, p) && key_usable(key, &head, p)));
    if (ok && !*pending && head.tree_size <= m->log_index)
        *pending = true; /* logged, but the checkpoint read is older */
    if (ok && !*pending) {
        write_statement(&statement, &l, head.origin, head.tree_size, head.note);
        ok = !statement.oom && sign_envelope(key, &statement, out);
        if (!ok)
            problem_set(p, PROBLEM_INTERNAL, NULL, "out of memory");
    }
    buf_free(&statement);
    log_head_free(&head);
    model_lineage_free(&l);
    return ok;
}
