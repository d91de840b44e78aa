/* SPDX-License-Identifier: Apache-2.0 */
/* provd apikey create | list | revoke: API keys, straight in the database. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"
#include "util/codec.h"
#include "util/diag.h"
#include "registry/auth.h"
#include "db/migrate.h"

#define USAGE                                                                                      \
    "usage: provd apikey create --name NAME [--scope register|admin]\n"                            \
    "       provd apikey list\n"                                                                   \
    "       provd apikey revoke ID\n"
#define LIST_PAGE 500 /* keys read per query */

/* A migrated connection for the command, or NULL (logged). */
static struct db_conn *apikey_connect(const struct config *cfg)
{
    int applied;
    struct db_limits limits = cmd_db_limits(cfg, false);
    struct db_conn *conn = db_connect(cfg->database_url, 30, &limits);
    if (conn && migrate_apply(conn, &applied))
        return conn;
    db_disconnect(conn);
    return NULL;
}

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
    struct db_conn *conn = apikey_connect(&cfg);
    if (!conn)
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

/* One key as a tab-separated line; the name is escaped (\xHH for control characters). */
static void print_key(const struct apikey_row *k)
{
    char name[4 * 100 + 1];
    diag_escape(name, sizeof name, k->name, strlen(k->name));
    printf("%" PRId64 "\t%s\t%s\t%s\t%s\n", k->id, name, k->scope, k->created_at,
           k->revoked_at ? k->revoked_at : "-");
}

/* Prints every key, a page at a time; false (logged) on a database failure. */
static bool list_keys(struct db_conn *conn)
{
    struct apikey_rows rows;
    struct problem p;
    int64_t after = 0;
    size_t n;
    printf("ID\tNAME\tSCOPE\tCREATED\tREVOKED\n");
    do {
        if (!registry_apikey_list(conn, after, LIST_PAGE, &rows, &p)) {
            diag_error("cannot list the API keys: %s", p.detail);
            return false;
        }
        for (size_t i = 0; i < rows.n; i++)
            print_key(&rows.v[i]);
        n = rows.n;
        after = n ? rows.v[n - 1].id : after;
        apikey_rows_free(&rows);
    } while (n == LIST_PAGE);
    return true;
}

static int apikey_list(int argc, char **argv)
{
    struct config cfg;
    int rc = cmd_load_config(&cfg, CMD_APIKEY_LIST, "provd apikey list", argc, argv);
    if (rc >= 0)
        return rc;
    struct db_conn *conn = apikey_connect(&cfg);
    rc = conn && list_keys(conn) ? 0 : 1;
    db_disconnect(conn);
    config_free(&cfg);
    return rc;
}

static int revoke_key(struct db_conn *conn, int64_t id)
{
    struct apikey_rows rows;
    struct problem p;
    bool newly;
    if (!registry_apikey_revoke(conn, id, &rows, &newly, &p)) {
        diag_error("cannot revoke API key %" PRId64 ": %s", id, p.detail);
        return 1;
    }
    const struct apikey_row *k = &rows.v[0];
    if (newly)
        diag_info("revoked API key %" PRId64 " ('%s', scope %s); every provd instance refuses "
                  "it within %d s",
                  id, k->name, k->scope, AUTH_CACHE_TTL_S);
    else
        diag_info("API key %" PRId64 " ('%s') was already revoked at %s", id, k->name,
                  k->revoked_at);
    apikey_rows_free(&rows);
    return 0;
}

static int apikey_revoke(int argc, char **argv)
{
    struct config cfg;
    int rc = cmd_load_config(&cfg, CMD_APIKEY_REVOKE, "provd apikey revoke ID", argc, argv);
    if (rc >= 0)
        return rc;
    uint64_t id = 0;
    if (cfg.n_args != 1 || !parse_u64(cfg.args[0], &id) || id == 0 || id > INT64_MAX) {
        fprintf(stderr, "provd: apikey revoke takes one key id (as apikey list shows it)\n");
        config_free(&cfg);
        return 2;
    }
    struct db_conn *conn = apikey_connect(&cfg);
    rc = conn ? revoke_key(conn, (int64_t)id) : 1;
    db_disconnect(conn);
    config_free(&cfg);
    return rc;
}

int cmd_apikey(int argc, char **argv)
{
    if (argc >= 2 && !strcmp(argv[1], "create"))
        return apikey_create(argc - 1, argv + 1);
    if (argc >= 2 && !strcmp(argv[1], "list"))
        return apikey_list(argc - 1, argv + 1);
    if (argc >= 2 && !strcmp(argv[1], "revoke"))
        return apikey_revoke(argc - 1, argv + 1);
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        printf(USAGE "  create   store a new API key and print its token (only its hash is kept)\n"
                     "  list     print every key: id, name, scope, created, revoked (never a "
                     "token)\n"
                     "  revoke   revoke key ID; every instance refuses it within %d s (its "
                     "cache)\n",
               AUTH_CACHE_TTL_S);
        return 0;
    }
    fputs(USAGE, stderr);
    return 2;
}
