/* SPDX-License-Identifier: Apache-2.0 */
#include "testutil.h"

#include "core/audit.h"

#define N(a) (sizeof(a) / sizeof *(a))

static const unsigned UNREG = AUDIT_UNREGISTERED, UNLOGGED = AUDIT_UNLOGGED,
                      UNANCH = AUDIT_UNANCHORED, LIC = AUDIT_LICENSE,
                      UNKNOWN = AUDIT_UNKNOWN_SIGNER, REVOKED = AUDIT_REVOKED,
                      REFUSED = AUDIT_USAGE_REFUSED;

/* A registration that meets every requirement: logged, anchored, known, MIT. */
static struct audit_row good_row(uint64_t position, int64_t item_id, const char *signer)
{
    struct audit_row r = {
        .position = position,
        .registered = true,
        .item_id = item_id,
        .signer = signer,
        .logged = true,
        .log_index = (uint64_t)item_id + 100,
        .known = true,
        .revoked = false,
        .anchored = true,
        .license = "MIT",
        .content_usage = NULL,
    };
    memset(r.content_hash, (int)position, SHA256_LEN);
    return r;
}

static struct audit_row unregistered_row(uint64_t position)
{
    struct audit_row r = {.position = position, .registered = false};
    memset(r.content_hash, (int)position, SHA256_LEN);
    return r;
}

static void set_licenses(struct dataset_policy *p, const char *const *ids, size_t n)
{
    p->has_licenses = true;
    p->n_licenses = n;
    for (size_t i = 0; i < n; i++)
        snprintf(p->licenses[i], sizeof p->licenses[i], "%s", ids[i]);
}

static void test_reason_names(void **state)
{
    (void)state;
    const char *want[] = {"unregistered",   "unlogged", "unanchored",   "license",
                          "unknown_signer", "revoked",  "usage_refused"};
    assert_int_equal(N(want), AUDIT_REASONS);
    for (unsigned i = 0; i < AUDIT_REASONS; i++)
        assert_string_equal(audit_reason_name(i), want[i]);
    assert_string_equal(audit_reason_name(AUDIT_REASONS), "");
    assert_string_equal(audit_reason_name(1000), "");
    /* the bits are the names' positions */
    assert_int_equal(AUDIT_USAGE_REFUSED, 1u << 6);
}

/* ---- one registration ---- */

static void test_registration_no_policy(void **state)
{
    (void)state;
    struct dataset_policy p = {0};
    struct audit_row r = good_row(0, 1, "s");
    assert_int_equal(audit_registration(&p, &r), 0);
    /* with no requirement, anything but a revoked signer qualifies */
    r.logged = r.anchored = r.known = false;
    r.license = NULL;
    r.content_usage = "train-ai=n"; /* usage is the fold's business */
    assert_int_equal(audit_registration(&p, &r), 0);
    r.license = "not an SPDX expression ((";
    assert_int_equal(audit_registration(&p, &r), 0);
    r.revoked = true;
    assert_int_equal(audit_registration(&p, &r), REVOKED);
}

static void test_registration_flags(void **state)
{
    (void)state;
    struct dataset_policy p = {0};
    struct audit_row r = good_row(0, 1, "s");

    p.require_logged = true;
    assert_int_equal(audit_registration(&p, &r), 0);
    r.logged = false;
    assert_int_equal(audit_registration(&p, &r), UNLOGGED);
    r = good_row(0, 1, "s");

    p = (struct dataset_policy){.require_anchored = true};
    assert_int_equal(audit_registration(&p, &r), 0);
    r.anchored = false;
    assert_int_equal(audit_registration(&p, &r), UNANCH);
    r.anchored = true;
    r.logged = false; /* an anchor covers only logged entries */
    assert_int_equal(audit_registration(&p, &r), UNANCH);
    r = good_row(0, 1, "s");

    p = (struct dataset_policy){.require_known_signer = true};
    assert_int_equal(audit_registration(&p, &r), 0);
    r.known = false;
    assert_int_equal(audit_registration(&p, &r), UNKNOWN);
    r.known = true;
    r.revoked = true;
    assert_int_equal(audit_registration(&p, &r), REVOKED);
    r = good_row(0, 1, "s");

    /* respect_content_usage and generative say nothing about one registration */
    p = (struct dataset_policy){.respect_content_usage = true, .generative = true};
    r.content_usage = "train-ai=n";
    assert_int_equal(audit_registration(&p, &r), 0);
}

