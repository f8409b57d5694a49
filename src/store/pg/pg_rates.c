/*
 * PostgreSQL queries of special rates (特殊费率申请): the applications,
 * their approval numbers and their state moves. Numbers are "SR" + the day
 * the caller names + a serial from the one-row-per-day counter
 * special_rate_serial, bumped by INSERT … ON CONFLICT DO UPDATE inside the
 * inserting transaction: under READ COMMITTED a concurrent applicant waits
 * on the day's row lock and then bumps the committed value, so a serial is
 * never handed out twice. A state move is a compare-and-set on the state
 * the caller read, so two deciders cannot both succeed. Scoping is the byte
 * range on the customer's node path (COLLATE "C"), as in pg_orders.c. The
 * list is one statement with optional filters: the table holds
 * applications, not shipments, and stays small.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "store/pg/pg_int.h"
#include "util/log.h"
#include "util/timeutil.h"

#define C(db) ((struct pd__pg_conn *)(db))

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
static void p_ref(struct pd__pg_params *p, int64_t id)
{
    if (id > 0)
        pd__pg_p_i64(p, id);
    else
        pd__pg_p_text(p, NULL);
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

static pd_qs sr_row(struct pd__pg_conn *c, const PGresult *r, int i, struct pd_special_rate_rec *o)
{
    memset(o, 0, sizeof *o);
    o->id = pd__pg_i64(r, i, 0);
    pd__pg_col(r, i, 1, o->approval_no, sizeof o->approval_no);
    const char *state = PQgetvalue(r, i, 2);
    o->customer_id = pd__pg_i64(r, i, 3);
    pd__pg_col(r, i, 4, o->customer_code, sizeof o->customer_code);
    o->node_id = pd__pg_i64(r, i, 5);
    pd__pg_col(r, i, 6, o->node_path, sizeof o->node_path);
    pd__pg_col(r, i, 7, o->node_code, sizeof o->node_code);
    pd__pg_col(r, i, 8, o->service, sizeof o->service);
    pd__pg_col(r, i, 9, o->zone, sizeof o->zone);
    o->first_weight_g = (int32_t)pd__pg_i64(r, i, 10);
    o->additional_step_g = (int32_t)pd__pg_i64(r, i, 11);
    o->first_fee_fen = pd__pg_i64(r, i, 12);
    o->additional_fee_fen = pd__pg_i64(r, i, 13);
    o->valid_from_ms = pd__pg_i64(r, i, 14);
    o->valid_to_ms = pd__pg_i64(r, i, 15);
    pd__pg_col(r, i, 16, o->reason, sizeof o->reason);
    o->applied_by = pd__pg_i64(r, i, 17);
    pd__pg_col(r, i, 18, o->applied_by_name, sizeof o->applied_by_name);
    o->applied_ms = pd__pg_i64(r, i, 19);
    o->decided_by = pd__pg_i64(r, i, 20);
    pd__pg_col(r, i, 21, o->decided_by_name, sizeof o->decided_by_name);
    o->decided_ms = pd__pg_i64(r, i, 22);
    pd__pg_col(r, i, 23, o->decision_note, sizeof o->decision_note);
    o->revoked_by = pd__pg_i64(r, i, 24);
    pd__pg_col(r, i, 25, o->revoked_by_name, sizeof o->revoked_by_name);
    o->revoked_ms = pd__pg_i64(r, i, 26);
    pd__pg_col(r, i, 27, o->revoke_note, sizeof o->revoke_note);
    if (sr_state_parse(state, &o->state))
        return PD_QS_ONE;
    snprintf(c->err, sizeof c->err, "special rate %lld has unknown state '%.32s'", (long long)o->id,
             state);
    pd_error("postgresql: %s", c->err);
    return PD_QS_HARD;
}

pd_qs pd__pg_special_rate_insert(pd_db *db, struct pd_special_rate_rec *r, const char *day)
{
    struct pd__pg_conn *c = C(db);
    if (PD_BREAK(day_ok(day)) || PD_BREAK(sr_state_ok(r->state)))
        return PD_QS_HARD;
    struct pd__pg_params p = {0};
    pd__pg_p_text(&p, day);
    pd_qs qs;
    PGresult *res = pd__pg_run(c, PD_PG_SR_SERIAL,
                               "INSERT INTO special_rate_serial (day, last_serial)"
                               " VALUES ($1::text, 1) ON CONFLICT (day) DO UPDATE"
                               " SET last_serial = special_rate_serial.last_serial + 1"
                               " RETURNING last_serial",
                               &p, &qs);
    if (!res)
        return qs;
    int64_t serial = pd__pg_i64(res, 0, 0);
    PQclear(res);
    char no[PD_SR_NO_SIZE];
    snprintf(no, sizeof no, "SR%s%04lld", day, (long long)serial);
    int64_t now = pd_now_ms();
    struct pd__pg_params q = {0};
    pd__pg_p_text(&q, no);
    pd__pg_p_text(&q, sr_states[r->state]);
    pd__pg_p_i64(&q, r->customer_id);
    pd__pg_p_text(&q, r->service);
    pd__pg_p_text(&q, r->zone);
    pd__pg_p_i64(&q, r->first_weight_g);
    pd__pg_p_i64(&q, r->additional_step_g);
    pd__pg_p_i64(&q, r->first_fee_fen);
    pd__pg_p_i64(&q, r->additional_fee_fen);
    pd__pg_p_i64(&q, r->valid_from_ms);
    pd__pg_p_i64(&q, r->valid_to_ms);
    pd__pg_p_text(&q, r->reason);
    p_ref(&q, r->applied_by);
    pd__pg_p_i64(&q, now);
    res = pd__pg_run(
        c, PD_PG_SR_INSERT,
        "INSERT INTO special_rates (approval_no, state, customer_id, service, zone,"
        " first_weight_g, additional_step_g, first_fee_fen, additional_fee_fen, valid_from_ms,"
        " valid_to_ms, reason, applied_by, applied_ms)"
        " VALUES ($1::text, $2::text, $3::bigint, $4::text, $5::text, $6::integer, $7::integer,"
        " $8::bigint, $9::bigint, $10::bigint, $11::bigint, $12::text, $13::bigint, $14::bigint)"
        " RETURNING id",
        &q, &qs);
    if (!res)
        return qs;
    r->id = pd__pg_i64(res, 0, 0);
    PQclear(res);
    memcpy(r->approval_no, no, sizeof no);
    r->applied_ms = now;
    return PD_QS_ONE;
}

pd_qs pd__pg_special_rate_get(pd_db *db, const char *no, struct pd_special_rate_rec *out)
{
    struct pd__pg_conn *c = C(db);
    struct pd__pg_params p = {0};
    pd__pg_p_text(&p, no);
    pd_qs qs;
    PGresult *r = pd__pg_run(c, PD_PG_SR_GET,
                             "SELECT " SR_COLS SR_FROM " WHERE s.approval_no = $1::text", &p, &qs);
    if (!r)
        return qs;
    qs = PQntuples(r) > 0 ? sr_row(c, r, 0, out) : PD_QS_NONE;
    PQclear(r);
    return qs;
}

pd_qs pd__pg_special_rate_list(pd_db *db, const struct pd_special_rate_filter *f,
                               pd_special_rate_cb cb, void *cls)
{
    struct pd__pg_conn *c = C(db);
    char lo[PD_PATH_MAX], hi[PD_PATH_MAX];
    if (PD_BREAK(f->node_path && f->node_path[0] == '/') ||
        PD_BREAK(pd__path_range(f->node_path, lo, hi)) ||
        PD_BREAK(f->state < 0 || sr_state_ok(f->state)))
        return PD_QS_HARD;
    struct pd__pg_params p = {0};
    pd__pg_p_text(&p, lo);
    pd__pg_p_text(&p, hi);
    pd__pg_p_text(&p, f->state >= 0 ? sr_states[f->state] : NULL);
    p_ref(&p, f->customer_id);
    pd__pg_p_i64(&p, f->before_id > 0 ? f->before_id : INT64_MAX);
    pd__pg_p_i64(&p, pd__list_limit(f->limit));
    pd_qs qs;
    PGresult *r =
        pd__pg_run(c, PD_PG_SR_LIST,
                   "SELECT " SR_COLS SR_FROM " WHERE n.path >= $1::text AND n.path < $2::text"
                   " AND ($3::text IS NULL OR s.state = $3::text)"
                   " AND ($4::bigint IS NULL OR s.customer_id = $4::bigint)"
                   " AND s.id < $5::bigint ORDER BY s.id DESC LIMIT $6::integer",
                   &p, &qs);
    if (!r)
        return qs;
    int rows = PQntuples(r);
    for (int i = 0; i < rows && qs >= 0; i++) {
        struct pd_special_rate_rec rec;
        pd_qs rq = sr_row(c, r, i, &rec);
        if (rq < 0) {
            qs = rq;
            break;
        }
        int cr = cb(cls, &rec);
        if (cr < 0)
            qs = (pd_qs)cr;
    }
    PQclear(r);
    return qs;
}

pd_qs pd__pg_special_rate_set_state(pd_db *db, int64_t id, int from, int to, int64_t by,
                                    int64_t at_ms, const char *note)
{
    if (PD_BREAK(sr_state_ok(from)) || PD_BREAK(sr_state_ok(to) && to != PD_SR_PENDING))
        return PD_QS_HARD;
    struct pd__pg_params p = {0};
    pd__pg_p_i64(&p, id);
    pd__pg_p_text(&p, sr_states[from]);
    pd__pg_p_text(&p, sr_states[to]);
    p_ref(&p, by);
    pd__pg_p_i64(&p, at_ms);
    pd__pg_p_text(&p, note ? note : "");
    /* A revocation keeps the decision it undoes, so it has columns of its own. */
    if (to == PD_SR_REVOKED)
        return pd__pg_cmd(C(db), PD_PG_SR_REVOKE,
                          "UPDATE special_rates SET state = $3::text, revoked_by = $4::bigint,"
                          " revoked_ms = $5::bigint, revoke_note = $6::text"
                          " WHERE id = $1::bigint AND state = $2::text",
                          &p);
    return pd__pg_cmd(C(db), PD_PG_SR_DECIDE,
                      "UPDATE special_rates SET state = $3::text, decided_by = $4::bigint,"
                      " decided_ms = $5::bigint, decision_note = $6::text"
                      " WHERE id = $1::bigint AND state = $2::text",
                      &p);
}
