#include "testutil.h"

#include <unistd.h>

#include "cmd/config.h"

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults_env_and_flags), cmocka_unit_test(test_errors),
        cmocka_unit_test(test_log_and_verify_options), cmocka_unit_test(test_listen_forms),
        cmocka_unit_test(test_help_skips_validation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
