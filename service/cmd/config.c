/* SPDX-License-Identifier: Apache-2.0 */
#include "cmd/config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/validate.h"
#include "crypto/ethsig.h"
#include "tlog/cosig.h"
#include "tlog/note.h"

/* OPT_LIST: repeatable, into a struct config_list (config.h says how flags and env combine). */
enum opt_kind { OPT_STRING, OPT_UINT, OPT_SIZE, OPT_BOOL, OPT_U64, OPT_LIST };

struct option_def {
    const char *flag; /* without the leading dashes */
    const char *env;
    unsigned cmds;
    enum opt_kind kind;
    size_t offset;
    const char *def;
    unsigned long min, max; /* OPT_UINT, OPT_SIZE and OPT_U64 */
    const char *metavar;
    const char *help;
};

#define OFF(f)      offsetof(struct config, f)
#define CMD_APIKEY  (CMD_APIKEY_CREATE | CMD_APIKEY_LIST | CMD_APIKEY_REVOKE)
#define CMD_WITH_DB (CMD_SERVE | CMD_MIGRATE | CMD_APIKEY | CMD_WORKER | CMD_RUN | CMD_LOG_CHECK)
#define CMD_HTTP    (CMD_SERVE | CMD_RUN)
#define CMD_LOG     (CMD_WORKER | CMD_RUN | CMD_LOGKEY_CREATE)
#define CMD_ANCHOR  (CMD_WORKER | CMD_RUN)
#define CMD_ETH     (CMD_ANCHOR | CMD_CONTRACT)               /* commands that send transactions */
#define CMD_API     (CMD_DATASET | CMD_REGISTER | CMD_LOOKUP) /* clients of the HTTP API */
#define CMD_CLIENT  (CMD_KEYGEN | CMD_REGISTER | CMD_LOOKUP)

