/*
 * SQLite queries of the service desk (migrations/sqlite/012_tickets.sql):
 * tickets and their numbers, history, waiting periods, clocks, escalations,
 * corrective actions, and the four aggregate queries the statistics read.
 * Ticket numbers are "TS" + the day the caller names + a serial from the
 * one-row-per-day counter ticket_serial, bumped by an upsert inside the
 * inserting transaction (writers hold SQLite's single write lock, so a
 * serial is never drawn twice). "Once" rules are the tables': one clock per
 * ticket and rule, one escalation per clock and level, one open waiting
 * period per ticket, each named as its insert's conflict target. Scoping
 * is the byte range on the node path, as in sqlite_orders.c. Lists are one
 * statement each with optional filters.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "store/sqlite/sqlite_int.h"
#include "util/log.h"

#define C(db) ((struct pd__sq_conn *)(db))

/* Optional references are NULL in the database and 0 in the struct. */
static void bind_ref(sqlite3_stmt *s, int i, int64_t id)
{
    if (id > 0)
        sqlite3_bind_int64(s, i, id);
    else
        sqlite3_bind_null(s, i);
}

/* An optional time or count filter: 0 binds NULL ("no filter"). */
static void bind_opt_i64(sqlite3_stmt *s, int i, int64_t v)
{
    if (v > 0)
        sqlite3_bind_int64(s, i, v);
    else
        sqlite3_bind_null(s, i);
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

/* Step a listing, handing each row to @p row (which calls the callback). */
static pd_qs each_row(struct pd__sq_conn *c, sqlite3_stmt *s, const char *what,
                      int (*row)(sqlite3_stmt *s, void *cb, void *cls), void *cb, void *cls)
{
    pd_qs qs = PD_QS_NONE;
    int rc, count = 0;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        int r = row(s, cb, cls);
        if (r < 0) {
            qs = (pd_qs)r;
            break;
        }
        count++;
    }
    if (qs >= 0)
        qs = rc == SQLITE_DONE ? (pd_qs)count : pd__sq_fail(c, rc, what);
    pd__sq_done(s);
    return qs;
}

