/* SPDX-License-Identifier: Apache-2.0 */
#include "testutil.h"

#include <unistd.h>

#include "cmd/cmd.h"
#include "cmd/config.h"
#include "db/pool.h"

static bool load(struct config *cfg, enum config_cmd cmd, int argc, char **argv, char *err)
{
    bool help;
    return config_load(cfg, cmd, argc, argv, &help, err, 256);
}

static void clear_env(void)
{
    unsetenv("PROVD_DATABASE_URL");
    unsetenv("PROVD_LISTEN");
    unsetenv("PROVD_THREADS");
    unsetenv("PROVD_MAX_BODY");
}

static void test_defaults_env_and_flags(void **state)
{
    (void)state;
    clear_env();
    setenv("PROVD_DATABASE_URL", "postgresql://env/db", 1);
    setenv("PROVD_THREADS", "4", 1);
    char *argv[] = {"serve", "--threads", "16", "--max-body=2K"};
    struct config cfg;
    char err[256];
    assert_true(load(&cfg, CMD_SERVE, 4, argv, err));
    assert_string_equal(cfg.database_url, "postgresql://env/db"); /* from env */
    assert_int_equal(cfg.threads, 16);                            /* flag beats env */
    assert_int_equal(cfg.max_body, 2048);
    assert_string_equal(cfg.listen_host, "127.0.0.1"); /* default */
    assert_int_equal(cfg.listen_port, 8080);
    assert_null(cfg.cors_origins);
    config_free(&cfg);
    clear_env();
    /* --threads 0 (the default) means two per CPU core */
    char *auto_argv[] = {"serve", "--database-url", "x"};
    assert_true(load(&cfg, CMD_SERVE, 3, auto_argv, err));
    assert_int_equal(cfg.threads, 2 * sysconf(_SC_NPROCESSORS_ONLN));
    config_free(&cfg);
}

static void expect_error(enum config_cmd cmd, int argc, char **argv, const char *needle)
{
    struct config cfg;
    char err[256];
    if (load(&cfg, cmd, argc, argv, err))
        fail_msg("accepted, wanted an error mentioning '%s'", needle);
    if (!strstr(err, needle))
        fail_msg("error '%s' does not mention '%s'", err, needle);
    config_free(&cfg);
}

static void test_errors(void **state)
{
    (void)state;
    clear_env();
    char *a1[] = {"serve"};
    expect_error(CMD_SERVE, 1, a1, "--database-url");
    char *a2[] = {"serve", "--database-url", "x", "--listen", "nohost"};
    expect_error(CMD_SERVE, 5, a2, "--listen");
    char *a3[] = {"serve", "--database-url", "x", "--threads", "257"};
    expect_error(CMD_SERVE, 5, a3, "--threads");
    char *a4[] = {"serve", "--database-url", "x", "--bogus", "1"};
    expect_error(CMD_SERVE, 5, a4, "unknown option '--bogus'");
    char *a5[] = {"serve", "--database-url"};
    expect_error(CMD_SERVE, 2, a5, "needs a value");
    char *a6[] = {"migrate", "--database-url", "x", "--listen", "1.2.3.4:5"};
    expect_error(CMD_MIGRATE, 5, a6, "unknown option"); /* not a migrate option */
    char *a7[] = {"apikey", "--database-url", "x", "--name", "n", "--scope", "root"};
    expect_error(CMD_APIKEY_CREATE, 7, a7, "--scope");
    char *a8[] = {"apikey", "--database-url", "x"};
    expect_error(CMD_APIKEY_CREATE, 3, a8, "--name");
    setenv("PROVD_MAX_BODY", "lots", 1);
    char *a9[] = {"serve", "--database-url", "x"};
    expect_error(CMD_SERVE, 3, a9, "PROVD_MAX_BODY");
    clear_env();
}

