#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"
#include "util/diag.h"
#include "db/migrate.h"

/* On a session of its own: the pool's statement and lock timeouts would cut a long migration. */
static bool migrate_at_start(const struct config *cfg)
{
    int applied = 0;
    struct db_limits limits = cmd_db_limits(cfg, false);
    struct db_conn *conn = db_connect(cfg->database_url, 5, &limits);
    bool ok = conn && migrate_apply(conn, &applied);
    db_disconnect(conn);
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
    pthread_sigmask(SIG_BLOCK, set, NULL);
    signal(SIGPIPE, SIG_IGN);
}

/* The signals are blocked in every thread (set before any thread starts), so only sigwait sees
 * them. */
void signals_wait(const sigset_t *set)
{
    int sig = 0;
    sigwait(set, &sig);
    diag_info("received %s, shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
}

bool cmd_load_log_key(const char *path, const char *origin, struct note_key *key)
{
    char text[512];
    FILE *f = fopen(path, "r");
    if (!f) {
        diag_error("cannot read the log key file %s: %s", path, strerror(errno));
        return false;
    }
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    if (!note_key_parse_private(text, key)) {
        diag_error("%s is not a provd log key (make one with provd logkey create)", path);
        return false;
    }
    if (origin && strcmp(key->name, origin) != 0) {
        diag_error("the log key in %s is for origin %s, not %s", path, key->name, origin);
        return false;
    }
    return true;
}

int serve_start(struct service *svc, const struct config *cfg)
{
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
                               .max_buffered = cfg->max_buffered};
    struct registry_policy policy = {.require_known_signer = cfg->require_known_signer,
                                     .open_registration = cfg->open_registration};
    char err[256];
    if (!http_server_init(&svc->http, &opt, err, sizeof err)) {
        fprintf(stderr, "provd: %s\n", err);
        return 2;
    }
    struct db_limits limits = cmd_db_limits(cfg, true);
    svc->pool = db_pool_create(cfg->database_url, cfg->threads, 30, &limits);
    if (!svc->pool || !migrate_at_start(cfg))
        return 1;
    if (!registry_init(&svc->reg, svc->pool, &policy)) {
        diag_error("out of memory");
        return 1;
    }
    svc->reg_ready = true;
    if (cfg->log_key_file) {
        if (!cmd_load_log_key(cfg->log_key_file, cfg->log_origin, &svc->log_key))
            return 1;
        svc->http.log_key = &svc->log_key;
    }
    if (!http_server_start(&svc->http, &svc->reg))
        return 1;
    bool v6 = strchr(cfg->listen_host, ':') != NULL;
    diag_info("listening on http://%s%s%s:%u (%u threads)", v6 ? "[" : "", cfg->listen_host,
              v6 ? "]" : "", svc->http.port, cfg->threads);
    return -1;
}

void serve_stop(struct service *svc)
{
    http_server_stop(&svc->http);
    if (svc->reg_ready)
        registry_destroy(&svc->reg);
    svc->reg_ready = false;
    db_pool_destroy(svc->pool);
    svc->pool = NULL;
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
        rc = 0;
    }
    serve_stop(&svc);
    config_free(&cfg);
    return rc;
}
