#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"
#include "util/diag.h"
#include "db/migrate.h"

static bool migrate_at_start(struct db_pool *pool)
{
    int applied = 0;
    struct db_conn *conn = db_acquire(pool);
    bool ok = conn && migrate_apply(conn, &applied);
    db_release(pool, conn);
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

int serve_start(struct app *app)
{
    const struct config *cfg = app->cfg;
    auth_cache_init(&app->auth);
    if (!tile_cache_init(&app->tiles) || !proof_cache_init(&app->proofs)) {
        diag_error("out of memory");
        return 1;
    }
    char err[256];
    if (!cors_policy_parse(&app->cors, cfg->cors_origins, err, sizeof err)) {
        fprintf(stderr, "provd: %s\n", err);
        return 2;
    }
    app->pool = db_pool_create(cfg->database_url, cfg->threads, 30);
    if (!app->pool || !migrate_at_start(app->pool) || !http_server_start(app))
        return 1;
    bool v6 = strchr(cfg->listen_host, ':') != NULL;
    diag_info("listening on http://%s%s%s:%u (%u threads)", v6 ? "[" : "", cfg->listen_host,
              v6 ? "]" : "", app->port, cfg->threads);
    return -1;
}

void serve_stop(struct app *app)
{
    http_server_stop(app);
    db_pool_destroy(app->pool);
    app->pool = NULL;
    cors_policy_free(&app->cors);
    auth_cache_destroy(&app->auth);
    tile_cache_destroy(&app->tiles);
    proof_cache_destroy(&app->proofs);
}

int cmd_serve(int argc, char **argv)
{
    struct config cfg;
    int rc = cmd_load_config(&cfg, CMD_SERVE, "provd serve [options]", argc, argv);
    if (rc >= 0)
        return rc;
    sigset_t set;
    signals_block(&set);
    struct app app = {.cfg = &cfg};
    rc = serve_start(&app);
    if (rc < 0) {
        signals_wait(&set);
        rc = 0;
    }
    serve_stop(&app);
    config_free(&cfg);
    return rc;
}