static void test_log_and_verify_options(void **state)
{
    (void)state;
    clear_env();
    char *w[] = {"worker", "--database-url", "x",      "--log-key-file",
                 "/k",     "--log-origin",   "a.b/log"};
    struct config cfg;
    char err[256];
    assert_true(load(&cfg, CMD_WORKER, 7, w, err));
    assert_string_equal(cfg.log_key_file, "/k");
    assert_string_equal(cfg.log_origin, "a.b/log");
    config_free(&cfg);
    char *w2[] = {"worker", "--database-url", "x", "--log-key-file", "/k"};
    expect_error(CMD_WORKER, 5, w2, "--log-origin");
    char *w3[] = {"worker", "--database-url", "x", "--log-key-file", "/k", "--log-origin", "a b"};
    expect_error(CMD_WORKER, 7, w3, "--log-origin");
    char *w4[] = {"worker", "--database-url", "x",        "--log-key-file", "/k", "--log-origin",
                  "a",      "--listen",       "1.2.3.4:5"};
    expect_error(CMD_WORKER, 9, w4, "unknown option '--listen'");
    /* logkey create needs no database */
    char *k[] = {"create", "--log-key-file", "/k", "--log-origin", "o"};
    assert_true(load(&cfg, CMD_LOGKEY_CREATE, 5, k, err));
    config_free(&cfg);
    /* verify takes the receipt as its one positional argument */
    char *v[] = {"verify", "r.json", "--log-key", "o+01020304+AQ=="};
    assert_true(load(&cfg, CMD_VERIFY, 4, v, err));
    assert_string_equal(cfg.receipt_path, "r.json");
    assert_string_equal(cfg.log_key, "o+01020304+AQ==");
    config_free(&cfg);
    char *v2[] = {"verify", "--log-key", "k"};
    expect_error(CMD_VERIFY, 3, v2, "receipt");
    char *v3[] = {"verify", "a.json", "b.json", "--log-key", "k"};
    expect_error(CMD_VERIFY, 5, v3, "unexpected argument 'b.json'");
    /* run takes both serve's and the worker's options */
    char *r[] = {"run", "--database-url", "x", "--listen", "0.0.0.0:1", "--log-key-file",
                 "/k",  "--log-origin",   "o"};
    assert_true(load(&cfg, CMD_RUN, 9, r, err));
    assert_int_equal(cfg.listen_port, 1);
    config_free(&cfg);
}

/* OPT_LIST (verify --witness): repeatable flags, a space-separated variable that flags replace,
 * keys checked, quorum bounded by their number. */
#define W1 "witness.example/w1+c9f46989+BDYDMT1PMrU5oHf9YwCYXxuXkBQqFGpqxa7PaEaG+6QV"
#define W2 "witness.example/w2+5af97cc0+BJ9SR3JHJaYNb2tFPE4r87cEB15U7Cy1SzqTf80apYmD"
static void test_list_options(void **state)
{
    (void)state;
    clear_env();
    unsetenv("PROVD_VERIFY_WITNESS");
    unsetenv("PROVD_VERIFY_WITNESS_QUORUM");
    struct config cfg;
    char err[256];
    char *v[] = {"verify", "r.json",        "--log-key",        "k", "--witness",
                 W1,       "--witness=" W2, "--witness-quorum", "1"};
    assert_true(load(&cfg, CMD_VERIFY, 9, v, err));
    assert_int_equal(cfg.verify_witnesses.n, 2);
    assert_string_equal(cfg.verify_witnesses.items[0], W1);
    assert_string_equal(cfg.verify_witnesses.items[1], W2);
    assert_int_equal(cfg.verify_witness_quorum, 1);
    config_free(&cfg);
    setenv("PROVD_VERIFY_WITNESS", " " W1 "\n\t" W2 "  ", 1);
    assert_true(load(&cfg, CMD_VERIFY, 4, v, err));
    assert_int_equal(cfg.verify_witnesses.n, 2);
    assert_string_equal(cfg.verify_witnesses.items[1], W2);
    assert_int_equal(cfg.verify_witness_quorum, 0); /* default: all */
    config_free(&cfg);
    char *one[] = {"verify", "r.json", "--log-key", "k", "--witness", W2};
    assert_true(load(&cfg, CMD_VERIFY, 6, one, err)); /* flags replace the variable's list */
    assert_int_equal(cfg.verify_witnesses.n, 1);
    assert_string_equal(cfg.verify_witnesses.items[0], W2);
    config_free(&cfg);
    unsetenv("PROVD_VERIFY_WITNESS");
    char *q[] = {"verify", "r.json", "--log-key", "k", "--witness", W1, "--witness-quorum", "2"};
    expect_error(CMD_VERIFY, 8, q, "--witness-quorum 2 exceeds the 1");
    char *q0[] = {"verify", "r.json", "--log-key", "k", "--witness-quorum", "1"};
    expect_error(CMD_VERIFY, 6, q0, "exceeds the 0");
    char *bad[] = {
        "verify",
        "r.json",
        "--log-key",
        "k",
        "--witness",
        "example.com/provd-vectors+8f6b7a8c+AWKIPbunNtcLTsCZwqb7aSUc34PWXDxDMjrYqdgvEN2I"};
    expect_error(CMD_VERIFY, 6, bad, "is not a cosigner key");
    char *none[] = {"verify", "r.json", "--log-key", "k", "--witness"};
    expect_error(CMD_VERIFY, 5, none, "needs a value");
}

