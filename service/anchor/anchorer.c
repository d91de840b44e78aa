/* SPDX-License-Identifier: Apache-2.0 */
#include "anchor/anchorer.h"

#include <ctype.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "anchor/calldata.h"
#include "util/codec.h"
#include "util/diag.h"
#include "util/keyfile.h"
#include "util/sleep.h"
#include "db/anchors.h"
#include "db/tlog.h"
#include "eth/tx.h"

bool anchorer_read_key(const char *path, uint8_t key[32])
{
    char text[256];
    if (!keyfile_read(path, "Ethereum key file", text, sizeof text))
        return false;
    char *s = text;
    while (isspace((unsigned char)*s))
        s++;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        s += 2;
    size_t len = 0;
    while (isxdigit((unsigned char)s[len]))
        len++;
    bool ok = len == 64 && hex_decode(s, 64, key, 32, false);
    for (char *p = s + len; ok && *p; p++)
        ok = isspace((unsigned char)*p);
    sodium_memzero(text, sizeof text);
    if (!ok) {
        sodium_memzero(key, 32);
        diag_error("%s does not hold a secp256k1 private key (64 hex digits)", path);
    }
    return ok;
}

bool anchorer_init(struct anchorer *a, const struct anchorer_options *cfg,
                   const struct note_key *log_key)
{
    memset(a, 0, sizeof *a);
    struct tracker_config *tc = &a->tc;
    if (!anchorer_read_key(cfg->eth_key_file, tc->key))
        return false;
    if (!eth_address_of_key(tc->key, tc->from)) {
        diag_error("%s: not a valid secp256k1 private key", cfg->eth_key_file);
        anchorer_free(a);
        return false;
    }
    memcpy(tc->to, tc->from, ETH_ADDRESS_LEN);
    if (cfg->anchor_to && !eth_address_parse(cfg->anchor_to, tc->to)) {
        anchorer_free(a);
        return false;
    }
    tc->confirmations = cfg->anchor_depth;
    tc->replace_blocks = cfg->anchor_replace_blocks;
    tc->max_fee_cap = cfg->eth_max_fee;
    tc->tip_cap = cfg->eth_max_priority_fee;
    snprintf(a->origin, sizeof a->origin, "%s", log_key->name);
    a->key_id = log_key->id;
    a->want_chain_id = cfg->eth_chain_id;
    a->interval_s = cfg->anchor_interval;
    a->poll_ms = cfg->anchor_poll;
    a->database_url = strdup(cfg->database_url);
    a->db_limits = cfg->db_limits;
    if (!a->database_url || !eth_rpc_init_http(&a->rpc, cfg->eth_rpc_url, cfg->eth_rpc_timeout)) {
        anchorer_free(a);
        return false;
    }
    return true;
}

void anchorer_free(struct anchorer *a)
{
    db_disconnect(a->conn);
    eth_rpc_free(&a->rpc);
    anchor_free(&a->active);
    free(a->database_url);
    sodium_memzero(a, sizeof *a); /* the anchoring key */
}

static bool store_add_attempt(void *ctx, const struct anchor *an, const struct anchor_attempt *at)
{
    struct anchorer *a = ctx;
    return db_anchor_add_attempt(a->conn, an, at) == DB_OK;
}

static bool store_save(void *ctx, const struct anchor *an)
{
    struct anchorer *a = ctx;
    return db_anchor_save(a->conn, an) == DB_OK;
}

/* Forgets leadership and the in-memory anchor; the database has the truth. */
static void reset(struct anchorer *a)
{
    a->leader = false;
    a->has_active = false;
    anchor_free(&a->active);
    db_disconnect(a->conn);
    a->conn = NULL;
}

/* Asks the node for its chain id once and checks it against the configuration. */
static bool check_chain(struct anchorer *a)
{
    struct rpc_error err;
    uint64_t id;
    if (eth_chain_id(&a->rpc, &id, &err) != RPC_OK) {
        diag_warn("anchorer: cannot reach the Ethereum node: %s", err.message);
        return false;
    }
    if (a->want_chain_id && id != a->want_chain_id) {
        diag_error("anchorer: the node is on chain %" PRIu64 ", not the configured %" PRIu64, id,
                   a->want_chain_id);
        a->fatal = true;
        return false;
    }
    char from[ETH_ADDRESS_STR_LEN + 1], to[ETH_ADDRESS_STR_LEN + 1];
    eth_address_format(a->tc.from, from);
    eth_address_format(a->tc.to, to);
    diag_info("anchorer: anchoring %s on chain %" PRIu64 " from %s to %s every %u s (%u "
              "confirmations%s)",
              a->origin, id, from, to, a->interval_s, a->tc.confirmations,
              a->tc.confirmations ? "" : ": finalized");
    a->tc.chain_id = id;
    a->chain_known = true;
    return true;
}

