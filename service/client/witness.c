/* SPDX-License-Identifier: Apache-2.0 */
#include "client/witness.h"

#include <curl/curl.h>
#include <stdio.h>
#include <string.h>

bool witness_http_init(struct witness_http *h, size_t max_reply)
{
    memset(h, 0, sizeof *h);
    h->max_reply = max_reply;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK)
        h->curl = curl_easy_init();
    return h->curl != NULL;
}

void witness_http_free(struct witness_http *h)
{
    if (h->curl)
        curl_easy_cleanup(h->curl);
    h->curl = NULL;
}

struct sink {
    struct buf *b;
    size_t start, max;
};

static size_t on_data(char *data, size_t size, size_t n, void *arg)
{
    struct sink *s = arg;
    size_t len = size * n;
    if (s->b->len - s->start + len > s->max)
        return 0; /* CURLE_WRITE_ERROR: the reply is too large */
    buf_append(s->b, data, len);
    return s->b->oom ? 0 : len;
}

bool witness_http_post(void *ctx, const char *url, const char *body, size_t len,
                       unsigned timeout_ms, long *status, char *content_type,
                       size_t content_type_len, struct buf *reply, char *err, size_t err_len)
{
    struct witness_http *h = ctx;
    CURL *c = h->curl;
    struct sink sink = {reply, reply->len, h->max_reply};
    struct curl_slist *hdr = curl_slist_append(NULL, "Content-Type: text/plain; charset=utf-8");
    bool ok = false;
    *status = 0;
    content_type[0] = '\0';
    if (!hdr) {
        snprintf(err, err_len, "out of memory");
        return false;
    }
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)len);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
    CURLcode rc = curl_easy_perform(c);
    if (rc != CURLE_OK) {
        snprintf(err, err_len, "%s", curl_easy_strerror(rc));
        goto out;
    }
    char *ct = NULL;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
    if (curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct) == CURLE_OK && ct)
        snprintf(content_type, content_type_len, "%s", ct);
    ok = true;
out:
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
    curl_slist_free_all(hdr);
    return ok;
}
