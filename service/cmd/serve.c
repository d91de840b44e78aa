/* SPDX-License-Identifier: Apache-2.0 */
#include <pthread.h>
#include <sodium.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "cmd/cmd.h"
#include "util/diag.h"
#include "util/keyfile.h"
#include "db/migrate.h"
#include "registry/items.h"

/* On a session of its own: the pool's statement and lock timeouts would cut a long migration. */
static bool schema_at_start(const struct config *cfg)
{
    int applied = 0;
    struct db_limits limits = cmd_db_limits(cfg, false);
    bool ok = migrate_at_start(cfg->database_url, &limits, 5, &applied);
    if (ok)
        diag_info("schema at version %d (%d migration%s applied)", migrate_latest_version(),
                  applied, applied == 1 ? "" : "s");
    return ok;
}

void signals_block(sigset_t *set)
{
    sigemptyset(set);
    sigaddset(set, SIGINT);
    sigaddset(set, SIGTERM);
    sigaddset(set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, set, NULL);
    signal(SIGPIPE, SIG_IGN);
}

bool signal_stops(int sig)
{
    if (sig == SIGHUP) {
        diag_info("received SIGHUP: ignored (provd logs to stderr and reads its configuration "
                  "only at start, so there is nothing to reopen or reload)");
        return false;
    }
    diag_info("received %s, shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
    return true;
}

/* The signals are blocked in every thread (set before any thread starts), so only sigwait sees
 * them. */
void signals_wait(const sigset_t *set)
{
    int sig = 0;
    while (sigwait(set, &sig) != 0 || !signal_stops(sig))
        ;
}

static int64_t monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits until no request is in flight, the deadline passes or a second stop signal comes. */
static unsigned drain_wait(struct http_server *http, int64_t deadline_ms, const sigset_t *set)
{
    const struct timespec tick = {0, 20 * 1000000L};
    unsigned n;
    while ((n = http_server_in_flight(http)) > 0 && monotonic_ms() < deadline_ms) {
        int sig = sigtimedwait(set, NULL, &tick);
        if (sig > 0 && signal_stops(sig)) {
            diag_warn("a second signal: not waiting for the requests in flight");
            break;
        }
    }
    return n;
}

void serve_drain(struct service *svc, unsigned grace_s, const sigset_t *set)
{
    if (!svc->http.daemon || !http_server_quiesce(&svc->http))
        return;
    unsigned n = http_server_in_flight(&svc->http);
    diag_info("stopped accepting connections; waiting up to %u s for %u request%s in flight",
              grace_s, n, n == 1 ? "" : "s");
    n = drain_wait(&svc->http, monotonic_ms() + (int64_t)grace_s * 1000, set);
    if (n)
        diag_warn("closing %u request%s still in flight", n, n == 1 ? "" : "s");
    else
        diag_info("every request in flight was answered");
}

bool cmd_load_log_key(const char *path, const char *origin, struct note_key *key)
{
    char text[512];
    if (!keyfile_read(path, "log key file", text, sizeof text))
        return false;
    bool ok = note_key_parse_private(text, key);
    sodium_memzero(text, sizeof text);
    if (!ok)
        diag_error("%s is not a provd log key (make one with provd logkey create)", path);
    else if (origin && strcmp(key->name, origin) != 0)
        diag_error("the log key in %s is for origin %s, not %s", path, key->name, origin);
    else
        return true;
    sodium_memzero(key, sizeof *key);
    return false;
}

/* After the main listener's line, which the tests read first. */
static void log_metrics_listener(const struct service *svc, const struct config *cfg)
{
    if (!cfg->metrics_listen_host)
        return;
    bool v6 = strchr(cfg->metrics_listen_host, ':') != NULL;
    diag_info("metrics, health and readiness on http://%s%s%s:%u", v6 ? "[" : "",
              cfg->metrics_listen_host, v6 ? "]" : "", svc->http.metrics_port);
}

/* glibc's malloc, left alone, gives threads arenas of their own (up to eight per core) and
 * raises its mmap threshold to the largest block freed (up to 32 MiB), after which the
 * multi-megabyte buffers of big requests (batch bodies, 100,000-member appends, audit chunks)
 * come from arenas that keep the memory after the reply: the peak resident memory grew with
 * every thread that had served one. One arena per core and a fixed 256 KiB threshold (bigger
 * blocks are mapped and given back when freed, and the heaps trimmed) keep it near what is live. */
static void bound_heap(void)
{
#ifdef __GLIBC__
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    (void)mallopt(M_ARENA_MAX, cores > 0 ? (int)cores : 1);
    (void)mallopt(M_MMAP_THRESHOLD, 256 * 1024);
#endif
}

int serve_start(struct service *svc, const struct config *cfg)
{
    bound_heap();
    struct http_options opt = {.listen = cfg->listen,
                               .listen_host = cfg->listen_host,
                               .listen_port = cfg->listen_port,
                               .threads = cfg->threads,
                               .max_body = cfg->max_body,
                               .cors_origins = cfg->cors_origins,
                               .max_connections = cfg->max_connections,
                               .max_connections_per_ip = cfg->max_connections_per_ip,
                               .request_timeout = cfg->request_timeout,
                               .idle_timeout = cfg->idle_timeout,
                               .max_buffered = cfg->max_buffered,
                               .max_reply = cfg->max_reply,
                               .rate_limit_ip = cfg->rate_limit_ip,
                               .rate_limit_key = cfg->rate_limit_key,
                               .rate_limit_exempt = cfg->rate_limit_exempt,
                               .trusted_proxies = cfg->trusted_proxies,
                               .metrics_listen = cfg->metrics_listen,
                               .metrics_listen_host = cfg->metrics_listen_host,
                               .metrics_listen_port = cfg->metrics_listen_port,
                               .metrics_token = cfg->metrics_token,
                               .max_event_subscribers = cfg->max_event_subscribers,
                               .explorer_tx_url = cfg->explorer_tx_url,
                               .tiles_prefix =
                                   strcmp(cfg->tiles_prefix, "off") ? cfg->tiles_prefix : NULL};
    struct registry_policy policy = {.require_known_signer = cfg->require_known_signer,
                                     .open_registration = cfg->open_registration};
    char err[256];
    if (!http_server_init(&svc->http, &opt, err, sizeof err)) {
        fprintf(stderr, "provd: %s\n", err);
        return 2;
    }
    struct db_limits limits = cmd_db_limits(cfg, true);
    svc->pool = db_pool_create(
        cfg->database_url, cfg->threads + cfg->commit_threads + cfg->lookup_threads, 30, &limits);
    if (!svc->pool || !schema_at_start(cfg))
        return 1;
    if (!registry_init(&svc->reg, svc->pool, &policy)) {
        diag_error("out of memory");
        return 1;
    }
    svc->reg_ready = true;
    if (!registry_start_groups(&svc->reg, cfg->commit_threads, cfg->lookup_threads)) {
        diag_error("cannot start the committers and lookup threads");
        return 1;
    }
    if (cfg->log_key_file) {
        if (!cmd_load_log_key(cfg->log_key_file, cfg->log_origin, &svc->log_key))
            return 1;
        svc->http.log_key = &svc->log_key;
    }
    if (!http_server_start(&svc->http, &svc->reg))
        return 1;
    const struct event_sink sink = {http_events_deliver, http_events_wanted, &svc->http.events};
    if (!event_feed_start(&svc->feed, cfg->database_url, &limits, &sink)) {
        diag_error("cannot start the event feed");
        return 1;
    }
    bool v6 = strchr(cfg->listen_host, ':') != NULL;
    diag_info("listening on http://%s%s%s:%u (%u threads)", v6 ? "[" : "", cfg->listen_host,
              v6 ? "]" : "", svc->http.port, cfg->threads);
    log_metrics_listener(svc, cfg);
    return -1;
}

void serve_stop(struct service *svc)
{
    event_feed_stop(&svc->feed); /* it hands events to the server's streams */
    http_server_stop(&svc->http);
    if (svc->reg_ready)
        registry_destroy(&svc->reg);
    svc->reg_ready = false;
    db_pool_destroy(svc->pool);
    svc->pool = NULL;
    sodium_memzero(&svc->log_key, sizeof svc->log_key);
}

int cmd_serve(int argc, char **argv)
{
    struct config cfg;
    int rc = cmd_load_config(&cfg, CMD_SERVE, "provd serve [options]", argc, argv);
    if (rc >= 0)
        return rc;
    sigset_t set;
    signals_block(&set);
    struct service svc = {0};
    rc = serve_start(&svc, &cfg);
    if (rc < 0) {
        signals_wait(&set);
        serve_drain(&svc, cfg.shutdown_grace, &set);
        rc = 0;
    }
    serve_stop(&svc);
    config_free(&cfg);
    return rc;
}