static void test_registration_combinations(void **state)
{
    (void)state;
    const char *mit[] = {"MIT"};
    struct dataset_policy p = {
        .require_logged = true, .require_anchored = true, .require_known_signer = true};
    set_licenses(&p, mit, 1);
    struct audit_row r = good_row(0, 1, "s");
    assert_int_equal(audit_registration(&p, &r), 0);
    r.logged = false;
    assert_int_equal(audit_registration(&p, &r), UNLOGGED | UNANCH);
    r.known = false;
    assert_int_equal(audit_registration(&p, &r), UNLOGGED | UNANCH | UNKNOWN);
    r.license = "GPL-3.0-only";
    assert_int_equal(audit_registration(&p, &r), UNLOGGED | UNANCH | UNKNOWN | LIC);
    r.revoked = true;
    assert_int_equal(audit_registration(&p, &r), UNLOGGED | UNANCH | UNKNOWN | LIC | REVOKED);
    r = good_row(0, 1, "s");
    r.anchored = false;
    r.revoked = true;
    assert_int_equal(audit_registration(&p, &r), UNANCH | REVOKED);
    /* every flag but one requirement at a time */
    p.require_anchored = false;
    r = good_row(0, 1, "s");
    r.anchored = false;
    assert_int_equal(audit_registration(&p, &r), 0);
}

struct lic_case {
    const char *license; /* NULL: absent */
    const char *allowed[3];
    size_t n_allowed; /* 0 with has_licenses false */
    unsigned want;
};

static void test_registration_licenses(void **state)
{
    (void)state;
    const struct lic_case cases[] = {
        {"MIT", {"MIT"}, 1, 0},
        {"mit", {"MIT"}, 1, 0}, /* SPDX ids compare case-insensitively */
        {"Apache-2.0", {"MIT"}, 1, LIC},
        {"MIT OR GPL-3.0-only", {"MIT"}, 1, 0},
        {"GPL-3.0-only OR MIT", {"MIT"}, 1, 0},
        {"GPL-3.0-only OR BSD-3-Clause", {"MIT"}, 1, LIC},
        {"MIT AND Apache-2.0", {"MIT"}, 1, LIC},
        {"MIT AND Apache-2.0", {"MIT", "Apache-2.0"}, 2, 0},
        {"(MIT OR GPL-3.0-only) AND Apache-2.0", {"MIT", "Apache-2.0"}, 2, 0},
        {"MIT OR GPL-3.0-only AND Apache-2.0", {"MIT"}, 1, 0}, /* AND binds tighter */
        {"(MIT OR GPL-3.0-only) AND Apache-2.0", {"MIT"}, 1, LIC},
        {"GPL-2.0-only WITH Classpath-exception-2.0", {"GPL-2.0-only"}, 1, 0},
        {"GPL-2.0+", {"GPL-2.0"}, 1, 0},
        {"not a licence", {"MIT"}, 1, LIC},
        {"", {"MIT"}, 1, LIC},
        /* absent licence: fails a licence policy, passes without one */
        {NULL, {"MIT"}, 1, LIC},
        {NULL, {0}, 0, 0},
        {"Anything-At-All", {0}, 0, 0},
    };
    for (size_t i = 0; i < N(cases); i++) {
        struct dataset_policy p = {0};
        if (cases[i].n_allowed)
            set_licenses(&p, cases[i].allowed, cases[i].n_allowed);
        struct audit_row r = good_row(0, 1, "s");
        r.license = cases[i].license;
        unsigned got = audit_registration(&p, &r);
        if (got != cases[i].want)
            fail_msg("case %zu (\"%s\"): reasons %#x, want %#x", i,
                     cases[i].license ? cases[i].license : "(absent)", got, cases[i].want);
    }
}

/* ---- the fold ---- */

/* Adds rows (which must all belong to one member), then finishes into *m. */
static void fold_member(const struct dataset_policy *p, const struct audit_row *rows, size_t n,
                        struct audit_member *m)
{
    struct audit_fold f;
    audit_fold_init(&f, p);
    for (size_t i = 0; i < n; i++) {
        struct audit_member done;
        assert_false(audit_fold_add(&f, &rows[i], &done));
    }
    assert_true(audit_fold_finish(&f, m));
    assert_false(f.oom);
    audit_fold_free(&f);
}

