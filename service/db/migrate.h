/* SPDX-License-Identifier: Apache-2.0 */
/* Schema migrations from sql/NNNN_name.sql, compiled into the binary (cmake/embed_sql.cmake).
 * Each runs once, in order, in its own transaction, under a PostgreSQL advisory lock so that
 * several instances starting together apply them exactly once. */
#ifndef PROVD_DB_MIGRATE_H
#define PROVD_DB_MIGRATE_H

#include <stdbool.h>
#include <stddef.h>

#include "db/pool.h"

struct migration {
    int version;
    const char *name;
    const char *sql;
};

extern const struct migration migrations[];
extern const size_t migrations_count;

/* Highest version this binary knows. */
int migrate_latest_version(void);
/* Applies pending migrations; refuses (false, logged) when the database has a newer schema.
 * *applied receives how many ran. */
bool migrate_apply(struct db_conn *conn, int *applied) __attribute__((warn_unused_result));
/* At start-up, on a session of its own (no statement timeout: a migration may be long):
 * connects (waiting up to wait_s for PostgreSQL), migrates, and disconnects. A connection lost
 * meanwhile (PostgreSQL restarting) is retried, once a second, until wait_s have passed. */
bool migrate_at_start(const char *url, const struct db_limits *limits, unsigned wait_s,
                      int *applied) __attribute__((warn_unused_result));
/* Current schema version in the database (0 when none); DB status on failure. */
enum db_status migrate_current_version(struct db_conn *conn, int *version)
    __attribute__((warn_unused_result));

#endif