static const struct option_def options[] = {
    {"database-url", "PROVD_DATABASE_URL", CMD_WITH_DB, OPT_STRING, OFF(database_url), NULL, 0, 0,
     "URL", "PostgreSQL connection (libpq URI or key=value conninfo); required"},
    {"db-connect-timeout", "PROVD_DB_CONNECT_TIMEOUT_S", CMD_WITH_DB, OPT_UINT,
     OFF(db_connect_timeout), "5", 2, 600, "SECONDS",
     "give up an attempt to connect to PostgreSQL after this long (libpq connect_timeout)"},
    {"db-statement-timeout", "PROVD_DB_STATEMENT_TIMEOUT_MS", CMD_HTTP, OPT_UINT,
     OFF(db_statement_timeout), "10000", 0, 3600000, "MS",
     "PostgreSQL cancels an API request's statement after this long, and provd drops a "
     "connection that has not answered 1 s later (503 database-unavailable); 0 for none "
     "(migrations and the worker never have one)"},
    {"db-lock-timeout", "PROVD_DB_LOCK_TIMEOUT_MS", CMD_HTTP, OPT_UINT, OFF(db_lock_timeout),
     "5000", 0, 3600000, "MS",
     "an API request's statement waits at most this long for a lock (503); 0 for none"},
    {"db-acquire-timeout", "PROVD_DB_ACQUIRE_TIMEOUT_MS", CMD_HTTP, OPT_UINT,
     OFF(db_acquire_timeout), "3000", 1, 600000, "MS",
     "a request waits at most this long for a free pooled connection (503)"},
    {"db-idle-in-transaction-timeout", "PROVD_DB_IDLE_IN_TRANSACTION_TIMEOUT_MS", CMD_WITH_DB,
     OPT_UINT, OFF(db_idle_txn_timeout), "60000", 0, 86400000, "MS",
     "PostgreSQL ends a provd session left idle inside a transaction this long, releasing its "
     "locks (idle_in_transaction_session_timeout); 0 for none"},
    {"listen", "PROVD_LISTEN", CMD_HTTP, OPT_STRING, OFF(listen), "127.0.0.1:8080", 0, 0,
     "HOST:PORT", "address to listen on; port 0 picks a free port (the chosen one is logged)"},
    {"threads", "PROVD_THREADS", CMD_HTTP, OPT_UINT, OFF(threads), "0", 0, 256, "N",
     "HTTP worker threads, 0 for two per CPU core; the database pool has one connection per "
     "thread"},
    {"commit-threads", "PROVD_COMMIT_THREADS", CMD_HTTP, OPT_UINT, OFF(commit_threads), "3", 1, 16,
     "N",
     "threads committing single registrations in groups: those that arrive while every one is "
     "busy with a commit share the next commit (each has a database connection of its own)"},
    {"lookup-threads", "PROVD_LOOKUP_THREADS", CMD_HTTP, OPT_UINT, OFF(lookup_threads), "2", 1, 16,
     "N",
     "threads answering GET /v1/provenance/{hash} in groups: lookups that arrive while every one "
     "is busy with a query share the next query (each has a database connection of its own)"},
    {"max-body", "PROVD_MAX_BODY", CMD_HTTP, OPT_SIZE, OFF(max_body), "1M", 1024, 64ul << 20,
     "BYTES", "largest accepted request body (suffix K or M allowed)"},
    {"cors-origins", "PROVD_CORS_ORIGINS", CMD_HTTP, OPT_STRING, OFF(cors_origins), NULL, 0, 0,
     "LIST", "comma-separated browser origins allowed by CORS, or * for any; default none"},
    {"max-connections", "PROVD_MAX_CONNECTIONS", CMD_HTTP, OPT_UINT, OFF(max_connections), "512", 1,
     65536, "N",
     "connections open at once, at least --threads; more wait in the listen backlog (the open "
     "file limit is raised to fit when it can)"},
    {"max-connections-per-ip", "PROVD_MAX_CONNECTIONS_PER_IP", CMD_HTTP, OPT_UINT,
     OFF(max_connections_per_ip), "0", 0, 65536, "N",
     "connections open at once from one client address, more are refused; 0 for no limit "
     "(behind a reverse proxy every client has the proxy's address)"},
    {"request-timeout", "PROVD_REQUEST_TIMEOUT_S", CMD_HTTP, OPT_UINT, OFF(request_timeout), "30",
     1, 3600, "SECONDS",
     "a request must arrive whole this long after the connection opened (or its previous reply "
     "was sent), however slowly its bytes come (time its thread spends on other requests does "
     "not count); later it gets 408 or the connection is closed"},
    {"idle-timeout", "PROVD_IDLE_TIMEOUT_S", CMD_HTTP, OPT_UINT, OFF(idle_timeout), "15", 1, 3600,
     "SECONDS", "close a connection that sends and receives nothing this long"},
    {"max-buffered", "PROVD_MAX_BUFFERED", CMD_HTTP, OPT_SIZE, OFF(max_buffered), "64M", 64 << 10,
     4096ul << 20, "BYTES",
     "request bodies (and list and provenance replies being sent) held in memory across all "
     "connections, more than --max-body; past it 503 server-busy (suffix K or M allowed)"},
    {"max-reply", "PROVD_MAX_REPLY", CMD_HTTP, OPT_SIZE, OFF(max_reply), "1M", 256 << 10,
     64ul << 20, "BYTES",
     "largest list or provenance reply: a list stops at it with next_cursor, a lookup with "
     "truncated (suffix K or M allowed)"},
    {"max-event-subscribers", "PROVD_MAX_EVENT_SUBSCRIBERS", CMD_HTTP, OPT_UINT,
     OFF(max_event_subscribers), "256", 1, 65536, "N",
     "GET /v1/events streams open at once (each holds a connection and up to 1 MiB queued for a "
     "slow reader); more get 503 server-busy"},
    {"shutdown-grace", "PROVD_SHUTDOWN_GRACE_S", CMD_HTTP, OPT_UINT, OFF(shutdown_grace), "10", 0,
     3600, "SECONDS",
     "on SIGTERM or SIGINT stop accepting connections and wait this long at most for the "
     "requests in flight to be answered (a second signal stops at once)"},
    {"require-known-signer", "PROVD_REQUIRE_KNOWN_SIGNER", CMD_HTTP, OPT_BOOL,
     OFF(require_known_signer), "false", 0, 0, "[=BOOL]",
     "refuse registrations whose signer is not in the signer registry (403)"},
    {"open-registration", "PROVD_OPEN_REGISTRATION", CMD_HTTP, OPT_BOOL, OFF(open_registration),
     "false", 0, 0, "[=BOOL]",
     "let requests without an API key register items of known, unrevoked signers"},
    {"rate-limit-ip", "PROVD_RATE_LIMIT_IP", CMD_HTTP, OPT_STRING, OFF(rate_limit_ip), "100:200", 0,
     0, "RPS[:BURST]",
     "requests a second, and the burst, one client address may make on any route but /healthz "
     "(IPv6 by /64); past it 429 rate-limited with Retry-After; 0 for no limit"},
    {"rate-limit-key", "PROVD_RATE_LIMIT_KEY", CMD_HTTP, OPT_STRING, OFF(rate_limit_key),
     "1000:2000", 0, 0, "RPS[:BURST]",
     "requests a second, and the burst, one API key may make from all its addresses together "
     "(429); 0 for no limit"},
    {"rate-limit-exempt", "PROVD_RATE_LIMIT_EXEMPT", CMD_HTTP, OPT_STRING, OFF(rate_limit_exempt),
     "127.0.0.0/8,::1", 0, 0, "CIDR[,CIDR...]",
     "client addresses never rate limited, or none (the default exempts loopback: local tools, "
     "benchmarks, a reverse proxy on this host that sends no X-Forwarded-For)"},
    {"trusted-proxy", "PROVD_TRUSTED_PROXY", CMD_HTTP, OPT_STRING, OFF(trusted_proxies), NULL, 0, 0,
     "CIDR[,CIDR...]",
     "reverse proxies whose X-Forwarded-For names the client: the client is its right-most "
     "address not in these ranges; default none (X-Forwarded-For is ignored)"},
    {"metrics-listen", "PROVD_METRICS_LISTEN", CMD_HTTP, OPT_STRING, OFF(metrics_listen), NULL, 0,
     0, "HOST:PORT",
     "serve /metrics, /healthz and /readyz on this second address, and /metrics no longer on "
     "--listen; default none"},
    {"metrics-token", "PROVD_METRICS_TOKEN", CMD_HTTP, OPT_STRING, OFF(metrics_token), NULL, 0, 0,
     "TOKEN",
     "/metrics requires Authorization: Bearer TOKEN (prefer the environment variable: "
     "arguments are visible to other users); default none"},
    {"explorer-tx-url", "PROVD_EXPLORER_TX_URL", CMD_HTTP, OPT_STRING, OFF(explorer_tx_url), NULL,
     0, 0, "TEMPLATE",
     "the explorer links a transaction hash to this http(s) URL with {tx} replaced by it (e.g. "
     "https://sepolia.etherscan.io/tx/{tx}); default none"},
    {"tiles-prefix", "PROVD_TILES_PREFIX", CMD_HTTP, OPT_STRING, OFF(tiles_prefix), "/log/", 0, 0,
     "PATH|off",
     "serve the log as C2SP tlog-tiles under this path: PATHcheckpoint, PATHtile/...; it "
     "starts and ends with /, off for none"},
    {"log-level", "PROVD_LOG_LEVEL",
     CMD_WITH_DB | CMD_LOGKEY_CREATE | CMD_VERIFY | CMD_CONTRACT | CMD_DATASET | CMD_MODEL |
         CMD_HEALTH | CMD_CLIENT,
     OPT_STRING, OFF(log_level), "info", 0, 0, "LEVEL", "debug, info, warn or error"},
    {"log-format", "PROVD_LOG_FORMAT",
     CMD_WITH_DB | CMD_LOGKEY_CREATE | CMD_VERIFY | CMD_CONTRACT | CMD_DATASET | CMD_MODEL |
         CMD_HEALTH | CMD_CLIENT,
     OPT_STRING, OFF(log_format), "text", 0, 0, "FORMAT",
     "text (TIME LEVEL [request-id] message) or json (one JSON object per line)"},
    {"log-key-file", "PROVD_LOG_KEY_FILE", CMD_WORKER | CMD_RUN | CMD_SERVE, OPT_STRING,
     OFF(log_key_file), NULL, 0, 0, "PATH",
     "the log's Ed25519 signing key (from provd logkey create); required by worker and run, "
     "optional for serve (it then signs model attestations)"},
    {"log-key-file", "PROVD_LOG_KEY_FILE", CMD_LOGKEY_CREATE, OPT_STRING, OFF(log_key_file), NULL,
     0, 0, "PATH",
     "where to write the new signing key (owner-only; an existing file is never overwritten); "
     "required"},
    {"log-origin", "PROVD_LOG_ORIGIN", CMD_LOG, OPT_STRING, OFF(log_origin), NULL, 0, 0, "ORIGIN",
     "the log's origin line, e.g. example.org/provd; also the key's name; required"},
    {"log-key", "PROVD_LOG_KEY", CMD_VERIFY, OPT_STRING, OFF(log_key), NULL, 0, 0, "VKEY",
     "the log's verifier key (GET /v1/log/key); required"},
    {"tiles-dir", "PROVD_TILES_DIR", CMD_WORKER | CMD_RUN, OPT_STRING, OFF(tiles_dir), NULL, 0, 0,
     "DIR",
     "also publish the log as static C2SP tlog-tiles files in DIR (an existing directory): tiles "
     "and entry bundles, then the checkpoint, for nginx or a CDN; default none"},
    {"witness", "PROVD_VERIFY_WITNESS", CMD_VERIFY, OPT_LIST, OFF(verify_witnesses), NULL, 0, 0,
     "VKEY",
     "a witness's cosigner key (C2SP cosignature/v1: NAME+ID+BASE64 of 0x04 and the Ed25519 key); "
     "the receipt's checkpoint must then carry valid cosignatures by --witness-quorum of them"},
    {"witness-quorum", "PROVD_VERIFY_WITNESS_QUORUM", CMD_VERIFY, OPT_UINT,
     OFF(verify_witness_quorum), "0", 0, 1000, "N",
     "how many distinct --witness keys must have cosigned; 0 means all of them"},
    {"eth-rpc-url", "PROVD_ETH_RPC_URL", CMD_ANCHOR, OPT_STRING, OFF(eth_rpc_url), NULL, 0, 0,
     "URL",
     "Ethereum JSON-RPC endpoint (http or https) to anchor checkpoints on; default none "
     "(anchoring off)"},
    {"eth-rpc-url", "PROVD_ETH_RPC_URL", CMD_CONTRACT, OPT_STRING, OFF(eth_rpc_url), NULL, 0, 0,
     "URL", "Ethereum JSON-RPC endpoint (http or https) to deploy the contract on; required"},
    {"rpc", "PROVD_RPC", CMD_VERIFY, OPT_STRING, OFF(eth_rpc_url), NULL, 0, 0, "URL",
     "also check the receipt's anchor on this Ethereum JSON-RPC endpoint"},
    {"eth-key-file", "PROVD_ETH_KEY_FILE", CMD_ETH, OPT_STRING, OFF(eth_key_file), NULL, 0, 0,
     "PATH",
     "file holding the anchoring account's secp256k1 private key (64 hex digits); "
     "required with --eth-rpc-url"},
    {"eth-chain-id", "PROVD_ETH_CHAIN_ID", CMD_ETH, OPT_U64, OFF(eth_chain_id), "0", 0,
     (unsigned long)INT64_MAX, "ID",
     "refuse to anchor unless the node's chain id is ID; 0 accepts any"},
    {"anchor-to", "PROVD_ANCHOR_TO", CMD_ANCHOR, OPT_STRING, OFF(anchor_to), NULL, 0, 0, "ADDRESS",
     "recipient of anchor transactions; default the anchoring account itself"},
    {"anchor-interval", "PROVD_ANCHOR_INTERVAL_S", CMD_ANCHOR, OPT_UINT, OFF(anchor_interval),
     "600", 1, 86400 * 7, "SECONDS", "anchor the latest checkpoint this often when the log grew"},
    {"anchor-confirmations", "PROVD_ANCHOR_CONFIRMATIONS", CMD_ANCHOR | CMD_VERIFY, OPT_STRING,
     OFF(anchor_confirmations), "12", 0, 0, "N|finalized",
     "an anchor is confirmed when its block has this many confirmations (1 = the block itself) "
     "or, with finalized, when the node's finalized block reaches it"},
    {"anchor-replace-blocks", "PROVD_ANCHOR_REPLACE_BLOCKS", CMD_ANCHOR, OPT_UINT,
     OFF(anchor_replace_blocks), "5", 1, 1000, "N",
     "replace a transaction not mined after N blocks, fees raised by at least 12.5%"},
    {"eth-max-fee-per-gas", "PROVD_ETH_MAX_FEE_PER_GAS", CMD_ETH, OPT_U64, OFF(eth_max_fee),
     "200000000000", 1, (unsigned long)UINT64_MAX, "WEI", "cap on maxFeePerGas (wei per gas)"},
    {"eth-max-priority-fee-per-gas", "PROVD_ETH_MAX_PRIORITY_FEE_PER_GAS", CMD_ETH, OPT_U64,
     OFF(eth_max_priority_fee), "5000000000", 0, (unsigned long)UINT64_MAX, "WEI",
     "cap on maxPriorityFeePerGas (wei per gas)"},
    {"eth-rpc-timeout", "PROVD_ETH_RPC_TIMEOUT_MS", CMD_ETH | CMD_VERIFY, OPT_UINT,
     OFF(eth_rpc_timeout), "10000", 100, 600000, "MS", "timeout of each JSON-RPC call"},
    {"witness", "PROVD_WITNESS", CMD_ANCHOR, OPT_LIST, OFF(witnesses), NULL, 0, 0, "URL+VKEY",
     "a witness to ask for cosignatures (C2SP tlog-witness): its submission URL (add-checkpoint "
     "is appended), '+', and its cosigner key (NAME+ID+BASE64); default none"},
    {"witness-quorum", "PROVD_WITNESS_QUORUM", CMD_ANCHOR, OPT_UINT, OFF(witness_quorum), "0", 0,
     1000, "N",
     "cosignatures a checkpoint needs before receipts prefer it; at most the number of "
     "--witness; 0 means all of them"},
    {"witness-interval", "PROVD_WITNESS_INTERVAL_S", CMD_ANCHOR, OPT_UINT, OFF(witness_interval),
     "10", 1, 3600, "SECONDS", "at most one add-checkpoint exchange per witness this often"},
    {"witness-timeout", "PROVD_WITNESS_TIMEOUT_MS", CMD_ANCHOR, OPT_UINT, OFF(witness_timeout),
     "5000", 100, 60000, "MS", "timeout of each add-checkpoint request (at most 60000)"},
    {"anchor-poll", "PROVD_ANCHOR_POLL_MS", CMD_ANCHOR, OPT_UINT, OFF(anchor_poll), "1000", 50,
     60000, "MS", "how often the anchorer checks the chain while a transaction is in flight"},
    {"name", "PROVD_APIKEY_NAME", CMD_APIKEY_CREATE, OPT_STRING, OFF(name), NULL, 0, 0, "NAME",
     "who the key is for (1-100 characters); required"},
    {"url", "PROVD_URL", CMD_API, OPT_STRING, OFF(url), "http://127.0.0.1:8080", 0, 0, "URL",
     "the provd service to talk to"},
    {"token", "PROVD_TOKEN", CMD_API, OPT_STRING, OFF(token), NULL, 0, 0, "TOKEN",
     "API key (scope register) for changes (prefer the environment variable: arguments are "
     "visible to other users)"},
    {"name", "PROVD_DATASET_NAME", CMD_DATASET, OPT_STRING, OFF(name), NULL, 0, 0, "NAME",
     "create: the dataset's name"},
    {"version", "PROVD_DATASET_VERSION", CMD_DATASET, OPT_STRING, OFF(version), NULL, 0, 0,
     "VERSION", "create: the dataset's version"},
    {"metadata", "PROVD_DATASET_METADATA", CMD_DATASET, OPT_STRING, OFF(metadata), NULL, 0, 0,
     "JSON", "create: free-form metadata (a JSON object)"},
    {"policy", "PROVD_DATASET_POLICY", CMD_DATASET, OPT_STRING, OFF(policy), NULL, 0, 0, "JSON",
     "create: the ingestion policy (a JSON object, see the README)"},
    {"dir", "PROVD_DATASET_DIR", CMD_DATASET, OPT_STRING, OFF(dir), NULL, 0, 0, "DIR",
     "add, seal: the members are the files under DIR (hashed here, in path order)"},
    {"signing-key-file", "PROVD_SIGNING_KEY_FILE", CMD_DATASET, OPT_STRING, OFF(signing_key_file),
     NULL, 0, 0, "PATH",
     "seal: the curator's Ed25519 key (note format, e.g. from provd logkey create)"},
    {"http-timeout", "PROVD_HTTP_TIMEOUT_MS", CMD_API, OPT_UINT, OFF(http_timeout), "600000", 100,
     86400000, "MS", "timeout of each request"},
    {"files", "PROVD_MODEL_FILES", CMD_MODEL, OPT_BOOL, OFF(list_files), "false", 0, 0, "[=BOOL]",
     "digest: print {\"name\", \"digest\", \"files\": [{\"path\", \"digest\"}…]} (a model "
     "statement's model members) instead of the digest alone"},
    {"url", "PROVD_HEALTH_URL", CMD_HEALTH, OPT_STRING, OFF(url), NULL, 0, 0, "URL",
     "the provd to probe; default http://HOST:PORT of --metrics-listen if set, else of --listen "
     "(0.0.0.0 and [::] probe this host's loopback)"},
    {"listen", "PROVD_LISTEN", CMD_HEALTH, OPT_STRING, OFF(listen), "127.0.0.1:8080", 0, 0,
     "HOST:PORT", "the address provd serve or run listens on (the same variable as theirs)"},
    {"metrics-listen", "PROVD_METRICS_LISTEN", CMD_HEALTH, OPT_STRING, OFF(metrics_listen), NULL, 0,
     0, "HOST:PORT", "provd's probe listener, preferred to --listen when set; default none"},
    {"live", "PROVD_HEALTH_LIVE", CMD_HEALTH, OPT_BOOL, OFF(health_live), "false", 0, 0, "[=BOOL]",
     "probe GET /healthz (the process is alive) instead of GET /readyz (ready: database "
     "reachable, schema current, not shutting down)"},
    {"timeout", "PROVD_HEALTH_TIMEOUT_MS", CMD_HEALTH, OPT_UINT, OFF(http_timeout), "3000", 100,
     60000, "MS", "give up the probe after this long (connect and reply)"},
    {"key-file", "PROVD_KEY_FILE", CMD_KEYGEN, OPT_STRING, OFF(signing_key_file), NULL, 0, 0,
     "PATH",
     "where to write the new Ed25519 signing key (owner-only, note format; an existing file is "
     "never overwritten); required"},
    {"signing-key-file", "PROVD_SIGNING_KEY_FILE", CMD_REGISTER, OPT_STRING, OFF(signing_key_file),
     NULL, 0, 0, "PATH",
     "the signer's Ed25519 key (from provd keygen, or any key in the note format); required"},
    {"license", "PROVD_REGISTER_LICENSE", CMD_REGISTER, OPT_STRING, OFF(license), NULL, 0, 0,
     "SPDX", "metadata.license of every file (an SPDX expression)"},
    {"author", "PROVD_REGISTER_AUTHOR", CMD_REGISTER, OPT_STRING, OFF(author), NULL, 0, 0, "NAME",
     "metadata.author of every file"},
    {"source-url", "PROVD_REGISTER_SOURCE_URL", CMD_REGISTER, OPT_STRING, OFF(source_url), NULL, 0,
     0, "URL", "metadata.source_url of the one file registered"},
    {"source-url-prefix", "PROVD_REGISTER_SOURCE_URL_PREFIX", CMD_REGISTER, OPT_STRING,
     OFF(source_url_prefix), NULL, 0, 0, "URL",
     "metadata.source_url is URL followed by the file's path under its directory argument "
     "(percent-encoded; a file argument: its name)"},
    {"metadata-file", "PROVD_REGISTER_METADATA_FILE", CMD_REGISTER, OPT_STRING, OFF(metadata_file),
     NULL, 0, 0, "JSON",
     "a JSON object whose members every file's metadata starts from (size, modified_at and "
     "the flags above replace its members of the same name)"},
    {"state", "PROVD_REGISTER_STATE", CMD_REGISTER, OPT_STRING, OFF(state_file), NULL, 0, 0, "FILE",
     "record each registered file (path, size, mtime, hash) in FILE, and skip those recorded "
     "and unchanged (same size and mtime) without hashing them: makes a rerun or an "
     "interrupted run resume; default none"},
    {"tiles-dir", "PROVD_TILES_DIR", CMD_LOG_CHECK, OPT_STRING, OFF(logcheck_tiles_dir), NULL, 0, 0,
     "DIR",
     "also compare every file of this C2SP tlog-tiles directory (as provd worker --tiles-dir "
     "writes it) with the rebuilt log: tiles, entry bundles, checkpoint; default none"},
    {"json", "PROVD_LOOKUP_JSON", CMD_LOOKUP, OPT_BOOL, OFF(json_out), "false", 0, 0, "[=BOOL]",
     "print {\"results\": [{\"query\", \"content_hash\", \"found\", \"registrations\", "
     "\"truncated\"}…]} instead of text"},
    {"scope", "PROVD_APIKEY_SCOPE", CMD_APIKEY_CREATE, OPT_STRING, OFF(scope), "register", 0, 0,
     "SCOPE", "register (register items) or admin (manage the service; cannot register items)"},
};