static void test_fold_empty(void **state)
{
    (void)state;
    struct dataset_policy p = {0};
    struct audit_fold f;
    struct audit_member m;
    audit_fold_init(&f, &p);
    assert_false(audit_fold_finish(&f, &m));
    audit_fold_free(&f);
    audit_fold_free(&f); /* idempotent */
}

static void test_fold_unregistered(void **state)
{
    (void)state;
    struct dataset_policy p = {.require_logged = true, .respect_content_usage = true};
    struct audit_row r = unregistered_row(4);
    struct audit_member m;
    fold_member(&p, &r, 1, &m);
    assert_int_equal(m.position, 4);
    for (size_t i = 0; i < SHA256_LEN; i++)
        assert_int_equal(m.content_hash[i], 4);
    assert_int_equal(m.reasons, UNREG);
    assert_int_equal(m.n_regs, 0);
    assert_int_equal(m.n_shown, 0);
    audit_member_free(&m);
    /* with no policy at all too */
    struct dataset_policy none = {0};
    fold_member(&none, &r, 1, &m);
    assert_int_equal(m.reasons, UNREG);
    audit_member_free(&m);
}

static void test_fold_one_qualifies(void **state)
{
    (void)state;
    const char *mit[] = {"MIT"};
    struct dataset_policy p = {.require_logged = true};
    set_licenses(&p, mit, 1);
    struct audit_row rows[3] = {good_row(2, 10, "a"), good_row(2, 11, "b"), good_row(2, 12, "c")};
    rows[0].logged = false;
    rows[1].license = "GPL-3.0-only";
    /* rows[2] qualifies */
    struct audit_member m;
    fold_member(&p, rows, 3, &m);
    assert_int_equal(m.position, 2);
    assert_int_equal(m.reasons, 0);
    assert_int_equal(m.n_regs, 3);
    assert_int_equal(m.n_shown, 3);
    assert_int_equal(m.regs[0].item_id, 10);
    assert_int_equal(m.regs[0].reasons, UNLOGGED);
    assert_false(m.regs[0].logged);
    assert_int_equal(m.regs[1].item_id, 11);
    assert_int_equal(m.regs[1].reasons, LIC);
    assert_string_equal(m.regs[1].license, "GPL-3.0-only");
    assert_int_equal(m.regs[2].item_id, 12);
    assert_int_equal(m.regs[2].reasons, 0);
    assert_true(m.regs[2].logged);
    assert_int_equal(m.regs[2].log_index, 112);
    assert_string_equal(m.regs[2].signer, "c");
    audit_member_free(&m);

    /* the qualifying one first */
    struct audit_row first[2] = {good_row(0, 1, "a"), good_row(0, 2, "a")};
    first[1].revoked = true;
    fold_member(&p, first, 2, &m);
    assert_int_equal(m.reasons, 0);
    assert_int_equal(m.regs[1].reasons, REVOKED);
    audit_member_free(&m);
}

static void test_fold_union(void **state)
{
    (void)state;
    const char *mit[] = {"MIT"};
    struct dataset_policy p = {.require_logged = true, .require_known_signer = true};
    set_licenses(&p, mit, 1);
    struct audit_row rows[3] = {good_row(1, 1, "a"), good_row(1, 2, "b"), good_row(1, 3, "c")};
    rows[0].logged = false;
    rows[1].license = NULL;
    rows[2].known = false;
    rows[2].revoked = true;
    struct audit_member m;
    fold_member(&p, rows, 3, &m);
    assert_int_equal(m.reasons, UNLOGGED | LIC | UNKNOWN | REVOKED);
    assert_int_equal(m.n_regs, 3);
    assert_int_equal(m.regs[0].reasons, UNLOGGED);
    assert_int_equal(m.regs[1].reasons, LIC);
    assert_null(m.regs[1].license);
    assert_int_equal(m.regs[2].reasons, UNKNOWN | REVOKED);
    audit_member_free(&m);
}

/* One member whose registrations carry content_usage values, signer by signer, in log order. */
struct usage_case {
    const char *signer[4];
    const char *usage[4]; /* NULL: none */
    size_t n;
    bool generative;
    bool respect;
    unsigned want;
};

