/*
 * SQLite queries of problem parcels (问题件) and return receipts (签收回单)
 * (migrations/sqlite/008_problems.sql), and the two listings of the
 * stale-parcel job (http/monitor.c): quiet waybills, read through the
 * partial index tracking_stale of 006 (open rows only, keyed by when the row
 * went quiet), and totally delayed ones, read through waybills_promised.
 * Both listings are keyset-paged, so a page of rows the job leaves alone
 * can never hide the rows behind it. "One open problem of a type per
 * waybill" is the unique partial index problem_parcels_open, named as the
 * insert's conflict target. Scoping is the byte range on the node path, as
 * in sqlite_orders.c.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/problem.h"
#include "core/receipt.h"
#include "core/status.h"
#include "store/sqlite/sqlite_int.h"
#include "util/log.h"

#define C(db) ((struct pd__sq_conn *)(db))

static const char *const problem_states[] = {
    [PD_PROBLEM_OPEN] = "open", [PD_PROBLEM_CLOSED] = "closed"};
static const char *const problem_sources[] = {
    [PD_PROBLEM_SOURCE_AUTO] = "auto", [PD_PROBLEM_SOURCE_STAFF] = "staff"};

/* Optional references are NULL in the database and 0 in the struct. */
static void bind_ref(sqlite3_stmt *s, int i, int64_t id)
{
    if (id > 0)
        sqlite3_bind_int64(s, i, id);
    else
        sqlite3_bind_null(s, i);
}

