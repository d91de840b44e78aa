/* SPDX-License-Identifier: Apache-2.0 */
/* Witness cosigning (C2SP tlog-witness, tlog-cosignature): the worker's thread that sends each
 * new checkpoint to the configured witnesses and keeps the cosignatures they return.
 *
 * DESIGN: one thread per database (session advisory lock DB_LOCK_WITNESS on its own
 * connection, like the sequencer's). Every --witness-interval it reads the latest checkpoint
 * and, for each witness that is due and has not cosigned that size, runs one add-checkpoint
 * exchange (witness_submit): "old <size>" with a consistency proof from the size the witness
 * last cosigned (stored in witnesses.cosigned_size, 0 at first), an empty line, the note.
 *
 *   200  every returned line is checked with tlog/cosig against the witness's key and the
 *        checkpoint body; valid ones are stored (witness_cosignatures), invalid ones counted
 *        (bad_cosignature) and dropped; lines of other keys are ignored
 *   409  text/x.tlog.size: the witness's size s. s below the checkpoint's: retry once, now with
 *        old s and a proof from s. s above it, or a second 409 or a 422 after the retry: the
 *        witness holds another tree at a size we have: "fork", logged as a possible split view
 *   403, 404  the witness does not trust our key / know our origin: refused, unknown_log
 *   422  the proof did not verify against the witness's tree: bad_proof
 *   else transport errors and timeouts: unreachable; other statuses or bodies: bad_reply
 *
 * A failure backs the witness off (interval × 2^k, at most WITNESS_BACKOFF_INTERVALS intervals
 * and WITNESS_BACKOFF_MAX_S), so a broken
 * witness is never asked in a hot loop. After storing cosignatures the thread raises
 * log_state.cosigned_size once the checkpoint has --witness-quorum of them. The HTTP exchange
 * is a function pointer (client/witness.c in provd, canned replies in tests/unit). */
#ifndef PROVD_REGISTRY_WITNESS_H
#define PROVD_REGISTRY_WITNESS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/witness.h"
#include "db/pool.h"
#include "registry/registry.h"
#include "tlog/cosig.h"
#include "tlog/merkle.h"
#include "util/buf.h"

#define WITNESS_BACKOFF_MAX_S     300
#define WITNESS_BACKOFF_INTERVALS 8
#define WITNESS_REPLY_MAX         (64u << 10) /* bytes of a witness's reply body */
#define WITNESS_LINES_MAX         16          /* cosignature lines kept from one reply */

/* POSTs body to url within timeout_ms: false (reason in err) when no HTTP reply came back;
 * otherwise *status, content_type (the Content-Type header, "" if none) and reply (appended,
 * at most WITNESS_REPLY_MAX bytes) describe it. */
typedef bool (*witness_transport_fn)(void *ctx, const char *url, const char *body, size_t len,
                                     unsigned timeout_ms, long *status, char *content_type,
                                     size_t content_type_len, struct buf *reply, char *err,
                                     size_t err_len);
/* Consistency proof from size m to size n (0 < m <= n) into proof; false on failure. */
typedef bool (*witness_proof_fn)(void *ctx, uint64_t m, uint64_t n,
                                 uint8_t (*proof)[MERKLE_HASH_LEN], int *count);

/* The outcome of an exchange; the failure names are /metrics' reason labels. */
enum witness_outcome {
    WITNESS_COSIGNED = 0,
    WITNESS_REFUSED,         /* 403 */
    WITNESS_UNKNOWN_LOG,     /* 404 */
    WITNESS_BAD_PROOF,       /* 422 */
    WITNESS_CONFLICT,        /* 409 that a retry did not resolve (not a fork) */
    WITNESS_FORK,            /* the witness has another tree at a size we have */
    WITNESS_UNREACHABLE,     /* no reply: connection error or timeout */
    WITNESS_BAD_COSIGNATURE, /* 200 without a valid cosignature by its key */
    WITNESS_BAD_REPLY,       /* any other status or a malformed body */
    WITNESS_LOCAL_ERROR,     /* we could not build the request (proof) */
    WITNESS_OUTCOME_COUNT_
};
const char *witness_outcome_name(enum witness_outcome o);

/* One configured witness. */
struct witness_peer {
    char *url; /* owned: the submission prefix's add-checkpoint URL */
    struct cosig_key key;
    char label[NOTE_NAME_MAX + 10]; /* name+keyid, for messages */
    bool known;                     /* size is what the witness last cosigned */
    uint64_t size;
    int64_t next_ms;    /* monotonic time of its next exchange */
    unsigned backoff_s; /* current back-off; 0 after a success */
};

/* Parses "URL+VKEY" (tlog/cosig.h cosig_witness_parse) into p; false on a bad spec. The caller
 * frees p with witness_peer_free. */
bool witness_peer_init(struct witness_peer *p, const char *spec)
    __attribute__((warn_unused_result));
void witness_peer_free(struct witness_peer *p);

/* A checkpoint to submit: the signed note (cosignature lines allowed) and its size. */
struct witness_checkpoint {
    const char *note;
    size_t len;
    uint64_t size;
};

struct witness_result {
    enum witness_outcome outcome;
    long status;                        /* the last HTTP status, 0 without one */
    uint64_t witness_size;              /* from a 409 */
    size_t n_lines;                     /* valid cosignature lines */
    struct buf line[WITNESS_LINES_MAX]; /* each with its '\n' */
    uint64_t signed_at[WITNESS_LINES_MAX];
    unsigned bad_lines; /* lines by the witness's key that did not verify */
    char detail[256];
};
void witness_result_free(struct witness_result *r);

/* One add-checkpoint exchange with p about cp (at most one resync after a 409); updates
 * p->known/p->size from what the witness said. out is set in every case (free it). */
void witness_submit(struct witness_peer *p, const struct witness_checkpoint *cp,
                    witness_proof_fn proof, void *proof_ctx, witness_transport_fn transport,
                    void *transport_ctx, unsigned timeout_ms, struct witness_result *out);

/* After an exchange at monotonic time now_ms: when p is next due (success: interval; failure:
 * doubling back-off). */
void witness_schedule(struct witness_peer *p, enum witness_outcome o, unsigned interval_s,
                      int64_t now_ms);

struct witness_options {
    const char *database_url;
    struct db_limits limits;
    char *const *specs; /* "URL+VKEY" */
    size_t n_specs;
    unsigned quorum; /* 1..n_specs */
    unsigned interval_s, timeout_ms;
    witness_transport_fn transport;
    void *transport_ctx;
};

struct witness_service {
    char *database_url; /* owned */
    struct db_limits limits;
    struct witness_peer *peers; /* owned */
    size_t n;
    unsigned quorum, interval_s, timeout_ms;
    witness_transport_fn transport;
    void *transport_ctx;
    struct db_conn *conn; /* owned, NULL until connected */
    bool leader, configured;
};

/* Sets up s from o (no I/O; specs are parsed and copied). False on a bad spec (logged). */
bool witness_service_init(struct witness_service *s, const struct witness_options *o)
    __attribute__((warn_unused_result));
void witness_service_free(struct witness_service *s);
/* Runs rounds until *stop. */
void witness_service_run(struct witness_service *s, atomic_bool *stop);

/* The read side, for GET /metrics: the active witnesses, their failures and the quorum state,
 * as stored by whichever worker cosigns. False when the database did not answer. The caller
 * frees out with witness_gauges_free (also after a failure). */
bool registry_witness_gauges(struct registry *reg, struct witness_gauges *out)
    __attribute__((warn_unused_result));

#endif