static void test_fold_usage(void **state)
{
    (void)state;
    const struct usage_case cases[] = {
        /* the latest preference of a signer governs */
        {{"a", "a"}, {"train-ai=n", "train-ai=y"}, 2, false, true, 0},
        {{"a", "a"}, {"train-ai=y", "train-ai=n"}, 2, false, true, REFUSED},
        {{"a"}, {"train-ai=n"}, 1, false, true, REFUSED},
        {{"a"}, {"train-ai=y"}, 1, false, true, 0},
        /* a registration without content_usage does not change it */
        {{"a", "a"}, {"train-ai=n", NULL}, 2, false, true, REFUSED},
        {{"a", "a"}, {"train-ai=y", NULL}, 2, false, true, 0},
        /* nor does a malformed stored one */
        {{"a", "a"}, {"train-ai=n", "train-ai=maybe"}, 2, false, true, REFUSED},
        {{"a", "a"}, {"train-ai=y", "train-ai=maybe"}, 2, false, true, 0},
        {{"a"}, {"train-ai=maybe"}, 1, false, true, 0},
        {{"a"}, {""}, 1, false, true, 0},
        {{"a"}, {"train-ai=N"}, 1, false, true, 0},
        /* a preference with neither key refuses nothing, and overrides */
        {{"a", "a"}, {"train-ai=n", "search=n"}, 2, false, true, 0},
        /* two signers: one refusal is enough, whatever the order */
        {{"a", "b"}, {"train-ai=y", "train-ai=n"}, 2, false, true, REFUSED},
        {{"a", "b"}, {"train-ai=n", "train-ai=y"}, 2, false, true, REFUSED},
        {{"a", "b", "a"}, {"train-ai=n", "train-ai=y", "train-ai=y"}, 3, false, true, 0},
        {{"a", "b", "b", "a"},
         {"train-ai=y", "train-ai=y", "train-ai=n", NULL},
         4,
         false,
         true,
         REFUSED},
        /* generative training */
        {{"a"}, {"train-ai=y, train-genai=n"}, 1, true, true, REFUSED},
        {{"a"}, {"train-ai=y, train-genai=n"}, 1, false, true, 0},
        {{"a"}, {"train-genai=n"}, 1, true, true, REFUSED},
        {{"a"}, {"train-genai=n"}, 1, false, true, 0},
        {{"a"}, {"train-ai=n, train-genai=y"}, 1, true, true, REFUSED},
        {{"a", "a"}, {"train-genai=n", "train-ai=y"}, 2, true, true, 0},
        /* without respect_content_usage, nothing refuses */
        {{"a"}, {"train-ai=n"}, 1, false, false, 0},
        {{"a", "b"}, {"train-ai=n", "train-genai=n"}, 2, true, false, 0},
    };
    for (size_t i = 0; i < N(cases); i++) {
        struct dataset_policy p = {.respect_content_usage = cases[i].respect,
                                   .generative = cases[i].generative};
        struct audit_row rows[4];
        for (size_t j = 0; j < cases[i].n; j++) {
            rows[j] = good_row(0, (int64_t)j + 1, cases[i].signer[j]);
            rows[j].content_usage = cases[i].usage[j];
        }
        struct audit_member m;
        fold_member(&p, rows, cases[i].n, &m);
        if (m.reasons != cases[i].want)
            fail_msg("case %zu: reasons %#x, want %#x", i, m.reasons, cases[i].want);
        assert_int_equal(m.n_regs, cases[i].n);
        for (size_t j = 0; j < cases[i].n; j++) {
            assert_int_equal(m.regs[j].reasons, 0); /* refusal is the member's, not a reg's */
            if (cases[i].usage[j])
                assert_string_equal(m.regs[j].content_usage, cases[i].usage[j]);
            else
                assert_null(m.regs[j].content_usage);
        }
        audit_member_free(&m);
    }
}

/* A refusal adds to the registrations' reasons; it counts even from a registration that does
 * not qualify. */