/* Records a pending anchor of the latest checkpoint when one is due. */
static enum db_status maybe_create(struct anchorer *a)
{
    uint64_t last_size = 0, size;
    double age = 0;
    bool found;
    struct log_head head;
    enum db_status st = db_anchor_last(a->conn, a->tc.chain_id, &last_size, &age, &found);
    if (st != DB_OK || (found && age < a->interval_s))
        return st;
    st = db_log_head(a->conn, &head);
    if (st != DB_OK)
        return st;
    size = head.tree_size;
    /* size 0, the empty log's checkpoint, is never anchored (last_size starts at 0) */
    if (!head.root_hex || size <= last_size || strcmp(head.origin, a->origin) != 0)
        goto out;
    struct anchor_commitment c = {.key_id = a->key_id, .tree_size = size};
    snprintf(c.origin, sizeof c.origin, "%s", a->origin);
    if (!hex_decode(head.root_hex, 64, c.root, 32, true)) {
        st = DB_ERROR;
        goto out;
    }
    struct anchor *an = &a->active;
    anchor_free(an);
    an->chain_id = a->tc.chain_id;
    an->tree_size = size;
    memcpy(an->root, c.root, 32);
    anchor_calldata_encode(&c, &an->calldata);
    st = an->calldata.oom ? DB_ERROR : db_anchor_create(a->conn, a->tc.from, a->tc.to, an);
    a->has_active = st == DB_OK;
    if (a->has_active)
        diag_info("anchor %" PRId64 ": anchoring tree size %" PRIu64, an->id, size);
out:
    log_head_free(&head);
    return st;
}

/* Loads the anchor in flight, reconciling its nonce with the chain, or creates a due one. */
static enum track_result load_or_create(struct anchorer *a, const struct tracker_store *store)
{
    if (db_anchor_load_active(a->conn, a->tc.chain_id, a->tc.from, &a->active, &a->has_active) !=
        DB_OK)
        return TRACK_STORE_FAIL;
    if (!a->has_active)
        return maybe_create(a) == DB_OK ? TRACK_OK : TRACK_STORE_FAIL;
    enum track_result r = tracker_reconcile(&a->tc, &a->rpc, store, &a->active);
    if (r != TRACK_OK) { /* reconcile again after the back-off */
        anchor_free(&a->active);
        a->has_active = false;
    }
    return r;
}

/* One step; false on an error to back off from. */
static bool step(struct anchorer *a)
{
    if (!a->conn && !(a->conn = db_connect(a->database_url, 0, &a->db_limits)))
        return false;
    if (!a->leader) {
        bool got = false;
        if (db_anchor_try_lock(a->conn, &got) != DB_OK) {
            reset(a);
            return false;
        }
        if (!got)
            return true;
        a->leader = true;
        diag_info("anchorer: leading");
    }
    if (!a->chain_known && !check_chain(a))
        return false;
    struct tracker_store store = {store_add_attempt, store_save, a};
    enum track_result r = a->has_active ? TRACK_OK : load_or_create(a, &store);
    if (r == TRACK_OK && a->has_active)
        r = tracker_step(&a->tc, &a->rpc, &store, &a->active);
    if (r == TRACK_STORE_FAIL)
        reset(a);
    else if (a->has_active && a->active.status == ANCHOR_CONFIRMED) {
        anchor_free(&a->active);
        a->has_active = false;
    }
    return r == TRACK_OK;
}

void anchorer_run(struct anchorer *a, atomic_bool *stop)
{
    unsigned backoff = 1000;
    while (!atomic_load(stop) && !a->fatal) {
        if (step(a)) {
            backoff = 1000;
            sleep_ms_unless(a->leader ? a->poll_ms : 1000, stop);
        } else {
            sleep_ms_unless(backoff, stop);
            backoff = backoff < 30000 ? backoff * 2 : 30000;
        }
    }
}
