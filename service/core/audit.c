/* SPDX-License-Identifier: Apache-2.0 */
#include "core/audit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/spdx.h"
#include "core/usage.h"

static const char *const reason_names[AUDIT_REASONS] = {
    "unregistered",   "unlogged", "unanchored",    "license",
    "unknown_signer", "revoked",  "usage_refused",
};

const char *audit_reason_name(unsigned i)
{
    return i < AUDIT_REASONS ? reason_names[i] : "";
}

static bool license_ok(const struct dataset_policy *p, const char *license)
{
    if (!p->has_licenses)
        return true;
    if (!license)
        return false;
    const char *allowed[DATASET_LICENSES_MAX];
    for (size_t i = 0; i < p->n_licenses; i++)
        allowed[i] = p->licenses[i];
    return spdx_satisfiable(license, allowed, p->n_licenses);
}

unsigned audit_registration(const struct dataset_policy *p, const struct audit_row *r)
{
    unsigned why = 0;
    if (p->require_logged && !r->logged)
        why |= AUDIT_UNLOGGED;
    if (p->require_anchored && !(r->logged && r->anchored))
        why |= AUDIT_UNANCHORED;
    if (!license_ok(p, r->license))
        why |= AUDIT_LICENSE;
    if (p->require_known_signer && !r->known)
        why |= AUDIT_UNKNOWN_SIGNER;
    if (r->revoked)
        why |= AUDIT_REVOKED;
    return why;
}

void audit_member_free(struct audit_member *m)
{
    for (size_t i = 0; i < m->n_shown; i++) {
        free(m->regs[i].license);
        free(m->regs[i].content_usage);
    }
    free(m->regs);
    m->regs = NULL;
    m->n_shown = 0;
}

void audit_fold_init(struct audit_fold *f, const struct dataset_policy *policy)
{
    memset(f, 0, sizeof *f);
    f->policy = policy;
}

void audit_fold_free(struct audit_fold *f)
{
    audit_member_free(&f->m);
    free(f->signers);
    f->signers = NULL;
    f->n_signers = f->cap_signers = 0;
}

static char *dup_or_null(const char *s, bool *oom)
{
    if (!s)
        return NULL;
    char *d = strdup(s);
    *oom = *oom || !d;
    return d;
}

/* The registration's preference governs its signer's from now on (rows come in log order). */
static void note_usage(struct audit_fold *f, const struct audit_row *r)
{
    struct content_usage u;
    char err[8];
    if (!r->signer || !r->content_usage || !usage_parse(r->content_usage, &u, err, sizeof err))
        return; /* absent, or stored before provd checked it: no preference */
    bool refuses = usage_refuses(&u, f->policy->generative);
    for (size_t i = 0; i < f->n_signers; i++)
        if (!strcmp(f->signers[i].signer, r->signer)) {
            f->signers[i].refuses = refuses;
            return;
        }
    if (f->n_signers == f->cap_signers) {
        size_t cap = f->cap_signers ? 2 * f->cap_signers : 8;
        void *v = realloc(f->signers, cap * sizeof *f->signers);
        if (!v) {
            f->oom = true;
            return;
        }
        f->signers = v;
        f->cap_signers = cap;
    }
    struct usage_signer *s = &f->signers[f->n_signers++];
    snprintf(s->signer, sizeof s->signer, "%s", r->signer);
    s->refuses = refuses;
}

static void add_registration(struct audit_fold *f, const struct audit_row *r)
{
    unsigned why = audit_registration(f->policy, r);
    f->m.n_regs++;
    f->qualified = f->qualified || why == 0;
    f->regs_reasons |= why;
    if (f->policy->respect_content_usage)
        note_usage(f, r);
    if (f->m.n_shown == AUDIT_REGS_SHOWN)
        return;
    if (!f->m.regs && !(f->m.regs = malloc(AUDIT_REGS_SHOWN * sizeof *f->m.regs))) {
        f->oom = true;
        return;
    }
    struct audit_reg *g = &f->m.regs[f->m.n_shown++];
    g->item_id = r->item_id;
    snprintf(g->signer, sizeof g->signer, "%s", r->signer ? r->signer : "");
    g->logged = r->logged;
    g->log_index = r->log_index;
    g->license = dup_or_null(r->license, &f->oom);
    g->content_usage = dup_or_null(r->content_usage, &f->oom);
    g->reasons = why;
}

/* Completes the member being folded into *done. */
static void close_member(struct audit_fold *f, struct audit_member *done)
{
    unsigned reasons = 0;
    if (f->m.n_regs == 0)
        reasons = AUDIT_UNREGISTERED;
    else if (!f->qualified)
        reasons = f->regs_reasons;
    for (size_t i = 0; i < f->n_signers; i++)
        if (f->signers[i].refuses)
            reasons |= AUDIT_USAGE_REFUSED;
    f->m.reasons = reasons;
    *done = f->m;
    memset(&f->m, 0, sizeof f->m);
    f->open = false;
    f->qualified = false;
    f->regs_reasons = 0;
    f->n_signers = 0;
}

bool audit_fold_add(struct audit_fold *f, const struct audit_row *r, struct audit_member *done)
{
    bool completed = false;
    if (f->open && f->m.position != r->position) {
        close_member(f, done);
        completed = true;
    }
    if (!f->open) {
        f->open = true;
        f->m.position = r->position;
        memcpy(f->m.content_hash, r->content_hash, SHA256_LEN);
    }
    if (r->registered)
        add_registration(f, r);
    return completed;
}

bool audit_fold_finish(struct audit_fold *f, struct audit_member *done)
{
    if (!f->open)
        return false;
    close_member(f, done);
    return true;
}
