/* SPDX-License-Identifier: Apache-2.0 */
/* Subcommands of the provd binary. Each takes argv with argv[0] = the command name and returns
 * the process exit status (0 ok, 1 runtime failure, 2 usage error). */
#ifndef PROVD_CMD_CMD_H
#define PROVD_CMD_CMD_H

#include <signal.h>
#include <stdbool.h>

#include "cmd/config.h"
#include "db/pool.h"
#include "http/server.h"
#include "registry/events.h"
#include "registry/registry.h"

int cmd_serve(int argc, char **argv);
int cmd_migrate(int argc, char **argv);
int cmd_apikey(int argc, char **argv);
int cmd_worker(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_logkey(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_dataset(int argc, char **argv);
int cmd_model(int argc, char **argv);
int cmd_anchor_contract(int argc, char **argv);
int cmd_health(int argc, char **argv);
int cmd_keygen(int argc, char **argv);
int cmd_register(int argc, char **argv);
int cmd_lookup(int argc, char **argv);
int cmd_log(int argc, char **argv);

/* Loads the configuration for cmd or prints usage/help. Returns -1 to go on, else an exit
 * status to return at once. */
int cmd_load_config(struct config *cfg, enum config_cmd cmd, const char *usage, int argc,
                    char **argv);

/* The limits of provd's PostgreSQL sessions (README "When PostgreSQL stalls"): api for the HTTP
 * API's pool (statement, lock and acquire timeouts); otherwise migrations, the worker's sequencer
 * and anchorer and the CLI, which are never cut by a statement or lock timeout. All get the
 * connect and idle-in-transaction timeouts. */
struct db_limits cmd_db_limits(const struct config *cfg, bool api);

/* What serve and run start: the pool, the domain layer over it and the HTTP adapter. */
struct service {
    struct db_pool *pool;
    struct registry reg;
    bool reg_ready;
    struct http_server http;
    struct note_key log_key; /* with --log-key-file: signs model attestations */
    struct event_feed feed;  /* GET /v1/events: reads what every writer announces */
};

/* Reads the log key file into key and, unless origin is NULL, checks it is the key for origin. */
bool cmd_load_log_key(const char *path, const char *origin, struct note_key *key)
    __attribute__((warn_unused_result));

/* Shared by serve and run: checks the HTTP options, connects the pool, migrates, starts the
 * registry and HTTP. Returns an exit status on failure, -1 when serving. serve_stop undoes it
 * (also after a failure). svc starts zeroed. */
int serve_start(struct service *svc, const struct config *cfg);
void serve_stop(struct service *svc);
/* Blocks SIGINT, SIGTERM and SIGHUP in the calling thread (and the threads it creates later). */
void signals_block(sigset_t *set);
/* Logs sig; true for SIGINT and SIGTERM (stop), false for SIGHUP (ignored). */
bool signal_stops(int sig);
/* Waits for SIGINT or SIGTERM (blocked by signals_block), ignoring SIGHUP. */
void signals_wait(const sigset_t *set);
/* After the stop signal: stops accepting connections and waits up to grace_s seconds for the
 * requests in flight to be answered (a second SIGINT or SIGTERM cuts it short); serve_stop
 * then closes what is left. A no-op when svc is not serving. */
void serve_drain(struct service *svc, unsigned grace_s, const sigset_t *set);

#endif