/* worker --witness URL+VKEY: specs checked, quorum bounded and defaulting to all of them. */
static void test_worker_witness_options(void **state)
{
    (void)state;
    clear_env();
    unsetenv("PROVD_WITNESS");
    unsetenv("PROVD_WITNESS_QUORUM");
    setenv("PROVD_DATABASE_URL", "postgres://x/y", 1);
    struct config cfg;
    char err[256];
    char *v[] = {"worker",
                 "--log-key-file",
                 "k",
                 "--log-origin",
                 "o.test/l",
                 "--witness",
                 "http://a.test/+" W1,
                 "--witness",
                 "https://b.test/sub+" W2,
                 "--witness-interval",
                 "1"};
    assert_true(load(&cfg, CMD_WORKER, 11, v, err));
    assert_int_equal(cfg.witnesses.n, 2);
    assert_string_equal(cfg.witnesses.items[1], "https://b.test/sub+" W2);
    assert_int_equal(cfg.witness_quorum, 2); /* 0 given: all */
    assert_int_equal(cfg.witness_interval, 1);
    assert_int_equal(cfg.witness_timeout, 5000);
    config_free(&cfg);
    char *q[] = {"worker",
                 "--log-key-file",
                 "k",
                 "--log-origin",
                 "o.test/l",
                 "--witness",
                 "http://a.test/+" W1,
                 "--witness-quorum",
                 "2"};
    expect_error(CMD_WORKER, 9, q, "--witness-quorum 2 exceeds the 1");
    char *bad[] = {"worker", "--log-key-file", "k", "--log-origin", "o.test/l", "--witness", W1};
    expect_error(CMD_WORKER, 7, bad, "is not URL+VKEY");
    char *none[] = {"worker", "--log-key-file", "k", "--log-origin", "o.test/l"};
    assert_true(load(&cfg, CMD_WORKER, 5, none, err));
    assert_int_equal(cfg.witnesses.n, 0);
    assert_int_equal(cfg.witness_quorum, 0);
    config_free(&cfg);
    unsetenv("PROVD_DATABASE_URL");
}

static void test_listen_forms(void **state)
{
    (void)state;
    char *host;
    uint16_t port;
    assert_true(config_parse_listen("0.0.0.0:0", &host, &port));
    assert_string_equal(host, "0.0.0.0");
    assert_int_equal(port, 0);
    free(host);
    assert_true(config_parse_listen("[::1]:9000", &host, &port));
    assert_string_equal(host, "::1");
    assert_int_equal(port, 9000);
    free(host);
    assert_false(config_parse_listen("::1:9000", &host, &port));
    assert_false(config_parse_listen("host:65536", &host, &port));
    assert_false(config_parse_listen(":80", &host, &port));
    assert_false(config_parse_listen("host:", &host, &port));
}

