/* SPDX-License-Identifier: Apache-2.0 */
/* provd log check: the whole log against its stored records (registry/logcheck.h). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "registry/logcheck.h"

#define USAGE                                                                                      \
    "provd log check [--database-url URL] [--tiles-dir DIR]\n"                                     \
    "Re-derives every log entry from its stored record, rebuilds the tree and compares it with\n"  \
    "every stored tile, checkpoint and anchor (and DIR's files). Exit status: 0 the log is\n"      \
    "whole, 1 it is not (the first difference is named), 2 usage error, 3 the check could not\n"   \
    "run (database error)"

struct progress {
    struct timespec start;
    bool tty;
};

static double elapsed(const struct timespec *start)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

static void show_progress(void *ctx, uint64_t done, uint64_t total)
{
    const struct progress *p = ctx;
    if (!p->tty)
        return;
    double s = elapsed(&p->start);
    fprintf(stderr, "\rlog check: %" PRIu64 " / %" PRIu64 " entries (%.0f%%), %.0f entries/s   ",
            done, total, total ? 100.0 * (double)done / (double)total : 100.0,
            s > 0 ? (double)done / s : 0.0);
    fflush(stderr);
}

static void print_summary(const struct logcheck_report *r, double s)
{
    printf("tree size %" PRIu64 ": %" PRIu64 " items, %" PRIu64 " datasets, %" PRIu64
           " models re-derived; %" PRIu64 " tiles, %" PRIu64 " checkpoints (%" PRIu64
           " consistency proofs), %" PRIu64 " anchors",
           r->tree_size, r->items, r->datasets, r->models, r->tiles, r->checkpoints, r->proofs,
           r->anchors);
    if (r->files)
        printf(", %" PRIu64 " files", r->files);
    printf(" checked in %.2f s (%.0f entries/s)\n", s,
           s > 0 ? (double)(r->items + r->datasets + r->models) / s : 0.0);
}

static int log_check(int argc, char **argv)
{
    struct config cfg;
    int rc = cmd_load_config(&cfg, CMD_LOG_CHECK, USAGE, argc, argv);
    if (rc >= 0)
        return rc;
    rc = 3;
    struct progress p = {.tty = isatty(STDERR_FILENO) == 1};
    clock_gettime(CLOCK_MONOTONIC, &p.start);
    struct logcheck_report r;
    struct db_limits limits = cmd_db_limits(&cfg, false);
    struct logcheck_options o = {cfg.database_url, &limits, cfg.logcheck_tiles_dir, show_progress,
                                 &p};
    limits.application_name = "provd log check";
    struct db_conn *conn = db_connect(cfg.database_url, 0, &limits);
    if (!conn || logcheck_run(conn, &o, &r) != DB_OK)
        goto out;
    if (p.tty)
        fputc('\n', stderr);
    print_summary(&r, elapsed(&p.start));
    if (r.ok) {
        printf("log check: OK\n");
        rc = 0;
    } else {
        printf("log check: FAILED: %s\n", r.failure);
        fprintf(stderr, "provd: log check: %s\n", r.failure);
        rc = 1;
    }
out:
    db_disconnect(conn);
    config_free(&cfg);
    return rc;
}

int cmd_log(int argc, char **argv)
{
    if (argc >= 2 && !strcmp(argv[1], "check"))
        return log_check(argc - 1, argv + 1);
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        printf("usage: provd log check [options]\n"
               "  check   verify the whole log against its stored records (check --help)\n");
        return 0;
    }
    fputs("usage: provd log check [options] (see provd log check --help)\n", stderr);
    return 2;
}