static void test_fold_usage_and_reasons(void **state)
{
    (void)state;
    struct dataset_policy p = {.require_logged = true, .respect_content_usage = true};
    struct audit_row rows[2] = {good_row(0, 1, "a"), good_row(0, 2, "b")};
    rows[0].logged = false;
    rows[0].content_usage = "train-ai=n";
    struct audit_member m;
    fold_member(&p, rows, 2, &m);
    assert_int_equal(m.reasons, REFUSED); /* rows[1] qualifies; rows[0]'s signer refuses */
    audit_member_free(&m);
    rows[1].revoked = true;
    fold_member(&p, rows, 2, &m);
    assert_int_equal(m.reasons, UNLOGGED | REVOKED | REFUSED);
    audit_member_free(&m);
}

static void test_fold_members(void **state)
{
    (void)state;
    struct dataset_policy p = {.require_anchored = true, .respect_content_usage = true};
    struct audit_row rows[] = {
        good_row(0, 1, "a"), good_row(0, 2, "b"), unregistered_row(1),
        good_row(2, 3, "a"), good_row(3, 4, "b"), good_row(3, 5, "b"),
    };
    rows[0].content_usage = "train-ai=n"; /* a refuses for member 0 only */
    rows[3].anchored = false;
    rows[5].content_usage = "train-ai=n";
    struct audit_fold f;
    audit_fold_init(&f, &p);
    struct audit_member got[4];
    size_t n = 0;
    for (size_t i = 0; i < N(rows); i++) {
        struct audit_member done;
        if (audit_fold_add(&f, &rows[i], &done)) {
            assert_true(n < N(got));
            got[n++] = done;
        }
    }
    assert_int_equal(n, 3);
    assert_true(audit_fold_finish(&f, &got[n++]));
    struct audit_member extra;
    assert_false(audit_fold_finish(&f, &extra));
    assert_false(f.oom);
    audit_fold_free(&f);
    const uint64_t want_pos[] = {0, 1, 2, 3};
    const unsigned want_reasons[] = {REFUSED, UNREG, UNANCH, REFUSED};
    const size_t want_regs[] = {2, 0, 1, 2};
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(got[i].position, want_pos[i]);
        assert_int_equal(got[i].content_hash[0], want_pos[i]);
        if (got[i].reasons != want_reasons[i])
            fail_msg("member %zu: reasons %#x, want %#x", i, got[i].reasons, want_reasons[i]);
        assert_int_equal(got[i].n_regs, want_regs[i]);
        assert_int_equal(got[i].n_shown, want_regs[i]);
        audit_member_free(&got[i]);
    }
    assert_int_equal(got[3].n_shown, 0);
}

/* A fold can run again after finish: the next row begins a fresh member. */
static void test_fold_reuse(void **state)
{
    (void)state;
    struct dataset_policy p = {.respect_content_usage = true};
    struct audit_fold f;
    audit_fold_init(&f, &p);
    struct audit_row r = good_row(0, 1, "a");
    r.content_usage = "train-ai=n";
    struct audit_member m, done;
    assert_false(audit_fold_add(&f, &r, &done));
    assert_true(audit_fold_finish(&f, &m));
    assert_int_equal(m.reasons, REFUSED);
    audit_member_free(&m);
    r = good_row(0, 2, "a"); /* same position, same signer: no carried preference */
    assert_false(audit_fold_add(&f, &r, &done));
    assert_true(audit_fold_finish(&f, &m));
    assert_int_equal(m.reasons, 0);
    assert_int_equal(m.n_regs, 1);
    assert_int_equal(m.regs[0].item_id, 2);
    audit_member_free(&m);
    audit_fold_free(&f);
}

static void test_fold_shown_limit(void **state)
{
    (void)state;
    struct dataset_policy p = {.require_logged = true, .respect_content_usage = true};
    enum { TOTAL = AUDIT_REGS_SHOWN + 5 };
    struct audit_row rows[TOTAL];
    char signers[TOTAL][8];
    for (size_t i = 0; i < TOTAL; i++) {
        snprintf(signers[i], sizeof signers[i], "s%zu", i);
        rows[i] = good_row(9, (int64_t)i + 1, signers[i]);
        rows[i].logged = false;
    }
    /* the reasons of hidden registrations still count */
    rows[TOTAL - 1].revoked = true;
    rows[TOTAL - 2].content_usage = "train-ai=n";
    struct audit_member m;
    fold_member(&p, rows, TOTAL, &m);
    assert_int_equal(m.n_regs, TOTAL);
    assert_int_equal(m.n_shown, AUDIT_REGS_SHOWN);
    for (size_t i = 0; i < AUDIT_REGS_SHOWN; i++) {
        assert_int_equal(m.regs[i].item_id, (int64_t)i + 1);
        assert_string_equal(m.regs[i].signer, signers[i]);
    }
    assert_int_equal(m.reasons, UNLOGGED | REVOKED | REFUSED);
    audit_member_free(&m);
    /* a qualifying registration beyond those shown still makes the member pass */
    rows[TOTAL - 1].revoked = false;
    rows[TOTAL - 1].logged = true;
    rows[TOTAL - 2].content_usage = NULL;
    fold_member(&p, rows, TOTAL, &m);
    assert_int_equal(m.reasons, 0);
    assert_int_equal(m.n_regs, TOTAL);
    assert_int_equal(m.n_shown, AUDIT_REGS_SHOWN);
    audit_member_free(&m);
}