#define N_OPTIONS (sizeof options / sizeof options[0])

static bool parse_byte_size(const char *s, unsigned long *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || end == s || *s == '-')
        return false;
    unsigned long mul = 1;
    if (*end == 'K' || *end == 'k')
        mul = 1024, end++;
    else if (*end == 'M' || *end == 'm')
        mul = 1024 * 1024, end++;
    if (*end || v > ULONG_MAX / mul)
        return false;
    *out = v * mul;
    return true;
}

static bool set_string(char **field, const char *value, char *err, size_t err_len)
{
    char *copy = strdup(value);
    if (!copy) {
        snprintf(err, err_len, "out of memory");
        return false;
    }
    free(*field);
    *field = copy;
    return true;
}

static bool list_push(struct config_list *l, const char *item, size_t len, char *err,
                      size_t err_len)
{
    char **v = realloc(l->items, (l->n + 1) * sizeof *v);
    char *copy = v ? strndup(item, len) : NULL;
    if (v)
        l->items = v;
    if (!copy) {
        snprintf(err, err_len, "out of memory");
        return false;
    }
    l->items[l->n++] = copy;
    return true;
}

static void list_clear(struct config_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->items[i]);
    free(l->items);
    memset(l, 0, sizeof *l);
}

/* The variable's value splits on whitespace (replacing the list); a flag appends its value,
 * after emptying the list when it is the option's first flag (first_flag). */
