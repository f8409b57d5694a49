/*
 * SQLite queries of special rates (特殊费率申请): the applications, their
 * approval numbers and their state moves. Numbers are "SR" + the day the
 * caller names + a serial from the one-row-per-day counter
 * special_rate_serial, bumped by an upsert inside the inserting
 * transaction (writers hold SQLite's single write lock, so a serial is never
 * drawn twice, and a rolled-back application rolls its bump back). A state
 * move is a compare-and-set on the state the caller read, so two deciders
 * cannot both succeed. Scoping is the byte range on the customer's node
 * path, as in sqlite_orders.c. The list is one statement with optional
 * filters: the table holds applications, not shipments, and stays small.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "store/sqlite/sqlite_int.h"
#include "util/log.h"
#include "util/timeutil.h"

#define C(db) ((struct pd__sq_conn *)(db))

static const char *const sr_states[] = {[PD_SR_PENDING] = "pending",
                                        [PD_SR_APPROVED] = "approved",
                                        [PD_SR_REJECTED] = "rejected",
                                        [PD_SR_REVOKED] = "revoked"};

static bool sr_state_ok(int state)
{
    return state >= PD_SR_PENDING && state <= PD_SR_REVOKED;
}

static bool sr_state_parse(const char *s, int *out)
{
    for (int i = PD_SR_PENDING; i <= PD_SR_REVOKED; i++)
        if (strcmp(s, sr_states[i]) == 0) {
            *out = i;
            return true;
        }
    return false;
}

static bool day_ok(const char *day)
{
    if (!day || strlen(day) != 8)
        return false;
    for (int i = 0; i < 8; i++)
        if (day[i] < '0' || day[i] > '9')
            return false;
    return true;
}

/* Optional references are NULL in the database and 0 in the struct. */
static void bind_ref(sqlite3_stmt *s, int i, int64_t id)
{
    if (id > 0)
        sqlite3_bind_int64(s, i, id);
    else
        sqlite3_bind_null(s, i);
}

#define SR_COLS                                                                                    \
    "s.id, s.approval_no, s.state, s.customer_id, c.code, c.node_id, n.path, n.code, s.service,"   \
    " s.zone, s.first_weight_g, s.additional_step_g, s.first_fee_fen, s.additional_fee_fen,"       \
    " s.valid_from_ms, s.valid_to_ms, s.reason, COALESCE(s.applied_by, 0),"                        \
    " COALESCE(ua.username, ''), s.applied_ms, COALESCE(s.decided_by, 0),"                         \
    " COALESCE(ud.username, ''), s.decided_ms, s.decision_note, COALESCE(s.revoked_by, 0),"        \
    " COALESCE(ur.username, ''), s.revoked_ms, s.revoke_note"
#define SR_FROM                                                                                    \
    " FROM special_rates s JOIN customers c ON c.id = s.customer_id"                               \
    " JOIN nodes n ON n.id = c.node_id LEFT JOIN users ua ON ua.id = s.applied_by"                 \
    " LEFT JOIN users ud ON ud.id = s.decided_by LEFT JOIN users ur ON ur.id = s.revoked_by"

static pd_qs sr_row(struct pd__sq_conn *c, sqlite3_stmt *s, struct pd_special_rate_rec *r)
{
    char state[16];
    memset(r, 0, sizeof *r);
    r->id = sqlite3_column_int64(s, 0);
    pd__sq_col(s, 1, r->approval_no, sizeof r->approval_no);
    pd__sq_col(s, 2, state, sizeof state);
    r->customer_id = sqlite3_column_int64(s, 3);
    pd__sq_col(s, 4, r->customer_code, sizeof r->customer_code);
    r->node_id = sqlite3_column_int64(s, 5);
    pd__sq_col(s, 6, r->node_path, sizeof r->node_path);
    pd__sq_col(s, 7, r->node_code, sizeof r->node_code);
    pd__sq_col(s, 8, r->service, sizeof r->service);
    pd__sq_col(s, 9, r->zone, sizeof r->zone);
    r->first_weight_g = sqlite3_column_int(s, 10);
    r->additional_step_g = sqlite3_column_int(s, 11);
    r->first_fee_fen = sqlite3_column_int64(s, 12);
    r->additional_fee_fen = sqlite3_column_int64(s, 13);
    r->valid_from_ms = sqlite3_column_int64(s, 14);
    r->valid_to_ms = sqlite3_column_int64(s, 15);
    pd__sq_col(s, 16, r->reason, sizeof r->reason);
    r->applied_by = sqlite3_column_int64(s, 17);
    pd__sq_col(s, 18, r->applied_by_name, sizeof r->applied_by_name);
    r->applied_ms = sqlite3_column_int64(s, 19);
    r->decided_by = sqlite3_column_int64(s, 20);
    pd__sq_col(s, 21, r->decided_by_name, sizeof r->decided_by_name);
    r->decided_ms = sqlite3_column_int64(s, 22);
    pd__sq_col(s, 23, r->decision_note, sizeof r->decision_note);
    r->revoked_by = sqlite3_column_int64(s, 24);
    pd__sq_col(s, 25, r->revoked_by_name, sizeof r->revoked_by_name);
    r->revoked_ms = sqlite3_column_int64(s, 26);
    pd__sq_col(s, 27, r->revoke_note, sizeof r->revoke_note);
    if (sr_state_parse(state, &r->state))
        return PD_QS_ONE;
    snprintf(c->err, sizeof c->err, "special rate %lld has unknown state '%.32s'", (long long)r->id,
             state);
    pd_error("sqlite: %s", c->err);
    return PD_QS_HARD;
}