static void test_help_skips_validation(void **state)
{
    (void)state;
    clear_env();
    char *argv[] = {"serve", "--help"};
    struct config cfg;
    char err[256];
    bool help;
    assert_true(config_load(&cfg, CMD_SERVE, 2, argv, &help, err, sizeof err));
    assert_true(help);
    config_free(&cfg);
}

/* The --help text of a command, as a string (owned by the caller). */
static char *help_of(enum config_cmd cmd)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_non_null(f);
    config_print_help(f, cmd);
    assert_int_equal(fclose(f), 0);
    return text;
}

/* A flag two commands share is described for each: required where it is required, and
 * logkey create's --log-key-file is where the key is written, not "from provd logkey create". */
static void test_help_per_command(void **state)
{
    (void)state;
    char *contract = help_of(CMD_CONTRACT);
    char *run = help_of(CMD_RUN);
    char *logkey = help_of(CMD_LOGKEY_CREATE);
    assert_null(strstr(contract, "anchoring off"));
    assert_non_null(strstr(contract, "to deploy the contract on; required"));
    assert_non_null(strstr(run, "anchoring off"));
    assert_null(strstr(logkey, "(from provd logkey create)"));
    assert_non_null(strstr(logkey, "where to write the new signing key"));
    assert_non_null(strstr(run, "(from provd logkey create)"));
    free(contract);
    free(run);
    free(logkey);
}

/* The PostgreSQL session limits: options, what each kind of session gets, what is sent, and
 * how a cancelled statement is classified. */
