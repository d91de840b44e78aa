/* SPDX-License-Identifier: Apache-2.0 */
/* provd lookup [BASE_URL] HASH|FILE…: the provenance of content hashes, or of files hashed
 * here, from GET /v1/provenance/{content_hash}; text or, with --json, one JSON document. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/api.h"
#include "cmd/cmd.h"
#include "cmd/files.h"
#include "util/codec.h"
#include "core/item.h"

#define USAGE        "provd lookup [BASE_URL] HASH|FILE... [--json]"
#define LOOKUP_TRIES 10

static const char *str(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "-";
}

/* One registration, as two indented lines. */
static void print_registration(json_t *reg)
{
    json_t *signer = json_object_get(reg, "signer");
    json_t *md = json_object_get(reg, "metadata");
    json_t *ix = json_object_get(reg, "log_index");
    const char *id = json_string_value(json_object_get(signer, "public_key"));
    printf("  #%" JSON_INTEGER_FORMAT "  %s", json_integer_value(json_object_get(reg, "id")),
           str(reg, "status"));
    if (json_is_integer(ix))
        printf(" (log index %" JSON_INTEGER_FORMAT ")", json_integer_value(ix));
    printf("  registered %s\n", str(reg, "registered_at"));
    printf("      signer %s %s", str(signer, "scheme"), id ? id : str(signer, "address"));
    if (json_is_string(json_object_get(signer, "name")))
        printf(" (%s)", str(signer, "name"));
    if (json_is_true(json_object_get(signer, "revoked")))
        printf(" REVOKED");
    printf("\n      license %s  source %s\n", str(md, "license"), str(md, "source_url"));
}

static void print_text(const char *query, const char *ch, json_t *prov)
{
    if (!prov) {
        printf("%s %s: not registered\n", ch, query);
        return;
    }
    json_t *regs = json_object_get(prov, "registrations");
    printf("%s %s: %zu registration%s%s\n", ch, query, json_array_size(regs),
           json_array_size(regs) == 1 ? "" : "s",
           json_is_true(json_object_get(prov, "truncated")) ? " (more not shown)" : "");
    for (size_t i = 0; i < json_array_size(regs); i++)
        print_registration(json_array_get(regs, i));
}

/* The content hash of query: itself when it is one, else the file's. */
static bool hash_of(const char *query, char ch[CONTENT_HASH_STR_LEN + 1])
{
    uint8_t h[SHA256_LEN];
    char err[600];
    if (item_parse_content_hash(query, h)) {
        memcpy(ch, query, CONTENT_HASH_STR_LEN + 1);
        return true;
    }
    if (!strncmp(query, "sha256:", 7)) {
        fprintf(stderr, "provd lookup: %s: not sha256: and 64 lowercase hex digits\n", query);
        return false;
    }
    if (!file_sha256(query, h, NULL, err, sizeof err)) {
        fprintf(stderr, "provd lookup: %s\n", err);
        return false;
    }
    memcpy(ch, "sha256:", 7);
    hex_encode(h, SHA256_LEN, ch + 7);
    return true;
}

/* Looks up ch: *found and *prov (the reply, owned by the caller; NULL when 404). */
static bool fetch(struct api_client *c, const char *ch, json_t **prov)
{
    char path[128];
    unsigned retries = 0;
    struct api_reply rep;
    snprintf(path, sizeof path, "/v1/provenance/%s", ch);
    *prov = NULL;
    if (!api_call_retry(c, "GET", path, NULL, NULL, 0, LOOKUP_TRIES, &retries, &rep)) {
        fprintf(stderr, "provd lookup: %s\n", c->err);
        return false;
    }
    bool ok = rep.status == 404 || (rep.status == 200 && json_is_object(rep.json));
    if (rep.status == 200 && ok)
        *prov = json_incref(rep.json);
    if (!ok) {
        char text[400];
        api_problem_text(&rep, text, sizeof text);
        fprintf(stderr, "provd lookup: GET %s: %s\n", path, text);
    }
    api_reply_free(&rep);
    return ok;
}

/* {"query", "content_hash", "found", "registrations", "truncated"} for --json. */
static json_t *result_json(const char *query, const char *ch, json_t *prov)
{
    json_t *regs = prov ? json_object_get(prov, "registrations") : NULL;
    return json_pack("{s:s, s:s, s:b, s:o, s:b}", "query", query, "content_hash", ch, "found",
                     prov != NULL, "registrations", regs ? json_incref(regs) : json_array(),
                     "truncated", json_is_true(json_object_get(prov, "truncated")));
}

/* Looks up every query; returns the exit status. */
static int lookup_all(struct api_client *c, char **ops, int n, bool as_json)
{
    json_t *all = as_json ? json_array() : NULL;
    int found = 0, errors = 0;
    for (int i = 0; i < n; i++) {
        char ch[CONTENT_HASH_STR_LEN + 1];
        json_t *prov = NULL;
        if (!hash_of(ops[i], ch) || !fetch(c, ch, &prov)) {
            errors++;
            continue;
        }
        found += prov != NULL;
        if (all)
            json_array_append_new(all, result_json(ops[i], ch, prov));
        else
            print_text(ops[i], ch, prov);
        json_decref(prov);
    }
    if (all) {
        json_t *doc = json_pack("{s:o}", "results", all);
        char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
        if (text)
            printf("%s\n", text);
        free(text);
        json_decref(doc);
    }
    return found > 0 && errors == 0 ? 0 : 1;
}

int cmd_lookup(int argc, char **argv)
{
    struct config cfg;
    int rc = cmd_load_config(&cfg, CMD_LOOKUP, USAGE, argc, argv);
    if (rc >= 0)
        return rc;
    char **ops = cfg.operands;
    int n = cfg.n_operands;
    if (n && (!strncmp(ops[0], "http://", 7) || !strncmp(ops[0], "https://", 8))) {
        free(cfg.url);
        cfg.url = strdup(ops[0]);
        ops++, n--;
    }
    struct api_client c;
    if (n == 0 || !cfg.url) {
        fprintf(stderr, "provd lookup: give at least one HASH or FILE\nusage: %s\n", USAGE);
        rc = 2;
    } else if (!api_client_init(&c, cfg.url, cfg.token, cfg.http_timeout)) {
        fprintf(stderr, "provd lookup: %s\n", c.err);
        rc = 1;
    } else {
        rc = lookup_all(&c, ops, n, cfg.json_out);
        api_client_free(&c);
    }
    config_free(&cfg);
    return rc;
}
