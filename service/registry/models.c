/* SPDX-License-Identifier: Apache-2.0 */
#include "registry/models.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "registry/signers.h"

struct registration {
    const struct model_request *req;
    int64_t key_id;
    bool require_known;
    struct problem *p;
    struct model_rows *out;
};

/* PROBLEM_MODEL_DATASET for the first dataset req names that is unknown, open or re-rooted. */
static enum db_status check_datasets(struct db_conn *conn, const struct model_request *req,
                                     struct problem *p)
{
    struct model_dataset_state st[MODEL_DATASETS_MAX];
    enum db_status s = db_model_datasets_state(conn, req, st);
    for (size_t i = 0; s == DB_OK && i < req->n_datasets; i++) {
        const struct model_dataset_ref *d = &req->datasets[i];
        char field[48];
        snprintf(field, sizeof field, "datasets[%zu].id", i);
        if (!st[i].found || !st[i].sealed) {
            problem_set(p, PROBLEM_MODEL_DATASET, field,
                        st[i].found ? "dataset %" PRId64 " is open: a model names sealed datasets"
                                    : "no dataset with id %" PRId64,
                        d->id);
            break;
        }
        if (strcmp(st[i].members_root_hex, d->members_root_hex) != 0) {
            snprintf(field, sizeof field, "datasets[%zu].members_root", i);
            problem_set(p, PROBLEM_MODEL_DATASET, field,
                        "dataset %" PRId64 " was sealed with members root %s, not %s", d->id,
                        st[i].members_root_hex, d->members_root_hex);
            break;
        }
    }
    return s;
}

static enum db_status register_txn(struct db_conn *conn, void *arg)
{
    struct registration *r = arg;
    int64_t id = 0;
    r->p->code = PROBLEM_NONE;
    model_rows_free(r->out);
    enum db_status st = signer_refusal(conn, r->req->sig.signer, r->require_known, false, r->p);
    if (st == DB_OK && r->p->code == PROBLEM_NONE)
        st = check_datasets(conn, r->req, r->p);
    if (st == DB_OK && r->p->code == PROBLEM_NONE)
        st = db_model_insert(conn, r->req, r->key_id, &id);
    if (st == DB_OK && r->p->code == PROBLEM_NONE)
        st = id ? db_model_get(conn, id, r->out)
                : db_model_find(conn, r->req->sig.signer, r->req->statement_hash, r->out);
    if (st == DB_OK && r->p->code == PROBLEM_NONE) {
        if (r->out->n != 1)
            return DB_ERROR;
        r->out->v[0].created = id != 0;
    }
    return st;
}

bool registry_model_register(struct registry *reg, const struct model_request *req, int64_t key_id,
                             struct model_rows *out, struct problem *p)
{
    memset(out, 0, sizeof *out);
    struct registration r = {.req = req,
                             .key_id = key_id,
                             .require_known = reg->policy.require_known_signer,
                             .p = p,
                             .out = out};
    bool ok = registry_in_transaction(reg, register_txn, &r, p);
    if (!ok)
        model_rows_free(out);
    return ok;
}

static enum db_status get_on(struct db_conn *conn, int64_t id, struct model_rows *out,
                             struct problem *p)
{
    enum db_status st = db_model_get(conn, id, out);
    if (st == DB_OK && out->n == 0)
        problem_set(p, PROBLEM_MODEL_NOT_FOUND, NULL, "no model with id %" PRId64, id);
    return st;
}

bool registry_model_get(struct registry *reg, int64_t id, struct model_rows *out, struct problem *p)
{
    memset(out, 0, sizeof *out);
    p->code = PROBLEM_NONE;
    struct db_conn *conn = db_acquire(reg->pool);
    if (!conn)
        return registry_db_problem(DB_UNAVAILABLE, p);
    enum db_status st = get_on(conn, id, out, p);
    db_release(reg->pool, conn);
    if (st != DB_OK)
        return registry_db_problem(st, p);
    return p->code == PROBLEM_NONE;
}

bool registry_models_list(struct registry *reg, const struct model_filter *f,
                          struct model_rows *out, struct problem *p)
{
    memset(out, 0, sizeof *out);
    struct db_conn *conn = db_acquire(reg->pool);
    if (!conn)
        return registry_db_problem(DB_UNAVAILABLE, p);
    enum db_status st = db_model_list(conn, f, out);
    db_release(reg->pool, conn);
    return registry_db_result(st, p);
}

/* A receipt_read of model *arg (an int64_t). */
static bool model_read(struct db_conn *conn, bool lean, const void *arg, struct receipt *r,
                       struct receipt_context *c, struct problem *p)
{
    int64_t id = *(const int64_t *)arg;
    struct model_receipt_row row;
    enum db_status st = db_model_get_for_receipt(conn, id, lean, &row);
    r->owner = row.owner;
    if (st != DB_OK)
        return registry_db_problem(st, p);
    if (!row.found)
        return problem_set(p, PROBLEM_MODEL_NOT_FOUND, NULL, "no model with id %" PRId64, id);
    model_record_write(&r->record, &row.model);
    r->id = id;
    r->pending_status = "registered";
    r->logged = row.model.logged;
    r->log_index = row.model.log_index;
    *c = row.context;
    return true;
}