static void test_db_limits(void **state)
{
    (void)state;
    clear_env();
    unsetenv("PROVD_DB_STATEMENT_TIMEOUT_MS");
    unsetenv("PROVD_DB_ACQUIRE_TIMEOUT_MS");
    struct config cfg;
    char err[256];
    char *d[] = {"serve", "--database-url", "x"};
    assert_true(load(&cfg, CMD_SERVE, 3, d, err));
    assert_int_equal(cfg.db_connect_timeout, 5);
    assert_int_equal(cfg.db_statement_timeout, 10000);
    assert_int_equal(cfg.db_lock_timeout, 5000);
    assert_int_equal(cfg.db_acquire_timeout, 3000);
    assert_int_equal(cfg.db_idle_txn_timeout, 60000);
    struct db_limits api = cmd_db_limits(&cfg, true), bg = cmd_db_limits(&cfg, false);
    assert_int_equal(api.statement_timeout_ms, 10000);
    assert_int_equal(api.acquire_timeout_ms, 3000);
    assert_int_equal(bg.statement_timeout_ms, 0); /* migrations, the worker: never cut */
    assert_int_equal(bg.lock_timeout_ms, 0);
    assert_int_equal(bg.connect_timeout_s, 5);
    assert_int_equal(bg.idle_in_transaction_ms, 60000);
    char opts[256];
    assert_true(db_session_options(&api, opts, sizeof opts));
    assert_string_equal(opts, "-c jit=off -c max_parallel_workers_per_gather=0 "
                              "-c statement_timeout=10000 -c lock_timeout=5000 "
                              "-c idle_in_transaction_session_timeout=60000");
    assert_false(db_session_options(&api, opts, 20)); /* does not fit */
    config_free(&cfg);
    setenv("PROVD_DB_STATEMENT_TIMEOUT_MS", "800", 1);
    setenv("PROVD_DB_ACQUIRE_TIMEOUT_MS", "250", 1);
    char *f[] = {"run", "--database-url",    "x",   "--log-key-file",        "/k", "--log-origin",
                 "o",   "--db-lock-timeout", "300", "--db-connect-timeout=2"};
    assert_true(load(&cfg, CMD_RUN, 10, f, err));
    assert_int_equal(cfg.db_statement_timeout, 800); /* from env */
    assert_int_equal(cfg.db_acquire_timeout, 250);
    assert_int_equal(cfg.db_lock_timeout, 300);
    assert_int_equal(cfg.db_connect_timeout, 2);
    config_free(&cfg);
    char *big[] = {"serve", "--database-url", "x", "--db-lock-timeout", "900"};
    expect_error(CMD_SERVE, 5, big, "--db-lock-timeout exceeds --db-statement-timeout");
    unsetenv("PROVD_DB_STATEMENT_TIMEOUT_MS");
    unsetenv("PROVD_DB_ACQUIRE_TIMEOUT_MS");
    char *off[] = {"serve", "--database-url", "x", "--db-statement-timeout", "0"};
    assert_true(load(&cfg, CMD_SERVE, 5, off, err)); /* 0: no statement timeout */
    config_free(&cfg);
    char *c1[] = {"serve", "--database-url", "x", "--db-connect-timeout", "1"};
    expect_error(CMD_SERVE, 5, c1, "--db-connect-timeout"); /* libpq's minimum is 2 s */
    char *a0[] = {"serve", "--database-url", "x", "--db-acquire-timeout", "0"};
    expect_error(CMD_SERVE, 5, a0, "--db-acquire-timeout");
    char *w[] = {"worker", "--database-url",         "x", "--log-key-file", "/k", "--log-origin",
                 "o",      "--db-statement-timeout", "5"};
    expect_error(CMD_WORKER, 8, w, "unknown option '--db-statement-timeout'");
    char *m[] = {"migrate", "--database-url", "x", "--db-idle-in-transaction-timeout", "0"};
    assert_true(load(&cfg, CMD_MIGRATE, 5, m, err));
    assert_int_equal(cfg.db_idle_txn_timeout, 0);
    config_free(&cfg);
    /* what a failed statement means */
    assert_int_equal(db_sqlstate_status("57014"), DB_TIMEOUT); /* statement_timeout */
    assert_int_equal(db_sqlstate_status("55P03"), DB_TIMEOUT); /* lock_timeout */
    assert_int_equal(db_sqlstate_status("57P01"), DB_UNAVAILABLE);
    assert_int_equal(db_sqlstate_status("08006"), DB_UNAVAILABLE);
    assert_int_equal(db_sqlstate_status(NULL), DB_UNAVAILABLE);
    assert_int_equal(db_sqlstate_status("40001"), DB_RETRY);
    assert_int_equal(db_sqlstate_status("40P01"), DB_RETRY);
    assert_int_equal(db_sqlstate_status("23505"), DB_CONFLICT);
    assert_int_equal(db_sqlstate_status("42P01"), DB_ERROR);
}