/* Step a listing, handing each row to @p row (which calls the callback). */
static pd_qs each_row(struct pd__sq_conn *c, sqlite3_stmt *s, const char *what,
                      int (*row)(struct pd__sq_conn *c, sqlite3_stmt *s, void *cb, void *cls),
                      void *cb, void *cls)
{
    pd_qs qs = PD_QS_NONE;
    int rc, count = 0;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        int r = row(c, s, cb, cls);
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

/* ---- problem parcels ---------------------------------------------------------- */

#define PROBLEM_COLS PD_SQ_PROBLEM_COLS /* sqlite_int.h: shared with sqlite_service.c */
#define PROBLEM_FROM " FROM problem_parcels p JOIN nodes n ON n.id = p.node_id"

pd_qs pd__sq_problem_row(struct pd__sq_conn *c, sqlite3_stmt *s, struct pd_problem *p)
{
    char state[16], source[16];
    memset(p, 0, sizeof *p);
    p->id = sqlite3_column_int64(s, 0);
    pd__sq_col(s, 1, p->waybill_no, sizeof p->waybill_no);
    pd__sq_col(s, 2, p->type, sizeof p->type);
    pd__sq_col(s, 3, source, sizeof source);
    p->node_id = sqlite3_column_int64(s, 4);
    pd__sq_col(s, 5, p->node_code, sizeof p->node_code);
    pd__sq_col(s, 6, p->node_path, sizeof p->node_path);
    pd__sq_col(s, 7, state, sizeof state);
    p->opened_ms = sqlite3_column_int64(s, 8);
    p->opened_by = sqlite3_column_int64(s, 9);
    p->closed_ms = sqlite3_column_int64(s, 10);
    p->closed_by = sqlite3_column_int64(s, 11);
    pd__sq_col(s, 12, p->reason, sizeof p->reason);
    pd__sq_col(s, 13, p->note, sizeof p->note);
    /* The table's CHECKs allow only these; anything else is corruption. */
    p->state = strcmp(state, "closed") == 0 ? PD_PROBLEM_CLOSED : PD_PROBLEM_OPEN;
    p->source = strcmp(source, "staff") == 0 ? PD_PROBLEM_SOURCE_STAFF : PD_PROBLEM_SOURCE_AUTO;
    if (strcmp(state, problem_states[p->state]) != 0 ||
        strcmp(source, problem_sources[p->source]) != 0) {
        snprintf(c->err, sizeof c->err, "problem %lld has state '%.16s', source '%.16s'",
                 (long long)p->id, state, source);
        pd_error("sqlite: %s", c->err);
        return PD_QS_HARD;
    }
    return PD_QS_ONE;
}

pd_qs pd__sq_problem_open(pd_db *db, struct pd_problem *p, bool *opened)
{
    struct pd__sq_conn *c = C(db);
    if (PD_BREAK(p->type[0] && p->waybill_no[0] && p->node_id > 0) ||
        PD_BREAK(p->source == PD_PROBLEM_SOURCE_AUTO || p->source == PD_PROBLEM_SOURCE_STAFF))
        return PD_QS_HARD;
    *opened = false;
    sqlite3_stmt *s = pd__sq_prep(
        c, PD_SQ_PROBLEM_OPEN,
        "INSERT INTO problem_parcels (waybill_no, type, source, node_id, state, opened_ms,"
        " opened_by, reason, note) VALUES (?1, ?2, ?3, ?4, 'open', ?5, ?6, ?7, ?8)"
        " ON CONFLICT (waybill_no, type) WHERE state = 'open' DO NOTHING RETURNING id");
    if (!s)
        return PD_QS_HARD;
    pd__sq_text(s, 1, p->waybill_no);
    pd__sq_text(s, 2, p->type);
    pd__sq_text(s, 3, problem_sources[p->source]);
    pd__sq_i64(s, 4, p->node_id);
    pd__sq_i64(s, 5, p->opened_ms);
    bind_ref(s, 6, p->opened_by);
    pd__sq_text(s, 7, p->reason);
    pd__sq_text(s, 8, p->note);
    int rc = sqlite3_step(s);
    pd_qs qs = rc == SQLITE_ROW    ? PD_QS_ONE
               : rc == SQLITE_DONE ? PD_QS_NONE
                                   : pd__sq_fail(c, rc, "problem_open");
    if (qs == PD_QS_ONE) {
        p->id = sqlite3_column_int64(s, 0);
        p->state = PD_PROBLEM_OPEN;
        *opened = true;
    }
    pd__sq_done(s);
    if (qs != PD_QS_NONE)
        return qs;
    s = pd__sq_prep(c, PD_SQ_PROBLEM_OPEN_ID,
                    "SELECT id FROM problem_parcels WHERE waybill_no = ?1 AND type = ?2"
                    " AND state = 'open'");
    if (!s)
        return PD_QS_HARD;
    pd__sq_text(s, 1, p->waybill_no);
    pd__sq_text(s, 2, p->type);
    rc = sqlite3_step(s);
    qs = rc == SQLITE_ROW ? PD_QS_ONE : pd__sq_fail(c, rc, "problem_open: the open one");
    if (qs == PD_QS_ONE)
        p->id = sqlite3_column_int64(s, 0);
    pd__sq_done(s);
    return qs;
}

pd_qs pd__sq_problem_get(pd_db *db, int64_t id, struct pd_problem *out)
{
    struct pd__sq_conn *c = C(db);
    sqlite3_stmt *s =
        pd__sq_prep(c, PD_SQ_PROBLEM_GET, "SELECT " PROBLEM_COLS PROBLEM_FROM " WHERE p.id = ?1");
    if (!s)
        return PD_QS_HARD;
    pd__sq_i64(s, 1, id);
    int rc = sqlite3_step(s);
    pd_qs qs = rc == SQLITE_ROW    ? pd__sq_problem_row(c, s, out)
               : rc == SQLITE_DONE ? PD_QS_NONE
                                   : pd__sq_fail(c, rc, "problem_get");
    pd__sq_done(s);
    return qs;
}

static int problem_cb_row(struct pd__sq_conn *c, sqlite3_stmt *s, void *cb, void *cls)
{
    struct pd_problem p;
    pd_qs qs = pd__sq_problem_row(c, s, &p);
    if (qs < 0)
        return (int)qs;
    int r = ((pd_problem_cb)cb)(cls, &p);
    return r < 0 ? r : 0;
}

pd_qs pd__sq_problem_list(pd_db *db, const struct pd_problem_filter *f, pd_problem_cb cb, void *cls)
{
    struct pd__sq_conn *c = C(db);
    char lo[PD_PATH_MAX], hi[PD_PATH_MAX];
    if (PD_BREAK(f->node_path && f->node_path[0] == '/') ||
        PD_BREAK(pd__path_range(f->node_path, lo, hi)) ||
        PD_BREAK(f->state == -1 || f->state == PD_PROBLEM_OPEN || f->state == PD_PROBLEM_CLOSED))
        return PD_QS_HARD;
    sqlite3_stmt *s = pd__sq_prep(
        c, PD_SQ_PROBLEM_LIST,
        "SELECT " PROBLEM_COLS PROBLEM_FROM " WHERE n.path >= ?1 AND n.path < ?2"
        " AND (?3 IS NULL OR p.state = ?3) AND (?4 IS NULL OR p.type = ?4)"
        " AND (?5 IS NULL OR p.waybill_no = ?5) AND p.id < ?6 ORDER BY p.id DESC LIMIT ?7");
    if (!s)
        return PD_QS_HARD;
    pd__sq_text(s, 1, lo);
    pd__sq_text(s, 2, hi);
    pd__sq_text(s, 3, f->state >= 0 ? problem_states[f->state] : NULL);
    pd__sq_opt(s, 4, f->type);
    pd__sq_opt(s, 5, f->waybill_no);
    pd__sq_i64(s, 6, f->before_id > 0 ? f->before_id : INT64_MAX);
    sqlite3_bind_int(s, 7, pd__list_limit(f->limit));
    return each_row(c, s, "problem_list", problem_cb_row, (void *)cb, cls);
}

pd_qs pd__sq_problem_close(pd_db *db, int64_t id, int64_t at_ms, int64_t by, const char *note)
{
    struct pd__sq_conn *c = C(db);
    sqlite3_stmt *s = pd__sq_prep(c, PD_SQ_PROBLEM_CLOSE,
                                  "UPDATE problem_parcels SET state = 'closed', closed_ms = ?2,"
                                  " closed_by = ?3, note = ?4 WHERE id = ?1 AND state = 'open'");
    if (!s)
        return PD_QS_HARD;
    pd__sq_i64(s, 1, id);
    pd__sq_i64(s, 2, at_ms);
    bind_ref(s, 3, by);
    pd__sq_text(s, 4, note ? note : "");
    return pd__sq_exec(c, s, "problem_close");
}

/* ---- the stale-parcel job's listings ---------------------------------------------- */

/* The node that should act: the node of the last scan naming a node the
 * network knows, else the order's. */
#define LAST_NODE(no)                                                                              \
    "COALESCE((SELECT n.id FROM scans s JOIN nodes n ON n.code = s.node_code"                      \
    " WHERE s.waybill_no = " no " AND s.node_code <> '' ORDER BY s.at_ms DESC LIMIT 1),"           \
    " w.node_id)"

static int candidate_row(struct pd__sq_conn *c, sqlite3_stmt *s, void *cb, void *cls)
{
    struct pd_monitor_candidate m;
    memset(&m, 0, sizeof m);
    pd__sq_col(s, 0, m.waybill_no, sizeof m.waybill_no);
    pd__sq_col(s, 1, m.service, sizeof m.service);
    const char *st = (const char *)sqlite3_column_text(s, 2);
    enum pd_status status;
    if (!pd_status_parse(st ? st : "", &status)) {
        snprintf(c->err, sizeof c->err, "tracking of %s has unknown status '%.32s'", m.waybill_no,
                 st ? st : "");
        pd_error("sqlite: %s", c->err);
        return PD_QS_HARD;
    }
    m.status = (int)status;
    m.events = sqlite3_column_int(s, 3);
    m.created_ms = sqlite3_column_int64(s, 4);
    m.last_event_ms = sqlite3_column_int64(s, 5);
    m.promised_ms = sqlite3_column_int64(s, 6);
    m.quiet_since_ms = sqlite3_column_int64(s, 7);
    m.origin_division = sqlite3_column_int(s, 8);
    m.dest_division = sqlite3_column_int(s, 9);
    m.node_id = sqlite3_column_int64(s, 10);
    m.key_id = sqlite3_column_int64(s, 11);
    int r = ((pd_monitor_cb)cb)(cls, &m);
    return r < 0 ? r : 0;
}

pd_qs pd__sq_monitor_quiet(pd_db *db, const struct pd_quiet_filter *f, pd_monitor_cb cb, void *cls)
{
    struct pd__sq_conn *c = C(db);
    /* The index range: quiet since before the latest of the limits. */
    int64_t bound = f->default_since_ms;
    for (int i = 0; i < PD_MONITOR_SERVICES; i++)
        if (f->service[i] && f->since_ms[i] > bound)
            bound = f->since_ms[i];
    /* open = 1 and the key expression are written as in the partial index
     * tracking_stale, which is how SQLite knows it may use it; the index
     * order (key, then rowid = serial) is the listing's. */
    sqlite3_stmt *s = pd__sq_prep(
        c, PD_SQ_MONITOR_QUIET,
        "SELECT t.waybill_no, t.service, t.status, t.events, t.created_ms, t.last_event_ms,"
        " t.promised_ms, max(t.last_event_ms, t.created_ms), w.origin_division,"
        " w.dest_division, " LAST_NODE(
            "t.waybill_no") ", t.serial"
                            " FROM tracking t JOIN waybills w ON w.waybill_no = t.waybill_no"
                            " WHERE t.open = 1 AND max(t.last_event_ms, t.created_ms) < ?1 AND "
                            "t.created_ms > ?2"
                            " AND t.status NOT IN (?3, ?4)"
                            " AND max(t.last_event_ms, t.created_ms) < CASE t.service WHEN ?5 THEN "
                            "?6"
                            " WHEN ?7 THEN ?8 WHEN ?9 THEN ?10 WHEN ?11 THEN ?12 ELSE ?13 END"
                            " AND (max(t.last_event_ms, t.created_ms), t.serial) > (?14, ?15)"
                            " ORDER BY max(t.last_event_ms, t.created_ms), t.serial LIMIT ?16");
    if (!s)
        return PD_QS_HARD;
    pd__sq_i64(s, 1, bound);
    pd__sq_i64(s, 2, f->after_created_ms);
    for (int i = 0; i < 2; i++) /* '' is no status: an unused slot skips nothing */
        pd__sq_text(s, 3 + i,
                    f->skip_status[i] >= 0 && f->skip_status[i] < PD_ST__COUNT
                        ? pd_status_info((enum pd_status)f->skip_status[i])->name
                        : "");
    for (int i = 0; i < PD_MONITOR_SERVICES; i++) {
        pd__sq_text(s, 5 + 2 * i, f->service[i]);
        pd__sq_i64(s, 6 + 2 * i, f->since_ms[i]);
    }
    pd__sq_i64(s, 13, f->default_since_ms);
    pd__sq_i64(s, 14, f->after_quiet_ms);
    pd__sq_i64(s, 15, f->after_serial);
    sqlite3_bind_int(s, 16, pd__list_limit(f->limit));
    return each_row(c, s, "monitor_quiet", candidate_row, (void *)cb, cls);
}

pd_qs pd__sq_monitor_delayed(pd_db *db, const struct pd_delayed_filter *f, pd_monitor_cb cb,
                             void *cls)
{
    struct pd__sq_conn *c = C(db);
    if (PD_BREAK(f->type && f->type[0]))
        return PD_QS_HARD;
    /* Same city as core/problem.h's pd_problem_same_city: both districts
     * known and their first four digits equal. */
    sqlite3_stmt *s = pd__sq_prep(
        c, PD_SQ_MONITOR_DELAYED,
        "SELECT w.waybill_no, w.service, t.status, t.events, w.created_ms, t.last_event_ms,"
        " w.promised_delivery_ms, max(t.last_event_ms, t.created_ms), w.origin_division,"
        " w.dest_division, " LAST_NODE(
            "w.waybill_no") ", w.id"
                            " FROM waybills w JOIN tracking t"
                            " ON t.serial = CAST(substr(w.waybill_no, 3, 12) AS INTEGER)"
                            " WHERE w.promised_delivery_ms > ?1 AND w.promised_delivery_ms < ?2"
                            " AND ((w.origin_division > 0 AND w.dest_division > 0"
                            " AND w.origin_division / 100 = w.dest_division / 100) OR "
                            "w.promised_delivery_ms < ?3)"
                            " AND t.open = 1 AND NOT EXISTS (SELECT 1 FROM problem_parcels p"
                            " WHERE p.waybill_no = w.waybill_no AND p.type = ?4)"
                            " AND (w.promised_delivery_ms, w.id) > (?5, ?6)"
                            " ORDER BY w.promised_delivery_ms, w.id LIMIT ?7");
    if (!s)
        return PD_QS_HARD;
    pd__sq_i64(s, 1, f->promised_after_ms);
    pd__sq_i64(s, 2, f->same_city_before_ms);
    pd__sq_i64(s, 3, f->other_before_ms);
    pd__sq_text(s, 4, f->type);
    pd__sq_i64(s, 5, f->after_promised_ms);
    pd__sq_i64(s, 6, f->after_id);
    sqlite3_bind_int(s, 7, pd__list_limit(f->limit));
    return each_row(c, s, "monitor_delayed", candidate_row, (void *)cb, cls);
}

/* ---- return receipts ------------------------------------------------------------ */

#define RECEIPT_COLS                                                                               \
    "r.waybill_no, r.node_id, n.code, n.path, r.state, r.required_ms, r.collected_ms,"             \
    " r.collected_node, r.collected_by, r.sent_back_ms, r.sent_back_node, r.sent_back_by,"         \
    " r.return_waybill_no, r.returned_ms, r.returned_node, r.returned_by, r.updated_ms,"           \
    " COALESCE(t.delivered_ms, 0)"
#define RECEIPT_FROM                                                                               \
    " FROM return_receipts r JOIN nodes n ON n.id = r.node_id LEFT JOIN tracking t"                \
    " ON t.serial = CAST(substr(r.waybill_no, 3, 12) AS INTEGER)"

static pd_qs receipt_row(struct pd__sq_conn *c, sqlite3_stmt *s, struct pd_receipt *r)
{
    char state[16];
    memset(r, 0, sizeof *r);
    pd__sq_col(s, 0, r->waybill_no, sizeof r->waybill_no);
    r->node_id = sqlite3_column_int64(s, 1);
    pd__sq_col(s, 2, r->node_code, sizeof r->node_code);
    pd__sq_col(s, 3, r->node_path, sizeof r->node_path);
    pd__sq_col(s, 4, state, sizeof state);
    r->required_ms = sqlite3_column_int64(s, 5);
    r->collected_ms = sqlite3_column_int64(s, 6);
    pd__sq_col(s, 7, r->collected_node, sizeof r->collected_node);
    pd__sq_col(s, 8, r->collected_by, sizeof r->collected_by);
    r->sent_back_ms = sqlite3_column_int64(s, 9);
    pd__sq_col(s, 10, r->sent_back_node, sizeof r->sent_back_node);
    pd__sq_col(s, 11, r->sent_back_by, sizeof r->sent_back_by);
    pd__sq_col(s, 12, r->return_waybill_no, sizeof r->return_waybill_no);
    r->returned_ms = sqlite3_column_int64(s, 13);
    pd__sq_col(s, 14, r->returned_node, sizeof r->returned_node);
    pd__sq_col(s, 15, r->returned_by, sizeof r->returned_by);
    r->updated_ms = sqlite3_column_int64(s, 16);
    r->delivered_ms = sqlite3_column_int64(s, 17);
    enum pd_receipt_state st;
    if (pd_receipt_state_parse(state, &st)) {
        r->state = (int)st;
        return PD_QS_ONE;
    }
    snprintf(c->err, sizeof c->err, "receipt of %s has unknown state '%.16s'", r->waybill_no,
             state);
    pd_error("sqlite: %s", c->err);
    return PD_QS_HARD;
}

pd_qs pd__sq_receipt_insert(pd_db *db, const struct pd_receipt *r)
{
    struct pd__sq_conn *c = C(db);
    if (PD_BREAK(r->waybill_no[0] && r->node_id > 0))
        return PD_QS_HARD;
    sqlite3_stmt *s = pd__sq_prep(c, PD_SQ_RECEIPT_INSERT,
                                  "INSERT INTO return_receipts (waybill_no, node_id, state,"
                                  " required_ms, updated_ms) VALUES (?1, ?2, 'required', ?3, ?3)"
                                  " ON CONFLICT (waybill_no) DO NOTHING");
    if (!s)
        return PD_QS_HARD;
    pd__sq_text(s, 1, r->waybill_no);
    pd__sq_i64(s, 2, r->node_id);
    pd__sq_i64(s, 3, r->required_ms);
    return pd__sq_exec(c, s, "receipt_insert");
}

pd_qs pd__sq_receipt_get(pd_db *db, const char *waybill_no, struct pd_receipt *out)
{
    struct pd__sq_conn *c = C(db);
    sqlite3_stmt *s = pd__sq_prep(c, PD_SQ_RECEIPT_GET,
                                  "SELECT " RECEIPT_COLS RECEIPT_FROM " WHERE r.waybill_no = ?1");
    if (!s)
        return PD_QS_HARD;
    pd__sq_text(s, 1, waybill_no);
    int rc = sqlite3_step(s);
    pd_qs qs = rc == SQLITE_ROW    ? receipt_row(c, s, out)
               : rc == SQLITE_DONE ? PD_QS_NONE
                                   : pd__sq_fail(c, rc, "receipt_get");
    pd__sq_done(s);
    return qs;
}

pd_qs pd__sq_receipt_step(pd_db *db, const struct pd_receipt *r, int from)
{
    struct pd__sq_conn *c = C(db);
    if (PD_BREAK(r->state > PD_RECEIPT_REQUIRED && r->state < PD_RECEIPT__COUNT) ||
        PD_BREAK(from >= PD_RECEIPT_REQUIRED && from < PD_RECEIPT__COUNT))
        return PD_QS_HARD;
    const char *const *names = pd_receipt_state_names;
    /* One statement for the three steps: each sets its own columns. */
    sqlite3_stmt *s = pd__sq_prep(
        c, PD_SQ_RECEIPT_STEP,
        "UPDATE return_receipts SET state = ?2,"
        " collected_ms = CASE WHEN ?2 = 'collected' THEN ?3 ELSE collected_ms END,"
        " collected_node = CASE WHEN ?2 = 'collected' THEN ?4 ELSE collected_node END,"
        " collected_by = CASE WHEN ?2 = 'collected' THEN ?5 ELSE collected_by END,"
        " sent_back_ms = CASE WHEN ?2 = 'sent_back' THEN ?3 ELSE sent_back_ms END,"
        " sent_back_node = CASE WHEN ?2 = 'sent_back' THEN ?4 ELSE sent_back_node END,"
        " sent_back_by = CASE WHEN ?2 = 'sent_back' THEN ?5 ELSE sent_back_by END,"
        " return_waybill_no = CASE WHEN ?2 = 'sent_back' THEN ?6 ELSE return_waybill_no END,"
        " returned_ms = CASE WHEN ?2 = 'returned' THEN ?3 ELSE returned_ms END,"
        " returned_node = CASE WHEN ?2 = 'returned' THEN ?4 ELSE returned_node END,"
        " returned_by = CASE WHEN ?2 = 'returned' THEN ?5 ELSE returned_by END,"
        " updated_ms = ?7 WHERE waybill_no = ?1 AND state = ?8");
    if (!s)
        return PD_QS_HARD;
    const int64_t at[] = {0, r->collected_ms, r->sent_back_ms, r->returned_ms};
    const char *node[] = {"", r->collected_node, r->sent_back_node, r->returned_node};
    const char *by[] = {"", r->collected_by, r->sent_back_by, r->returned_by};
    pd__sq_text(s, 1, r->waybill_no);
    pd__sq_text(s, 2, names[r->state]);
    pd__sq_i64(s, 3, at[r->state]);
    pd__sq_text(s, 4, node[r->state]);
    pd__sq_text(s, 5, by[r->state]);
    pd__sq_text(s, 6, r->return_waybill_no);
    pd__sq_i64(s, 7, r->updated_ms);
    pd__sq_text(s, 8, names[from]);
    return pd__sq_exec(c, s, "receipt_step");
}

static int receipt_cb_row(struct pd__sq_conn *c, sqlite3_stmt *s, void *cb, void *cls)
{
    struct pd_receipt r;
    pd_qs qs = receipt_row(c, s, &r);
    if (qs < 0)
        return (int)qs;
    int rr = ((pd_receipt_cb)cb)(cls, &r);
    return rr < 0 ? rr : 0;
}

pd_qs pd__sq_receipt_list(pd_db *db, const struct pd_receipt_filter *f, pd_receipt_cb cb, void *cls)
{
    struct pd__sq_conn *c = C(db);
    char lo[PD_PATH_MAX], hi[PD_PATH_MAX];
    if (PD_BREAK(f->node_path && f->node_path[0] == '/') ||
        PD_BREAK(pd__path_range(f->node_path, lo, hi)) ||
        PD_BREAK(f->state >= -1 && f->state < PD_RECEIPT__COUNT))
        return PD_QS_HARD;
    sqlite3_stmt *s = pd__sq_prep(
        c, PD_SQ_RECEIPT_LIST,
        "SELECT " RECEIPT_COLS RECEIPT_FROM " WHERE n.path >= ?1 AND n.path < ?2"
        " AND (?3 IS NULL OR r.state = ?3)"
        " AND (?4 = 0 OR (r.state <> 'returned' AND t.delivered_ms > 0 AND t.delivered_ms < ?4))"
        " AND r.waybill_no > ?5 ORDER BY r.waybill_no LIMIT ?6");
    if (!s)
        return PD_QS_HARD;
    pd__sq_text(s, 1, lo);
    pd__sq_text(s, 2, hi);
    pd__sq_text(s, 3, f->state >= 0 ? pd_receipt_state_names[f->state] : NULL);
    pd__sq_i64(s, 4, f->delivered_before_ms > 0 ? f->delivered_before_ms : 0);
    pd__sq_text(s, 5, f->after_no ? f->after_no : "");
    sqlite3_bind_int(s, 6, pd__list_limit(f->limit));
    return each_row(c, s, "receipt_list", receipt_cb_row, (void *)cb, cls);
}

pd_qs pd__sq_receipt_overdue_count(pd_db *db, int64_t before_ms, int64_t *count)
{
    struct pd__sq_conn *c = C(db);
    sqlite3_stmt *s = pd__sq_prep(c, PD_SQ_RECEIPT_OVERDUE,
                                  "SELECT count(*) FROM return_receipts r JOIN tracking t"
                                  " ON t.serial = CAST(substr(r.waybill_no, 3, 12) AS INTEGER)"
                                  " WHERE r.state <> 'returned' AND t.delivered_ms > 0"
                                  " AND t.delivered_ms < ?1");
    if (!s)
        return PD_QS_HARD;
    pd__sq_i64(s, 1, before_ms);
    int rc = sqlite3_step(s);
    pd_qs qs = rc == SQLITE_ROW ? PD_QS_ONE : pd__sq_fail(c, rc, "receipt_overdue_count");
    if (qs == PD_QS_ONE)
        *count = sqlite3_column_int64(s, 0);
    pd__sq_done(s);
    return qs;
}