static bool set_list(struct config_list *l, const char *value, bool from_env, bool first_flag,
                     char *err, size_t err_len)
{
    if (from_env || first_flag)
        list_clear(l);
    if (!from_env)
        return list_push(l, value, strlen(value), err, err_len);
    for (const char *p = value; *p;) {
        size_t len = strcspn(p, " \t\r\n");
        if (len && !list_push(l, p, len, err, err_len))
            return false;
        p += len;
        p += strspn(p, " \t\r\n");
    }
    return true;
}

static bool set_bool(bool *field, const struct option_def *o, const char *value, char *err,
                     size_t err_len)
{
    if (!strcmp(value, "true") || !strcmp(value, "1") || !strcmp(value, "yes")) {
        *field = true;
        return true;
    }
    if (!strcmp(value, "false") || !strcmp(value, "0") || !strcmp(value, "no")) {
        *field = false;
        return true;
    }
    snprintf(err, err_len, "--%s: '%s' is not true or false", o->flag, value);
    return false;
}

/* OPT_U64, OPT_UINT (no K/M suffix) and OPT_SIZE values within [o->min, o->max]. */
static bool set_number(void *field, const struct option_def *o, const char *value, char *err,
                       size_t err_len)
{
    bool ok;
    unsigned long long v = 0;
    if (o->kind == OPT_U64) {
        char *end;
        errno = 0;
        v = strtoull(value, &end, 10);
        ok = !errno && end != value && !*end && isdigit((unsigned char)*value);
    } else {
        unsigned long s = 0;
        ok = parse_byte_size(value, &s) && (o->kind == OPT_SIZE || !strpbrk(value, "KkMm"));
        v = s;
    }
    if (!ok || v < o->min || v > o->max) {
        snprintf(err, err_len, "--%s: '%s' is not a number from %lu to %lu", o->flag, value, o->min,
                 o->max);
        return false;
    }
    if (o->kind == OPT_U64)
        *(uint64_t *)field = v;
    else if (o->kind == OPT_UINT)
        *(unsigned *)field = (unsigned)v;
    else
        *(size_t *)field = (size_t)v;
    return true;
}

