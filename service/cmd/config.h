/* SPDX-License-Identifier: Apache-2.0 */
/* Command-line and environment configuration. Every flag --foo-bar has the twin environment
 * variable PROVD_FOO_BAR; a flag wins over its variable, which wins over the default. The option
 * table in config.c is the single source of truth for parsing, validation and --help. */
#ifndef PROVD_CMD_CONFIG_H
#define PROVD_CMD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Which command an option belongs to (bit mask). */
enum config_cmd {
    CMD_SERVE = 1 << 0,
    CMD_MIGRATE = 1 << 1,
    CMD_APIKEY_CREATE = 1 << 2,
    CMD_WORKER = 1 << 3,
    CMD_RUN = 1 << 4, /* serve + worker in one process */
    CMD_LOGKEY_CREATE = 1 << 5,
    CMD_VERIFY = 1 << 6,
    CMD_CONTRACT = 1 << 7, /* anchor-contract: deploy the anchor contract */
    CMD_DATASET = 1 << 8,  /* dataset …: a client of the HTTP API */
    CMD_MODEL = 1 << 9,    /* model …: local model files */
    CMD_APIKEY_LIST = 1 << 10,
    CMD_APIKEY_REVOKE = 1 << 11, /* the key's id is args[0] */
    CMD_HEALTH = 1 << 16,        /* health: probes a running serve or run over HTTP */
    CMD_KEYGEN = 1 << 20,        /* keygen: a signer's Ed25519 key file */
    CMD_REGISTER = 1 << 21,      /* register FILE|DIR…: over the HTTP API */
    CMD_LOOKUP = 1 << 22,        /* lookup HASH|FILE…: over the HTTP API */
    CMD_LOG_CHECK = 1 << 23,     /* log check: the whole log against its stored records */
};

/* A repeatable option (OPT_LIST): each --flag VALUE appends one item; its environment twin
 * holds several items separated by spaces, tabs or newlines (items hold no whitespace), and any
 * flag replaces what the variable gave. Items are owned by the config. */
struct config_list {
    char **items;
    size_t n;
};

struct config {
    /* Strings are owned by the config and freed by config_free(). */
    char *database_url;
    /* PostgreSQL session limits (README "When PostgreSQL stalls"); 0: none */
    unsigned db_connect_timeout;   /* seconds */
    unsigned db_statement_timeout; /* milliseconds, API sessions (serve, run) */
    unsigned db_lock_timeout;      /* milliseconds, API sessions */
    unsigned db_acquire_timeout;   /* milliseconds, the wait for a pooled connection */
    unsigned db_idle_txn_timeout;  /* milliseconds, idle_in_transaction_session_timeout */

