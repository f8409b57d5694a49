/*
 * PostgreSQL queries of the service desk (migrations/pg/012_tickets.sql),
 * as in sqlite_tickets.c: tickets and their numbers, history, waiting
 * periods, clocks, escalations, corrective actions and the statistics'
 * aggregates. Ticket numbers come from the per-day counter ticket_serial,
 * bumped with INSERT … ON CONFLICT DO UPDATE inside the inserting
 * transaction: a concurrent insert waits on the day's row lock and then
 * bumps the committed value, so no number is handed out twice. The "once"
 * rules (a clock per ticket and rule, an escalation per clock and level, an
 * open waiting period per ticket) are unique indexes named as conflict
 * targets, so two servers running the clock job at once write each row
 * once. ticket_get FOR UPDATE locks the ticket's row, which serialises the
 * handlers that change one ticket. Scoping is the byte range on the node
 * path (COLLATE "C").
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "store/pg/pg_int.h"
#include "util/log.h"

#define C(db) ((struct pd__pg_conn *)(db))

/* Optional references are NULL in the database and 0 in the struct. */
static void p_ref(struct pd__pg_params *p, int64_t id)
{
    if (id > 0)
        pd__pg_p_i64(p, id);
    else
        pd__pg_p_text(p, NULL);
}

/* An optional time filter: 0 is NULL ("no filter"). */
static void p_opt_i64(struct pd__pg_params *p, int64_t v)
{
    if (v > 0)
        pd__pg_p_i64(p, v);
    else
        pd__pg_p_text(p, NULL);
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

/* Hand each row of @p res to @p row (which calls the callback); clears res. */
static pd_qs each_row(PGresult *res, int (*row)(const PGresult *r, int i, void *cb, void *cls),
                      void *cb, void *cls)
{
    int rows = PQntuples(res);
    pd_qs qs = (pd_qs)rows;
    for (int i = 0; i < rows; i++) {
        int r = row(res, i, cb, cls);
        if (r < 0) {
            qs = (pd_qs)r;
            break;
        }
    }
    PQclear(res);
    return qs;
}

/* Read the first row of @p res (if any) with @p row; clears res. */
static pd_qs one_row(PGresult *res, void (*row)(const PGresult *r, int i, void *out), void *out)
{
    pd_qs qs = PQntuples(res) > 0 ? PD_QS_ONE : PD_QS_NONE;
    if (qs == PD_QS_ONE)
        row(res, 0, out);
    PQclear(res);
    return qs;
}

/* Rows changed by a command, as ONE or NONE. */
static pd_qs changed(pd_qs qs)
{
    return qs < 0 ? qs : qs > 0 ? PD_QS_ONE : PD_QS_NONE;
}

/* ---- tickets ------------------------------------------------------------------- */

#define TK_COLS                                                                                    \
    "t.id, t.ticket_no, t.kind, t.channel, t.category, t.priority, t.status, t.node_id, n.code,"   \
    " n.path, n.name, n.region, n.utc_offset_min, t.waybill_no, COALESCE(t.customer_id, 0),"       \
    " COALESCE(cu.code, ''), t.contact_name, t.contact_phone, t.phone_last4, t.subject,"           \
    " t.description, t.department, COALESCE(t.responsible_id, 0), COALESCE(ur.username, ''),"      \
    " COALESCE(ur.display_name, ''), COALESCE(t.owner_id, 0), COALESCE(uo.username, ''),"          \
    " COALESCE(t.parent_id, 0), COALESCE(tp.ticket_no, ''), t.major, t.investigated,"              \
    " t.incident_ms, t.satisfaction, t.satisfaction_comment, t.satisfaction_ms, t.close_reason,"   \
    " t.resolved_ms, t.closed_ms, COALESCE(t.closed_by, 0), t.reopened, t.created_ms,"             \
    " COALESCE(t.created_by, 0), t.updated_ms"
#define TK_FROM                                                                                    \
    " FROM tickets t JOIN nodes n ON n.id = t.node_id"                                             \
    " LEFT JOIN customers cu ON cu.id = t.customer_id"                                             \
    " LEFT JOIN users ur ON ur.id = t.responsible_id LEFT JOIN users uo ON uo.id = t.owner_id"     \
    " LEFT JOIN tickets tp ON tp.id = t.parent_id"

static void ticket_row(const PGresult *r, int i, void *out)
{
    struct pd_ticket *t = out;
    memset(t, 0, sizeof *t);
    t->id = pd__pg_i64(r, i, 0);
    pd__pg_col(r, i, 1, t->ticket_no, sizeof t->ticket_no);
    pd__pg_col(r, i, 2, t->kind, sizeof t->kind);
    pd__pg_col(r, i, 3, t->channel, sizeof t->channel);
    pd__pg_col(r, i, 4, t->category, sizeof t->category);
    pd__pg_col(r, i, 5, t->priority, sizeof t->priority);
    pd__pg_col(r, i, 6, t->status, sizeof t->status);
    t->node_id = pd__pg_i64(r, i, 7);
    pd__pg_col(r, i, 8, t->node_code, sizeof t->node_code);
    pd__pg_col(r, i, 9, t->node_path, sizeof t->node_path);
    pd__pg_col(r, i, 10, t->node_name, sizeof t->node_name);
    pd__pg_col(r, i, 11, t->node_region, sizeof t->node_region);
    t->node_utc_offset_min = (int)pd__pg_i64(r, i, 12);
    pd__pg_col(r, i, 13, t->waybill_no, sizeof t->waybill_no);
    t->customer_id = pd__pg_i64(r, i, 14);
    pd__pg_col(r, i, 15, t->customer_code, sizeof t->customer_code);
    pd__pg_col(r, i, 16, t->contact_name, sizeof t->contact_name);
    pd__pg_col(r, i, 17, t->contact_phone, sizeof t->contact_phone);
    pd__pg_col(r, i, 18, t->phone_last4, sizeof t->phone_last4);
    pd__pg_col(r, i, 19, t->subject, sizeof t->subject);
    pd__pg_col(r, i, 20, t->description, sizeof t->description);
    pd__pg_col(r, i, 21, t->department, sizeof t->department);
    t->responsible_id = pd__pg_i64(r, i, 22);
    pd__pg_col(r, i, 23, t->responsible_name, sizeof t->responsible_name);
    pd__pg_col(r, i, 24, t->responsible_display, sizeof t->responsible_display);
    t->owner_id = pd__pg_i64(r, i, 25);
    pd__pg_col(r, i, 26, t->owner_name, sizeof t->owner_name);
    t->parent_id = pd__pg_i64(r, i, 27);
    pd__pg_col(r, i, 28, t->parent_no, sizeof t->parent_no);
    t->major = pd__pg_bool(r, i, 29);
    t->investigated = pd__pg_bool(r, i, 30);
    t->incident_ms = pd__pg_i64(r, i, 31);
    t->satisfaction = (int)pd__pg_i64(r, i, 32);
    pd__pg_col(r, i, 33, t->satisfaction_comment, sizeof t->satisfaction_comment);
    t->satisfaction_ms = pd__pg_i64(r, i, 34);
    pd__pg_col(r, i, 35, t->close_reason, sizeof t->close_reason);
    t->resolved_ms = pd__pg_i64(r, i, 36);
    t->closed_ms = pd__pg_i64(r, i, 37);
    t->closed_by = pd__pg_i64(r, i, 38);
    t->reopened = (int)pd__pg_i64(r, i, 39);
    t->created_ms = pd__pg_i64(r, i, 40);
    t->created_by = pd__pg_i64(r, i, 41);
    t->updated_ms = pd__pg_i64(r, i, 42);
}

pd_qs pd__pg_ticket_insert(pd_db *db, struct pd_ticket *t, const char *day)
{
    struct pd__pg_conn *c = C(db);
    if (PD_BREAK(day_ok(day)) || PD_BREAK(t->node_id > 0 && t->kind[0] && t->status[0]))
        return PD_QS_HARD;
    struct pd__pg_params p = {0};
    pd__pg_p_text(&p, day);
    pd_qs qs;
    PGresult *res = pd__pg_run(c, PD_PG_TK_SERIAL,
                               "INSERT INTO ticket_serial (day, last_serial)"
                               " VALUES ($1::text, 1) ON CONFLICT (day) DO UPDATE"
                               " SET last_serial = ticket_serial.last_serial + 1"
                               " RETURNING last_serial",
                               &p, &qs);
    if (!res)
        return qs;
    int64_t serial = pd__pg_i64(res, 0, 0);
    PQclear(res);
    char no[PD_TICKET_NO_SIZE];
    snprintf(no, sizeof no, "TS%.8s%04lld", day, (long long)serial);
    struct pd__pg_params q = {0};
    pd__pg_p_text(&q, no);
    pd__pg_p_text(&q, t->kind);
    pd__pg_p_text(&q, t->channel);
    pd__pg_p_text(&q, t->category);
    pd__pg_p_text(&q, t->priority);
    pd__pg_p_text(&q, t->status);
    pd__pg_p_i64(&q, t->node_id);
    pd__pg_p_text(&q, t->waybill_no);
    p_ref(&q, t->customer_id);
    pd__pg_p_text(&q, t->contact_name);
    pd__pg_p_text(&q, t->contact_phone);
    pd__pg_p_text(&q, t->phone_last4);
    pd__pg_p_text(&q, t->subject);
    pd__pg_p_text(&q, t->description);
    pd__pg_p_text(&q, t->department);
    p_ref(&q, t->responsible_id);
    p_ref(&q, t->owner_id);
    p_ref(&q, t->parent_id);
    pd__pg_p_bool(&q, t->major);
    pd__pg_p_bool(&q, t->investigated);
    pd__pg_p_i64(&q, t->incident_ms);
    pd__pg_p_i64(&q, t->satisfaction);
    pd__pg_p_text(&q, t->satisfaction_comment);
    pd__pg_p_i64(&q, t->satisfaction_ms);
    pd__pg_p_text(&q, t->close_reason);
    pd__pg_p_i64(&q, t->resolved_ms);
    pd__pg_p_i64(&q, t->closed_ms);
    p_ref(&q, t->closed_by);
    pd__pg_p_i64(&q, t->reopened);
    pd__pg_p_i64(&q, t->created_ms);
    p_ref(&q, t->created_by);
    pd__pg_p_i64(&q, t->updated_ms);
    res = pd__pg_run(
        c, PD_PG_TK_INSERT,
        "INSERT INTO tickets (ticket_no, kind, channel, category, priority, status, node_id,"
        " waybill_no, customer_id, contact_name, contact_phone, phone_last4, subject,"
        " description, department, responsible_id, owner_id, parent_id, major, investigated,"
        " incident_ms, satisfaction, satisfaction_comment, satisfaction_ms, close_reason,"
        " resolved_ms, closed_ms, closed_by, reopened, created_ms, created_by, updated_ms)"
        " VALUES ($1::text, $2::text, $3::text, $4::text, $5::text, $6::text, $7::bigint,"
        " $8::text, $9::bigint, $10::text, $11::text, $12::text, $13::text, $14::text,"
        " $15::text, $16::bigint, $17::bigint, $18::bigint, $19::boolean, $20::boolean,"
        " $21::bigint, $22::integer, $23::text, $24::bigint, $25::text, $26::bigint,"
        " $27::bigint, $28::bigint, $29::integer, $30::bigint, $31::bigint, $32::bigint)"
        " RETURNING id",
        &q, &qs);
    if (!res)
        return qs;
    t->id = pd__pg_i64(res, 0, 0);
    PQclear(res);
    memcpy(t->ticket_no, no, sizeof no);
    return PD_QS_ONE;
}

pd_qs pd__pg_ticket_get(pd_db *db, int64_t id, const char *no, bool for_update,
                        struct pd_ticket *out)
{
    struct pd__pg_conn *c = C(db);
    struct pd__pg_params p = {0};
    pd_qs qs;
    PGresult *res;
    if (id > 0) {
        pd__pg_p_i64(&p, id);
        res = for_update
                  ? pd__pg_run(c, PD_PG_TK_GET_LOCK,
                               "SELECT " TK_COLS TK_FROM " WHERE t.id = $1::bigint FOR UPDATE OF t",
                               &p, &qs)
                  : pd__pg_run(c, PD_PG_TK_GET,
                               "SELECT " TK_COLS TK_FROM " WHERE t.id = $1::bigint", &p, &qs);
    } else {
        pd__pg_p_text(&p, no ? no : "");
        res = for_update
                  ? pd__pg_run(c, PD_PG_TK_GET_NO_LOCK,
                               "SELECT " TK_COLS TK_FROM
                               " WHERE t.ticket_no = $1::text FOR UPDATE OF t",
                               &p, &qs)
                  : pd__pg_run(c, PD_PG_TK_GET_NO,
                               "SELECT " TK_COLS TK_FROM " WHERE t.ticket_no = $1::text", &p, &qs);
    }
    if (!res)
        return qs;
    return one_row(res, ticket_row, out);
}

static int ticket_cb_row(const PGresult *r, int i, void *cb, void *cls)
{
    struct pd_ticket t;
    ticket_row(r, i, &t);
    return ((pd_ticket_cb)cb)(cls, &t);
}

pd_qs pd__pg_ticket_list(pd_db *db, const struct pd_ticket_filter *f, pd_ticket_cb cb, void *cls)
{
    struct pd__pg_conn *c = C(db);
    char lo[PD_PATH_MAX], hi[PD_PATH_MAX];
    if (PD_BREAK(f->node_path && f->node_path[0] == '/') ||
        PD_BREAK(pd__path_range(f->node_path, lo, hi)))
        return PD_QS_HARD;
    struct pd__pg_params p = {0};
    pd__pg_p_text(&p, lo);
    pd__pg_p_text(&p, hi);
    pd__pg_p_opt(&p, f->status);
    pd__pg_p_bool(&p, f->open_only);
    pd__pg_p_opt(&p, f->kind);
    pd__pg_p_opt(&p, f->category);
    pd__pg_p_opt(&p, f->priority);
    pd__pg_p_opt(&p, f->waybill_no);
    p_ref(&p, f->customer_id);
    p_ref(&p, f->responsible_id);
    p_ref(&p, f->mine_id);
    p_ref(&p, f->parent_id);
    pd__pg_p_bool(&p, (f->clock_rule && f->clock_rule[0]) || f->clock_due_before_ms > 0);
    pd__pg_p_opt(&p, f->clock_rule);
    p_opt_i64(&p, f->clock_due_before_ms);
    pd__pg_p_i64(&p, f->before_id > 0 ? f->before_id : INT64_MAX);
    pd__pg_p_i64(&p, pd__list_limit(f->limit));
    pd_qs qs;
    PGresult *res =
        pd__pg_run(c, PD_PG_TK_LIST,
                   "SELECT " TK_COLS TK_FROM " WHERE n.path >= $1::text AND n.path < $2::text"
                   " AND ($3::text IS NULL OR t.status = $3::text)"
                   " AND (NOT $4::boolean OR t.status <> 'closed')"
                   " AND ($5::text IS NULL OR t.kind = $5::text)"
                   " AND ($6::text IS NULL OR t.category = $6::text)"
                   " AND ($7::text IS NULL OR t.priority = $7::text)"
                   " AND ($8::text IS NULL OR t.waybill_no = $8::text)"
                   " AND ($9::bigint IS NULL OR t.customer_id = $9::bigint)"
                   " AND ($10::bigint IS NULL OR t.responsible_id = $10::bigint)"
                   " AND ($11::bigint IS NULL OR t.responsible_id = $11::bigint"
                   " OR t.owner_id = $11::bigint)"
                   " AND ($12::bigint IS NULL OR t.parent_id = $12::bigint)"
                   " AND (NOT $13::boolean OR EXISTS (SELECT 1 FROM ticket_clocks k"
                   " WHERE k.ticket_id = t.id AND k.state = 'running' AND NOT k.held"
                   " AND ($14::text IS NULL OR k.rule = $14::text)"
                   " AND ($15::bigint IS NULL OR k.due_ms < $15::bigint)))"
                   " AND t.id < $16::bigint ORDER BY t.id DESC LIMIT $17::integer",
                   &p, &qs);
    if (!res)
        return qs;
    return each_row(res, ticket_cb_row, (void *)cb, cls);
}

pd_qs pd__pg_ticket_update(pd_db *db, const struct pd_ticket *t)
{
    struct pd__pg_conn *c = C(db);
    if (PD_BREAK(t->id > 0 && t->node_id > 0))
        return PD_QS_HARD;
    struct pd__pg_params p = {0};
    pd__pg_p_i64(&p, t->id);
    pd__pg_p_text(&p, t->category);
    pd__pg_p_text(&p, t->priority);
    pd__pg_p_text(&p, t->status);
    pd__pg_p_i64(&p, t->node_id);
    pd__pg_p_text(&p, t->waybill_no);
    p_ref(&p, t->customer_id);
    pd__pg_p_text(&p, t->contact_name);
    pd__pg_p_text(&p, t->contact_phone);
    pd__pg_p_text(&p, t->phone_last4);
    pd__pg_p_text(&p, t->subject);
    pd__pg_p_text(&p, t->description);
    pd__pg_p_text(&p, t->department);
    p_ref(&p, t->responsible_id);
    p_ref(&p, t->owner_id);
    pd__pg_p_bool(&p, t->major);
    pd__pg_p_bool(&p, t->investigated);
    pd__pg_p_i64(&p, t->incident_ms);
    pd__pg_p_i64(&p, t->satisfaction);
    pd__pg_p_text(&p, t->satisfaction_comment);
    pd__pg_p_i64(&p, t->satisfaction_ms);
    pd__pg_p_text(&p, t->close_reason);
    pd__pg_p_i64(&p, t->resolved_ms);
    pd__pg_p_i64(&p, t->closed_ms);
    p_ref(&p, t->closed_by);
    pd__pg_p_i64(&p, t->reopened);
    pd__pg_p_i64(&p, t->updated_ms);
    return changed(pd__pg_cmd(
        c, PD_PG_TK_UPDATE,
        "UPDATE tickets SET category = $2::text, priority = $3::text, status = $4::text,"
        " node_id = $5::bigint, waybill_no = $6::text, customer_id = $7::bigint,"
        " contact_name = $8::text, contact_phone = $9::text, phone_last4 = $10::text,"
        " subject = $11::text, description = $12::text, department = $13::text,"
        " responsible_id = $14::bigint, owner_id = $15::bigint, major = $16::boolean,"
        " investigated = $17::boolean, incident_ms = $18::bigint, satisfaction = $19::integer,"
        " satisfaction_comment = $20::text, satisfaction_ms = $21::bigint,"
        " close_reason = $22::text, resolved_ms = $23::bigint, closed_ms = $24::bigint,"
        " closed_by = $25::bigint, reopened = $26::integer, updated_ms = $27::bigint"
        " WHERE id = $1::bigint",
        &p));
}

/* ---- history ------------------------------------------------------------------- */

pd_qs pd__pg_ticket_event_insert(pd_db *db, struct pd_ticket_event *e)
{
    struct pd__pg_conn *c = C(db);
    if (PD_BREAK(e->ticket_id > 0 && e->kind[0]))
        return PD_QS_HARD;
    struct pd__pg_params p = {0};
    pd__pg_p_i64(&p, e->ticket_id);
    pd__pg_p_i64(&p, e->at_ms);
    p_ref(&p, e->actor_id);
    pd__pg_p_text(&p, e->actor_name);
    pd__pg_p_text(&p, e->kind);
    pd__pg_p_bool(&p, e->public_);
    pd__pg_p_text(&p, e->text ? e->text : "");
    pd__pg_p_text(&p, e->detail);
    pd_qs qs;
    PGresult *res = pd__pg_run(c, PD_PG_TK_EVENT_INSERT,
                               "INSERT INTO ticket_events (ticket_id, at_ms, actor_id, actor_name,"
                               " kind, public, text, detail) VALUES ($1::bigint, $2::bigint,"
                               " $3::bigint, $4::text, $5::text, $6::boolean, $7::text, $8::text)"
                               " RETURNING id",
                               &p, &qs);
    if (!res)
        return qs;
    e->id = pd__pg_i64(res, 0, 0);
    PQclear(res);
    return PD_QS_ONE;
}

static int event_cb_row(const PGresult *r, int i, void *cb, void *cls)
{
    struct pd_ticket_event e;
    memset(&e, 0, sizeof e);
    e.id = pd__pg_i64(r, i, 0);
    e.ticket_id = pd__pg_i64(r, i, 1);
    e.at_ms = pd__pg_i64(r, i, 2);
    e.actor_id = pd__pg_i64(r, i, 3);
    pd__pg_col(r, i, 4, e.actor_name, sizeof e.actor_name);
    pd__pg_col(r, i, 5, e.kind, sizeof e.kind);
    e.public_ = pd__pg_bool(r, i, 6);
    e.text = PQgetvalue(r, i, 7);
    e.detail = PQgetisnull(r, i, 8) ? NULL : PQgetvalue(r, i, 8);
    return ((pd_ticket_event_cb)cb)(cls, &e);
}

pd_qs pd__pg_ticket_event_list(pd_db *db, int64_t ticket_id, bool public_only,
                               pd_ticket_event_cb cb, void *cls)
{
    struct pd__pg_conn *c = C(db);
    struct pd__pg_params p = {0};
    pd__pg_p_i64(&p, ticket_id);
    pd__pg_p_bool(&p, public_only);
    pd_qs qs;
    PGresult *res = pd__pg_run(c, PD_PG_TK_EVENT_LIST,
                               "SELECT id, ticket_id, at_ms, COALESCE(actor_id, 0), actor_name,"
                               " kind, public, text, detail FROM ticket_events"
                               " WHERE ticket_id = $1::bigint AND (NOT $2::boolean OR public)"
                               " ORDER BY id",
                               &p, &qs);
    if (!res)
        return qs;
    return each_row(res, event_cb_row, (void *)cb, cls);
}

/* ---- waiting periods ------------------------------------------------------------- */

pd_qs pd__pg_ticket_pause_open(pd_db *db, int64_t ticket_id, int64_t from_ms, bool *opened)
{
    struct pd__pg_conn *c = C(db);
    struct pd__pg_params p = {0};
    pd__pg_p_i64(&p, ticket_id);
    pd__pg_p_i64(&p, from_ms);
    pd_qs qs = pd__pg_cmd(c, PD_PG_TK_PAUSE_OPEN,
                          "INSERT INTO ticket_pauses (ticket_id, from_ms)"
                          " VALUES ($1::bigint, $2::bigint)"
                          " ON CONFLICT (ticket_id) WHERE to_ms = 0 DO NOTHING",
                          &p);
    *opened = qs > 0;
    return qs < 0 ? qs : PD_QS_ONE;
}

pd_qs pd__pg_ticket_pause_close(pd_db *db, int64_t ticket_id, int64_t to_ms)
{
    struct pd__pg_conn *c = C(db);
    struct pd__pg_params p = {0};
    pd__pg_p_i64(&p, ticket_id);
    pd__pg_p_i64(&p, to_ms);
    /* A period closed within the millisecond it opened still lasts 1 ms (the table's CHECK). */
    return changed(pd__pg_cmd(c, PD_PG_TK_PAUSE_CLOSE,
                              "UPDATE ticket_pauses SET to_ms = GREATEST($2::bigint, from_ms + 1)"
                              " WHERE ticket_id = $1::bigint AND to_ms = 0",
                              &p));
}

static int pause_cb_row(const PGresult *r, int i, void *cb, void *cls)
{
    struct pd_ticket_pause p = {
        .id = pd__pg_i64(r, i, 0),
        .ticket_id = pd__pg_i64(r, i, 1),
        .from_ms = pd__pg_i64(r, i, 2),
        .to_ms = pd__pg_i64(r, i, 3),
    };
    return ((pd_ticket_pause_cb)cb)(cls, &p);
}

pd_qs pd__pg_ticket_pause_list(pd_db *db, int64_t ticket_id, pd_ticket_pause_cb cb, void *cls)
{
    struct pd__pg_conn *c = C(db);
    struct pd__pg_params p = {0};
    pd__pg_p_i64(&p, ticket_id);
    pd_qs qs;
    PGresult *res = pd__pg_run(c, PD_PG_TK_PAUSE_LIST,
                               "SELECT id, ticket_id, from_ms, to_ms FROM ticket_pauses"
                               " WHERE ticket_id = $1::bigint ORDER BY from_ms, id",
                               &p, &qs);
    if (!res)
        return qs;
    return each_row(res, pause_cb_row, (void *)cb, cls);
}

/* ---- clocks ----------------------------------------------------------------------- */

#define CLOCK_COLS                                                                                 \
    "k.id, k.ticket_id, k.rule, k.started_ms, k.due_ms, k.warn_ms, k.base_due_ms, k.held,"         \
    " k.pausable, k.state, k.met_ms, k.late, k.escalated"
#define CLOCK_NCOLS 13

static void clock_row(const PGresult *r, int i, struct pd_ticket_clock *k)
{
    memset(k, 0, sizeof *k);
    k->id = pd__pg_i64(r, i, 0);
    k->ticket_id = pd__pg_i64(r, i, 1);
    pd__pg_col(r, i, 2, k->rule, sizeof k->rule);
    k->started_ms = pd__pg_i64(r, i, 3);
    k->due_ms = pd__pg_i64(r, i, 4);
    k->warn_ms = pd__pg_i64(r, i, 5);
    k->base_due_ms = pd__pg_i64(r, i, 6);
    k->held = pd__pg_bool(r, i, 7);
    k->pausable = pd__pg_bool(r, i, 8);
    pd__pg_col(r, i, 9, k->state, sizeof k->state);
    k->met_ms = pd__pg_i64(r, i, 10);
    k->late = pd__pg_bool(r, i, 11);
    k->escalated = (int)pd__pg_i64(r, i, 12);
}

pd_qs pd__pg_ticket_clock_insert(pd_db *db, struct pd_ticket_clock *k, bool *dup)
{
    struct pd__pg_conn *c = C(db);
    if (PD_BREAK(k->ticket_id > 0 && k->rule[0] && k->state[0]))
        return PD_QS_HARD;
    *dup = false;
    struct pd__pg_params p = {0};
    pd__pg_p_i64(&p, k->ticket_id);
    pd__pg_p_text(&p, k->rule);
    pd__pg_p_i64(&p, k->started_ms);
    pd__pg_p_i64(&p, k->due_ms);
    pd__pg_p_i64(&p, k->warn_ms);
    pd__pg_p_i64(&p, k->base_due_ms);
    pd__pg_p_bool(&p, k->held);
    pd__pg_p_bool(&p, k->pausable);
    pd__pg_p_text(&p, k->state);
    pd__pg_p_i64(&p, k->met_ms);
    pd__pg_p_bool(&p, k->late);
    pd__pg_p_i64(&p, k->escalated);
    pd_qs qs;
    PGresult *res = pd__pg_run(
        c, PD_PG_TK_CLOCK_INSERT,
        "INSERT INTO ticket_clocks (ticket_id, rule, started_ms, due_ms, warn_ms, base_due_ms,"
        " held, pausable, state, met_ms, late, escalated) VALUES ($1::bigint, $2::text,"
        " $3::bigint, $4::bigint, $5::bigint, $6::bigint, $7::boolean, $8::boolean, $9::text,"
        " $10::bigint, $11::boolean, $12::integer)"
        " ON CONFLICT (ticket_id, rule) DO NOTHING RETURNING id",
        &p, &qs);
    if (!res)
        return qs;
    if (PQntuples(res) > 0)
        k->id = pd__pg_i64(res, 0, 0);
    else
        *dup = true;
    PQclear(res);
    return PD_QS_ONE;
}

pd_qs pd__pg_ticket_clock_update(pd_db *db, const struct pd_ticket_clock *k)
{
    struct pd__pg_conn *c = C(db);
    struct pd__pg_params p = {0};
    pd__pg_p_i64(&p, k->id);
    pd__pg_p_i64(&p, k->due_ms);
    pd__pg_p_i64(&p, k->warn_ms);
    pd__pg_p_i64(&p, k->base_due_ms);
    pd__pg_p_bool(&p, k->held);
    pd__pg_p_text(&p, k->state);
    pd__pg_p_i64(&p, k->met_ms);
    pd__pg_p_bool(&p, k->late);
    pd__pg_p_i64(&p, k->escalated);
    return changed(pd__pg_cmd(c, PD_PG_TK_CLOCK_UPDATE,
                              "UPDATE ticket_clocks SET due_ms = $2::bigint, warn_ms = $3::bigint,"
                              " base_due_ms = $4::bigint, held = $5::boolean, state = $6::text,"
                              " met_ms = $7::bigint, late = $8::boolean, escalated = $9::integer"
                              " WHERE id = $1::bigint",
                              &p));
}

static int clock_cb_row(const PGresult *r, int i, void *cb, void *cls)
{
    struct pd_ticket_clock k;
    clock_row(r, i, &k);
    return ((pd_ticket_clock_cb)cb)(cls, &k);
}

pd_qs pd__pg_ticket_clock_list(pd_db *db, int64_t ticket_id, pd_ticket_clock_cb cb, void *cls)
{
    struct pd__pg_conn *c = C(db);
    struct pd__pg_params p = {0};
    pd__pg_p_i64(&p, ticket_id);
    pd_qs qs;
    PGresult *res = pd__pg_run(c, PD_PG_TK_CLOCK_LIST,
                               "SELECT " CLOCK_COLS " FROM ticket_clocks k"
                               " WHERE k.ticket_id = $1::bigint ORDER BY k.id",
                               &p, &qs);
    if (!res)
        return qs;
    return each_row(res, clock_cb_row, (void *)cb, cls);
}

static int clock_due_cb_row(const PGresult *r, int i, void *cb, void *cls)
{
    struct pd_ticket_clock_due d;
    memset(&d, 0, sizeof d);
    clock_row(r, i, &d.c);
    int col = CLOCK_NCOLS;
    pd__pg_col(r, i, col++, d.ticket_no, sizeof d.ticket_no);
    pd__pg_col(r, i, col++, d.status, sizeof d.status);
    d.node_id = pd__pg_i64(r, i, col++);
    pd__pg_col(r, i, col++, d.node_path, sizeof d.node_path);
    pd__pg_col(r, i, col++, d.node_region, sizeof d.node_region);
    d.node_utc_offset_min = (int)pd__pg_i64(r, i, col++);
    d.responsible_id = pd__pg_i64(r, i, col++);
    d.owner_id = pd__pg_i64(r, i, col++);
    d.major = pd__pg_bool(r, i, col++);
    return ((pd_ticket_clock_due_cb)cb)(cls, &d);
}

pd_qs pd__pg_ticket_clock_due(pd_db *db, int64_t now_ms, int64_t after_warn_ms, int64_t after_id,
                              int limit, pd_ticket_clock_due_cb cb, void *cls)
{
    struct pd__pg_conn *c = C(db);
    struct pd__pg_params p = {0};
    pd__pg_p_i64(&p, now_ms);
    pd__pg_p_i64(&p, after_warn_ms);
    pd__pg_p_i64(&p, after_id);
    pd__pg_p_i64(&p, pd__list_limit(limit));
    pd_qs qs;
    PGresult *res = pd__pg_run(
        c, PD_PG_TK_CLOCK_DUE,
        "SELECT " CLOCK_COLS ", t.ticket_no, t.status, t.node_id, n.path, n.region,"
        " n.utc_offset_min, COALESCE(t.responsible_id, 0), COALESCE(t.owner_id, 0), t.major"
        " FROM ticket_clocks k JOIN tickets t ON t.id = k.ticket_id"
        " JOIN nodes n ON n.id = t.node_id"
        " WHERE k.state = 'running' AND NOT k.held AND k.escalated < 2"
        " AND k.warn_ms <= $1::bigint AND (k.escalated = 0 OR k.due_ms <= $1::bigint - 1000)"
        " AND (k.warn_ms > $2::bigint OR (k.warn_ms = $2::bigint AND k.id > $3::bigint))"
        " ORDER BY k.warn_ms, k.id LIMIT $4::integer",
        &p, &qs);
    if (!res)
        return qs;
    return each_row(res, clock_due_cb_row, (void *)cb, cls);
}

/* ---- escalations ------------------------------------------------------------------ */

#define ESC_COLS                                                                                   \
    "e.id, e.clock_id, e.ticket_id, e.level, e.audience, COALESCE(e.user_id, 0),"                  \
    " COALESCE(e.node_id, 0), e.at_ms, e.due_ms, e.read_ms, COALESCE(e.read_by, 0), t.ticket_no,"  \
    " k.rule, COALESCE(n.code, ''), t.status, tn.path"
#define ESC_FROM                                                                                   \
    " FROM ticket_escalations e JOIN tickets t ON t.id = e.ticket_id"                              \
    " JOIN ticket_clocks k ON k.id = e.clock_id JOIN nodes tn ON tn.id = t.node_id"                \
    " LEFT JOIN nodes n ON n.id = e.node_id"

static void esc_row(const PGresult *r, int i, void *out)
{
    struct pd_ticket_escalation *e = out;
    memset(e, 0, sizeof *e);
    e->id = pd__pg_i64(r, i, 0);
    e->clock_id = pd__pg_i64(r, i, 1);
    e->ticket_id = pd__pg_i64(r, i, 2);
    pd__pg_col(r, i, 3, e->level, sizeof e->level);
    pd__pg_col(r, i, 4, e->audience, sizeof e->audience);
    e->user_id = pd__pg_i64(r, i, 5);
    e->node_id = pd__pg_i64(r, i, 6);
    e->at_ms = pd__pg_i64(r, i, 7);
    e->due_ms = pd__pg_i64(r, i, 8);
    e->read_ms = pd__pg_i64(r, i, 9);
    e->read_by = pd__pg_i64(r, i, 10);
    pd__pg_col(r, i, 11, e->ticket_no, sizeof e->ticket_no);
    pd__pg_col(r, i, 12, e->rule, sizeof e->rule);
    pd__pg_col(r, i, 13, e->node_code, sizeof e->node_code);
    pd__pg_col(r, i, 14, e->ticket_status, sizeof e->ticket_status);
    pd__pg_col(r, i, 15, e->ticket_path, sizeof e->ticket_path);
}

pd_qs pd__pg_ticket_escalation_insert(pd_db *db, struct pd_ticket_escalation *e, bool *inserted)
{
    struct pd__pg_conn *c = C(db);
    if (PD_BREAK(e->clock_id > 0 && e->ticket_id > 0 && (e->user_id > 0 || e->node_id > 0)))
        return PD_QS_HARD;
    *inserted = false;
    struct pd__pg_params p = {0};
    pd__pg_p_i64(&p, e->clock_id);
    pd__pg_p_i64(&p, e->ticket_id);
    pd__pg_p_text(&p, e->level);
    pd__pg_p_text(&p, e->audience);
    p_ref(&p, e->user_id);
    p_ref(&p, e->node_id);
    pd__pg_p_i64(&p, e->at_ms);
    pd__pg_p_i64(&p, e->due_ms);
    pd_qs qs;
    PGresult *res = pd__pg_run(
        c, PD_PG_TK_ESC_INSERT,
        "INSERT INTO ticket_escalations (clock_id, ticket_id, level, audience, user_id, node_id,"
        " at_ms, due_ms) VALUES ($1::bigint, $2::bigint, $3::text, $4::text, $5::bigint,"
        " $6::bigint, $7::bigint, $8::bigint)"
        " ON CONFLICT (clock_id, level) DO NOTHING RETURNING id",
        &p, &qs);
    if (!res)
        return qs;
    if (PQntuples(res) > 0) {
        e->id = pd__pg_i64(res, 0, 0);
        *inserted = true;
    }
    PQclear(res);
    return PD_QS_ONE;
}

pd_qs pd__pg_ticket_escalation_get(pd_db *db, int64_t id, struct pd_ticket_escalation *out)
{
    struct pd__pg_conn *c = C(db);
    struct pd__pg_params p = {0};
    pd__pg_p_i64(&p, id);
    pd_qs qs;
    PGresult *res = pd__pg_run(c, PD_PG_TK_ESC_GET,
                               "SELECT " ESC_COLS ESC_FROM " WHERE e.id = $1::bigint", &p, &qs);
    if (!res)
        return qs;
    return one_row(res, esc_row, out);
}

static int esc_cb_row(const PGresult *r, int i, void *cb, void *cls)
{
    struct pd_ticket_escalation e;
    esc_row(r, i, &e);
    return ((pd_ticket_escalation_cb)cb)(cls, &e);
}

pd_qs pd__pg_ticket_escalation_list(pd_db *db, const struct pd_escalation_filter *f,
                                    pd_ticket_escalation_cb cb, void *cls)
{
    struct pd__pg_conn *c = C(db);
    struct pd__pg_params p = {0};
    pd__pg_p_i64(&p, f->user_id);
    pd__pg_p_i64(&p, f->node_id);
    pd__pg_p_bool(&p, f->unread_only);
    pd__pg_p_i64(&p, f->before_id > 0 ? f->before_id : INT64_MAX);
    pd__pg_p_i64(&p, pd__list_limit(f->limit));
    pd_qs qs;
    PGresult *res = pd__pg_run(c, PD_PG_TK_ESC_LIST,
                               "SELECT " ESC_COLS ESC_FROM " WHERE (e.user_id = $1::bigint"
                               " OR ($2::bigint > 0 AND e.node_id = $2::bigint))"
                               " AND (NOT $3::boolean OR e.read_ms = 0) AND e.id < $4::bigint"
                               " ORDER BY e.id DESC LIMIT $5::integer",
                               &p, &qs);
    if (!res)
        return qs;
    return each_row(res, esc_cb_row, (void *)cb, cls);
}

pd_qs pd__pg_ticket_escalation_read(pd_db *db, int64_t id, int64_t user_id, int64_t at_ms)
{
    struct pd__pg_conn *c = C(db);
    struct pd__pg_params p = {0};
    pd__pg_p_i64(&p, id);
    p_ref(&p, user_id);
    pd__pg_p_i64(&p, at_ms);
    return changed(pd__pg_cmd(c, PD_PG_TK_ESC_READ,
                              "UPDATE ticket_escalations SET read_ms = $3::bigint,"
                              " read_by = $2::bigint WHERE id = $1::bigint AND read_ms = 0",
                              &p));
}

pd_qs pd__pg_ticket_supervisor_node(pd_db *db, const char *node_path, int64_t *node_id)
{
    struct pd__pg_conn *c = C(db);
    struct pd__pg_params p = {0};
    pd__pg_p_text(&p, node_path ? node_path : "");
    pd_qs qs;
    /* As sqlite_tickets.c: a prefix test over the (small) node table. */
    PGresult *res =
        pd__pg_run(c, PD_PG_TK_SUPERVISOR,
                   "SELECT n.id FROM nodes n WHERE substr($1::text, 1, length(n.path)) = n.path"
                   " AND EXISTS (SELECT 1 FROM users u JOIN role_permissions rp ON rp.role = u.role"
                   " AND rp.perm = 'tickets.supervise' WHERE u.node_id = n.id AND u.active)"
                   " ORDER BY length(n.path) DESC LIMIT 1",
                   &p, &qs);
    if (!res)
        return qs;
    *node_id = PQntuples(res) > 0 ? pd__pg_i64(res, 0, 0) : 0;
    qs = PQntuples(res) > 0 ? PD_QS_ONE : PD_QS_NONE;
    PQclear(res);
    return qs;
}

/* ---- corrective actions ------------------------------------------------------------ */

#define CA_COLS                                                                                    \
    "a.id, a.ticket_id, t.ticket_no, t.node_id, n.code, n.path, a.measure, a.owner_id,"            \
    " COALESCE(u.username, ''), a.due_ms, a.created_ms, COALESCE(a.created_by, 0), a.done_ms,"     \
    " a.evaluation, a.evaluation_note, a.evaluated_ms, COALESCE(a.evaluated_by, 0)"
#define CA_FROM                                                                                    \
    " FROM ticket_corrective_actions a JOIN tickets t ON t.id = a.ticket_id"                       \
    " JOIN nodes n ON n.id = t.node_id LEFT JOIN users u ON u.id = a.owner_id"

static void ca_row(const PGresult *r, int i, void *out)
{
    struct pd_ticket_corrective *a = out;
    memset(a, 0, sizeof *a);
    a->id = pd__pg_i64(r, i, 0);
    a->ticket_id = pd__pg_i64(r, i, 1);
    pd__pg_col(r, i, 2, a->ticket_no, sizeof a->ticket_no);
    a->node_id = pd__pg_i64(r, i, 3);
    pd__pg_col(r, i, 4, a->node_code, sizeof a->node_code);
    pd__pg_col(r, i, 5, a->node_path, sizeof a->node_path);
    pd__pg_col(r, i, 6, a->measure, sizeof a->measure);
    a->owner_id = pd__pg_i64(r, i, 7);
    pd__pg_col(r, i, 8, a->owner_name, sizeof a->owner_name);
    a->due_ms = pd__pg_i64(r, i, 9);
    a->created_ms = pd__pg_i64(r, i, 10);
    a->created_by = pd__pg_i64(r, i, 11);
    a->done_ms = pd__pg_i64(r, i, 12);
    pd__pg_col(r, i, 13, a->evaluation, sizeof a->evaluation);
    pd__pg_col(r, i, 14, a->evaluation_note, sizeof a->evaluation_note);
    a->evaluated_ms = pd__pg_i64(r, i, 15);
    a->evaluated_by = pd__pg_i64(r, i, 16);
}

pd_qs pd__pg_ticket_corrective_insert(pd_db *db, struct pd_ticket_corrective *a)
{
    struct pd__pg_conn *c = C(db);
    if (PD_BREAK(a->ticket_id > 0 && a->owner_id > 0 && a->measure[0]))
        return PD_QS_HARD;
    struct pd__pg_params p = {0};
    pd__pg_p_i64(&p, a->ticket_id);
    pd__pg_p_text(&p, a->measure);
    pd__pg_p_i64(&p, a->owner_id);
    pd__pg_p_i64(&p, a->due_ms);
    pd__pg_p_i64(&p, a->created_ms);
    p_ref(&p, a->created_by);
    pd_qs qs;
    PGresult *res = pd__pg_run(c, PD_PG_TK_CA_INSERT,
                               "INSERT INTO ticket_corrective_actions (ticket_id, measure,"
                               " owner_id, due_ms, created_ms, created_by) VALUES ($1::bigint,"
                               " $2::text, $3::bigint, $4::bigint, $5::bigint, $6::bigint)"
                               " RETURNING id",
                               &p, &qs);
    if (!res)
        return qs;
    a->id = pd__pg_i64(res, 0, 0);
    PQclear(res);
    return PD_QS_ONE;
}

pd_qs pd__pg_ticket_corrective_get(pd_db *db, int64_t id, struct pd_ticket_corrective *out)
{
    struct pd__pg_conn *c = C(db);
    struct pd__pg_params p = {0};
    pd__pg_p_i64(&p, id);
    pd_qs qs;
    PGresult *res = pd__pg_run(c, PD_PG_TK_CA_GET,
                               "SELECT " CA_COLS CA_FROM " WHERE a.id = $1::bigint", &p, &qs);
    if (!res)
        return qs;
    return one_row(res, ca_row, out);
}

pd_qs pd__pg_ticket_corrective_update(pd_db *db, const struct pd_ticket_corrective *a)
{
    struct pd__pg_conn *c = C(db);
    struct pd__pg_params p = {0};
    pd__pg_p_i64(&p, a->id);
    pd__pg_p_i64(&p, a->done_ms);
    pd__pg_p_text(&p, a->evaluation);
    pd__pg_p_text(&p, a->evaluation_note);
    pd__pg_p_i64(&p, a->evaluated_ms);
    p_ref(&p, a->evaluated_by);
    return changed(pd__pg_cmd(c, PD_PG_TK_CA_UPDATE,
                              "UPDATE ticket_corrective_actions SET done_ms = $2::bigint,"
                              " evaluation = $3::text, evaluation_note = $4::text,"
                              " evaluated_ms = $5::bigint, evaluated_by = $6::bigint"
                              " WHERE id = $1::bigint",
                              &p));
}

static int ca_cb_row(const PGresult *r, int i, void *cb, void *cls)
{
    struct pd_ticket_corrective a;
    ca_row(r, i, &a);
    return ((pd_ticket_corrective_cb)cb)(cls, &a);
}

pd_qs pd__pg_ticket_corrective_list(pd_db *db, const struct pd_corrective_filter *f,
                                    pd_ticket_corrective_cb cb, void *cls)
{
    struct pd__pg_conn *c = C(db);
    struct pd__pg_params p = {0};
    pd_qs qs;
    PGresult *res;
    if (f->ticket_id > 0) {
        pd__pg_p_i64(&p, f->ticket_id);
        res = pd__pg_run(c, PD_PG_TK_CA_LIST_TICKET,
                         "SELECT " CA_COLS CA_FROM " WHERE a.ticket_id = $1::bigint ORDER BY a.id",
                         &p, &qs);
    } else {
        char lo[PD_PATH_MAX], hi[PD_PATH_MAX];
        if (PD_BREAK(f->node_path && f->node_path[0] == '/') ||
            PD_BREAK(pd__path_range(f->node_path, lo, hi)))
            return PD_QS_HARD;
        pd__pg_p_text(&p, lo);
        pd__pg_p_text(&p, hi);
        p_opt_i64(&p, f->overdue_at_ms);
        pd__pg_p_i64(&p, f->before_id > 0 ? f->before_id : INT64_MAX);
        pd__pg_p_i64(&p, pd__list_limit(f->limit));
        res = pd__pg_run(c, PD_PG_TK_CA_LIST,
                         "SELECT " CA_COLS CA_FROM " WHERE n.path >= $1::text AND n.path < $2::text"
                         " AND ($3::bigint IS NULL OR (a.done_ms = 0 AND a.due_ms < $3::bigint))"
                         " AND a.id < $4::bigint ORDER BY a.id DESC LIMIT $5::integer",
                         &p, &qs);
    }
    if (!res)
        return qs;
    return each_row(res, ca_cb_row, (void *)cb, cls);
}

/* ---- statistics --------------------------------------------------------------------- */

/* Column layouts of the four queries, read by stat_cb_row (as in sqlite_tickets.c). */
enum stat_field {
    SF_KEY,
    SF_KEY2,
    SF_NODE_ID,
    SF_NODE_CODE,
    SF_NODE_NAME,
    SF_DAY,
    SF_SCORE,
    SF_FLAG,
    SF_COUNT,
    SF_END
};

struct stat_ctx {
    const enum stat_field *layout;
    pd_ticket_stat_cb cb;
    void *cls;
};

static int stat_cb_row(const PGresult *r, int i, void *ctx, void *unused)
{
    (void)unused;
    struct stat_ctx *x = ctx;
    struct pd_ticket_stat_row row;
    memset(&row, 0, sizeof row);
    for (int k = 0; x->layout[k] != SF_END; k++) {
        switch (x->layout[k]) {
        case SF_KEY:
            pd__pg_col(r, i, k, row.key, sizeof row.key);
            break;
        case SF_KEY2:
            pd__pg_col(r, i, k, row.key2, sizeof row.key2);
            break;
        case SF_NODE_ID:
            row.node_id = pd__pg_i64(r, i, k);
            break;
        case SF_NODE_CODE:
            pd__pg_col(r, i, k, row.node_code, sizeof row.node_code);
            break;
        case SF_NODE_NAME:
            pd__pg_col(r, i, k, row.node_name, sizeof row.node_name);
            break;
        case SF_DAY:
            row.day = pd__pg_i64(r, i, k);
            break;
        case SF_SCORE:
            row.score = (int)pd__pg_i64(r, i, k);
            break;
        case SF_FLAG:
            row.flag = pd__pg_bool(r, i, k);
            break;
        case SF_COUNT:
            row.count = pd__pg_i64(r, i, k);
            break;
        case SF_END:
            break;
        }
    }
    return x->cb(x->cls, &row);
}

/* Run one aggregate over the subtree @p node_path and [from, to) (+ @p now_ms as $5 when > 0). */
static pd_qs stats_run(struct pd__pg_conn *c, enum pd_pg_stmt id, const char *sql,
                       const char *node_path, int64_t from_ms, int64_t to_ms, int64_t now_ms,
                       const enum stat_field *layout, pd_ticket_stat_cb cb, void *cls)
{
    char lo[PD_PATH_MAX], hi[PD_PATH_MAX];
    if (PD_BREAK(pd__path_range(node_path, lo, hi)))
        return PD_QS_HARD;
    struct pd__pg_params p = {0};
    pd__pg_p_text(&p, lo);
    pd__pg_p_text(&p, hi);
    pd__pg_p_i64(&p, from_ms);
    pd__pg_p_i64(&p, to_ms);
    if (now_ms > 0)
        pd__pg_p_i64(&p, now_ms);
    pd_qs qs;
    PGresult *res = pd__pg_run(c, id, sql, &p, &qs);
    if (!res)
        return qs;
    struct stat_ctx x = {.layout = layout, .cb = cb, .cls = cls};
    return each_row(res, stat_cb_row, &x, NULL);
}

pd_qs pd__pg_ticket_stats_complaints(pd_db *db, const char *node_path, int64_t from_ms,
                                     int64_t to_ms, pd_ticket_stat_cb cb, void *cls)
{
    static const enum stat_field layout[] = {SF_KEY,       SF_KEY2,  SF_NODE_ID, SF_NODE_CODE,
                                             SF_NODE_NAME, SF_COUNT, SF_END};
    return stats_run(C(db), PD_PG_TK_STATS_COMPLAINTS,
                     "SELECT t.category, t.department, t.node_id, n.code, n.name, count(*)"
                     " FROM tickets t JOIN nodes n ON n.id = t.node_id"
                     " WHERE t.kind = 'complaint' AND t.created_ms >= $3::bigint"
                     " AND t.created_ms < $4::bigint AND n.path >= $1::text AND n.path < $2::text"
                     " GROUP BY t.category, t.department, t.node_id, n.code, n.name",
                     node_path, from_ms, to_ms, 0, layout, cb, cls);
}

pd_qs pd__pg_ticket_stats_waybills(pd_db *db, const char *node_path, int64_t from_ms, int64_t to_ms,
                                   pd_ticket_stat_cb cb, void *cls)
{
    static const enum stat_field layout[] = {SF_NODE_ID, SF_NODE_CODE, SF_NODE_NAME, SF_COUNT,
                                             SF_END};
    return stats_run(C(db), PD_PG_TK_STATS_WAYBILLS,
                     "SELECT w.node_id, n.code, n.name, count(*)"
                     " FROM waybills w JOIN nodes n ON n.id = w.node_id"
                     " WHERE w.created_ms >= $3::bigint AND w.created_ms < $4::bigint"
                     " AND n.path >= $1::text AND n.path < $2::text"
                     " GROUP BY w.node_id, n.code, n.name",
                     node_path, from_ms, to_ms, 0, layout, cb, cls);
}

pd_qs pd__pg_ticket_stats_clocks(pd_db *db, const char *node_path, int64_t from_ms, int64_t to_ms,
                                 int64_t now_ms, pd_ticket_stat_cb cb, void *cls)
{
    static const enum stat_field layout[] = {SF_KEY, SF_KEY2, SF_FLAG, SF_COUNT, SF_END};
    return stats_run(C(db), PD_PG_TK_STATS_CLOCKS,
                     "SELECT k.rule, k.state, CASE WHEN k.state = 'running'"
                     " THEN (NOT k.held AND k.due_ms + 1000 <= $5::bigint) ELSE k.late END AS flag,"
                     " count(*) FROM ticket_clocks k JOIN tickets t ON t.id = k.ticket_id"
                     " JOIN nodes n ON n.id = t.node_id"
                     " WHERE k.started_ms >= $3::bigint AND k.started_ms < $4::bigint"
                     " AND n.path >= $1::text AND n.path < $2::text"
                     " GROUP BY k.rule, k.state, flag",
                     node_path, from_ms, to_ms, now_ms > 0 ? now_ms : 1, layout, cb, cls);
}

pd_qs pd__pg_ticket_stats_csat(pd_db *db, const char *node_path, int64_t from_ms, int64_t to_ms,
                               pd_ticket_stat_cb cb, void *cls)
{
    static const enum stat_field layout[] = {SF_KEY,       SF_DAY,       SF_SCORE, SF_NODE_ID,
                                             SF_NODE_CODE, SF_NODE_NAME, SF_COUNT, SF_END};
    return stats_run(C(db), PD_PG_TK_STATS_CSAT,
                     "SELECT COALESCE(p.category, t.category) AS cat,"
                     " (t.satisfaction_ms + 28800000) / 86400000 AS day, t.satisfaction,"
                     " t.node_id, n.code, n.name, count(*)"
                     " FROM tickets t JOIN nodes n ON n.id = t.node_id"
                     " LEFT JOIN tickets p ON p.id = t.parent_id"
                     " WHERE t.kind = 'callback' AND t.satisfaction > 0"
                     " AND t.satisfaction_ms >= $3::bigint AND t.satisfaction_ms < $4::bigint"
                     " AND n.path >= $1::text AND n.path < $2::text"
                     " GROUP BY cat, day, t.satisfaction, t.node_id, n.code, n.name",
                     node_path, from_ms, to_ms, 0, layout, cb, cls);
}