/* first_flag: the option's first occurrence on the command line (OPT_LIST restarts there). */
static bool set_option(struct config *cfg, const struct option_def *o, const char *value,
                       bool from_env, bool first_flag, char *err, size_t err_len)
{
    char *field = (char *)cfg + o->offset;
    switch (o->kind) {
    case OPT_LIST:
        return set_list((struct config_list *)field, value, from_env, first_flag, err, err_len);
    case OPT_STRING:
        return set_string((char **)field, value, err, err_len);
    case OPT_BOOL:
        return set_bool((bool *)field, o, value, err, err_len);
    case OPT_U64:
    case OPT_UINT:
    case OPT_SIZE:
        return set_number(field, o, value, err, err_len);
    }
    return false;
}

static const struct option_def *find_option(const char *flag, size_t len, enum config_cmd cmd)
{
    for (size_t i = 0; i < N_OPTIONS; i++)
        if ((options[i].cmds & cmd) && strlen(options[i].flag) == len &&
            !strncmp(options[i].flag, flag, len))
            return &options[i];
    return NULL;
}

static bool load_defaults_and_env(struct config *cfg, enum config_cmd cmd, char *err,
                                  size_t err_len)
{
    for (size_t i = 0; i < N_OPTIONS; i++) {
        const struct option_def *o = &options[i];
        if (!(o->cmds & cmd))
            continue;
        const char *env = getenv(o->env);
        const char *value = env && *env ? env : o->def;
        if (value && !set_option(cfg, o, value, value == env, false, err, err_len)) {
            if (value == env)
                snprintf(err + strlen(err), err_len - strlen(err), " (from %s)", o->env);
            return false;
        }
    }
    return true;
}

