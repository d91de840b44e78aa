/* SPDX-License-Identifier: Apache-2.0 */
/* provd worker, provd run and provd logkey create. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "anchor/anchorer.h"
#include "client/witness.h"
#include "cmd/cmd.h"
#include "util/diag.h"
#include "db/migrate.h"
#include "registry/publish.h"
#include "registry/sequencer.h"
#include "registry/witness.h"

struct worker {
    struct sequencer seq;
    struct anchorer anchorer;
    struct publisher publisher;
    struct witness_service witness;
    struct witness_http witness_http;
    atomic_bool stop;
    pthread_t thread, anchor_thread, publish_thread, witness_thread;
    bool started, anchoring, publishing, witnessing;
};

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    sequencer_run(&w->seq, &w->stop);
    return NULL;
}

static void *anchor_main(void *arg)
{
    struct worker *w = arg;
    anchorer_run(&w->anchorer, &w->stop);
    return NULL;
}

static void *publish_main(void *arg)
{
    struct worker *w = arg;
    publisher_run(&w->publisher, &w->stop);
    return NULL;
}

/* Starts the publisher thread when --tiles-dir is given. */
static bool publishing_start(struct worker *w, const struct config *cfg, const struct note_key *key)
{
    if (!cfg->tiles_dir)
        return true;
    struct db_limits limits = cmd_db_limits(cfg, false);
    if (!publisher_init(&w->publisher, cfg->tiles_dir, cfg->database_url, &limits, key))
        return false;
    if (pthread_create(&w->publish_thread, NULL, publish_main, w) != 0) {
        publisher_free(&w->publisher);
        return false;
    }
    w->publishing = true;
    return true;
}

static void *witness_main(void *arg)
{
    struct worker *w = arg;
    witness_service_run(&w->witness, &w->stop);
    return NULL;
}

/* Starts the witness-cosigning thread when --witness is given. */
static bool witnessing_start(struct worker *w, const struct config *cfg)
{
    if (cfg->witnesses.n == 0)
        return true;
    struct witness_options opt = {.database_url = cfg->database_url,
                                  .limits = cmd_db_limits(cfg, false),
                                  .specs = cfg->witnesses.items,
                                  .n_specs = cfg->witnesses.n,
                                  .quorum = cfg->witness_quorum,
                                  .interval_s = cfg->witness_interval,
                                  .timeout_ms = cfg->witness_timeout,
                                  .transport = witness_http_post,
                                  .transport_ctx = &w->witness_http};
    if (!witness_http_init(&w->witness_http, WITNESS_REPLY_MAX))
        return false;
    if (!witness_service_init(&w->witness, &opt) ||
        pthread_create(&w->witness_thread, NULL, witness_main, w) != 0) {
        witness_service_free(&w->witness);
        witness_http_free(&w->witness_http);
        return false;
    }
    w->witnessing = true;
    return true;
}

/* Starts the anchorer thread when an Ethereum node is configured. */
static bool anchoring_start(struct worker *w, const struct config *cfg, const struct note_key *key)
{
    if (!cfg->eth_rpc_url) {
        diag_info("anchoring is off (no --eth-rpc-url)");
        return true;
    }
    struct anchorer_options opt = {.database_url = cfg->database_url,
                                   .db_limits = cmd_db_limits(cfg, false),
                                   .eth_rpc_url = cfg->eth_rpc_url,
                                   .eth_rpc_timeout = cfg->eth_rpc_timeout,
                                   .eth_key_file = cfg->eth_key_file,
                                   .eth_chain_id = cfg->eth_chain_id,
                                   .anchor_to = cfg->anchor_to,
                                   .anchor_interval = cfg->anchor_interval,
                                   .anchor_depth = cfg->anchor_depth,
                                   .anchor_replace_blocks = cfg->anchor_replace_blocks,
                                   .eth_max_fee = cfg->eth_max_fee,
                                   .eth_max_priority_fee = cfg->eth_max_priority_fee,
                                   .anchor_poll = cfg->anchor_poll};
    if (!eth_rpc_global_init() || !anchorer_init(&w->anchorer, &opt, key))
        return false;
    if (pthread_create(&w->anchor_thread, NULL, anchor_main, w) != 0) {
        anchorer_free(&w->anchorer);
        return false;
    }
    w->anchoring = true;
    return true;
}

/* Migrates, then starts the sequencer thread. */
static bool worker_start_with(struct worker *w, const struct config *cfg,
                              const struct note_key *key)
{
    int applied = 0;
    struct db_limits limits = cmd_db_limits(cfg, false);
    if (!sequencer_init(&w->seq, cfg->database_url, &limits, key))
        return false;
    if (!migrate_at_start(cfg->database_url, &limits, 30, &applied) ||
        pthread_create(&w->thread, NULL, worker_main, w) != 0)
        return false;
    w->started = true;
    if (!anchoring_start(w, cfg, key) || !publishing_start(w, cfg, key) ||
        !witnessing_start(w, cfg))
        return false;
    diag_info("worker started for log %s", key->name);
    return true;
}

