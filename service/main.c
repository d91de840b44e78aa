/* SPDX-License-Identifier: Apache-2.0 */
/* provd: provenance registry for AI training data. */
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"

struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
};

static const struct command commands[] = {
    {"serve", cmd_serve, "run the HTTP API (applies pending migrations first)"},
    {"migrate", cmd_migrate, "apply pending database migrations and exit"},
    {"apikey", cmd_apikey,
     "manage API keys (apikey create --name NAME --scope SCOPE, list, revoke ID)"},
    {"worker", cmd_worker, "run the log sequencer (one leader among all workers)"},
    {"log", cmd_log, "check the whole log against its stored records (log check --help)"},
    {"run", cmd_run, "serve and worker in one process, for small deployments"},
    {"logkey", cmd_logkey, "make the log's signing key (logkey create --log-key-file PATH)"},
    {"verify", cmd_verify,
     "check a receipt, membership proof or model proof offline (verify FILE.json --log-key VKEY)"},
    {"keygen", cmd_keygen, "write a new Ed25519 signing key (keygen --key-file PATH)"},
    {"register", cmd_register,
     "sign and register files or directories over the API, 1,000 per request (--help)"},
    {"lookup", cmd_lookup, "the provenance of content hashes or files, over the API (--help)"},
    {"dataset", cmd_dataset, "datasets over the API: create, add, seal, audit, proof (--help)"},
    {"model", cmd_model,
     "the OpenSSF model signing digest of a model directory or file (model digest PATH)"},
    {"anchor-contract", cmd_anchor_contract,
     "deploy the optional anchor contract (emits an event per anchor) and print its address"},
    {"health", cmd_health,
     "probe a running provd: GET /readyz (--live: /healthz), exit 0 if 200 (container checks)"},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: provd COMMAND [options]\n\nCommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-15s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\n'provd COMMAND --help' lists a command's options.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
        !strcmp(argv[1], "help")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("provd %s\n", PROVD_VERSION);
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(argv[1], commands[i].name))
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "provd: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
