/* SPDX-License-Identifier: Apache-2.0 */
#include "db/anchors.h"
#include "db/columns.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/codec.h"
#include "db/events.h"

#define LOCKED DB_LOCK_HELD(DB_LOCK_ANCHORER)

static const struct db_stmt db_anchor_try_lock_stmt = {"db_anchor_try_lock",
                                                       DB_LOCK_TRY(DB_LOCK_ANCHORER), 0};

enum db_status db_anchor_try_lock(struct db_conn *conn, bool *got)
{
    return db_exec_flag(conn, &db_anchor_try_lock_stmt, got);
}

static bool hex_into(const char *hex, uint8_t *out, size_t len)
{
    return strlen(hex) == 2 * len && hex_decode(hex, 2 * len, out, len, false);
}

static bool hex_buf(const char *hex, struct buf *out)
{
    size_t n = strlen(hex) / 2;
    uint8_t *tmp = malloc(n ? n : 1);
    bool ok = tmp && hex_decode(hex, 2 * n, tmp, n, false);
    if (ok)
        buf_append(out, tmp, n);
    free(tmp);
    return ok && !out->oom;
}

static uint64_t u64_at(PGresult *res, int row, int col)
{
    return PQgetisnull(res, row, col) ? 0 : strtoull(PQgetvalue(res, row, col), NULL, 10);
}

static const struct db_stmt db_anchor_active_stmt = {
    "db_anchor_active",
    "SELECT id, tree_size, encode(root, 'hex'), encode(calldata, 'hex'), status, nonce, "
    "gas_limit, encode(tx_hash, 'hex'), block_number, encode(block_hash, 'hex'), confirmations, "
    "coalesce(last_error, '') FROM anchors "
    "WHERE chain_id = $1 AND sender = decode($2, 'hex') AND status <> 'confirmed'",
    2};
static const struct db_stmt db_anchor_attempts_stmt = {
    "db_anchor_attempts",
    "SELECT attempt, nonce, encode(tx_hash, 'hex'), encode(raw_tx, 'hex'), max_fee_per_gas, "
    "max_priority_fee_per_gas, sent, sent_block FROM anchor_attempts WHERE anchor_id = $1 "
    "ORDER BY attempt",
    1};

static bool row_to_anchor(PGresult *res, struct anchor *a)
{
    a->id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    a->tree_size = u64_at(res, 0, 1);
    a->has_nonce = !PQgetisnull(res, 0, 5);
    a->nonce = u64_at(res, 0, 5);
    a->gas_limit = u64_at(res, 0, 6);
    a->block_number = u64_at(res, 0, 8);
    a->confirmations = u64_at(res, 0, 10);
    snprintf(a->last_error, sizeof a->last_error, "%s", PQgetvalue(res, 0, 11));
    bool mined = !PQgetisnull(res, 0, 7);
    return hex_into(PQgetvalue(res, 0, 2), a->root, 32) &&
           hex_buf(PQgetvalue(res, 0, 3), &a->calldata) &&
           anchor_status_parse(PQgetvalue(res, 0, 4), &a->status) &&
           (!mined || (hex_into(PQgetvalue(res, 0, 7), a->tx_hash, 32) &&
                       hex_into(PQgetvalue(res, 0, 9), a->block_hash, 32)));
}

static bool rows_to_attempts(PGresult *res, struct anchor *a)
{
    for (int r = 0; r < PQntuples(res); r++) {
        struct anchor_attempt at = {.number = (int)strtol(PQgetvalue(res, r, 0), NULL, 10),
                                    .nonce = u64_at(res, r, 1),
                                    .max_fee = u64_at(res, r, 4),
                                    .tip = u64_at(res, r, 5),
                                    .sent = PQgetvalue(res, r, 6)[0] == 't',
                                    .sent_block = u64_at(res, r, 7)};
        if (!hex_into(PQgetvalue(res, r, 2), at.hash, 32) ||
            !hex_buf(PQgetvalue(res, r, 3), &at.raw) || !anchor_add_attempt(a, &at)) {
            buf_free(&at.raw);
            return false;
        }
    }
    return true;
}

