/* Subcommands of the provd binary. Each takes argv with argv[0] = the command name and returns
 * the process exit status (0 ok, 1 runtime failure, 2 usage error). */
#ifndef PROVD_CMD_CMD_H
#define PROVD_CMD_CMD_H

#include <signal.h>
#include <stdbool.h>

#include "cmd/config.h"
#include "http/server.h"

int cmd_serve(int argc, char **argv);
int cmd_migrate(int argc, char **argv);
int cmd_apikey(int argc, char **argv);
int cmd_worker(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_logkey(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_anchor_contract(int argc, char **argv);

/* Loads the configuration for cmd or prints usage/help. Returns -1 to go on, else an exit
 * status to return at once. */
int cmd_load_config(struct config *cfg, enum config_cmd cmd, const char *usage, int argc,
                    char **argv);

/* Shared by serve and run: connects the pool, migrates, starts HTTP (app->cfg must be set).
 * Returns an exit status on failure, -1 when serving. serve_stop undoes it (also after a
 * failure). */
int serve_start(struct app *app);
void serve_stop(struct app *app);
/* Blocks SIGINT and SIGTERM in the calling thread (and the threads it creates later). */
void signals_block(sigset_t *set);
/* Waits for SIGINT or SIGTERM (blocked by signals_block). */
void signals_wait(const sigset_t *set);

#endif
