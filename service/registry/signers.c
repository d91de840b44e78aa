/* SPDX-License-Identifier: Apache-2.0 */
#include "registry/signers.h"

#include <string.h>

#include "db/signers.h"

typedef enum db_status (*signer_stmt)(struct db_conn *, const char *, struct signer_rows *);

/* Runs one statement of the signer with identity; the signer must exist. */
static bool one_signer(struct registry *reg, signer_stmt fn, const char *identity,
                       struct signer_rows *out, struct problem *p)
{
    memset(out, 0, sizeof *out);
    struct db_conn *conn = db_acquire(reg->pool);
    enum db_status st = conn ? fn(conn, identity, out) : DB_UNAVAILABLE;
    db_release(reg->pool, conn);
    if (st != DB_OK)
        return registry_db_problem(st, p);
    if (out->n == 0) {
        signer_rows_free(out);
        return problem_set(p, PROBLEM_SIGNER_NOT_FOUND, NULL, "no signer %.150s", identity);
    }
    p->code = PROBLEM_NONE;
    return true;
}

bool registry_signer_get(struct registry *reg, const char *identity, struct signer_rows *out,
                         struct problem *p)
{
    return one_signer(reg, db_signer_get, identity, out, p);
}

bool registry_signer_revoke(struct registry *reg, const char *identity, struct signer_rows *out,
                            struct problem *p)
{
    return one_signer(reg, db_signer_revoke, identity, out, p);
}

bool registry_signer_create(struct registry *reg, const struct signer_fields *f,
                            struct signer_rows *out, struct problem *p)
{
    memset(out, 0, sizeof *out);
    struct db_conn *conn = db_acquire(reg->pool);
    enum db_status st = conn ? db_signer_insert(conn, f, out) : DB_UNAVAILABLE;
    db_release(reg->pool, conn);
    if (st == DB_CONFLICT)
        return problem_set(p, PROBLEM_SIGNER_EXISTS, "identity", "signer %s is already known",
                           f->identity);
    return registry_db_result(st, p);
}

bool registry_signers_list(struct registry *reg, const char *after, unsigned limit,
                           size_t max_bytes, struct signer_rows *out, struct problem *p)
{
    memset(out, 0, sizeof *out);
    struct db_conn *conn = db_acquire(reg->pool);
    enum db_status st = conn ? db_signer_list(conn, after, limit, max_bytes, out) : DB_UNAVAILABLE;
    db_release(reg->pool, conn);
    return registry_db_result(st, p);
}

enum db_status signer_refusal(struct db_conn *conn, const char *signer, bool require_known,
                              bool keyless, struct problem *err)
{
    struct signer_rows row;
    enum db_status st = db_signer_get(conn, signer, &row);
    err->code = PROBLEM_NONE;
    if (st != DB_OK)
        return st;
    if (row.n == 1 && row.v[0].revoked_at)
        problem_set(err, PROBLEM_SIGNER_REVOKED, "signature", "signer %s was revoked at %s", signer,
                    row.v[0].revoked_at);
    else if (row.n == 0 && require_known)
        signer_unknown(err, signer, keyless);
    signer_rows_free(&row);
    return DB_OK;
}

bool signer_unknown(struct problem *err, const char *signer, bool keyless)
{
    return problem_set(err, PROBLEM_SIGNER_UNKNOWN, "signature",
                       "signer %s is not in the signer registry, which this service requires%s",
                       signer, keyless ? " for requests without an API key" : "");
}