/* Step a statement expected to return at most one row, read by @p row. */
static pd_qs one_row(struct pd__sq_conn *c, sqlite3_stmt *s, const char *what,
                     void (*row)(sqlite3_stmt *s, void *out), void *out)
{
    int rc = sqlite3_step(s);
    pd_qs qs = rc == SQLITE_ROW    ? PD_QS_ONE
               : rc == SQLITE_DONE ? PD_QS_NONE
                                   : pd__sq_fail(c, rc, what);
    if (qs == PD_QS_ONE)
        row(s, out);
    pd__sq_done(s);
    return qs;
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

static void ticket_row(sqlite3_stmt *s, void *out)
{
    struct pd_ticket *t = out;
    memset(t, 0, sizeof *t);
    t->id = sqlite3_column_int64(s, 0);
    pd__sq_col(s, 1, t->ticket_no, sizeof t->ticket_no);
    pd__sq_col(s, 2, t->kind, sizeof t->kind);
    pd__sq_col(s, 3, t->channel, sizeof t->channel);
    pd__sq_col(s, 4, t->category, sizeof t->category);
    pd__sq_col(s, 5, t->priority, sizeof t->priority);
    pd__sq_col(s, 6, t->status, sizeof t->status);
    t->node_id = sqlite3_column_int64(s, 7);
    pd__sq_col(s, 8, t->node_code, sizeof t->node_code);
    pd__sq_col(s, 9, t->node_path, sizeof t->node_path);
    pd__sq_col(s, 10, t->node_name, sizeof t->node_name);
    pd__sq_col(s, 11, t->node_region, sizeof t->node_region);
    t->node_utc_offset_min = sqlite3_column_int(s, 12);
    pd__sq_col(s, 13, t->waybill_no, sizeof t->waybill_no);
    t->customer_id = sqlite3_column_int64(s, 14);
    pd__sq_col(s, 15, t->customer_code, sizeof t->customer_code);
    pd__sq_col(s, 16, t->contact_name, sizeof t->contact_name);
    pd__sq_col(s, 17, t->contact_phone, sizeof t->contact_phone);
    pd__sq_col(s, 18, t->phone_last4, sizeof t->phone_last4);
    pd__sq_col(s, 19, t->subject, sizeof t->subject);
    pd__sq_col(s, 20, t->description, sizeof t->description);
    pd__sq_col(s, 21, t->department, sizeof t->department);
    t->responsible_id = sqlite3_column_int64(s, 22);
    pd__sq_col(s, 23, t->responsible_name, sizeof t->responsible_name);
    pd__sq_col(s, 24, t->responsible_display, sizeof t->responsible_display);
    t->owner_id = sqlite3_column_int64(s, 25);
    pd__sq_col(s, 26, t->owner_name, sizeof t->owner_name);
    t->parent_id = sqlite3_column_int64(s, 27);
    pd__sq_col(s, 28, t->parent_no, sizeof t->parent_no);
    t->major = sqlite3_column_int(s, 29) != 0;
    t->investigated = sqlite3_column_int(s, 30) != 0;
    t->incident_ms = sqlite3_column_int64(s, 31);
    t->satisfaction = sqlite3_column_int(s, 32);
    pd__sq_col(s, 33, t->satisfaction_comment, sizeof t->satisfaction_comment);
    t->satisfaction_ms = sqlite3_column_int64(s, 34);
    pd__sq_col(s, 35, t->close_reason, sizeof t->close_reason);
    t->resolved_ms = sqlite3_column_int64(s, 36);
    t->closed_ms = sqlite3_column_int64(s, 37);
    t->closed_by = sqlite3_column_int64(s, 38);
    t->reopened = sqlite3_column_int(s, 39);
    t->created_ms = sqlite3_column_int64(s, 40);
    t->created_by = sqlite3_column_int64(s, 41);
    t->updated_ms = sqlite3_column_int64(s, 42);
}

/* Bump the day's counter and return its new value in *serial. */
static pd_qs next_serial(struct pd__sq_conn *c, const char *day, int64_t *serial)
{
    sqlite3_stmt *s = pd__sq_prep(c, PD_SQ_TK_SERIAL,
                                  "INSERT INTO ticket_serial (day, last_serial) VALUES (?1, 1)"
                                  " ON CONFLICT (day) DO UPDATE SET last_serial = last_serial + 1"
                                  " RETURNING last_serial");
    if (!s)
        return PD_QS_HARD;
    pd__sq_text(s, 1, day);
    int rc = sqlite3_step(s);
    pd_qs qs = rc == SQLITE_ROW ? PD_QS_ONE : pd__sq_fail(c, rc, "ticket serial");
    if (qs == PD_QS_ONE)
        *serial = sqlite3_column_int64(s, 0);
    pd__sq_done(s);
    return qs;
}

pd_qs pd__sq_ticket_insert(pd_db *db, struct pd_ticket *t, const char *day)
{
    struct pd__sq_conn *c = C(db);
    if (PD_BREAK(day_ok(day)) || PD_BREAK(t->node_id > 0 && t->kind[0] && t->status[0]))
        return PD_QS_HARD;
    int64_t serial = 0;
    pd_qs qs = next_serial(c, day, &serial);
    if (qs < 0)
        return qs;
    char no[PD_TICKET_NO_SIZE];
    snprintf(no, sizeof no, "TS%.8s%04lld", day, (long long)serial);
    sqlite3_stmt *s = pd__sq_prep(
        c, PD_SQ_TK_INSERT,
        "INSERT INTO tickets (ticket_no, kind, channel, category, priority, status, node_id,"
        " waybill_no, customer_id, contact_name, contact_phone, phone_last4, subject,"
        " description, department, responsible_id, owner_id, parent_id, major, investigated,"
        " incident_ms, satisfaction, satisfaction_comment, satisfaction_ms, close_reason,"
        " resolved_ms, closed_ms, closed_by, reopened, created_ms, created_by, updated_ms)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,"
        " ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31, ?32)"
        " RETURNING id");
    if (!s)
        return PD_QS_HARD;
    pd__sq_text(s, 1, no);
    pd__sq_text(s, 2, t->kind);
    pd__sq_text(s, 3, t->channel);
    pd__sq_text(s, 4, t->category);
    pd__sq_text(s, 5, t->priority);
    pd__sq_text(s, 6, t->status);
    pd__sq_i64(s, 7, t->node_id);
    pd__sq_text(s, 8, t->waybill_no);
    bind_ref(s, 9, t->customer_id);
    pd__sq_text(s, 10, t->contact_name);
    pd__sq_text(s, 11, t->contact_phone);
    pd__sq_text(s, 12, t->phone_last4);
    pd__sq_text(s, 13, t->subject);
    pd__sq_text(s, 14, t->description);
    pd__sq_text(s, 15, t->department);
    bind_ref(s, 16, t->responsible_id);
    bind_ref(s, 17, t->owner_id);
    bind_ref(s, 18, t->parent_id);
    sqlite3_bind_int(s, 19, t->major);
    sqlite3_bind_int(s, 20, t->investigated);
    pd__sq_i64(s, 21, t->incident_ms);
    sqlite3_bind_int(s, 22, t->satisfaction);
    pd__sq_text(s, 23, t->satisfaction_comment);
    pd__sq_i64(s, 24, t->satisfaction_ms);
    pd__sq_text(s, 25, t->close_reason);
    pd__sq_i64(s, 26, t->resolved_ms);
    pd__sq_i64(s, 27, t->closed_ms);
    bind_ref(s, 28, t->closed_by);
    sqlite3_bind_int(s, 29, t->reopened);
    pd__sq_i64(s, 30, t->created_ms);
    bind_ref(s, 31, t->created_by);
    pd__sq_i64(s, 32, t->updated_ms);
    int rc = sqlite3_step(s);
    qs = rc == SQLITE_ROW ? PD_QS_ONE : pd__sq_fail(c, rc, "ticket_insert");
    if (qs == PD_QS_ONE) {
        t->id = sqlite3_column_int64(s, 0);
        memcpy(t->ticket_no, no, sizeof no);
    }
    pd__sq_done(s);
    return qs;
}

pd_qs pd__sq_ticket_get(pd_db *db, int64_t id, const char *no, bool for_update,
                        struct pd_ticket *out)
{
    struct pd__sq_conn *c = C(db);
    (void)for_update; /* the write transaction already holds the database */
    sqlite3_stmt *s =
        id > 0
            ? pd__sq_prep(c, PD_SQ_TK_GET, "SELECT " TK_COLS TK_FROM " WHERE t.id = ?1")
            : pd__sq_prep(c, PD_SQ_TK_GET_NO, "SELECT " TK_COLS TK_FROM " WHERE t.ticket_no = ?1");
    if (!s)
        return PD_QS_HARD;
    if (id > 0)
        pd__sq_i64(s, 1, id);
    else
        pd__sq_text(s, 1, no ? no : "");
    return one_row(c, s, "ticket_get", ticket_row, out);
}

static int ticket_cb_row(sqlite3_stmt *s, void *cb, void *cls)
{
    struct pd_ticket t;
    ticket_row(s, &t);
    return ((pd_ticket_cb)cb)(cls, &t);
}

pd_qs pd__sq_ticket_list(pd_db *db, const struct pd_ticket_filter *f, pd_ticket_cb cb, void *cls)
{
    struct pd__sq_conn *c = C(db);
    char lo[PD_PATH_MAX], hi[PD_PATH_MAX];
    if (PD_BREAK(f->node_path && f->node_path[0] == '/') ||
        PD_BREAK(pd__path_range(f->node_path, lo, hi)))
        return PD_QS_HARD;
    sqlite3_stmt *s = pd__sq_prep(
        c, PD_SQ_TK_LIST,
        "SELECT " TK_COLS TK_FROM " WHERE n.path >= ?1 AND n.path < ?2"
        " AND (?3 IS NULL OR t.status = ?3) AND (?4 = 0 OR t.status <> 'closed')"
        " AND (?5 IS NULL OR t.kind = ?5) AND (?6 IS NULL OR t.category = ?6)"
        " AND (?7 IS NULL OR t.priority = ?7) AND (?8 IS NULL OR t.waybill_no = ?8)"
        " AND (?9 IS NULL OR t.customer_id = ?9) AND (?10 IS NULL OR t.responsible_id = ?10)"
        " AND (?11 IS NULL OR t.responsible_id = ?11 OR t.owner_id = ?11)"
        " AND (?12 IS NULL OR t.parent_id = ?12)"
        " AND (?13 = 0 OR EXISTS (SELECT 1 FROM ticket_clocks k WHERE k.ticket_id = t.id"
        " AND k.state = 'running' AND k.held = 0 AND (?14 IS NULL OR k.rule = ?14)"
        " AND (?15 IS NULL OR k.due_ms < ?15)))"
        " AND t.id < ?16 ORDER BY t.id DESC LIMIT ?17");
    if (!s)
        return PD_QS_HARD;
    pd__sq_text(s, 1, lo);
    pd__sq_text(s, 2, hi);
    pd__sq_opt(s, 3, f->status);
    sqlite3_bind_int(s, 4, f->open_only);
    pd__sq_opt(s, 5, f->kind);
    pd__sq_opt(s, 6, f->category);
    pd__sq_opt(s, 7, f->priority);
    pd__sq_opt(s, 8, f->waybill_no);
    bind_ref(s, 9, f->customer_id);
    bind_ref(s, 10, f->responsible_id);
    bind_ref(s, 11, f->mine_id);
    bind_ref(s, 12, f->parent_id);
    bool clocks = (f->clock_rule && f->clock_rule[0]) || f->clock_due_before_ms > 0;
    sqlite3_bind_int(s, 13, clocks);
    pd__sq_opt(s, 14, f->clock_rule);
    bind_opt_i64(s, 15, f->clock_due_before_ms);
    pd__sq_i64(s, 16, f->before_id > 0 ? f->before_id : INT64_MAX);
    sqlite3_bind_int(s, 17, pd__list_limit(f->limit));
    return each_row(c, s, "ticket_list", ticket_cb_row, (void *)cb, cls);
}

pd_qs pd__sq_ticket_update(pd_db *db, const struct pd_ticket *t)
{
    struct pd__sq_conn *c = C(db);
    if (PD_BREAK(t->id > 0 && t->node_id > 0))
        return PD_QS_HARD;
    sqlite3_stmt *s = pd__sq_prep(
        c, PD_SQ_TK_UPDATE,
        "UPDATE tickets SET category = ?2, priority = ?3, status = ?4, node_id = ?5,"
        " waybill_no = ?6, customer_id = ?7, contact_name = ?8, contact_phone = ?9,"
        " phone_last4 = ?10, subject = ?11, description = ?12, department = ?13,"
        " responsible_id = ?14, owner_id = ?15, major = ?16, investigated = ?17,"
        " incident_ms = ?18, satisfaction = ?19, satisfaction_comment = ?20,"
        " satisfaction_ms = ?21, close_reason = ?22, resolved_ms = ?23, closed_ms = ?24,"
        " closed_by = ?25, reopened = ?26, updated_ms = ?27 WHERE id = ?1");
    if (!s)
        return PD_QS_HARD;
    pd__sq_i64(s, 1, t->id);
    pd__sq_text(s, 2, t->category);
    pd__sq_text(s, 3, t->priority);
    pd__sq_text(s, 4, t->status);
    pd__sq_i64(s, 5, t->node_id);
    pd__sq_text(s, 6, t->waybill_no);
    bind_ref(s, 7, t->customer_id);
    pd__sq_text(s, 8, t->contact_name);
    pd__sq_text(s, 9, t->contact_phone);
    pd__sq_text(s, 10, t->phone_last4);
    pd__sq_text(s, 11, t->subject);
    pd__sq_text(s, 12, t->description);
    pd__sq_text(s, 13, t->department);
    bind_ref(s, 14, t->responsible_id);
    bind_ref(s, 15, t->owner_id);
    sqlite3_bind_int(s, 16, t->major);
    sqlite3_bind_int(s, 17, t->investigated);
    pd__sq_i64(s, 18, t->incident_ms);
    sqlite3_bind_int(s, 19, t->satisfaction);
    pd__sq_text(s, 20, t->satisfaction_comment);
    pd__sq_i64(s, 21, t->satisfaction_ms);
    pd__sq_text(s, 22, t->close_reason);
    pd__sq_i64(s, 23, t->resolved_ms);
    pd__sq_i64(s, 24, t->closed_ms);
    bind_ref(s, 25, t->closed_by);
    sqlite3_bind_int(s, 26, t->reopened);
    pd__sq_i64(s, 27, t->updated_ms);
    pd_qs qs = pd__sq_exec(c, s, "ticket_update");
    return qs < 0 ? qs : qs > 0 ? PD_QS_ONE : PD_QS_NONE;
}

/* ---- history ------------------------------------------------------------------- */

pd_qs pd__sq_ticket_event_insert(pd_db *db, struct pd_ticket_event *e)
{
    struct pd__sq_conn *c = C(db);
    if (PD_BREAK(e->ticket_id > 0 && e->kind[0]))
        return PD_QS_HARD;
    sqlite3_stmt *s =
        pd__sq_prep(c, PD_SQ_TK_EVENT_INSERT,
                    "INSERT INTO ticket_events (ticket_id, at_ms, actor_id, actor_name, kind,"
                    " public, text, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) RETURNING id");
    if (!s)
        return PD_QS_HARD;
    pd__sq_i64(s, 1, e->ticket_id);
    pd__sq_i64(s, 2, e->at_ms);
    bind_ref(s, 3, e->actor_id);
    pd__sq_text(s, 4, e->actor_name);
    pd__sq_text(s, 5, e->kind);
    sqlite3_bind_int(s, 6, e->public_);
    pd__sq_text(s, 7, e->text ? e->text : "");
    pd__sq_text(s, 8, e->detail);
    int rc = sqlite3_step(s);
    pd_qs qs = rc == SQLITE_ROW ? PD_QS_ONE : pd__sq_fail(c, rc, "ticket_event_insert");
    if (qs == PD_QS_ONE)
        e->id = sqlite3_column_int64(s, 0);
    pd__sq_done(s);
    return qs;
}

static int event_cb_row(sqlite3_stmt *s, void *cb, void *cls)
{
    struct pd_ticket_event e;
    memset(&e, 0, sizeof e);
    e.id = sqlite3_column_int64(s, 0);
    e.ticket_id = sqlite3_column_int64(s, 1);
    e.at_ms = sqlite3_column_int64(s, 2);
    e.actor_id = sqlite3_column_int64(s, 3);
    pd__sq_col(s, 4, e.actor_name, sizeof e.actor_name);
    pd__sq_col(s, 5, e.kind, sizeof e.kind);
    e.public_ = sqlite3_column_int(s, 6) != 0;
    e.text = (const char *)sqlite3_column_text(s, 7);
    e.detail = (const char *)sqlite3_column_text(s, 8);
    if (!e.text)
        e.text = "";
    return ((pd_ticket_event_cb)cb)(cls, &e);
}

pd_qs pd__sq_ticket_event_list(pd_db *db, int64_t ticket_id, bool public_only,
                               pd_ticket_event_cb cb, void *cls)
{
    struct pd__sq_conn *c = C(db);
    sqlite3_stmt *s = pd__sq_prep(c, PD_SQ_TK_EVENT_LIST,
                                  "SELECT id, ticket_id, at_ms, COALESCE(actor_id, 0), actor_name,"
                                  " kind, public, text, detail FROM ticket_events"
                                  " WHERE ticket_id = ?1 AND (?2 = 0 OR public = 1) ORDER BY id");
    if (!s)
        return PD_QS_HARD;
    pd__sq_i64(s, 1, ticket_id);
    sqlite3_bind_int(s, 2, public_only);
    return each_row(c, s, "ticket_event_list", event_cb_row, (void *)cb, cls);
}

/* ---- waiting periods ------------------------------------------------------------- */

pd_qs pd__sq_ticket_pause_open(pd_db *db, int64_t ticket_id, int64_t from_ms, bool *opened)
{
    struct pd__sq_conn *c = C(db);
    *opened = false;
    sqlite3_stmt *s = pd__sq_prep(c, PD_SQ_TK_PAUSE_OPEN,
                                  "INSERT INTO ticket_pauses (ticket_id, from_ms) VALUES (?1, ?2)"
                                  " ON CONFLICT (ticket_id) WHERE to_ms = 0 DO NOTHING");
    if (!s)
        return PD_QS_HARD;
    pd__sq_i64(s, 1, ticket_id);
    pd__sq_i64(s, 2, from_ms);
    pd_qs qs = pd__sq_exec(c, s, "ticket_pause_open");
    if (qs > 0)
        *opened = true;
    return qs < 0 ? qs : PD_QS_ONE;
}

pd_qs pd__sq_ticket_pause_close(pd_db *db, int64_t ticket_id, int64_t to_ms)
{
    struct pd__sq_conn *c = C(db);
    /* A period closed within the millisecond it opened still lasts 1 ms (the table's CHECK). */
    sqlite3_stmt *s = pd__sq_prep(c, PD_SQ_TK_PAUSE_CLOSE,
                                  "UPDATE ticket_pauses SET to_ms = max(?2, from_ms + 1)"
                                  " WHERE ticket_id = ?1 AND to_ms = 0");
    if (!s)
        return PD_QS_HARD;
    pd__sq_i64(s, 1, ticket_id);
    pd__sq_i64(s, 2, to_ms);
    pd_qs qs = pd__sq_exec(c, s, "ticket_pause_close");
    return qs < 0 ? qs : qs > 0 ? PD_QS_ONE : PD_QS_NONE;
}

static int pause_cb_row(sqlite3_stmt *s, void *cb, void *cls)
{
    struct pd_ticket_pause p = {
        .id = sqlite3_column_int64(s, 0),
        .ticket_id = sqlite3_column_int64(s, 1),
        .from_ms = sqlite3_column_int64(s, 2),
        .to_ms = sqlite3_column_int64(s, 3),
    };
    return ((pd_ticket_pause_cb)cb)(cls, &p);
}

pd_qs pd__sq_ticket_pause_list(pd_db *db, int64_t ticket_id, pd_ticket_pause_cb cb, void *cls)
{
    struct pd__sq_conn *c = C(db);
    sqlite3_stmt *s = pd__sq_prep(c, PD_SQ_TK_PAUSE_LIST,
                                  "SELECT id, ticket_id, from_ms, to_ms FROM ticket_pauses"
                                  " WHERE ticket_id = ?1 ORDER BY from_ms, id");
    if (!s)
        return PD_QS_HARD;
    pd__sq_i64(s, 1, ticket_id);
    return each_row(c, s, "ticket_pause_list", pause_cb_row, (void *)cb, cls);
}

/* ---- clocks ----------------------------------------------------------------------- */

#define CLOCK_COLS                                                                                 \
    "k.id, k.ticket_id, k.rule, k.started_ms, k.due_ms, k.warn_ms, k.base_due_ms, k.held,"         \
    " k.pausable, k.state, k.met_ms, k.late, k.escalated"
#define CLOCK_NCOLS 13

static void clock_row(sqlite3_stmt *s, struct pd_ticket_clock *k)
{
    memset(k, 0, sizeof *k);
    k->id = sqlite3_column_int64(s, 0);
    k->ticket_id = sqlite3_column_int64(s, 1);
    pd__sq_col(s, 2, k->rule, sizeof k->rule);
    k->started_ms = sqlite3_column_int64(s, 3);
    k->due_ms = sqlite3_column_int64(s, 4);
    k->warn_ms = sqlite3_column_int64(s, 5);
    k->base_due_ms = sqlite3_column_int64(s, 6);
    k->held = sqlite3_column_int(s, 7) != 0;
    k->pausable = sqlite3_column_int(s, 8) != 0;
    pd__sq_col(s, 9, k->state, sizeof k->state);
    k->met_ms = sqlite3_column_int64(s, 10);
    k->late = sqlite3_column_int(s, 11) != 0;
    k->escalated = sqlite3_column_int(s, 12);
}

pd_qs pd__sq_ticket_clock_insert(pd_db *db, struct pd_ticket_clock *k, bool *dup)
{
    struct pd__sq_conn *c = C(db);
    if (PD_BREAK(k->ticket_id > 0 && k->rule[0] && k->state[0]))
        return PD_QS_HARD;
    *dup = false;
    sqlite3_stmt *s = pd__sq_prep(
        c, PD_SQ_TK_CLOCK_INSERT,
        "INSERT INTO ticket_clocks (ticket_id, rule, started_ms, due_ms, warn_ms, base_due_ms,"
        " held, pausable, state, met_ms, late, escalated)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"
        " ON CONFLICT (ticket_id, rule) DO NOTHING RETURNING id");
    if (!s)
        return PD_QS_HARD;
    pd__sq_i64(s, 1, k->ticket_id);
    pd__sq_text(s, 2, k->rule);
    pd__sq_i64(s, 3, k->started_ms);
    pd__sq_i64(s, 4, k->due_ms);
    pd__sq_i64(s, 5, k->warn_ms);
    pd__sq_i64(s, 6, k->base_due_ms);
    sqlite3_bind_int(s, 7, k->held);
    sqlite3_bind_int(s, 8, k->pausable);
    pd__sq_text(s, 9, k->state);
    pd__sq_i64(s, 10, k->met_ms);
    sqlite3_bind_int(s, 11, k->late);
    sqlite3_bind_int(s, 12, k->escalated);
    int rc = sqlite3_step(s);
    pd_qs qs = rc == SQLITE_ROW    ? PD_QS_ONE
               : rc == SQLITE_DONE ? PD_QS_NONE
                                   : pd__sq_fail(c, rc, "ticket_clock_insert");
    if (qs == PD_QS_ONE)
        k->id = sqlite3_column_int64(s, 0);
    pd__sq_done(s);
    if (qs == PD_QS_NONE)
        *dup = true;
    return qs < 0 ? qs : PD_QS_ONE;
}

pd_qs pd__sq_ticket_clock_update(pd_db *db, const struct pd_ticket_clock *k)
{
    struct pd__sq_conn *c = C(db);
    sqlite3_stmt *s = pd__sq_prep(c, PD_SQ_TK_CLOCK_UPDATE,
                                  "UPDATE ticket_clocks SET due_ms = ?2, warn_ms = ?3,"
                                  " base_due_ms = ?4, held = ?5, state = ?6, met_ms = ?7,"
                                  " late = ?8, escalated = ?9 WHERE id = ?1");
    if (!s)
        return PD_QS_HARD;
    pd__sq_i64(s, 1, k->id);
    pd__sq_i64(s, 2, k->due_ms);
    pd__sq_i64(s, 3, k->warn_ms);
    pd__sq_i64(s, 4, k->base_due_ms);
    sqlite3_bind_int(s, 5, k->held);
    pd__sq_text(s, 6, k->state);
    pd__sq_i64(s, 7, k->met_ms);
    sqlite3_bind_int(s, 8, k->late);
    sqlite3_bind_int(s, 9, k->escalated);
    pd_qs qs = pd__sq_exec(c, s, "ticket_clock_update");
    return qs < 0 ? qs : qs > 0 ? PD_QS_ONE : PD_QS_NONE;
}

static int clock_cb_row(sqlite3_stmt *s, void *cb, void *cls)
{
    struct pd_ticket_clock k;
    clock_row(s, &k);
    return ((pd_ticket_clock_cb)cb)(cls, &k);
}

pd_qs pd__sq_ticket_clock_list(pd_db *db, int64_t ticket_id, pd_ticket_clock_cb cb, void *cls)
{
    struct pd__sq_conn *c = C(db);
    sqlite3_stmt *s = pd__sq_prep(c, PD_SQ_TK_CLOCK_LIST,
                                  "SELECT " CLOCK_COLS
                                  " FROM ticket_clocks k WHERE k.ticket_id = ?1 ORDER BY k.id");
    if (!s)
        return PD_QS_HARD;
    pd__sq_i64(s, 1, ticket_id);
    return each_row(c, s, "ticket_clock_list", clock_cb_row, (void *)cb, cls);
}

static int clock_due_cb_row(sqlite3_stmt *s, void *cb, void *cls)
{
    struct pd_ticket_clock_due d;
    memset(&d, 0, sizeof d);
    clock_row(s, &d.c);
    int i = CLOCK_NCOLS;
    pd__sq_col(s, i++, d.ticket_no, sizeof d.ticket_no);
    pd__sq_col(s, i++, d.status, sizeof d.status);
    d.node_id = sqlite3_column_int64(s, i++);
    pd__sq_col(s, i++, d.node_path, sizeof d.node_path);
    pd__sq_col(s, i++, d.node_region, sizeof d.node_region);
    d.node_utc_offset_min = sqlite3_column_int(s, i++);
    d.responsible_id = sqlite3_column_int64(s, i++);
    d.owner_id = sqlite3_column_int64(s, i++);
    d.major = sqlite3_column_int(s, i++) != 0;
    return ((pd_ticket_clock_due_cb)cb)(cls, &d);
}

pd_qs pd__sq_ticket_clock_due(pd_db *db, int64_t now_ms, int64_t after_warn_ms, int64_t after_id,
                              int limit, pd_ticket_clock_due_cb cb, void *cls)
{
    struct pd__sq_conn *c = C(db);
    sqlite3_stmt *s = pd__sq_prep(
        c, PD_SQ_TK_CLOCK_DUE,
        "SELECT " CLOCK_COLS ", t.ticket_no, t.status, t.node_id, n.path, n.region,"
        " n.utc_offset_min, COALESCE(t.responsible_id, 0), COALESCE(t.owner_id, 0), t.major"
        " FROM ticket_clocks k JOIN tickets t ON t.id = k.ticket_id"
        " JOIN nodes n ON n.id = t.node_id"
        " WHERE k.state = 'running' AND k.held = 0 AND k.escalated < 2 AND k.warn_ms <= ?1"
        " AND (k.escalated = 0 OR k.due_ms <= ?1 - 1000)"
        " AND (k.warn_ms > ?2 OR (k.warn_ms = ?2 AND k.id > ?3))"
        " ORDER BY k.warn_ms, k.id LIMIT ?4");
    if (!s)
        return PD_QS_HARD;
    pd__sq_i64(s, 1, now_ms);
    pd__sq_i64(s, 2, after_warn_ms);
    pd__sq_i64(s, 3, after_id);
    sqlite3_bind_int(s, 4, pd__list_limit(limit));
    return each_row(c, s, "ticket_clock_due", clock_due_cb_row, (void *)cb, cls);
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

static void esc_row(sqlite3_stmt *s, void *out)
{
    struct pd_ticket_escalation *e = out;
    memset(e, 0, sizeof *e);
    e->id = sqlite3_column_int64(s, 0);
    e->clock_id = sqlite3_column_int64(s, 1);
    e->ticket_id = sqlite3_column_int64(s, 2);
    pd__sq_col(s, 3, e->level, sizeof e->level);
    pd__sq_col(s, 4, e->audience, sizeof e->audience);
    e->user_id = sqlite3_column_int64(s, 5);
    e->node_id = sqlite3_column_int64(s, 6);
    e->at_ms = sqlite3_column_int64(s, 7);
    e->due_ms = sqlite3_column_int64(s, 8);
    e->read_ms = sqlite3_column_int64(s, 9);
    e->read_by = sqlite3_column_int64(s, 10);
    pd__sq_col(s, 11, e->ticket_no, sizeof e->ticket_no);
    pd__sq_col(s, 12, e->rule, sizeof e->rule);
    pd__sq_col(s, 13, e->node_code, sizeof e->node_code);
    pd__sq_col(s, 14, e->ticket_status, sizeof e->ticket_status);
    pd__sq_col(s, 15, e->ticket_path, sizeof e->ticket_path);
}

pd_qs pd__sq_ticket_escalation_insert(pd_db *db, struct pd_ticket_escalation *e, bool *inserted)
{
    struct pd__sq_conn *c = C(db);
    if (PD_BREAK(e->clock_id > 0 && e->ticket_id > 0 && (e->user_id > 0 || e->node_id > 0)))
        return PD_QS_HARD;
    *inserted = false;
    sqlite3_stmt *s = pd__sq_prep(
        c, PD_SQ_TK_ESC_INSERT,
        "INSERT INTO ticket_escalations (clock_id, ticket_id, level, audience, user_id, node_id,"
        " at_ms, due_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
        " ON CONFLICT (clock_id, level) DO NOTHING RETURNING id");
    if (!s)
        return PD_QS_HARD;
    pd__sq_i64(s, 1, e->clock_id);
    pd__sq_i64(s, 2, e->ticket_id);
    pd__sq_text(s, 3, e->level);
    pd__sq_text(s, 4, e->audience);
    bind_ref(s, 5, e->user_id);
    bind_ref(s, 6, e->node_id);
    pd__sq_i64(s, 7, e->at_ms);
    pd__sq_i64(s, 8, e->due_ms);
    int rc = sqlite3_step(s);
    pd_qs qs = rc == SQLITE_ROW    ? PD_QS_ONE
               : rc == SQLITE_DONE ? PD_QS_NONE
                                   : pd__sq_fail(c, rc, "ticket_escalation_insert");
    if (qs == PD_QS_ONE) {
        e->id = sqlite3_column_int64(s, 0);
        *inserted = true;
    }
    pd__sq_done(s);
    return qs < 0 ? qs : PD_QS_ONE;
}

pd_qs pd__sq_ticket_escalation_get(pd_db *db, int64_t id, struct pd_ticket_escalation *out)
{
    struct pd__sq_conn *c = C(db);
    sqlite3_stmt *s =
        pd__sq_prep(c, PD_SQ_TK_ESC_GET, "SELECT " ESC_COLS ESC_FROM " WHERE e.id = ?1");
    if (!s)
        return PD_QS_HARD;
    pd__sq_i64(s, 1, id);
    return one_row(c, s, "ticket_escalation_get", esc_row, out);
}

static int esc_cb_row(sqlite3_stmt *s, void *cb, void *cls)
{
    struct pd_ticket_escalation e;
    esc_row(s, &e);
    return ((pd_ticket_escalation_cb)cb)(cls, &e);
}

pd_qs pd__sq_ticket_escalation_list(pd_db *db, const struct pd_escalation_filter *f,
                                    pd_ticket_escalation_cb cb, void *cls)
{
    struct pd__sq_conn *c = C(db);
    sqlite3_stmt *s = pd__sq_prep(c, PD_SQ_TK_ESC_LIST,
                                  "SELECT " ESC_COLS ESC_FROM
                                  " WHERE (e.user_id = ?1 OR (?2 > 0 AND e.node_id = ?2))"
                                  " AND (?3 = 0 OR e.read_ms = 0) AND e.id < ?4"
                                  " ORDER BY e.id DESC LIMIT ?5");
    if (!s)
        return PD_QS_HARD;
    pd__sq_i64(s, 1, f->user_id);
    pd__sq_i64(s, 2, f->node_id);
    sqlite3_bind_int(s, 3, f->unread_only);
    pd__sq_i64(s, 4, f->before_id > 0 ? f->before_id : INT64_MAX);
    sqlite3_bind_int(s, 5, pd__list_limit(f->limit));
    return each_row(c, s, "ticket_escalation_list", esc_cb_row, (void *)cb, cls);
}

pd_qs pd__sq_ticket_escalation_read(pd_db *db, int64_t id, int64_t user_id, int64_t at_ms)
{
    struct pd__sq_conn *c = C(db);
    sqlite3_stmt *s = pd__sq_prep(c, PD_SQ_TK_ESC_READ,
                                  "UPDATE ticket_escalations SET read_ms = ?3, read_by = ?2"
                                  " WHERE id = ?1 AND read_ms = 0");
    if (!s)
        return PD_QS_HARD;
    pd__sq_i64(s, 1, id);
    bind_ref(s, 2, user_id);
    pd__sq_i64(s, 3, at_ms);
    pd_qs qs = pd__sq_exec(c, s, "ticket_escalation_read");
    return qs < 0 ? qs : qs > 0 ? PD_QS_ONE : PD_QS_NONE;
}

static void id_row(sqlite3_stmt *s, void *out)
{
    *(int64_t *)out = sqlite3_column_int64(s, 0);
}

pd_qs pd__sq_ticket_supervisor_node(pd_db *db, const char *node_path, int64_t *node_id)
{
    struct pd__sq_conn *c = C(db);
    /* The network is tens to thousands of nodes: comparing each path as a
     * prefix of the ticket's is cheaper than anything that needs an index. */
    sqlite3_stmt *s = pd__sq_prep(
        c, PD_SQ_TK_SUPERVISOR,
        "SELECT n.id FROM nodes n WHERE substr(?1, 1, length(n.path)) = n.path"
        " AND EXISTS (SELECT 1 FROM users u JOIN role_permissions rp ON rp.role = u.role"
        " AND rp.perm = 'tickets.supervise' WHERE u.node_id = n.id AND u.active = 1)"
        " ORDER BY length(n.path) DESC LIMIT 1");
    if (!s)
        return PD_QS_HARD;
    pd__sq_text(s, 1, node_path ? node_path : "");
    *node_id = 0;
    return one_row(c, s, "ticket_supervisor_node", id_row, node_id);
}

/* ---- corrective actions ------------------------------------------------------------ */

#define CA_COLS                                                                                    \
    "a.id, a.ticket_id, t.ticket_no, t.node_id, n.code, n.path, a.measure, a.owner_id,"            \
    " COALESCE(u.username, ''), a.due_ms, a.created_ms, COALESCE(a.created_by, 0), a.done_ms,"     \
    " a.evaluation, a.evaluation_note, a.evaluated_ms, COALESCE(a.evaluated_by, 0)"
#define CA_FROM                                                                                    \
    " FROM ticket_corrective_actions a JOIN tickets t ON t.id = a.ticket_id"                       \
    " JOIN nodes n ON n.id = t.node_id LEFT JOIN users u ON u.id = a.owner_id"

static void ca_row(sqlite3_stmt *s, void *out)
{
    struct pd_ticket_corrective *a = out;
    memset(a, 0, sizeof *a);
    a->id = sqlite3_column_int64(s, 0);
    a->ticket_id = sqlite3_column_int64(s, 1);
    pd__sq_col(s, 2, a->ticket_no, sizeof a->ticket_no);
    a->node_id = sqlite3_column_int64(s, 3);
    pd__sq_col(s, 4, a->node_code, sizeof a->node_code);
    pd__sq_col(s, 5, a->node_path, sizeof a->node_path);
    pd__sq_col(s, 6, a->measure, sizeof a->measure);
    a->owner_id = sqlite3_column_int64(s, 7);
    pd__sq_col(s, 8, a->owner_name, sizeof a->owner_name);
    a->due_ms = sqlite3_column_int64(s, 9);
    a->created_ms = sqlite3_column_int64(s, 10);
    a->created_by = sqlite3_column_int64(s, 11);
    a->done_ms = sqlite3_column_int64(s, 12);
    pd__sq_col(s, 13, a->evaluation, sizeof a->evaluation);
    pd__sq_col(s, 14, a->evaluation_note, sizeof a->evaluation_note);
    a->evaluated_ms = sqlite3_column_int64(s, 15);
    a->evaluated_by = sqlite3_column_int64(s, 16);
}

pd_qs pd__sq_ticket_corrective_insert(pd_db *db, struct pd_ticket_corrective *a)
{
    struct pd__sq_conn *c = C(db);
    if (PD_BREAK(a->ticket_id > 0 && a->owner_id > 0 && a->measure[0]))
        return PD_QS_HARD;
    sqlite3_stmt *s =
        pd__sq_prep(c, PD_SQ_TK_CA_INSERT,
                    "INSERT INTO ticket_corrective_actions (ticket_id, measure, owner_id, due_ms,"
                    " created_ms, created_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id");
    if (!s)
        return PD_QS_HARD;
    pd__sq_i64(s, 1, a->ticket_id);
    pd__sq_text(s, 2, a->measure);
    pd__sq_i64(s, 3, a->owner_id);
    pd__sq_i64(s, 4, a->due_ms);
    pd__sq_i64(s, 5, a->created_ms);
    bind_ref(s, 6, a->created_by);
    int rc = sqlite3_step(s);
    pd_qs qs = rc == SQLITE_ROW ? PD_QS_ONE : pd__sq_fail(c, rc, "ticket_corrective_insert");
    if (qs == PD_QS_ONE)
        a->id = sqlite3_column_int64(s, 0);
    pd__sq_done(s);
    return qs;
}

pd_qs pd__sq_ticket_corrective_get(pd_db *db, int64_t id, struct pd_ticket_corrective *out)
{
    struct pd__sq_conn *c = C(db);
    sqlite3_stmt *s = pd__sq_prep(c, PD_SQ_TK_CA_GET, "SELECT " CA_COLS CA_FROM " WHERE a.id = ?1");
    if (!s)
        return PD_QS_HARD;
    pd__sq_i64(s, 1, id);
    return one_row(c, s, "ticket_corrective_get", ca_row, out);
}

pd_qs pd__sq_ticket_corrective_update(pd_db *db, const struct pd_ticket_corrective *a)
{
    struct pd__sq_conn *c = C(db);
    sqlite3_stmt *s = pd__sq_prep(c, PD_SQ_TK_CA_UPDATE,
                                  "UPDATE ticket_corrective_actions SET done_ms = ?2,"
                                  " evaluation = ?3, evaluation_note = ?4, evaluated_ms = ?5,"
                                  " evaluated_by = ?6 WHERE id = ?1");
    if (!s)
        return PD_QS_HARD;
    pd__sq_i64(s, 1, a->id);
    pd__sq_i64(s, 2, a->done_ms);
    pd__sq_text(s, 3, a->evaluation);
    pd__sq_text(s, 4, a->evaluation_note);
    pd__sq_i64(s, 5, a->evaluated_ms);
    bind_ref(s, 6, a->evaluated_by);
    pd_qs qs = pd__sq_exec(c, s, "ticket_corrective_update");
    return qs < 0 ? qs : qs > 0 ? PD_QS_ONE : PD_QS_NONE;
}

static int ca_cb_row(sqlite3_stmt *s, void *cb, void *cls)
{
    struct pd_ticket_corrective a;
    ca_row(s, &a);
    return ((pd_ticket_corrective_cb)cb)(cls, &a);
}

pd_qs pd__sq_ticket_corrective_list(pd_db *db, const struct pd_corrective_filter *f,
                                    pd_ticket_corrective_cb cb, void *cls)
{
    struct pd__sq_conn *c = C(db);
    sqlite3_stmt *s;
    if (f->ticket_id > 0) {
        s = pd__sq_prep(c, PD_SQ_TK_CA_LIST_TICKET,
                        "SELECT " CA_COLS CA_FROM " WHERE a.ticket_id = ?1 ORDER BY a.id");
        if (!s)
            return PD_QS_HARD;
        pd__sq_i64(s, 1, f->ticket_id);
    } else {
        char lo[PD_PATH_MAX], hi[PD_PATH_MAX];
        if (PD_BREAK(f->node_path && f->node_path[0] == '/') ||
            PD_BREAK(pd__path_range(f->node_path, lo, hi)))
            return PD_QS_HARD;
        s = pd__sq_prep(c, PD_SQ_TK_CA_LIST,
                        "SELECT " CA_COLS CA_FROM " WHERE n.path >= ?1 AND n.path < ?2"
                        " AND (?3 IS NULL OR (a.done_ms = 0 AND a.due_ms < ?3)) AND a.id < ?4"
                        " ORDER BY a.id DESC LIMIT ?5");
        if (!s)
            return PD_QS_HARD;
        pd__sq_text(s, 1, lo);
        pd__sq_text(s, 2, hi);
        bind_opt_i64(s, 3, f->overdue_at_ms);
        pd__sq_i64(s, 4, f->before_id > 0 ? f->before_id : INT64_MAX);
        sqlite3_bind_int(s, 5, pd__list_limit(f->limit));
    }
    return each_row(c, s, "ticket_corrective_list", ca_cb_row, (void *)cb, cls);
}

/* ---- statistics --------------------------------------------------------------------- */

/* Bind the subtree and the period as ?1 … ?4; false on a path that cannot be a prefix. */
static bool bind_scope(sqlite3_stmt *s, const char *node_path, int64_t from_ms, int64_t to_ms)
{
    char lo[PD_PATH_MAX], hi[PD_PATH_MAX];
    if (!pd__path_range(node_path, lo, hi))
        return false;
    pd__sq_text(s, 1, lo);
    pd__sq_text(s, 2, hi);
    pd__sq_i64(s, 3, from_ms);
    pd__sq_i64(s, 4, to_ms);
    return true;
}

/* Column layouts of the four queries, read by stat_cb_row: which struct
 * field each column fills, in order. */
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

static int stat_cb_row(sqlite3_stmt *s, void *ctx, void *unused)
{
    (void)unused;
    struct stat_ctx *x = ctx;
    struct pd_ticket_stat_row r;
    memset(&r, 0, sizeof r);
    for (int i = 0; x->layout[i] != SF_END; i++) {
        switch (x->layout[i]) {
        case SF_KEY:
            pd__sq_col(s, i, r.key, sizeof r.key);
            break;
        case SF_KEY2:
            pd__sq_col(s, i, r.key2, sizeof r.key2);
            break;
        case SF_NODE_ID:
            r.node_id = sqlite3_column_int64(s, i);
            break;
        case SF_NODE_CODE:
            pd__sq_col(s, i, r.node_code, sizeof r.node_code);
            break;
        case SF_NODE_NAME:
            pd__sq_col(s, i, r.node_name, sizeof r.node_name);
            break;
        case SF_DAY:
            r.day = sqlite3_column_int64(s, i);
            break;
        case SF_SCORE:
            r.score = sqlite3_column_int(s, i);
            break;
        case SF_FLAG:
            r.flag = sqlite3_column_int(s, i) != 0;
            break;
        case SF_COUNT:
            r.count = sqlite3_column_int64(s, i);
            break;
        case SF_END:
            break;
        }
    }
    return x->cb(x->cls, &r);
}

static pd_qs stats_run(struct pd__sq_conn *c, sqlite3_stmt *s, const char *what,
                       const enum stat_field *layout, pd_ticket_stat_cb cb, void *cls)
{
    struct stat_ctx x = {.layout = layout, .cb = cb, .cls = cls};
    return each_row(c, s, what, stat_cb_row, &x, NULL);
}

pd_qs pd__sq_ticket_stats_complaints(pd_db *db, const char *node_path, int64_t from_ms,
                                     int64_t to_ms, pd_ticket_stat_cb cb, void *cls)
{
    static const enum stat_field layout[] = {SF_KEY,       SF_KEY2,  SF_NODE_ID, SF_NODE_CODE,
                                             SF_NODE_NAME, SF_COUNT, SF_END};
    struct pd__sq_conn *c = C(db);
    sqlite3_stmt *s =
        pd__sq_prep(c, PD_SQ_TK_STATS_COMPLAINTS,
                    "SELECT t.category, t.department, t.node_id, n.code, n.name, count(*)"
                    " FROM tickets t JOIN nodes n ON n.id = t.node_id"
                    " WHERE t.kind = 'complaint' AND t.created_ms >= ?3 AND t.created_ms < ?4"
                    " AND n.path >= ?1 AND n.path < ?2"
                    " GROUP BY t.category, t.department, t.node_id, n.code, n.name");
    if (!s)
        return PD_QS_HARD;
    if (PD_BREAK(bind_scope(s, node_path, from_ms, to_ms))) {
        pd__sq_done(s);
        return PD_QS_HARD;
    }
    return stats_run(c, s, "ticket_stats_complaints", layout, cb, cls);
}

pd_qs pd__sq_ticket_stats_waybills(pd_db *db, const char *node_path, int64_t from_ms, int64_t to_ms,
                                   pd_ticket_stat_cb cb, void *cls)
{
    static const enum stat_field layout[] = {SF_NODE_ID, SF_NODE_CODE, SF_NODE_NAME, SF_COUNT,
                                             SF_END};
    struct pd__sq_conn *c = C(db);
    sqlite3_stmt *s = pd__sq_prep(c, PD_SQ_TK_STATS_WAYBILLS,
                                  "SELECT w.node_id, n.code, n.name, count(*)"
                                  " FROM waybills w JOIN nodes n ON n.id = w.node_id"
                                  " WHERE w.created_ms >= ?3 AND w.created_ms < ?4"
                                  " AND n.path >= ?1 AND n.path < ?2"
                                  " GROUP BY w.node_id, n.code, n.name");
    if (!s)
        return PD_QS_HARD;
    if (PD_BREAK(bind_scope(s, node_path, from_ms, to_ms))) {
        pd__sq_done(s);
        return PD_QS_HARD;
    }
    return stats_run(c, s, "ticket_stats_waybills", layout, cb, cls);
}

pd_qs pd__sq_ticket_stats_clocks(pd_db *db, const char *node_path, int64_t from_ms, int64_t to_ms,
                                 int64_t now_ms, pd_ticket_stat_cb cb, void *cls)
{
    static const enum stat_field layout[] = {SF_KEY, SF_KEY2, SF_FLAG, SF_COUNT, SF_END};
    struct pd__sq_conn *c = C(db);
    sqlite3_stmt *s = pd__sq_prep(
        c, PD_SQ_TK_STATS_CLOCKS,
        "SELECT k.rule, k.state, CASE WHEN k.state = 'running'"
        " THEN (k.held = 0 AND k.due_ms + 1000 <= ?5) ELSE k.late END AS flag, count(*)"
        " FROM ticket_clocks k JOIN tickets t ON t.id = k.ticket_id"
        " JOIN nodes n ON n.id = t.node_id"
        " WHERE k.started_ms >= ?3 AND k.started_ms < ?4 AND n.path >= ?1 AND n.path < ?2"
        " GROUP BY k.rule, k.state, flag");
    if (!s)
        return PD_QS_HARD;
    if (PD_BREAK(bind_scope(s, node_path, from_ms, to_ms))) {
        pd__sq_done(s);
        return PD_QS_HARD;
    }
    pd__sq_i64(s, 5, now_ms);
    return stats_run(c, s, "ticket_stats_clocks", layout, cb, cls);
}

pd_qs pd__sq_ticket_stats_csat(pd_db *db, const char *node_path, int64_t from_ms, int64_t to_ms,
                               pd_ticket_stat_cb cb, void *cls)
{
    static const enum stat_field layout[] = {SF_KEY,       SF_DAY,       SF_SCORE, SF_NODE_ID,
                                             SF_NODE_CODE, SF_NODE_NAME, SF_COUNT, SF_END};
    struct pd__sq_conn *c = C(db);
    sqlite3_stmt *s = pd__sq_prep(
        c, PD_SQ_TK_STATS_CSAT,
        "SELECT COALESCE(p.category, t.category) AS cat,"
        " (t.satisfaction_ms + 28800000) / 86400000 AS day, t.satisfaction, t.node_id, n.code,"
        " n.name, count(*) FROM tickets t JOIN nodes n ON n.id = t.node_id"
        " LEFT JOIN tickets p ON p.id = t.parent_id"
        " WHERE t.kind = 'callback' AND t.satisfaction > 0 AND t.satisfaction_ms >= ?3"
        " AND t.satisfaction_ms < ?4 AND n.path >= ?1 AND n.path < ?2"
        " GROUP BY cat, day, t.satisfaction, t.node_id, n.code, n.name");
    if (!s)
        return PD_QS_HARD;
    if (PD_BREAK(bind_scope(s, node_path, from_ms, to_ms))) {
        pd__sq_done(s);
        return PD_QS_HARD;
    }
    return stats_run(c, s, "ticket_stats_csat", layout, cb, cls);
}