/* The HTTP limits: defaults, PROVD_* twins, flags, and what is refused. */
static void test_http_limits(void **state)
{
    (void)state;
    clear_env();
    struct config cfg;
    char err[256];
    char *d[] = {"serve", "--database-url", "x", "--threads", "4"};
    assert_true(load(&cfg, CMD_SERVE, 5, d, err));
    assert_int_equal(cfg.max_connections, 512);
    assert_int_equal(cfg.max_connections_per_ip, 0);
    assert_int_equal(cfg.request_timeout, 30);
    assert_int_equal(cfg.idle_timeout, 15);
    assert_int_equal(cfg.max_buffered, 64u << 20);
    config_free(&cfg);
    setenv("PROVD_MAX_CONNECTIONS_PER_IP", "8", 1);
    setenv("PROVD_REQUEST_TIMEOUT_S", "5", 1);
    setenv("PROVD_MAX_BUFFERED", "2M", 1);
    char *f[] = {
        "run",         "--database-url=x",      "--log-key-file=/k", "--log-origin=o",
        "--threads=2", "--max-connections=100", "--idle-timeout=3",  "--max-buffered=3000K"};
    assert_true(load(&cfg, CMD_RUN, 8, f, err));
    assert_int_equal(cfg.max_connections, 100);
    assert_int_equal(cfg.max_connections_per_ip, 8); /* from env */
    assert_int_equal(cfg.request_timeout, 5);
    assert_int_equal(cfg.idle_timeout, 3);
    assert_int_equal(cfg.max_buffered, 3000 << 10); /* flag beats env */
    config_free(&cfg);
    unsetenv("PROVD_MAX_CONNECTIONS_PER_IP");
    unsetenv("PROVD_REQUEST_TIMEOUT_S");
    unsetenv("PROVD_MAX_BUFFERED");
    char *few[] = {"serve", "--database-url", "x", "--threads", "8", "--max-connections", "7"};
    expect_error(CMD_SERVE, 7, few, "--max-connections (7) must be at least --threads (8)");
    char *small[] = {"serve", "--database-url", "x", "--max-body", "1M", "--max-buffered", "1M"};
    expect_error(CMD_SERVE, 7, small, "--max-buffered (1048576) must be more than --max-body");
    char *t0[] = {"serve", "--database-url", "x", "--request-timeout", "0"};
    expect_error(CMD_SERVE, 5, t0, "--request-timeout");
    char *i0[] = {"serve", "--database-url", "x", "--idle-timeout", "0"};
    expect_error(CMD_SERVE, 5, i0, "--idle-timeout");
    char *b0[] = {"serve", "--database-url", "x", "--max-buffered", "1K"};
    expect_error(CMD_SERVE, 5, b0, "--max-buffered");
    char *c0[] = {"serve", "--database-url", "x", "--max-connections", "0"};
    expect_error(CMD_SERVE, 5, c0, "--max-connections");
    char *w[] = {"worker", "--database-url=x", "--log-key-file=/k", "--log-origin=o",
                 "--max-connections=5"};
    expect_error(CMD_WORKER, 5, w, "unknown option '--max-connections'");
}

static void test_max_reply(void **state)
{
    (void)state;
    clear_env();
    struct config cfg;
    char err[256];
    char *d[] = {"serve", "--database-url", "x"};
    assert_true(load(&cfg, CMD_SERVE, 3, d, err));
    assert_int_equal(cfg.max_reply, 1u << 20);
    config_free(&cfg);
    setenv("PROVD_MAX_REPLY", "512K", 1);
    char *f[] = {"run", "--database-url=x", "--log-key-file=/k", "--log-origin=o",
                 "--max-reply=4M"};
    assert_true(load(&cfg, CMD_RUN, 5, f, err));
    assert_int_equal(cfg.max_reply, 4u << 20); /* flag beats env */
    config_free(&cfg);
    assert_true(load(&cfg, CMD_SERVE, 3, d, err));
    assert_int_equal(cfg.max_reply, 512u << 10);
    config_free(&cfg);
    unsetenv("PROVD_MAX_REPLY");
    /* below what a batch lookup of 1,000 empty results takes */
    char *small[] = {"serve", "--database-url", "x", "--max-reply", "100K"};
    expect_error(CMD_SERVE, 5, small, "--max-reply");
    char *w[] = {"worker", "--database-url=x", "--log-key-file=/k", "--log-origin=o",
                 "--max-reply=1M"};
    expect_error(CMD_WORKER, 5, w, "unknown option '--max-reply'");
}