enum db_status db_anchor_load_active(struct db_conn *conn, uint64_t chain_id,
                                     const uint8_t sender[20], struct anchor *a, bool *found)
{
    char chain[24], sender_hex[41];
    snprintf(chain, sizeof chain, "%" PRIu64, chain_id);
    hex_encode(sender, 20, sender_hex);
    const char *values[] = {chain, sender_hex};
    PGresult *res = NULL, *att = NULL;
    *found = false;
    enum db_status st = db_exec(conn, &db_anchor_active_stmt, values, NULL, NULL, &res);
    if (st != DB_OK || PQntuples(res) == 0)
        goto out;
    anchor_free(a);
    a->chain_id = chain_id;
    if (!row_to_anchor(res, a)) {
        st = DB_ERROR;
        goto out;
    }
    const char *id[] = {PQgetvalue(res, 0, 0)};
    st = db_exec(conn, &db_anchor_attempts_stmt, id, NULL, NULL, &att);
    if (st == DB_OK && !rows_to_attempts(att, a))
        st = DB_ERROR;
    *found = st == DB_OK;
out:
    if (st != DB_OK)
        anchor_free(a);
    PQclear(res);
    PQclear(att);
    return st;
}

static const struct db_stmt db_anchor_last_stmt = {
    "db_anchor_last",
    "SELECT tree_size, extract(epoch FROM now() - created_at) FROM anchors WHERE chain_id = $1 "
    "ORDER BY tree_size DESC LIMIT 1",
    1};

enum db_status db_anchor_last(struct db_conn *conn, uint64_t chain_id, uint64_t *tree_size,
                              double *age_s, bool *found)
{
    char chain[24];
    snprintf(chain, sizeof chain, "%" PRIu64, chain_id);
    const char *values[] = {chain};
    PGresult *res;
    enum db_status st = db_exec(conn, &db_anchor_last_stmt, values, NULL, NULL, &res);
    *found = st == DB_OK && PQntuples(res) == 1;
    if (*found) {
        *tree_size = u64_at(res, 0, 0);
        *age_s = strtod(PQgetvalue(res, 0, 1), NULL);
    }
    PQclear(res);
    return st;
}

static const struct db_stmt db_anchor_create_stmt = {
    "db_anchor_create",
    "INSERT INTO anchors (chain_id, sender, recipient, tree_size, root, calldata) "
    "SELECT $1, decode($2, 'hex'), decode($3, 'hex'), $4, decode($5, 'hex'), decode($6, 'hex') "
    "WHERE " LOCKED " RETURNING id",
    6};

enum db_status db_anchor_create(struct db_conn *conn, const uint8_t sender[20],
                                const uint8_t recipient[20], struct anchor *a)
{
    char chain[24], size[24], s_hex[41], r_hex[41], root[65];
    char *data = malloc(2 * a->calldata.len + 1);
    if (!data)
        return DB_ERROR;
    snprintf(chain, sizeof chain, "%" PRIu64, a->chain_id);
    snprintf(size, sizeof size, "%" PRIu64, a->tree_size);
    hex_encode(sender, 20, s_hex);
    hex_encode(recipient, 20, r_hex);
    hex_encode(a->root, 32, root);
    hex_encode((const uint8_t *)a->calldata.data, a->calldata.len, data);
    const char *values[] = {chain, s_hex, r_hex, size, root, data};
    PGresult *res;
    enum db_status st = db_exec(conn, &db_anchor_create_stmt, values, NULL, NULL, &res);
    if (st == DB_OK && PQntuples(res) == 1)
        a->id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    else if (st == DB_OK)
        st = DB_ERROR; /* lost the lock */
    PQclear(res);
    free(data);
    return st;
}

static const struct db_stmt db_anchor_add_attempt_stmt = {
    "db_anchor_add_attempt",
    "WITH a AS (UPDATE anchors SET nonce = $2, gas_limit = $3, attempts = attempts + 1, "
    "updated_at = now() "
    "WHERE id = $1 AND " LOCKED " RETURNING id) "
    "INSERT INTO anchor_attempts (anchor_id, attempt, nonce, tx_hash, raw_tx, max_fee_per_gas, "
    "max_priority_fee_per_gas) SELECT id, $4, $2, decode($5, 'hex'), decode($6, 'hex'), $7, $8 "
    "FROM a RETURNING 1",
    8};

enum db_status db_anchor_add_attempt(struct db_conn *conn, const struct anchor *a,
                                     const struct anchor_attempt *at)
{
    char id[24], nonce[24], gas[24], number[16], hash[65], max_fee[24], tip[24];
    char *raw = malloc(2 * at->raw.len + 1);
    if (!raw)
        return DB_ERROR;
    snprintf(id, sizeof id, "%" PRId64, a->id);
    snprintf(nonce, sizeof nonce, "%" PRIu64, at->nonce);
    snprintf(gas, sizeof gas, "%" PRIu64, a->gas_limit);
    snprintf(number, sizeof number, "%d", at->number);
    snprintf(max_fee, sizeof max_fee, "%" PRIu64, at->max_fee);
    snprintf(tip, sizeof tip, "%" PRIu64, at->tip);
    hex_encode(at->hash, 32, hash);
    hex_encode((const uint8_t *)at->raw.data, at->raw.len, raw);
    const char *values[] = {id, nonce, gas, number, hash, raw, max_fee, tip};
    PGresult *res;
    enum db_status st = db_exec(conn, &db_anchor_add_attempt_stmt, values, NULL, NULL, &res);
    if (st == DB_OK && PQntuples(res) != 1)
        st = DB_ERROR;
    PQclear(res);
    free(raw);
    return st;
}

