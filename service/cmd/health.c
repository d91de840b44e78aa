/* SPDX-License-Identifier: Apache-2.0 */
/* provd health [--url URL] [--live]: probes a running provd serve or run over HTTP, for
 * container health checks where the image has no curl. GET /readyz (or /healthz with --live)
 * with a short timeout; exit 0 on 200, 1 otherwise, with a one-line reason either way. Without
 * --url the address comes from --metrics-listen or --listen (the same PROVD_ variables the
 * server reads), a wildcard host meaning this host's loopback. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/api.h"
#include "cmd/cmd.h"

#define USAGE "provd health [--url URL] [--live] [--timeout MS]"

/* "http://HOST:PORT" for a listen address; NULL when it is not HOST:PORT. */
static char *url_of_listen(const char *listen)
{
    char *host = NULL;
    uint16_t port = 0;
    if (!config_parse_listen(listen, &host, &port))
        return NULL;
    const char *h = host;
    bool v6 = strchr(host, ':') != NULL;
    if (!*h || !strcmp(h, "0.0.0.0"))
        h = "127.0.0.1", v6 = false;
    else if (!strcmp(h, "::"))
        h = "::1";
    size_t len = strlen(h) + 32;
    char *url = malloc(len);
    if (url)
        snprintf(url, len, v6 ? "http://[%s]:%u" : "http://%s:%u", h, (unsigned)port);
    free(host);
    return url;
}

/* One line about a reply: "200 ready" or "503 not-ready: detail". */
static void describe(const struct api_reply *r, char *out, size_t len)
{
    const char *status = json_string_value(json_object_get(r->json, "status"));
    if (r->status == 200) {
        snprintf(out, len, "200 %s", status ? status : "ok");
        return;
    }
    api_problem_text(r, out, len);
}

static int probe(const char *base, const char *path, unsigned timeout_ms)
{
    struct api_client c;
    if (!api_client_init(&c, base, NULL, timeout_ms)) {
        fprintf(stderr, "provd health: %s\n", c.err);
        return 1;
    }
    struct api_reply r;
    if (!api_call(&c, "GET", path, NULL, NULL, 0, &r)) {
        size_t n = strlen(c.base); /* c.err starts with "BASE: " */
        const char *why =
            !strncmp(c.err, c.base, n) && !strncmp(c.err + n, ": ", 2) ? c.err + n + 2 : c.err;
        fprintf(stderr, "provd health: GET %s%s: %s\n", c.base, path, why);
        api_client_free(&c);
        return 1;
    }
    char text[320];
    describe(&r, text, sizeof text);
    int rc = r.status == 200 ? 0 : 1;
    if (rc == 0)
        printf("provd health: ok: GET %s%s: %s\n", c.base, path, text);
    else
        fprintf(stderr, "provd health: GET %s%s: %s\n", c.base, path, text);
    api_reply_free(&r);
    api_client_free(&c);
    return rc;
}

int cmd_health(int argc, char **argv)
{
    struct config cfg;
    int rc = cmd_load_config(&cfg, CMD_HEALTH, USAGE, argc, argv);
    if (rc >= 0)
        return rc;
    char *base = NULL;
    if (cfg.url) {
        if (strncmp(cfg.url, "http://", 7) != 0 && strncmp(cfg.url, "https://", 8) != 0) {
            fprintf(stderr, "provd health: --url must start with http:// or https://\nusage: %s\n",
                    USAGE);
            config_free(&cfg);
            return 2;
        }
        base = strdup(cfg.url);
    } else {
        const char *listen = cfg.metrics_listen ? cfg.metrics_listen : cfg.listen;
        base = url_of_listen(listen);
        if (!base) {
            fprintf(stderr, "provd health: '%s' is not HOST:PORT\nusage: %s\n", listen, USAGE);
            config_free(&cfg);
            return 2;
        }
    }
    rc = base ? probe(base, cfg.health_live ? "/healthz" : "/readyz", cfg.http_timeout) : 1;
    if (!base)
        fprintf(stderr, "provd health: out of memory\n");
    free(base);
    config_free(&cfg);
    return rc;
}