static void test_explorer_tx_url(void **state)
{
    (void)state;
    clear_env();
    struct config cfg;
    char err[256];
    char *d[] = {"serve", "--database-url", "x"};
    assert_true(load(&cfg, CMD_SERVE, 3, d, err));
    assert_null(cfg.explorer_tx_url); /* default none */
    config_free(&cfg);
    setenv("PROVD_EXPLORER_TX_URL", "https://sepolia.etherscan.io/tx/{tx}", 1);
    assert_true(load(&cfg, CMD_SERVE, 3, d, err));
    assert_string_equal(cfg.explorer_tx_url, "https://sepolia.etherscan.io/tx/{tx}");
    config_free(&cfg);
    char *r[] = {"run", "--database-url=x", "--log-key-file=/k", "--log-origin=o",
                 "--explorer-tx-url=http://127.0.0.1:4000/tx/{tx}"};
    assert_true(load(&cfg, CMD_RUN, 5, r, err));
    assert_string_equal(cfg.explorer_tx_url, "http://127.0.0.1:4000/tx/{tx}"); /* flag wins */
    config_free(&cfg);
    setenv("PROVD_EXPLORER_TX_URL", "https://etherscan.io/tx/", 1);
    expect_error(CMD_SERVE, 3, d, "--explorer-tx-url");
    unsetenv("PROVD_EXPLORER_TX_URL");
    char *twice[] = {"serve", "--database-url", "x", "--explorer-tx-url", "https://e.io/{tx}{tx}"};
    expect_error(CMD_SERVE, 5, twice, "{tx} exactly once");
    char *rel[] = {"serve", "--database-url", "x", "--explorer-tx-url", "/tx/{tx}"};
    expect_error(CMD_SERVE, 5, rel, "--explorer-tx-url");
    char *w[] = {"worker", "--database-url=x", "--log-key-file=/k", "--log-origin=o",
                 "--explorer-tx-url=https://e.io/{tx}"};
    expect_error(CMD_WORKER, 5, w, "unknown option '--explorer-tx-url'");
}

static void test_tiles_prefix(void **state)
{
    (void)state;
    clear_env();
    struct config cfg;
    char err[256];
    char *d[] = {"serve", "--database-url", "x"};
    assert_true(load(&cfg, CMD_SERVE, 3, d, err));
    assert_string_equal(cfg.tiles_prefix, "/log/"); /* default */
    config_free(&cfg);
    setenv("PROVD_TILES_PREFIX", "off", 1);
    assert_true(load(&cfg, CMD_SERVE, 3, d, err));
    assert_string_equal(cfg.tiles_prefix, "off");
    config_free(&cfg);
    unsetenv("PROVD_TILES_PREFIX");
    char *custom[] = {"run", "--database-url=x", "--log-key-file=/k", "--log-origin=o",
                      "--tiles-prefix=/tlog/v1-a_b.c~/"};
    assert_true(load(&cfg, CMD_RUN, 5, custom, err));
    assert_string_equal(cfg.tiles_prefix, "/tlog/v1-a_b.c~/");
    config_free(&cfg);
    static const char *const good[] = {"/", "/log/", "/a/b/", "/v1x/", "/logs/v1/", "off"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        assert_true(config_tiles_prefix_valid(good[i]));
    static const char *const bad[] = {
        "",
        "log/",
        "/log",
        "//",
        "/a//b/",
        "/./",
        "/a/../",
        "/a/./b/",
        "/v1/",
        "/v1/x/",
        "/explorer/",
        "/metrics/",
        "/healthz/",
        "/readyz/",
        "/a b/",
        "/a?b/",
        "/a%20/",
        "/é/",
        "OFF",
        "/"
        "0123456789012345678901234567890123456789012345678901234567890123/"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (config_tiles_prefix_valid(bad[i]))
            fail_msg("'%s' is a valid prefix", bad[i]);
    assert_false(config_tiles_prefix_valid(NULL));
    char *v1[] = {"serve", "--database-url", "x", "--tiles-prefix", "/v1/"};
    expect_error(CMD_SERVE, 5, v1, "--tiles-prefix");
    char *w[] = {"worker", "--database-url=x", "--log-key-file=/k", "--log-origin=o",
                 "--tiles-prefix=/log/"};
    expect_error(CMD_WORKER, 5, w, "unknown option '--tiles-prefix'");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults_env_and_flags),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_log_and_verify_options),
        cmocka_unit_test(test_listen_forms),
        cmocka_unit_test(test_help_skips_validation),
        cmocka_unit_test(test_help_per_command),
        cmocka_unit_test(test_db_limits),
        cmocka_unit_test(test_http_limits),
        cmocka_unit_test(test_max_reply),
        cmocka_unit_test(test_explorer_tx_url),
        cmocka_unit_test(test_list_options),
        cmocka_unit_test(test_worker_witness_options),
        cmocka_unit_test(test_tiles_prefix),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