/* Bump the day's counter and return its new value in *serial. */
static pd_qs next_serial(struct pd__sq_conn *c, const char *day, int64_t *serial)
{
    sqlite3_stmt *s =
        pd__sq_prep(c, PD_SQ_SR_SERIAL,
                    "INSERT INTO special_rate_serial (day, last_serial) VALUES (?1, 1)"
                    " ON CONFLICT (day) DO UPDATE SET last_serial = last_serial + 1"
                    " RETURNING last_serial");
    if (!s)
        return PD_QS_HARD;
    pd__sq_text(s, 1, day);
    int rc = sqlite3_step(s);
    pd_qs qs = rc == SQLITE_ROW ? PD_QS_ONE : pd__sq_fail(c, rc, "special_rate serial");
    if (qs == PD_QS_ONE)
        *serial = sqlite3_column_int64(s, 0);
    pd__sq_done(s);
    return qs;
}

pd_qs pd__sq_special_rate_insert(pd_db *db, struct pd_special_rate_rec *r, const char *day)
{
    struct pd__sq_conn *c = C(db);
    if (PD_BREAK(day_ok(day)) || PD_BREAK(sr_state_ok(r->state)))
        return PD_QS_HARD;
    int64_t serial = 0;
    pd_qs qs = next_serial(c, day, &serial);
    if (qs < 0)
        return qs;
    char no[PD_SR_NO_SIZE];
    snprintf(no, sizeof no, "SR%s%04lld", day, (long long)serial);
    sqlite3_stmt *s = pd__sq_prep(
        c, PD_SQ_SR_INSERT,
        "INSERT INTO special_rates (approval_no, state, customer_id, service, zone,"
        " first_weight_g, additional_step_g, first_fee_fen, additional_fee_fen, valid_from_ms,"
        " valid_to_ms, reason, applied_by, applied_ms)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14) RETURNING id");
    if (!s)
        return PD_QS_HARD;
    int64_t now = pd_now_ms();
    pd__sq_text(s, 1, no);
    pd__sq_text(s, 2, sr_states[r->state]);
    pd__sq_i64(s, 3, r->customer_id);
    pd__sq_text(s, 4, r->service);
    pd__sq_text(s, 5, r->zone);
    sqlite3_bind_int(s, 6, r->first_weight_g);
    sqlite3_bind_int(s, 7, r->additional_step_g);
    pd__sq_i64(s, 8, r->first_fee_fen);
    pd__sq_i64(s, 9, r->additional_fee_fen);
    pd__sq_i64(s, 10, r->valid_from_ms);
    pd__sq_i64(s, 11, r->valid_to_ms);
    pd__sq_text(s, 12, r->reason);
    bind_ref(s, 13, r->applied_by);
    pd__sq_i64(s, 14, now);
    int rc = sqlite3_step(s);
    qs = rc == SQLITE_ROW ? PD_QS_ONE : pd__sq_fail(c, rc, "special_rate_insert");
    if (qs == PD_QS_ONE) {
        r->id = sqlite3_column_int64(s, 0);
        memcpy(r->approval_no, no, sizeof no);
        r->applied_ms = now;
    }
    pd__sq_done(s);
    return qs;
}