/* $1 id, $2 status, $3 nonce, $4 tx_hash, $5 block_number, $6 block_hash, $7 confirmations,
 * $8 last_error, $9/$10/$11 the attempts' numbers, sent marks and sent blocks (arrays). */
static const struct db_stmt db_anchor_save_stmt = {
    "db_anchor_save",
    "WITH a AS (UPDATE anchors SET status = $2, nonce = $3::bigint, tx_hash = decode($4, 'hex'), "
    "block_number = $5, block_hash = decode($6, 'hex'), confirmations = $7, "
    "last_error = nullif($8, ''), updated_at = now(), "
    "submitted_at = CASE WHEN $2 = 'pending' THEN submitted_at "
    "ELSE coalesce(submitted_at, now()) END, "
    "mined_at = CASE WHEN $2 IN ('mined', 'confirmed') THEN coalesce(mined_at, now()) END, "
    "confirmed_at = CASE WHEN $2 = 'confirmed' THEN coalesce(confirmed_at, now()) END "
    "WHERE id = $1 AND status <> 'confirmed' AND " LOCKED " RETURNING id, "
    "CASE WHEN $2 IN ('submitted', 'confirmed') " /* the event feed's (db/events.h) */
    "THEN pg_notify('" DB_EVENTS_CHANNEL "', 'a' || id) END), "
    "t AS (UPDATE anchor_attempts t SET sent = s.sent, sent_block = s.sent_block "
    "FROM unnest($9::int[], $10::bool[], $11::bigint[]) AS s(attempt, sent, sent_block) "
    "WHERE t.anchor_id IN (SELECT id FROM a) AND t.attempt = s.attempt RETURNING 1) "
    "SELECT (SELECT count(*) FROM a)",
    11};

/* The attempts' numbers, sent marks and sent blocks as PostgreSQL array literals. */
static void attempt_arrays(const struct anchor *a, struct buf *nums, struct buf *sent,
                           struct buf *blocks)
{
    buf_putc(nums, '{'), buf_putc(sent, '{'), buf_putc(blocks, '{');
    for (size_t i = 0; i < a->n_attempts; i++) {
        const struct anchor_attempt *at = &a->attempts[i];
        const char *sep = i ? "," : "";
        buf_printf(nums, "%s%d", sep, at->number);
        buf_printf(sent, "%s%s", sep, at->sent ? "t" : "f");
        if (at->sent)
            buf_printf(blocks, "%s%" PRIu64, sep, at->sent_block);
        else
            buf_printf(blocks, "%sNULL", sep);
    }
    buf_putc(nums, '}'), buf_putc(sent, '}'), buf_putc(blocks, '}');
}

enum db_status db_anchor_save(struct db_conn *conn, const struct anchor *a)
{
    bool mined = a->status == ANCHOR_MINED || a->status == ANCHOR_CONFIRMED;
    char id[24], nonce[24], bn[24], conf[24], tx[65], bh[65];
    snprintf(id, sizeof id, "%" PRId64, a->id);
    snprintf(nonce, sizeof nonce, "%" PRIu64, a->nonce);
    snprintf(bn, sizeof bn, "%" PRIu64, a->block_number);
    snprintf(conf, sizeof conf, "%" PRIu64, a->confirmations);
    hex_encode(a->tx_hash, 32, tx);
    hex_encode(a->block_hash, 32, bh);
    struct buf nums = BUF_INIT, sent = BUF_INIT, blocks = BUF_INIT;
    attempt_arrays(a, &nums, &sent, &blocks);
    PGresult *res = NULL;
    enum db_status st = DB_ERROR;
    if (!nums.oom && !sent.oom && !blocks.oom) {
        const char *values[] = {id,
                                anchor_status_name(a->status),
                                a->has_nonce ? nonce : NULL,
                                mined ? tx : NULL,
                                mined ? bn : NULL,
                                mined ? bh : NULL,
                                conf,
                                a->last_error,
                                nums.data,
                                sent.data,
                                blocks.data};
        st = db_exec(conn, &db_anchor_save_stmt, values, NULL, NULL, &res);
    }
    if (st == DB_OK && strcmp(PQgetvalue(res, 0, 0), "1") != 0)
        st = DB_ERROR; /* lost the lock */
    PQclear(res);
    buf_free(&nums);
    buf_free(&sent);
    buf_free(&blocks);
    return st;
}