/* register, lookup: any number of operands. */
static bool push_operand(struct config *cfg, const char *arg, char *err, size_t err_len)
{
    char **v = realloc(cfg->operands, ((size_t)cfg->n_operands + 1) * sizeof *v);
    char *copy = v ? strdup(arg) : NULL;
    if (v)
        cfg->operands = v;
    if (!copy) {
        snprintf(err, err_len, "out of memory");
        return false;
    }
    cfg->operands[cfg->n_operands++] = copy;
    return true;
}

static bool load_argv(struct config *cfg, enum config_cmd cmd, int argc, char **argv, bool *help,
                      char *err, size_t err_len)
{
    bool seen[N_OPTIONS] = {false}; /* options given as flags so far */
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
            *help = true;
            continue;
        }
        if (strncmp(arg, "--", 2) != 0) {
            if (cmd == CMD_VERIFY && !cfg->receipt_path) {
                cfg->receipt_path = strdup(arg);
                continue;
            }
            if (cmd == CMD_REGISTER || cmd == CMD_LOOKUP) {
                if (!push_operand(cfg, arg, err, err_len))
                    return false;
                continue;
            }
            if ((cmd == CMD_DATASET || cmd == CMD_MODEL || cmd == CMD_APIKEY_REVOKE) &&
                cfg->n_args < 3) {
                cfg->args[cfg->n_args++] = strdup(arg);
                continue;
            }
            snprintf(err, err_len, "unexpected argument '%s'", arg);
            return false;
        }
        const char *eq = strchr(arg + 2, '=');
        size_t len = eq ? (size_t)(eq - arg - 2) : strlen(arg + 2);
        const struct option_def *o = find_option(arg + 2, len, cmd);
        if (!o) {
            snprintf(err, err_len, "unknown option '%.*s'", (int)len + 2, arg);
            return false;
        }
        /* A boolean flag alone means true; it takes a value only as --flag=VALUE. */
        const char *value = eq                    ? eq + 1
                            : o->kind == OPT_BOOL ? "true"
                            : i + 1 < argc        ? argv[++i]
                                                  : NULL;
        if (!value) {
            snprintf(err, err_len, "option --%s needs a value", o->flag);
            return false;
        }
        bool first = !seen[o - options];
        seen[o - options] = true;
        if (!set_option(cfg, o, value, false, first, err, err_len))
            return false;
    }
    return true;
}

bool config_parse_listen(const char *s, char **host, uint16_t *port)
{
    const char *colon = strrchr(s, ':');
    if (!colon || colon == s || !colon[1])
        return false;
    const char *h = s;
    size_t hlen = (size_t)(colon - s);
    if (h[0] == '[') {
        if (hlen < 3 || h[hlen - 1] != ']')
            return false;
        h++;
        hlen -= 2;
    } else if (memchr(h, ':', hlen)) {
        return false; /* IPv6 must be bracketed */
    }
    char *end;
    errno = 0;
    unsigned long p = strtoul(colon + 1, &end, 10);
    if (errno || *end || p > 65535 || !isdigit((unsigned char)colon[1]))
        return false;
    *host = strndup(h, hlen);
    if (!*host)
        return false;
    *port = (uint16_t)p;
    return true;
}

static bool require(const char *value, const char *what, char *err, size_t err_len)
{
    if (value && *value)
        return true;
    snprintf(err, err_len, "%s is required", what);
    return false;
}

/* verify --witness: cosigner vkeys; --witness-quorum at most their number. */
static bool validate_witness_keys(const struct config *cfg, char *err, size_t err_len)
{
    const struct config_list *l = &cfg->verify_witnesses;
    for (size_t i = 0; i < l->n; i++) {
        struct cosig_key k;
        if (!cosig_key_parse(l->items[i], &k)) {
            snprintf(err, err_len,
                     "--witness: '%.120s' is not a cosigner key (NAME+8 hex ID+base64 of 0x04 "
                     "and the 32-byte Ed25519 key, with the ID matching)",
                     l->items[i]);
            return false;
        }
    }
    if (cfg->verify_witness_quorum > l->n) {
        snprintf(err, err_len, "--witness-quorum %u exceeds the %zu --witness key(s) given",
                 cfg->verify_witness_quorum, l->n);
        return false;
    }
    return true;
}