/* The sequencer and the anchorer keep their own copies of the key: this one is wiped. */
static bool worker_start(struct worker *w, const struct config *cfg)
{
    struct note_key key;
    atomic_init(&w->stop, false);
    bool ok = cmd_load_log_key(cfg->log_key_file, cfg->log_origin, &key) &&
              worker_start_with(w, cfg, &key);
    sodium_memzero(&key, sizeof key);
    return ok;
}

/* Stops the sequencer, the anchorer and the publisher; false if one had stopped on its own for
 * a fatal reason. */
static bool worker_stop(struct worker *w)
{
    atomic_store(&w->stop, true);
    if (w->started)
        pthread_join(w->thread, NULL);
    if (w->anchoring)
        pthread_join(w->anchor_thread, NULL);
    if (w->publishing)
        pthread_join(w->publish_thread, NULL);
    if (w->witnessing) {
        pthread_join(w->witness_thread, NULL);
        witness_service_free(&w->witness);
        witness_http_free(&w->witness_http);
    }
    bool ok = !w->seq.fatal && !w->anchorer.fatal && !w->publisher.fatal;
    sequencer_free(&w->seq);
    if (w->anchoring)
        anchorer_free(&w->anchorer);
    if (w->publishing)
        publisher_free(&w->publisher);
    return ok;
}

/* Waits for a signal, or for the worker to stop by itself on a fatal error. */
static void wait_worker_or_signal(struct worker *w, const sigset_t *set)
{
    struct timespec tick = {1, 0};
    for (;;) {
        int sig = sigtimedwait(set, NULL, &tick);
        if (sig > 0 && signal_stops(sig))
            return;
        if (w->seq.fatal || w->anchorer.fatal || w->publisher.fatal)
            return;
    }
}

int cmd_worker(int argc, char **argv)
{
    struct config cfg;
    int rc = cmd_load_config(&cfg, CMD_WORKER,
                             "provd worker --log-key-file PATH --log-origin ORIGIN [options]", argc,
                             argv);
    if (rc >= 0)
        return rc;
    sigset_t set;
    signals_block(&set);
    struct worker w = {0};
    rc = 1;
    if (worker_start(&w, &cfg)) {
        wait_worker_or_signal(&w, &set);
        rc = 0;
    }
    if (!worker_stop(&w))
        rc = 1;
    config_free(&cfg);
    return rc;
}

int cmd_run(int argc, char **argv)
{
    struct config cfg;
    int rc = cmd_load_config(
        &cfg, CMD_RUN, "provd run --log-key-file PATH --log-origin ORIGIN [options]", argc, argv);
    if (rc >= 0)
        return rc;
    sigset_t set;
    signals_block(&set);
    struct service svc = {0};
    struct worker w = {0};
    rc = serve_start(&svc, &cfg);
    if (rc < 0) {
        rc = 1;
        if (worker_start(&w, &cfg)) {
            wait_worker_or_signal(&w, &set);
            serve_drain(&svc, cfg.shutdown_grace, &set);
            rc = 0;
        }
    }
    if (!worker_stop(&w))
        rc = 1;
    serve_stop(&svc);
    config_free(&cfg);
    return rc;
}

static int logkey_create(int argc, char **argv)
{
    struct config cfg;
    int rc =
        cmd_load_config(&cfg, CMD_LOGKEY_CREATE,
                        "provd logkey create --log-key-file PATH --log-origin ORIGIN", argc, argv);
    if (rc >= 0)
        return rc;
    rc = 1;
    struct note_key key;
    struct buf priv = BUF_INIT, vkey = BUF_INIT;
    int fd = -1;
    if (!note_key_generate(cfg.log_origin, &key)) {
        diag_error("cannot generate a key");
        goto out;
    }
    note_key_format_private(&key, &priv);
    note_key_format_vkey(&key, &vkey);
    fd = open(cfg.log_key_file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        diag_error("cannot create %s: %s%s", cfg.log_key_file, strerror(errno),
                   errno == EEXIST ? " (refusing to overwrite a key)" : "");
        goto out;
    }
    if (write(fd, priv.data, priv.len) != (ssize_t)priv.len || fsync(fd) != 0) {
        diag_error("cannot write %s: %s", cfg.log_key_file, strerror(errno));
        goto out;
    }
    printf("%s\n", vkey.data);
    diag_info("wrote the log key for %s to %s", key.name, cfg.log_key_file);
    rc = 0;
out:
    if (fd >= 0)
        close(fd);
    if (priv.data)
        sodium_memzero(priv.data, priv.cap);
    buf_free(&priv);
    buf_free(&vkey);
    sodium_memzero(&key, sizeof key);
    config_free(&cfg);
    return rc;
}

int cmd_logkey(int argc, char **argv)
{
    const char *usage = "usage: provd logkey create --log-key-file PATH --log-origin ORIGIN\n";
    if (argc >= 2 && !strcmp(argv[1], "create"))
        return logkey_create(argc - 1, argv + 1);
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        printf("%s  create   write a new Ed25519 log key to PATH (mode 0600) and print its "
               "verifier key\n",
               usage);
        return 0;
    }
    fputs(usage, stderr);
    return 2;
}