bool db_anchor_row_read(const PGresult *res, int row, int base, struct anchor_row *out)
{
    memset(out, 0, sizeof *out);
    if (PQgetisnull(res, row, base + ANCHOR_COL_ID))
        return false;
#define COL(c) (base + ANCHOR_COL_##c)
#define HAS(c) (!PQgetisnull(res, row, COL(c)))
    *out = (struct anchor_row){
        .id = db_i64(res, row, COL(ID)),
        .chain_id = db_u64(res, row, COL(CHAIN_ID)),
        .sender_hex = PQgetvalue(res, row, COL(SENDER)),
        .recipient_hex = PQgetvalue(res, row, COL(RECIPIENT)),
        .tree_size = db_u64(res, row, COL(TREE_SIZE)),
        .root_hex = PQgetvalue(res, row, COL(ROOT)),
        .calldata_hex = PQgetvalue(res, row, COL(CALLDATA)),
        .status = PQgetvalue(res, row, COL(STATUS)),
        .has_nonce = HAS(NONCE),
        .nonce = db_u64(res, row, COL(NONCE)),
        .attempts = db_u64(res, row, COL(ATTEMPTS)),
        .tx_hash_hex = db_str(res, row, COL(TX_HASH)),
        .has_block = HAS(BLOCK_NUMBER),
        .block_number = db_u64(res, row, COL(BLOCK_NUMBER)),
        .block_hash_hex = db_str(res, row, COL(BLOCK_HASH)),
        .has_confirmations = HAS(CONFIRMATIONS),
        .confirmations = db_u64(res, row, COL(CONFIRMATIONS)),
        .last_error = db_str(res, row, COL(LAST_ERROR)),
        .created_us = db_i64(res, row, COL(CREATED_US)),
        .updated_us = db_i64(res, row, COL(UPDATED_US)),
        .has_submitted = HAS(SUBMITTED_US),
        .has_mined = HAS(MINED_US),
        .has_confirmed = HAS(CONFIRMED_US),
        .submitted_us = db_i64(res, row, COL(SUBMITTED_US)),
        .mined_us = db_i64(res, row, COL(MINED_US)),
        .confirmed_us = db_i64(res, row, COL(CONFIRMED_US)),
    };
#undef HAS
#undef COL
    return true;
}

static void read_anchor(const PGresult *res, int r, void *out, const void *arg)
{
    (void)arg;
    (void)db_anchor_row_read(res, r, 0, out); /* id is never NULL here */
}

/* Runs an anchor query and turns its rows into out. */
static enum db_status exec_anchor_rows(struct db_conn *conn, const struct db_stmt *stmt,
                                       const char *const *values, struct anchor_rows *out)
{
    PGresult *res = NULL;
    memset(out, 0, sizeof *out);
    enum db_status st = db_exec(conn, stmt, values, NULL, NULL, &res);
    if (st != DB_OK)
        return st;
    out->v = db_rows(res, sizeof *out->v, read_anchor, NULL, &out->n, &out->owner);
    return out->v ? DB_OK : DB_ERROR;
}

static const struct db_stmt db_anchor_list_stmt = {
    "db_anchor_list",
    "SELECT " DB_ANCHOR_COLUMNS " FROM anchors a WHERE a.id < coalesce($1, 9223372036854775807) "
    "ORDER BY a.id DESC LIMIT $2",
    2};

enum db_status db_anchor_list(struct db_conn *conn, int64_t before, unsigned limit,
                              struct anchor_rows *out)
{
    char b[24], l[16];
    snprintf(b, sizeof b, "%" PRId64, before);
    snprintf(l, sizeof l, "%u", limit);
    const char *values[] = {before ? b : NULL, l};
    return exec_anchor_rows(conn, &db_anchor_list_stmt, values, out);
}

static const struct db_stmt db_anchor_get_stmt = {
    "db_anchor_get", "SELECT " DB_ANCHOR_COLUMNS " FROM anchors a WHERE a.id = $1", 1};

enum db_status db_anchor_get(struct db_conn *conn, int64_t id, struct anchor_rows *out)
{
    char s[24];
    snprintf(s, sizeof s, "%" PRId64, id);
    const char *values[] = {s};
    return exec_anchor_rows(conn, &db_anchor_get_stmt, values, out);
}
