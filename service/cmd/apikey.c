#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"
#include "util/diag.h"
#include "registry/auth.h"
#include "db/migrate.h"

static int apikey_create(int argc, char **argv)
{
    struct config cfg;
    int rc =
        cmd_load_config(&cfg, CMD_APIKEY_CREATE,
                        "provd apikey create --name NAME [--scope register|admin]", argc, argv);
    if (rc >= 0)
        return rc;
    rc = 1;
    char token[APIKEY_TOKEN_LEN + 1];
    struct problem p;
    int applied;
    struct db_limits limits = cmd_db_limits(&cfg, false);
    struct db_conn *conn = db_connect(cfg.database_url, 30, &limits);
    if (!conn || !migrate_apply(conn, &applied))
        goto out;
    if (!registry_apikey_create(conn, cfg.name, cfg.scope, token, &p)) {
        diag_error("cannot store the API key%s%s", p.detail[0] ? ": " : "", p.detail);
        goto out;
    }
    /* The token goes to stdout alone; everything else goes to stderr. */
    printf("%s\n", token);
    diag_info("created API key '%s' with scope %s", cfg.name, cfg.scope);
    rc = 0;
out:
    db_disconnect(conn);
    config_free(&cfg);
    return rc;
}

int cmd_apikey(int argc, char **argv)
{
    if (argc >= 2 && !strcmp(argv[1], "create"))
        return apikey_create(argc - 1, argv + 1);
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        printf("usage: provd apikey create --name NAME [--scope register|admin]\n"
               "  create   store a new API key and print its token (only its hash is kept)\n");
        return 0;
    }
    fprintf(stderr, "usage: provd apikey create --name NAME [--scope register|admin]\n");
    return 2;
}
