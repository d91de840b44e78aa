#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"
#include "core/logging.h"
#include "db/migrate.h"
#include "http/server.h"

static bool migrate_at_start(struct db_pool *pool)
{
    int applied = 0;
    struct db_conn *conn = db_acquire(pool);
    bool ok = conn && migrate_apply(conn, &applied);
    db_release(pool, conn);
    if (ok)
        log_info("schema at version %d (%d migration%s applied)", migrate_latest_version(), applied,
                 applied == 1 ? "" : "s");
    return ok;
}

/* Blocks until SIGINT or SIGTERM. The signals are blocked in every thread (set before any
 * thread starts) so that only sigwait sees them. */
static void wait_for_shutdown(const sigset_t *set)
{
    int sig = 0;
    sigwait(set, &sig);
    log_info("received %s, shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
}

int cmd_serve(int argc, char **argv)
{
    struct config cfg;
    int rc = cmd_load_config(&cfg, CMD_SERVE, "provd serve [options]", argc, argv);
    if (rc >= 0)
        return rc;
    rc = 1;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    struct app app = {.cfg = &cfg};
    auth_cache_init(&app.auth);
    char err[256];
    if (!cors_policy_parse(&app.cors, cfg.cors_origins, err, sizeof err)) {
        fprintf(stderr, "provd: %s\n", err);
        rc = 2;
        goto out;
    }
    app.pool = db_pool_create(cfg.database_url, cfg.threads, 30);
    if (!app.pool || !migrate_at_start(app.pool) || !http_server_start(&app))
        goto out;
    log_info("listening on http://%s%s%s:%u (%u threads)", strchr(cfg.listen_host, ':') ? "[" : "",
             cfg.listen_host, strchr(cfg.listen_host, ':') ? "]" : "", app.port, cfg.threads);
    wait_for_shutdown(&set);
    rc = 0;
out:
    http_server_stop(&app);
    db_pool_destroy(app.pool);
    cors_policy_free(&app.cors);
    auth_cache_destroy(&app.auth);
    config_free(&cfg);
    return rc;
}