/* worker --witness URL+VKEY specs; --witness-quorum at most their number (0: all). */
static bool validate_witnesses(struct config *cfg, char *err, size_t err_len)
{
    const struct config_list *l = &cfg->witnesses;
    for (size_t i = 0; i < l->n; i++) {
        char *url = NULL;
        struct cosig_key k;
        bool ok = cosig_witness_parse(l->items[i], &url, &k);
        free(url);
        if (!ok) {
            snprintf(err, err_len,
                     "--witness: '%.120s' is not URL+VKEY (an http(s) URL, '+', and a cosigner "
                     "key NAME+8 hex ID+base64 of 0x04 and the Ed25519 key)",
                     l->items[i]);
            return false;
        }
    }
    if (cfg->witness_quorum > l->n) {
        snprintf(err, err_len, "--witness-quorum %u exceeds the %zu --witness given",
                 cfg->witness_quorum, l->n);
        return false;
    }
    if (cfg->witness_quorum == 0)
        cfg->witness_quorum = (unsigned)l->n;
    return true;
}

static bool validate_log(struct config *cfg, enum config_cmd cmd, char *err, size_t err_len)
{
    if (cmd & CMD_LOG) {
        if (!require(cfg->log_key_file, "--log-key-file (or PROVD_LOG_KEY_FILE)", err, err_len) ||
            !require(cfg->log_origin, "--log-origin (or PROVD_LOG_ORIGIN)", err, err_len))
            return false;
        if (!note_name_valid(cfg->log_origin)) {
            snprintf(err, err_len, "--log-origin must be printable ASCII without spaces or '+'");
            return false;
        }
        if ((cmd & CMD_ANCHOR) && !validate_witnesses(cfg, err, err_len))
            return false;
    }
    if (cmd & CMD_VERIFY)
        return require(cfg->receipt_path, "the receipt file argument", err, err_len) &&
               require(cfg->log_key, "--log-key (or PROVD_LOG_KEY)", err, err_len) &&
               validate_witness_keys(cfg, err, err_len);
    return true;
}

/* --anchor-confirmations: N (1..10000) or finalized (depth 0). */
static bool parse_depth(struct config *cfg, char *err, size_t err_len)
{
    const char *c = cfg->anchor_confirmations;
    char *end;
    unsigned long n = strtoul(c, &end, 10);
    if (!strcmp(c, "finalized"))
        cfg->anchor_depth = 0;
    else if (isdigit((unsigned char)*c) && !*end && n >= 1 && n <= 10000)
        cfg->anchor_depth = (unsigned)n;
    else {
        snprintf(err, err_len, "--anchor-confirmations must be 1 to 10000 or finalized");
        return false;
    }
    return true;
}

static bool validate_anchor(struct config *cfg, enum config_cmd cmd, char *err, size_t err_len)
{
    if ((cmd & CMD_CONTRACT) &&
        !require(cfg->eth_rpc_url, "--eth-rpc-url (or PROVD_ETH_RPC_URL)", err, err_len))
        return false;
    if (!(cmd & (CMD_ETH | CMD_VERIFY)))
        return true;
    if ((cmd & (CMD_ANCHOR | CMD_VERIFY)) && !parse_depth(cfg, err, err_len))
        return false;
    if (cfg->eth_rpc_url && strncmp(cfg->eth_rpc_url, "http://", 7) != 0 &&
        strncmp(cfg->eth_rpc_url, "https://", 8) != 0) {
        snprintf(err, err_len, "the Ethereum RPC URL must start with http:// or https://");
        return false;
    }
    if ((cmd & CMD_ETH) && cfg->eth_rpc_url &&
        !require(cfg->eth_key_file, "--eth-key-file (or PROVD_ETH_KEY_FILE)", err, err_len))
        return false;
    uint8_t addr[ETH_ADDRESS_LEN];
    if (cfg->anchor_to && !eth_address_parse(cfg->anchor_to, addr)) {
        snprintf(err, err_len, "--anchor-to is not an Ethereum address (0x + 40 hex digits)");
        return false;
    }
    if ((cmd & CMD_ETH) && cfg->eth_max_priority_fee > cfg->eth_max_fee) {
        snprintf(err, err_len, "--eth-max-priority-fee-per-gas exceeds --eth-max-fee-per-gas");
        return false;
    }
    return true;
}

/* A lock timeout past the statement timeout would never fire. */
static bool validate_db(const struct config *cfg, enum config_cmd cmd, char *err, size_t err_len)
{
    if ((cmd & CMD_HTTP) && cfg->db_lock_timeout && cfg->db_statement_timeout &&
        cfg->db_lock_timeout > cfg->db_statement_timeout) {
        snprintf(err, err_len, "--db-lock-timeout exceeds --db-statement-timeout");
        return false;
    }
    return true;
}

/* MHD shares the connections among the threads; one body of --max-body must fit the budget. */
static bool validate_http_limits(const struct config *cfg, char *err, size_t err_len)
{
    if (cfg->max_connections < cfg->threads) {
        snprintf(err, err_len, "--max-connections (%u) must be at least --threads (%u)",
                 cfg->max_connections, cfg->threads);
        return false;
    }
    if (cfg->max_buffered <= cfg->max_body) {
        snprintf(err, err_len, "--max-buffered (%zu) must be more than --max-body (%zu)",
                 cfg->max_buffered, cfg->max_body);
        return false;
    }
    return true;
}

static bool parse_metrics_listen(struct config *cfg, char *err, size_t err_len)
{
    if (!cfg->metrics_listen || config_parse_listen(cfg->metrics_listen, &cfg->metrics_listen_host,
                                                    &cfg->metrics_listen_port))
        return true;
    snprintf(err, err_len, "--metrics-listen: '%s' is not HOST:PORT", cfg->metrics_listen);
    return false;
}

static bool validate_explorer(const struct config *cfg, char *err, size_t err_len)
{
    if (!cfg->explorer_tx_url || valid_url_template(cfg->explorer_tx_url, "{tx}"))
        return true;
    snprintf(err, err_len,
             "--explorer-tx-url (or PROVD_EXPLORER_TX_URL) '%.80s' is not an absolute http(s) "
             "URL with {tx} exactly once (e.g. https://sepolia.etherscan.io/tx/{tx})",
             cfg->explorer_tx_url);
    return false;
}

