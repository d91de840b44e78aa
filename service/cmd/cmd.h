/* Subcommands of the provd binary. Each takes argv with argv[0] = the command name and returns
 * the process exit status (0 ok, 1 runtime failure, 2 usage error). */
#ifndef PROVD_CMD_CMD_H
#define PROVD_CMD_CMD_H

#include <stdbool.h>

#include "core/config.h"

int cmd_serve(int argc, char **argv);
int cmd_migrate(int argc, char **argv);
int cmd_apikey(int argc, char **argv);

/* Loads the configuration for cmd or prints usage/help. Returns -1 to go on, else an exit
 * status to return at once. */
int cmd_load_config(struct config *cfg, enum config_cmd cmd, const char *usage, int argc,
                    char **argv);

#endif