static void test_fold_copies_strings(void **state)
{
    (void)state;
    struct dataset_policy p = {.respect_content_usage = true};
    char signer[32], license[32], usage[32], signer2[32];
    snprintf(signer, sizeof signer, "%s", "signer-one");
    snprintf(signer2, sizeof signer2, "%s", "signer-one");
    snprintf(license, sizeof license, "%s", "MIT");
    snprintf(usage, sizeof usage, "%s", "train-ai=n");
    struct audit_fold f;
    audit_fold_init(&f, &p);
    struct audit_row r = good_row(0, 1, signer);
    r.license = license;
    r.content_usage = usage;
    struct audit_member done, m;
    assert_false(audit_fold_add(&f, &r, &done));
    /* the source buffers change (the next row of a result set, say) */
    memset(signer, 'X', sizeof signer - 1);
    memset(license, 'Y', sizeof license - 1);
    memset(usage, 'Z', sizeof usage - 1);
    /* the same signer, by another buffer, allows: it was matched by its copy */
    struct audit_row r2 = good_row(0, 2, signer2);
    r2.content_usage = "train-ai=y";
    assert_false(audit_fold_add(&f, &r2, &done));
    assert_true(audit_fold_finish(&f, &m));
    audit_fold_free(&f);
    assert_int_equal(m.reasons, 0);
    assert_string_equal(m.regs[0].signer, "signer-one");
    assert_string_equal(m.regs[0].license, "MIT");
    assert_string_equal(m.regs[0].content_usage, "train-ai=n");
    assert_ptr_not_equal(m.regs[0].license, license);
    assert_ptr_not_equal(m.regs[0].content_usage, usage);
    assert_string_equal(m.regs[1].license, "MIT");
    assert_string_equal(m.regs[1].content_usage, "train-ai=y");
    audit_member_free(&m);
    audit_member_free(&m); /* idempotent */
}

/* A signer longer than the kept copy is truncated, not overflowed; a NULL signer shows as "". */
static void test_fold_signer_edges(void **state)
{
    (void)state;
    struct dataset_policy p = {0};
    char longsigner[300];
    memset(longsigner, 'k', sizeof longsigner - 1);
    longsigner[sizeof longsigner - 1] = '\0';
    struct audit_row rows[2] = {good_row(0, 1, longsigner), good_row(0, 2, NULL)};
    struct audit_member m;
    fold_member(&p, rows, 2, &m);
    assert_int_equal(strlen(m.regs[0].signer), SIGNER_MAX_LEN - 1);
    assert_string_equal(m.regs[1].signer, "");
    audit_member_free(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reason_names),
        cmocka_unit_test(test_registration_no_policy),
        cmocka_unit_test(test_registration_flags),
        cmocka_unit_test(test_registration_combinations),
        cmocka_unit_test(test_registration_licenses),
        cmocka_unit_test(test_fold_empty),
        cmocka_unit_test(test_fold_unregistered),
        cmocka_unit_test(test_fold_one_qualifies),
        cmocka_unit_test(test_fold_union),
        cmocka_unit_test(test_fold_usage),
        cmocka_unit_test(test_fold_usage_and_reasons),
        cmocka_unit_test(test_fold_members),
        cmocka_unit_test(test_fold_reuse),
        cmocka_unit_test(test_fold_shown_limit),
        cmocka_unit_test(test_fold_copies_strings),
        cmocka_unit_test(test_fold_signer_edges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