/* --tiles-prefix: "off", or a path from '/' to '/' of unreserved characters (RFC 3986) with no
 * empty, "." or ".." segment whose first segment is none of the API's, the probes' or the
 * explorer's, so that no route of the table shadows or is shadowed by a tile path. */
bool config_tiles_prefix_valid(const char *s)
{
    static const char *const taken[] = {"v1", "explorer", "metrics", "healthz", "readyz", NULL};
    if (!s)
        return false;
    size_t n = strlen(s);
    if (!strcmp(s, "off") || !strcmp(s, "/"))
        return true;
    if (n < 3 || n > 64 || s[0] != '/' || s[n - 1] != '/' ||
        strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~/") != n ||
        strstr(s, "//") || strstr(s, "/./") || strstr(s, "/../"))
        return false;
    size_t first = strcspn(s + 1, "/");
    for (int i = 0; taken[i]; i++)
        if (strlen(taken[i]) == first && !strncmp(s + 1, taken[i], first))
            return false;
    return true;
}

static bool validate(struct config *cfg, enum config_cmd cmd, char *err, size_t err_len)
{
    if (!validate_log(cfg, cmd, err, err_len) || !validate_anchor(cfg, cmd, err, err_len) ||
        !validate_db(cfg, cmd, err, err_len))
        return false;
    if ((cmd & CMD_WITH_DB) && (!cfg->database_url || !*cfg->database_url)) {
        snprintf(err, err_len, "--database-url (or PROVD_DATABASE_URL) is required");
        return false;
    }
    const char *lv = cfg->log_level;
    if (strcmp(lv, "debug") != 0 && strcmp(lv, "info") != 0 && strcmp(lv, "warn") != 0 &&
        strcmp(lv, "error") != 0) {
        snprintf(err, err_len, "--log-level must be debug, info, warn or error");
        return false;
    }
    if (strcmp(cfg->log_format, "text") != 0 && strcmp(cfg->log_format, "json") != 0) {
        snprintf(err, err_len, "--log-format must be text or json");
        return false;
    }
    if ((cmd & CMD_HTTP) &&
        !config_parse_listen(cfg->listen, &cfg->listen_host, &cfg->listen_port)) {
        snprintf(err, err_len, "--listen: '%s' is not HOST:PORT", cfg->listen);
        return false;
    }
    if ((cmd & CMD_HTTP) && cfg->threads == 0) {
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        cfg->threads = cpus < 1 ? 2 : cpus > 32 ? 64 : (unsigned)(2 * cpus);
    }
    if ((cmd & CMD_HTTP) &&
        (!validate_http_limits(cfg, err, err_len) || !parse_metrics_listen(cfg, err, err_len) ||
         !validate_explorer(cfg, err, err_len)))
        return false;
    if ((cmd & CMD_HTTP) && !config_tiles_prefix_valid(cfg->tiles_prefix)) {
        snprintf(err, err_len,
                 "--tiles-prefix (or PROVD_TILES_PREFIX) '%.80s' must be off, or a path that "
                 "starts and ends with / (letters, digits, - . _ ~; no empty, . or .. segment) "
                 "outside /v1/, /explorer/, /metrics, /healthz and /readyz",
                 cfg->tiles_prefix);
        return false;
    }
    if (cmd & CMD_APIKEY_CREATE) {
        size_t n = cfg->name ? strlen(cfg->name) : 0;
        if (n < 1 || n > 100) {
            snprintf(err, err_len, "--name is required (1-100 characters)");
            return false;
        }
        if (strcmp(cfg->scope, "register") != 0 && strcmp(cfg->scope, "admin") != 0) {
            snprintf(err, err_len, "--scope must be register or admin");
            return false;
        }
    }
    return true;
}

bool config_load(struct config *cfg, enum config_cmd cmd, int argc, char **argv, bool *help,
                 char *err, size_t err_len)
{
    memset(cfg, 0, sizeof *cfg);
    *help = false;
    err[0] = '\0';
    if (!load_defaults_and_env(cfg, cmd, err, err_len) ||
        !load_argv(cfg, cmd, argc, argv, help, err, err_len))
        return false;
    return *help || validate(cfg, cmd, err, err_len);
}

void config_print_help(FILE *f, enum config_cmd cmd)
{
    fprintf(f, "Options (each also read from its environment variable):\n");
    for (size_t i = 0; i < N_OPTIONS; i++) {
        const struct option_def *o = &options[i];
        if (!(o->cmds & cmd))
            continue;
        fprintf(f, "  --%s%s%s\n      %s", o->flag, o->kind == OPT_BOOL ? "" : " ", o->metavar,
                o->help);
        if (o->kind == OPT_LIST)
            fprintf(f, " (repeatable; the variable takes several, separated by spaces)");
        if (o->def)
            fprintf(f, " (default %s)", o->def);
        fprintf(f, "\n      env: %s\n", o->env);
    }
    fprintf(f, "  --help\n      show this help\n");
}

void config_free(struct config *cfg)
{
    for (int i = 0; i < cfg->n_args; i++)
        free(cfg->args[i]);
    for (int i = 0; i < cfg->n_operands; i++)
        free(cfg->operands[i]);
    free(cfg->operands);
    for (size_t i = 0; i < N_OPTIONS; i++) {
        bool shared = false; /* two commands' flags may share a field: free it once */
        for (size_t j = 0; j < i; j++)
            shared |= options[j].offset == options[i].offset;
        if (options[i].kind == OPT_STRING && !shared)
            free(*(char **)((char *)cfg + options[i].offset));
        if (options[i].kind == OPT_LIST && !shared)
            list_clear((struct config_list *)((char *)cfg + options[i].offset));
    }
    free(cfg->listen_host);
    free(cfg->metrics_listen_host);
    free(cfg->receipt_path);
    memset(cfg, 0, sizeof *cfg);
}
