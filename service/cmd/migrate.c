/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"
#include "util/diag.h"
#include "db/migrate.h"

int cmd_load_config(struct config *cfg, enum config_cmd cmd, const char *usage, int argc,
                    char **argv)
{
    char err[256];
    bool help;
    if (!config_load(cfg, cmd, argc, argv, &help, err, sizeof err)) {
        fprintf(stderr, "provd: %s\nusage: %s\n(see --help)\n", err, usage);
        config_free(cfg);
        return 2;
    }
    if (help) {
        printf("usage: %s\n", usage);
        config_print_help(stdout, cmd);
        config_free(cfg);
        return 0;
    }
    const char *lv = cfg->log_level;
    diag_set_level(!strcmp(lv, "debug")   ? DIAG_DEBUG
                   : !strcmp(lv, "warn")  ? DIAG_WARN
                   : !strcmp(lv, "error") ? DIAG_ERROR
                                          : DIAG_INFO);
    diag_set_format(!strcmp(cfg->log_format, "json") ? DIAG_JSON : DIAG_TEXT);
    return -1;
}

struct db_limits cmd_db_limits(const struct config *cfg, bool api)
{
    struct db_limits l = {.connect_timeout_s = cfg->db_connect_timeout,
                          .idle_in_transaction_ms = cfg->db_idle_txn_timeout};
    if (api) {
        l.statement_timeout_ms = cfg->db_statement_timeout;
        l.lock_timeout_ms = cfg->db_lock_timeout;
        l.acquire_timeout_ms = cfg->db_acquire_timeout;
    }
    return l;
}

int cmd_migrate(int argc, char **argv)
{
    struct config cfg;
    int rc = cmd_load_config(&cfg, CMD_MIGRATE, "provd migrate [--database-url URL]", argc, argv);
    if (rc >= 0)
        return rc;
    rc = 1;
    int applied = 0;
    struct db_limits limits = cmd_db_limits(&cfg, false);
    struct db_conn *conn = db_connect(cfg.database_url, 30, &limits);
    if (!conn || !migrate_apply(conn, &applied))
        goto out;
    diag_info("schema at version %d (%d migration%s applied)", migrate_latest_version(), applied,
              applied == 1 ? "" : "s");
    rc = 0;
out:
    db_disconnect(conn);
    config_free(&cfg);
    return rc;
}