pd_qs pd__sq_special_rate_get(pd_db *db, const char *no, struct pd_special_rate_rec *out)
{
    struct pd__sq_conn *c = C(db);
    sqlite3_stmt *s =
        pd__sq_prep(c, PD_SQ_SR_GET, "SELECT " SR_COLS SR_FROM " WHERE s.approval_no = ?1");
    if (!s)
        return PD_QS_HARD;
    pd__sq_text(s, 1, no);
    int rc = sqlite3_step(s);
    pd_qs qs = rc == SQLITE_ROW    ? sr_row(c, s, out)
               : rc == SQLITE_DONE ? PD_QS_NONE
                                   : pd__sq_fail(c, rc, "special_rate_get");
    pd__sq_done(s);
    return qs;
}

pd_qs pd__sq_special_rate_list(pd_db *db, const struct pd_special_rate_filter *f,
                               pd_special_rate_cb cb, void *cls)
{
    struct pd__sq_conn *c = C(db);
    char lo[PD_PATH_MAX], hi[PD_PATH_MAX];
    if (PD_BREAK(f->node_path && f->node_path[0] == '/') ||
        PD_BREAK(pd__path_range(f->node_path, lo, hi)) ||
        PD_BREAK(f->state < 0 || sr_state_ok(f->state)))
        return PD_QS_HARD;
    sqlite3_stmt *s = pd__sq_prep(c, PD_SQ_SR_LIST,
                                  "SELECT " SR_COLS SR_FROM " WHERE n.path >= ?1 AND n.path < ?2"
                                  " AND (?3 IS NULL OR s.state = ?3)"
                                  " AND (?4 IS NULL OR s.customer_id = ?4) AND s.id < ?5"
                                  " ORDER BY s.id DESC LIMIT ?6");
    if (!s)
        return PD_QS_HARD;
    pd__sq_text(s, 1, lo);
    pd__sq_text(s, 2, hi);
    pd__sq_text(s, 3, f->state >= 0 ? sr_states[f->state] : NULL);
    bind_ref(s, 4, f->customer_id);
    pd__sq_i64(s, 5, f->before_id > 0 ? f->before_id : INT64_MAX);
    sqlite3_bind_int(s, 6, pd__list_limit(f->limit));
    pd_qs qs = PD_QS_NONE;
    int rc, count = 0;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        struct pd_special_rate_rec r;
        qs = sr_row(c, s, &r);
        if (qs >= 0) {
            int cr = cb(cls, &r);
            qs = cr < 0 ? (pd_qs)cr : PD_QS_NONE;
        }
        if (qs < 0)
            break;
        count++;
    }
    if (qs >= 0)
        qs = rc == SQLITE_DONE ? (pd_qs)count : pd__sq_fail(c, rc, "special_rate_list");
    pd__sq_done(s);
    return qs;
}

pd_qs pd__sq_special_rate_set_state(pd_db *db, int64_t id, int from, int to, int64_t by,
                                    int64_t at_ms, const char *note)
{
    struct pd__sq_conn *c = C(db);
    if (PD_BREAK(sr_state_ok(from)) || PD_BREAK(sr_state_ok(to) && to != PD_SR_PENDING))
        return PD_QS_HARD;
    /* A revocation keeps the decision it undoes, so it has columns of its own. */
    bool revoke = to == PD_SR_REVOKED;
    sqlite3_stmt *s =
        revoke ? pd__sq_prep(c, PD_SQ_SR_REVOKE,
                             "UPDATE special_rates SET state = ?3, revoked_by = ?4,"
                             " revoked_ms = ?5, revoke_note = ?6 WHERE id = ?1 AND state = ?2")
               : pd__sq_prep(c, PD_SQ_SR_DECIDE,
                             "UPDATE special_rates SET state = ?3, decided_by = ?4,"
                             " decided_ms = ?5, decision_note = ?6 WHERE id = ?1 AND state = ?2");
    if (!s)
        return PD_QS_HARD;
    pd__sq_i64(s, 1, id);
    pd__sq_text(s, 2, sr_states[from]);
    pd__sq_text(s, 3, sr_states[to]);
    bind_ref(s, 4, by);
    pd__sq_i64(s, 5, at_ms);
    pd__sq_text(s, 6, note ? note : "");
    return pd__sq_exec(c, s, revoke ? "special_rate_revoke" : "special_rate_decide");
}
