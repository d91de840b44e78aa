/* SPDX-License-Identifier: Apache-2.0 */
#include "db/migrate.h"
#include "db/exec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/diag.h"

/* "provd" in ASCII: the advisory lock key that serialises migrations across instances. */
#define MIGRATION_LOCK_KEY "478680019556"

static const struct db_stmt migrate_current_version_stmt = {
    "migrate_current_version", "SELECT coalesce(max(version), 0) FROM schema_migrations", 0};

int migrate_latest_version(void)
{
    return migrations_count ? migrations[migrations_count - 1].version : 0;
}

enum db_status migrate_current_version(struct db_conn *conn, int *version)
{
    PGresult *res;
    enum db_status st = db_exec(conn, &migrate_current_version_stmt, NULL, NULL, NULL, &res);
    if (st == DB_OK) {
        *version = (int)strtol(PQgetvalue(res, 0, 0), NULL, 10);
        PQclear(res);
    }
    return st;
}

struct apply_one {
    const struct migration *m;
};

static enum db_status apply_one_txn(struct db_conn *conn, void *arg)
{
    const struct migration *m = ((struct apply_one *)arg)->m;
    enum db_status st = db_exec_simple(conn, m->sql);
    if (st != DB_OK)
        return st;
    char version[16];
    snprintf(version, sizeof version, "%d", m->version);
    const char *params[] = {version, m->name};
    PGresult *res =
        PQexecParams(db_pg(conn), "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
                     2, NULL, params, NULL, NULL, 0);
    st = PQresultStatus(res) == PGRES_COMMAND_OK ? DB_OK : DB_ERROR;
    if (st != DB_OK)
        diag_error("recording migration %s: %s", m->name, PQresultErrorMessage(res));
    PQclear(res);
    return st;
}

static bool apply_pending(struct db_conn *conn, int current, int *applied)
{
    for (size_t i = 0; i < migrations_count; i++) {
        const struct migration *m = &migrations[i];
        if (m->version <= current)
            continue;
        struct apply_one arg = {m};
        if (db_transaction(conn, apply_one_txn, &arg) != DB_OK) {
            diag_error("migration %s failed: %s", m->name, PQerrorMessage(db_pg(conn)));
            return false;
        }
        diag_info("applied migration %s", m->name);
        (*applied)++;
    }
    return true;
}

/* Metadata is stored as UTF-8 text: a database in another encoding would refuse characters. */
static bool database_is_utf8(struct db_conn *conn)
{
    PGresult *res = PQexec(db_pg(conn), "SELECT pg_encoding_to_char(encoding) FROM pg_database "
                                        "WHERE datname = current_database()");
    bool ok = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1 &&
              !strcmp(PQgetvalue(res, 0, 0), "UTF8");
    if (!ok)
        diag_error("the database must use the UTF8 encoding (CREATE DATABASE … ENCODING 'UTF8'), "
                   "it uses %s",
                   PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1
                       ? PQgetvalue(res, 0, 0)
                       : "an unknown encoding");
    PQclear(res);
    return ok;
}

bool migrate_apply(struct db_conn *conn, int *applied)
{
    *applied = 0;
    bool ok = false;
    if (db_exec_simple(conn, "SELECT pg_advisory_lock(" MIGRATION_LOCK_KEY ")") != DB_OK) {
        diag_error("cannot take the migration lock: %s", PQerrorMessage(db_pg(conn)));
        return false;
    }
    int current = 0;
    if (!database_is_utf8(conn))
        goto out;
    if (db_exec_simple(conn, "CREATE TABLE IF NOT EXISTS schema_migrations ("
                             "version integer PRIMARY KEY, name text NOT NULL, "
                             "applied_at timestamptz NOT NULL DEFAULT now())") != DB_OK ||
        migrate_current_version(conn, &current) != DB_OK) {
        diag_error("cannot read the schema version: %s", PQerrorMessage(db_pg(conn)));
        goto out;
    }
    if (current > migrate_latest_version()) {
        diag_error("the database schema is at version %d, newer than this provd knows (%d): "
                   "upgrade provd",
                   current, migrate_latest_version());
        goto out;
    }
    ok = apply_pending(conn, current, applied);
out:
    /* A failed unlock is harmless: the lock goes with the session. */
    if (db_exec_simple(conn, "SELECT pg_advisory_unlock(" MIGRATION_LOCK_KEY ")") != DB_OK)
        diag_warn("cannot release the migration lock: %s", PQerrorMessage(db_pg(conn)));
    return ok;
}

bool migrate_at_start(const char *url, const struct db_limits *limits, unsigned wait_s,
                      int *applied)
{
    time_t until = time(NULL) + wait_s;
    for (;;) {
        time_t now = time(NULL);
        struct db_conn *conn = db_connect(url, until > now ? (unsigned)(until - now) : 0, limits);
        if (!conn)
            return false;
        bool ok = migrate_apply(conn, applied);
        bool lost = !ok && PQstatus(db_pg(conn)) != CONNECTION_OK;
        db_disconnect(conn);
        if (ok || !lost || time(NULL) >= until)
            return ok;
        diag_warn("lost the connection to PostgreSQL while migrating; trying again");
        sleep(1);
    }
}
