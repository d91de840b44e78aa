/* SPDX-License-Identifier: Apache-2.0 */
/* provd verify --witness VKEY… --witness-quorum N: the receipt's checkpoint must carry valid
 * C2SP cosignature/v1 lines by N distinct configured witnesses (tlog/cosig.h). Signature lines
 * of keys not configured (the log's own, other witnesses') are ignored, as the spec requires. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/verify.h"
#include "tlog/cosig.h"

/* Appends "label: reason" for each configured witness that did not cosign validly. */
static void describe_missing(const struct verify_ctx *v, const enum cosig_line_result *per,
                             struct buf *out)
{
    char label[NOTE_NAME_MAX + 16];
    for (size_t i = 0; i < v->n_witnesses; i++) {
        if (per[i] == COSIG_LINE_VALID)
            continue;
        cosig_key_label(&v->witnesses[i], label, sizeof label);
        buf_printf(out, "%s%s: %s", out->len ? "; " : "", label,
                   per[i] == COSIG_LINE_INVALID ? "cosignature does not verify" : "no cosignature");
    }
}

int verify_witness_quorum(const struct verify_ctx *v, const char *checkpoint)
{
    if (v->n_witnesses == 0)
        return 0;
    enum cosig_line_result *per = calloc(v->n_witnesses, sizeof *per);
    if (!per)
        return verify_reject("out of memory");
    size_t got = cosig_verify(v->witnesses, v->n_witnesses, checkpoint, strlen(checkpoint), per);
    int rc = 0;
    struct buf why = BUF_INIT;
    describe_missing(v, per, &why);
    if (got < v->quorum) {
        rc = verify_reject("checkpoint: %zu valid witness cosignature(s), %zu required (%s)", got,
                           v->quorum, why.oom || !why.data ? "?" : why.data);
        goto out;
    }
    verify_ok("checkpoint cosigned by %zu of %zu witness(es), %zu required", got, v->n_witnesses,
              v->quorum);
    char label[NOTE_NAME_MAX + 16];
    for (size_t i = 0; i < v->n_witnesses; i++) {
        cosig_key_label(&v->witnesses[i], label, sizeof label);
        printf("  witness %s: %s\n", label,
               per[i] == COSIG_LINE_VALID     ? "cosigned"
               : per[i] == COSIG_LINE_INVALID ? "cosignature does not verify"
                                              : "no cosignature");
    }
out:
    buf_free(&why);
    free(per);
    return rc;
}

int verify_witness_keys(const struct config_list *vkeys, size_t quorum, struct cosig_key **keys,
                        size_t *n, size_t *required)
{
    *keys = NULL;
    *n = 0;
    if (vkeys->n == 0)
        return 0;
    struct cosig_key *k = calloc(vkeys->n, sizeof *k);
    if (!k)
        return verify_reject("out of memory");
    size_t distinct = 0;
    for (size_t i = 0; i < vkeys->n; i++) {
        if (!cosig_key_parse(vkeys->items[i], &k[distinct])) {
            free(k);
            return verify_reject("--witness '%.120s' is not a cosigner key", vkeys->items[i]);
        }
        bool dup = false;
        for (size_t j = 0; j < distinct && !dup; j++)
            dup = k[j].id == k[distinct].id && !strcmp(k[j].name, k[distinct].name) &&
                  !memcmp(k[j].public_key, k[distinct].public_key, sizeof k[j].public_key);
        if (!dup)
            distinct++;
    }
    if (quorum > distinct) {
        free(k);
        return verify_reject("--witness-quorum %zu exceeds the %zu distinct --witness key(s)",
                             quorum, distinct);
    }
    *keys = k;
    *n = distinct;
    *required = quorum ? quorum : distinct;
    return 0;
}