static bool receipt_on(struct registry *reg, struct db_conn *conn, int64_t id, struct receipt *r,
                       struct problem *p)
{
    return receipt_load(reg, conn, model_read, &id, r, p);
}

bool registry_model_receipt(struct registry *reg, int64_t id, struct receipt *out,
                            struct problem *p)
{
    memset(out, 0, sizeof *out);
    p->code = PROBLEM_NONE;
    struct db_conn *conn = db_acquire(reg->pool);
    if (!conn)
        return registry_db_problem(DB_UNAVAILABLE, p);
    bool ok = receipt_on(reg, conn, id, out, p);
    db_release(reg->pool, conn);
    return ok;
}

/* ---- lineage ---- */

static bool lineage_rows(struct registry *reg, int64_t id, struct model_lineage *l,
                         struct problem *p)
{
    struct db_conn *conn = db_acquire(reg->pool);
    if (!conn)
        return registry_db_problem(DB_UNAVAILABLE, p);
    enum db_status st = get_on(conn, id, &l->model, p);
    if (st == DB_OK && p->code == PROBLEM_NONE)
        st = db_model_datasets(conn, id, &l->datasets);
    db_release(reg->pool, conn);
    if (st != DB_OK)
        return registry_db_problem(st, p);
    return p->code == PROBLEM_NONE;
}

bool registry_model_lineage(struct registry *reg, int64_t id, struct model_lineage *out,
                            struct problem *p)
{
    memset(out, 0, sizeof *out);
    p->code = PROBLEM_NONE;
    if (!lineage_rows(reg, id, out, p))
        return false;
    size_t n = out->datasets.n;
    if (!(out->audits = calloc(n ? n : 1, sizeof *out->audits)))
        return problem_set(p, PROBLEM_INTERNAL, NULL, "out of memory");
    for (size_t i = 0; i < n; i++) {
        struct audit_report *a = &out->audits[i];
        if (!registry_dataset_audit(reg, out->datasets.v[i].id, -1, 0, a, p))
            return false;
        out->members += a->members;
        out->passing += a->passing;
        out->failing += a->failing;
    }
    return true;
}

void model_lineage_free(struct model_lineage *l)
{
    for (size_t i = 0; l->audits && i < l->datasets.n; i++)
        audit_report_free(&l->audits[i]);
    free(l->audits);
    model_rows_free(&l->model);
    dataset_rows_free(&l->datasets);
    memset(l, 0, sizeof *l);
}

/* ---- proofs ---- */

static bool proof_on(struct registry *reg, struct db_conn *conn, int64_t id,
                     const uint8_t hash[SHA256_LEN], struct model_proof *m, struct problem *p)
{
    if (!receipt_on(reg, conn, id, &m->model, p))
        return false;
    enum db_status st = db_model_dataset_containing(conn, id, hash, &m->dataset_id);
    if (st != DB_OK)
        return registry_db_problem(st, p);
    if (!m->dataset_id)
        return problem_set(p, PROBLEM_NOT_A_MEMBER, "content_hash",
                           "no dataset of model %" PRId64 " contains the content hash", id);
    if (!registry_dataset_proof_on(reg, conn, m->dataset_id, hash, &m->membership, p))
        return false;
    const struct receipt *d = &m->membership.dataset;
    int64_t ids[MODEL_PROOF_REGISTRATIONS];
    size_t n = 0;
    if (d->logged)
        st = db_items_logged_before(conn, hash, d->log_index, MODEL_PROOF_REGISTRATIONS, ids, &n);
    if (st != DB_OK)
        return registry_db_problem(st, p);
    m->logged = m->model.logged && d->logged;
    for (; m->n_registrations < n; m->n_registrations++)
        if (!registry_item_receipt_on(reg, conn, ids[m->n_registrations],
                                      &m->registrations[m->n_registrations], p))
            return false;
    return true;
}

bool registry_model_proof(struct registry *reg, int64_t id, const uint8_t hash[SHA256_LEN],
                          struct model_proof *out, struct problem *p)
{
    memset(out, 0, sizeof *out);
    p->code = PROBLEM_NONE;
    struct db_conn *conn = db_acquire(reg->pool);
    if (!conn)
        return registry_db_problem(DB_UNAVAILABLE, p);
    bool ok = proof_on(reg, conn, id, hash, out, p);
    db_release(reg->pool, conn);
    return ok;
}

void model_proof_free(struct model_proof *m)
{
    receipt_free(&m->model);
    membership_proof_free(&m->membership);
    for (size_t i = 0; i < MODEL_PROOF_REGISTRATIONS; i++)
        receipt_free(&m->registrations[i]);
}
