/* SPDX-License-Identifier: Apache-2.0 */
#include "client/api.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/sleep.h"

bool api_client_init(struct api_client *c, const char *base_url, const char *token,
                     unsigned timeout_ms)
{
    memset(c, 0, sizeof *c);
    if (strncmp(base_url, "http://", 7) != 0 && strncmp(base_url, "https://", 8) != 0) {
        snprintf(c->err, sizeof c->err, "the URL must start with http:// or https://");
        return false;
    }
    size_t n = strlen(base_url);
    while (n && base_url[n - 1] == '/')
        n--;
    c->base = strndup(base_url, n);
    if (token) {
        size_t len = strlen(token) + 32;
        c->auth = malloc(len);
        if (c->auth)
            snprintf(c->auth, len, "Authorization: Bearer %s", token);
    }
    if (curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK)
        c->curl = curl_easy_init();
    if (!c->base || (token && !c->auth) || !c->curl) {
        snprintf(c->err, sizeof c->err, "out of memory");
        api_client_free(c);
        return false;
    }
    curl_easy_setopt(c->curl, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
    curl_easy_setopt(c->curl, CURLOPT_NOSIGNAL, 1L);
    return true;
}

void api_client_free(struct api_client *c)
{
    if (c->curl)
        curl_easy_cleanup(c->curl);
    free(c->base);
    free(c->auth);
    c->curl = NULL;
    c->base = c->auth = NULL;
}

void api_reply_free(struct api_reply *r)
{
    buf_free(&r->body);
    json_decref(r->json);
    memset(r, 0, sizeof *r);
}

static size_t on_data(char *data, size_t size, size_t n, void *arg)
{
    struct buf *b = arg;
    buf_append(b, data, size * n);
    return b->oom ? 0 : size * n;
}

/* The request's headers; NULL when out of memory. */
static struct curl_slist *headers_for(const struct api_client *c, const char *content_type)
{
    struct curl_slist *h = curl_slist_append(NULL, "Accept: application/json");
    if (h && c->auth)
        h = curl_slist_append(h, c->auth);
    if (h && content_type) {
        char ct[128];
        snprintf(ct, sizeof ct, "Content-Type: %s", content_type);
        h = curl_slist_append(h, ct);
    }
    return h;
}

bool api_call(struct api_client *c, const char *method, const char *path, const char *content_type,
              const char *body, size_t len, struct api_reply *out)
{
    memset(out, 0, sizeof *out);
    size_t ulen = strlen(c->base) + strlen(path) + 1;
    char *url = malloc(ulen);
    struct curl_slist *h = headers_for(c, content_type);
    if (!url || !h) {
        snprintf(c->err, sizeof c->err, "out of memory");
        free(url);
        curl_slist_free_all(h);
        return false;
    }
    snprintf(url, ulen, "%s%s", c->base, path);
    CURL *k = c->curl;
    curl_easy_setopt(k, CURLOPT_URL, url);
    curl_easy_setopt(k, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(k, CURLOPT_NOBODY, !strcmp(method, "HEAD") ? 1L : 0L);
    curl_easy_setopt(k, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(k, CURLOPT_POSTFIELDS, content_type ? body : NULL);
    curl_easy_setopt(k, CURLOPT_POSTFIELDSIZE_LARGE, content_type ? (curl_off_t)len : 0);
    curl_easy_setopt(k, CURLOPT_HTTPGET, content_type ? 0L : 1L);
    if (!content_type)
        curl_easy_setopt(k, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(k, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(k, CURLOPT_WRITEDATA, &out->body);
    CURLcode rc = curl_easy_perform(k);
    free(url);
    curl_slist_free_all(h);
    if (rc != CURLE_OK) {
        snprintf(c->err, sizeof c->err, "%s: %s", c->base, curl_easy_strerror(rc));
        api_reply_free(out);
        return false;
    }
    curl_easy_getinfo(k, CURLINFO_RESPONSE_CODE, &out->status);
    curl_off_t wait = -1;
    out->retry_after =
        curl_easy_getinfo(k, CURLINFO_RETRY_AFTER, &wait) == CURLE_OK && wait > 0 ? (long)wait : -1;
    json_error_t jerr;
    if (out->body.len)
        out->json = json_loadb(out->body.data, out->body.len, 0, &jerr);
    return true;
}

bool api_call_retry(struct api_client *c, const char *method, const char *path,
                    const char *content_type, const char *body, size_t len, unsigned attempts,
                    unsigned *retries, struct api_reply *out)
{
    unsigned backoff_ms = 500;
    atomic_bool never = false;
    for (unsigned i = 1;; i++) {
        bool ok = api_call(c, method, path, content_type, body, len, out);
        if (i >= attempts || (ok && out->status != 429 && out->status != 503))
            return ok;
        unsigned wait_ms = ok && out->retry_after > 0 && out->retry_after <= 300
                               ? (unsigned)out->retry_after * 1000
                               : backoff_ms;
        if (ok)
            api_reply_free(out);
        backoff_ms = backoff_ms >= 15000 ? 30000 : 2 * backoff_ms;
        (*retries)++;
        sleep_ms_unless(wait_ms, &never);
    }
}

void api_problem_text(const struct api_reply *r, char *out, size_t len)
{
    const char *detail = json_string_value(json_object_get(r->json, "detail"));
    const char *type = json_string_value(json_object_get(r->json, "type"));
    if (detail && type)
        snprintf(out, len, "%s (%ld %s)", detail, r->status,
                 strncmp(type, "urn:provd:problem:", 18) ? type : type + 18);
    else
        snprintf(out, len, "HTTP status %ld", r->status);
}