    char *listen;      /* HOST:PORT as given */
    char *listen_host; /* parsed from listen */
    uint16_t listen_port;
    uint16_t metrics_listen_port; /* parsed from metrics_listen */
    unsigned threads;
    unsigned commit_threads; /* group commit (registry/grouper.h) */
    unsigned lookup_threads; /* grouped provenance lookups (registry/grouper.h) */
    size_t max_body;
    char *cors_origins;        /* comma-separated, "*" for any; NULL for none */
    bool require_known_signer; /* refuse registrations by signers not in the registry */
    bool open_registration;    /* known signers may register without an API key */
    /* Rate limits and the metrics listener (README "Rate limits") */
    char *rate_limit_ip, *rate_limit_key;       /* "RATE[:BURST]", "0": none */
    char *rate_limit_exempt, *trusted_proxies;  /* CIDR lists */
    char *metrics_listen, *metrics_listen_host; /* HOST:PORT as given, and its host */
    char *metrics_token;
    char *explorer_tx_url; /* the explorer's link to a transaction, "{tx}" in it; NULL: none */
    char *tiles_prefix;    /* where the log is served as tlog-tiles ("/log/"), or "off" */
    /* HTTP limits (README "Limits") */
    unsigned max_connections, max_connections_per_ip; /* open at once; per IP 0: no limit */
    unsigned request_timeout, idle_timeout;           /* seconds */
    unsigned shutdown_grace;                          /* seconds SIGTERM waits for requests */
    unsigned max_event_subscribers;                   /* GET /v1/events streams at once */
    size_t max_buffered;                              /* bytes of bodies across connections */
    size_t max_reply; /* bytes of a list or provenance reply (README "Limits") */
    char *log_level;
    char *log_format;                    /* "text" or "json" */
    char *name;                          /* apikey create */
    char *scope;                         /* apikey create */
    char *log_key_file;                  /* worker, run, logkey create */
    char *log_origin;                    /* worker, run, logkey create */
    char *log_key;                       /* verify: the log's verifier key */
    char *tiles_dir;                     /* worker, run: --tiles-dir, NULL: no static publishing */
    char *receipt_path;                  /* verify: the positional argument */
    struct config_list verify_witnesses; /* verify --witness: cosigner vkeys (checked) */
    /* dataset … (over HTTP) */
    char *url, *token, *signing_key_file, *dir, *version, *metadata, *policy;
    unsigned http_timeout;          /* milliseconds */
    unsigned verify_witness_quorum; /* verify --witness-quorum; 0: all the --witness keys */
    char *args[3]; /* dataset, model: the positional arguments (subcommand first) */
    int n_args;
    bool list_files;  /* model digest --files: print the manifest, not only the digest */
    bool health_live; /* health --live: probe /healthz instead of /readyz */
    /* register, lookup: the operands (BASE_URL first if given), owned */
    char **operands;
    int n_operands;
    char *license, *author, *source_url, *source_url_prefix, *metadata_file, *state_file;
    bool json_out;            /* lookup --json */
    char *logcheck_tiles_dir; /* log check --tiles-dir: a C2SP tlog-tiles directory, or NULL */
    /* Anchoring (worker, run; verify reads rpc_url and the confirmations) */
    char *eth_rpc_url;          /* NULL: anchoring off */
    char *eth_key_file;         /* hex secp256k1 private key */
    uint64_t eth_chain_id;      /* 0: whatever the node reports */
    char *anchor_to;            /* NULL: the sender's own address */
    unsigned anchor_interval;   /* seconds */
    unsigned witness_timeout;   /* milliseconds (worker --witness-timeout; here for packing) */
    char *anchor_confirmations; /* N or "finalized" */
    unsigned anchor_depth;      /* parsed from it; 0 means finalized */
    unsigned anchor_replace_blocks;
    uint64_t eth_max_fee;          /* wei per gas */
    uint64_t eth_max_priority_fee; /* wei per gas */
    unsigned eth_rpc_timeout;      /* milliseconds */
    unsigned anchor_poll;          /* milliseconds */
    /* Witness cosigning (worker, run) */
    struct config_list witnesses; /* --witness URL+VKEY (checked) */
    unsigned witness_quorum;      /* 1..witnesses.n once validated (0 given: all) */
    unsigned witness_interval;    /* seconds; witness_timeout is above */
};

/* Parses env then argv (argv[0] is the command name) for command cmd into cfg. On error writes a
 * one-line reason to err and returns false. *help is set when --help was given. */
bool config_load(struct config *cfg, enum config_cmd cmd, int argc, char **argv, bool *help,
                 char *err, size_t err_len) __attribute__((warn_unused_result));
void config_print_help(FILE *f, enum config_cmd cmd);
void config_free(struct config *cfg);
/* Splits "HOST:PORT" or "[V6]:PORT"; host gets a new string (caller frees). */
/* A valid --tiles-prefix: "off", or a path from / to / that collides with no other route. */
bool config_tiles_prefix_valid(const char *s);
bool config_parse_listen(const char *s, char **host, uint16_t *port)
    __attribute__((warn_unused_result));

#endif
