/*
 * SQLite queries of scan events and tracking rows (migrations/sqlite/
 * 006_scans.sql says why the tables look as they do). Ingestion is the hot
 * path: scan_insert runs one cached INSERT … ON CONFLICT DO NOTHING per
 * event with its text bound in place (SQLITE_STATIC: the rows outlive the
 * step), and sqlite3_changes() tells a stored event from a duplicate. The
 * caller's write transaction (BEGIN IMMEDIATE) makes this connection the only
 * writer, so "conflict, therefore duplicate" cannot race. Tracking rows are
 * keyed by the waybill number's serial; a number that does not parse cannot
 * have a row.
 */
#include <string.h>

#include "core/order_lifecycle.h"
#include "core/scan.h"
#include "core/status.h"
#include "core/waybill_no.h"
#include "store/sqlite/sqlite_int.h"
#include "util/log.h"

#define C(db) ((struct pd__sq_conn *)(db))

/* Bind text the caller keeps alive until the statement is reset. */
static void bind_static(sqlite3_stmt *s, int i, const char *v)
{
    sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
}

/* ---- scans ------------------------------------------------------------------ */

/* Bind the 17 columns of @p r as ?1..?17 (the order of SCAN_COLS); false
 * for a type or signer type outside the enums (a caller's bug). */
static bool bind_scan(sqlite3_stmt *s, const struct pd_scan_row *r)
{
    bool signer_ok = r->signer_type == PD_SIGNER_NONE ||
                     (r->signer_type > PD_SIGNER_NONE && r->signer_type < PD_SIGNER__COUNT);
    if (PD_BREAK(r->type >= 0 && r->type < PD_SCAN__COUNT && signer_ok))
        return false;
    bind_static(s, 1, r->waybill_no);
    bind_static(s, 2, r->parcel_no);
    bind_static(s, 3, pd_scan_type_name((enum pd_scan_type)r->type));
    pd__sq_i64(s, 4, r->at_ms);
    bind_static(s, 5, r->node_code);
    bind_static(s, 6, r->operator_);
    bind_static(s, 7, r->device_id);
    pd__sq_i64(s, 8, r->device_seq);
    bind_static(s, 9, r->bag_no);
    bind_static(s, 10, r->trip_no);
    if (r->has_temperature)
        sqlite3_bind_int(s, 11, r->temperature_mc);
    else
        sqlite3_bind_null(s, 11);
    bind_static(s, 12, r->signer);
    if (r->signer_type != PD_SIGNER_NONE)
        bind_static(s, 13, pd_signer_type_name((enum pd_signer_type)r->signer_type));
    else
        sqlite3_bind_null(s, 13);
    if (r->has_consent)
        sqlite3_bind_int(s, 14, r->consent ? 1 : 0);
    else
        sqlite3_bind_null(s, 14);
    bind_static(s, 15, r->reason);
    bind_static(s, 16, r->photo);
    pd__sq_i64(s, 17, r->received_ms);
    return true;
}

/* Run @p s (prepared by the caller) once per row; dup[i] when the row
 * changed nothing. Every parameter is bound on every row, so reset alone
 * suffices between rows (no clear_bindings: this loop is the ingest hot
 * path); the bindings are cleared at the end so that no pointer into the
 * caller's rows stays behind. */
static pd_qs insert_rows(struct pd__sq_conn *c, sqlite3_stmt *s, const char *what,
                         const struct pd_scan_row *rows, int n, bool *dup)
{
    int written = 0;
    for (int i = 0; i < n; i++) {
        if (!bind_scan(s, &rows[i])) {
            sqlite3_clear_bindings(s);
            return PD_QS_HARD;
        }
        int rc = sqlite3_step(s);
        sqlite3_reset(s);
        if (rc != SQLITE_DONE) {
            pd_qs qs = pd__sq_fail(c, rc, what);
            pd__sq_done(s);
            return qs;
        }
        dup[i] = sqlite3_changes(c->h) == 0;
        written += !dup[i];
    }
    sqlite3_clear_bindings(s);
    return (pd_qs)written;
}

pd_qs pd__sq_scan_insert(pd_db *db, const struct pd_scan_row *rows, int n, bool *dup)
{
    struct pd__sq_conn *c = C(db);
    if (PD_BREAK(n >= 0 && (n == 0 || (rows && dup))))
        return PD_QS_HARD;
    sqlite3_stmt *s = pd__sq_prep(
        c, PD_SQ_SCAN_INSERT,
        "INSERT INTO scans (waybill_no, parcel_no, type, at_ms, node_code, operator, device_id,"
        " device_seq, bag_no, trip_no, temperature_mc, signer, signer_type, consent, reason,"
        " photo, received_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13,"
        " ?14, ?15, ?16, ?17) ON CONFLICT DO NOTHING");
    if (!s)
        return PD_QS_HARD;
    return insert_rows(c, s, "scan_insert", rows, n, dup);
}

#define SCAN_COLS                                                                                  \
    "waybill_no, parcel_no, type, at_ms, node_code, operator, device_id, device_seq, bag_no,"      \
    " trip_no, temperature_mc, signer, signer_type, consent, reason, photo, received_ms"

static pd_qs scan_row(sqlite3_stmt *s, struct pd_scan_row *r)
{
    memset(r, 0, sizeof *r);
    pd__sq_col(s, 0, r->waybill_no, sizeof r->waybill_no);
    pd__sq_col(s, 1, r->parcel_no, sizeof r->parcel_no);
    enum pd_scan_type type;
    const char *tname = (const char *)sqlite3_column_text(s, 2);
    if (!pd_scan_type_parse(tname ? tname : "", &type)) {
        pd_error("sqlite: scans of %s: unknown type '%s'", r->waybill_no, tname ? tname : "");
        return PD_QS_HARD;
    }
    r->type = (int)type;
    r->at_ms = sqlite3_column_int64(s, 3);
    pd__sq_col(s, 4, r->node_code, sizeof r->node_code);
    pd__sq_col(s, 5, r->operator_, sizeof r->operator_);
    pd__sq_col(s, 6, r->device_id, sizeof r->device_id);
    r->device_seq = sqlite3_column_int64(s, 7);
    pd__sq_col(s, 8, r->bag_no, sizeof r->bag_no);
    pd__sq_col(s, 9, r->trip_no, sizeof r->trip_no);
    r->has_temperature = sqlite3_column_type(s, 10) != SQLITE_NULL;
    r->temperature_mc = sqlite3_column_int(s, 10);
    pd__sq_col(s, 11, r->signer, sizeof r->signer);
    if (sqlite3_column_type(s, 12) != SQLITE_NULL) {
        enum pd_signer_type st;
        const char *sname = (const char *)sqlite3_column_text(s, 12);
        if (!pd_signer_type_parse(sname, &st)) {
            pd_error("sqlite: scans of %s: unknown signer_type '%s'", r->waybill_no, sname);
            return PD_QS_HARD;
        }
        r->signer_type = (int)st;
    }
    r->has_consent = sqlite3_column_type(s, 13) != SQLITE_NULL;
    r->consent = sqlite3_column_int(s, 13) != 0;
    pd__sq_col(s, 14, r->reason, sizeof r->reason);
    pd__sq_col(s, 15, r->photo, sizeof r->photo);
    r->received_ms = sqlite3_column_int64(s, 16);
    return PD_QS_ONE;
}

pd_qs pd__sq_scan_list(pd_db *db, const char *waybill_no, pd_scan_cb cb, void *cls)
{
    struct pd__sq_conn *c = C(db);
    /* scans_waybill delivers the rows by at_ms already (one index range,
     * then a point read per event); the sort only settles ties, among a
     * waybill's few events. */
    sqlite3_stmt *s = pd__sq_prep(c, PD_SQ_SCAN_LIST,
                                  "SELECT " SCAN_COLS " FROM scans WHERE waybill_no = ?1"
                                  " ORDER BY at_ms, received_ms, device_id, device_seq");
    if (!s)
        return PD_QS_HARD;
    bind_static(s, 1, waybill_no);
    pd_qs qs = PD_QS_NONE;
    int rc, count = 0;
    struct pd_scan_row r;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        qs = scan_row(s, &r);
        if (qs < 0)
            break;
        int cr = cb(cls, &r);
        if (cr < 0) {
            qs = (pd_qs)cr;
            break;
        }
        count++;
    }
    if (qs >= 0)
        qs = rc == SQLITE_DONE ? (pd_qs)count : pd__sq_fail(c, rc, "scan_list");
    pd__sq_done(s);
    return qs;
}

/* ---- the scan log (016_scan_log) ---------------------------------------------- */

pd_qs pd__sq_scan_log_append(pd_db *db, const struct pd_scan_row *rows, int n, bool *dup,
                             int64_t *last_id)
{
    struct pd__sq_conn *c = C(db);
    if (PD_BREAK(n >= 0 && (n == 0 || (rows && dup)) && last_id))
        return PD_QS_HARD;
    /* A key already in scans (projected) is refused here; one already in
     * the log conflicts on scan_log_device. The caller's write transaction
     * makes this connection the only writer, so neither can race. */
    sqlite3_stmt *s = pd__sq_prep(
        c, PD_SQ_SCAN_LOG_APPEND,
        "INSERT INTO scan_log (waybill_no, parcel_no, type, at_ms, node_code, operator,"
        " device_id, device_seq, bag_no, trip_no, temperature_mc, signer, signer_type, consent,"
        " reason, photo, received_ms) SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12,"
        " ?13, ?14, ?15, ?16, ?17 WHERE NOT EXISTS (SELECT 1 FROM scans WHERE device_id = ?7"
        " AND device_seq = ?8) ON CONFLICT DO NOTHING");
    if (!s)
        return PD_QS_HARD;
    pd_qs qs = insert_rows(c, s, "scan_log_append", rows, n, dup);
    if (qs > 0)
        *last_id = sqlite3_last_insert_rowid(c->h);
    return qs;
}

pd_qs pd__sq_scan_log_take(pd_db *db, int64_t after, int limit, pd_scan_log_cb cb, void *cls)
{
    struct pd__sq_conn *c = C(db);
    if (PD_BREAK(limit > 0 && cb))
        return PD_QS_HARD;
    sqlite3_stmt *s = pd__sq_prep(c, PD_SQ_SCAN_LOG_TAKE,
                                  "SELECT " SCAN_COLS ", id FROM scan_log WHERE id > ?1"
                                  " ORDER BY id LIMIT ?2");
    if (!s)
        return PD_QS_HARD;
    pd__sq_i64(s, 1, after);
    sqlite3_bind_int(s, 2, limit);
    pd_qs qs = PD_QS_NONE;
    int rc, count = 0;
    struct pd_scan_row r;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        qs = scan_row(s, &r);
        if (qs < 0)
            break;
        int cr = cb(cls, sqlite3_column_int64(s, 17), &r);
        if (cr < 0) {
            qs = (pd_qs)cr;
            break;
        }
        count++;
    }
    if (qs >= 0)
        qs = rc == SQLITE_DONE ? (pd_qs)count : pd__sq_fail(c, rc, "scan_log_take");
    pd__sq_done(s);
    return qs;
}

pd_qs pd__sq_scan_log_trim(pd_db *db, int64_t upto)
{
    struct pd__sq_conn *c = C(db);
    sqlite3_stmt *s = pd__sq_prep(c, PD_SQ_SCAN_LOG_TRIM, "DELETE FROM scan_log WHERE id <= ?1");
    if (!s)
        return PD_QS_HARD;
    pd__sq_i64(s, 1, upto);
    int rc = sqlite3_step(s);
    pd_qs qs =
        rc == SQLITE_DONE ? (pd_qs)sqlite3_changes(c->h) : pd__sq_fail(c, rc, "scan_log_trim");
    pd__sq_done(s);
    return qs;
}

pd_qs pd__sq_scan_log_state(pd_db *db, int64_t *count, int64_t *last_id)
{
    struct pd__sq_conn *c = C(db);
    if (PD_BREAK(count && last_id))
        return PD_QS_HARD;
    sqlite3_stmt *s =
        pd__sq_prep(c, PD_SQ_SCAN_LOG_STATE, "SELECT count(*), coalesce(max(id), 0) FROM scan_log");
    if (!s)
        return PD_QS_HARD;
    int rc = sqlite3_step(s);
    pd_qs qs = PD_QS_ONE;
    if (rc == SQLITE_ROW) {
        *count = sqlite3_column_int64(s, 0);
        *last_id = sqlite3_column_int64(s, 1);
    } else {
        qs = pd__sq_fail(c, rc, "scan_log_state");
    }
    pd__sq_done(s);
    return qs;
}

/* ---- tracking ----------------------------------------------------------------- */

/* Bind the row's columns as ?1 … ?20 (the order of TRACKING_PUT_COLS). */
static void bind_tracking(sqlite3_stmt *s, uint64_t serial, const struct pd_tracking *t)
{
    pd__sq_i64(s, 1, (int64_t)serial);
    bind_static(s, 2, t->waybill_no);
    sqlite3_bind_int(s, 3, t->has_order ? 1 : 0);
    if (t->has_order)
        bind_static(s, 4, pd_order_state_name((enum pd_order_state)t->order_state));
    else
        sqlite3_bind_null(s, 4);
    sqlite3_bind_int(s, 5, t->parcels);
    sqlite3_bind_int(s, 6, t->dest_division);
    bind_static(s, 7, t->service);
    bind_static(s, 8, t->last4_sender);
    bind_static(s, 9, t->last4_recipient);
    pd__sq_i64(s, 10, t->created_ms);
    pd__sq_i64(s, 11, t->promised_ms);
    bind_static(s, 12, pd_status_info((enum pd_status)t->status)->name);
    sqlite3_bind_int(s, 13, t->events);
    pd__sq_i64(s, 14, t->last_event_ms);
    pd__sq_i64(s, 15, t->delivered_ms);
    pd__sq_i64(s, 16, t->updated_ms);
    bind_static(s, 17, t->customer_code);
    bind_static(s, 18, t->node_path);
    bind_static(s, 19, t->created_by);
    sqlite3_bind_blob(s, 20, t->timeline, (int)t->timeline_len, SQLITE_STATIC);
}

pd_qs pd__sq_tracking_put(pd_db *db, const struct pd_tracking *t)
{
    struct pd__sq_conn *c = C(db);
    uint64_t serial;
    bool state_ok = !t->has_order || (t->order_state >= 0 && t->order_state < PD_ORDER__COUNT);
    if (PD_BREAK(pd_waybill_no_parse(t->waybill_no, &serial)) ||
        PD_BREAK(t->status >= 0 && t->status < PD_ST__COUNT && state_ok && t->timeline &&
                 t->timeline_len > 0))
        return PD_QS_HARD;
    /* Nearly every put replaces a row (a scan of a waybill already taken):
     * a plain UPDATE by rowid first, the INSERT only when there was none.
     * (An upsert tries the insert first, meets the key, then updates:
     * twice the work on the scan hot path.) The caller's write transaction
     * makes the two steps one. */
    sqlite3_stmt *s = pd__sq_prep(
        c, PD_SQ_TRACKING_UPDATE,
        "UPDATE tracking SET waybill_no = ?2, has_order = ?3, order_state = ?4, parcels = ?5,"
        " dest_division = ?6, service = ?7, last4_sender = ?8, last4_recipient = ?9,"
        " created_ms = ?10, promised_ms = ?11, status = ?12, events = ?13, last_event_ms = ?14,"
        " delivered_ms = ?15, updated_ms = ?16, customer_code = ?17, node_path = ?18,"
        " created_by = ?19, timeline = ?20 WHERE serial = ?1");
    if (!s)
        return PD_QS_HARD;
    bind_tracking(s, serial, t);
    pd_qs qs = pd__sq_exec(c, s, "tracking_put");
    if (qs != PD_QS_NONE)
        return qs < 0 ? qs : PD_QS_ONE;
    s = pd__sq_prep(
        c, PD_SQ_TRACKING_PUT,
        "INSERT INTO tracking (serial, waybill_no, has_order, order_state, parcels,"
        " dest_division, service, last4_sender, last4_recipient, created_ms, promised_ms,"
        " status, events, last_event_ms, delivered_ms, updated_ms, customer_code, node_path,"
        " created_by, timeline)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18,"
        " ?19, ?20)");
    if (!s)
        return PD_QS_HARD;
    bind_tracking(s, serial, t);
    qs = pd__sq_exec(c, s, "tracking_put");
    return qs < 0 ? qs : PD_QS_ONE;
}

#define TRACKING_COLS                                                                              \
    "waybill_no, has_order, order_state, parcels, dest_division, service, last4_sender,"           \
    " last4_recipient, created_ms, promised_ms, status, events, last_event_ms, delivered_ms,"      \
    " updated_ms, customer_code, node_path, created_by, timeline"

/* Fill @p t from the current row; its timeline points into the statement,
 * valid until the next step or reset. */
static pd_qs tracking_row(sqlite3_stmt *s, struct pd_tracking *t)
{
    memset(t, 0, sizeof *t);
    pd__sq_col(s, 0, t->waybill_no, sizeof t->waybill_no);
    t->has_order = sqlite3_column_int(s, 1) != 0;
    if (t->has_order) {
        enum pd_order_state st;
        const char *name = (const char *)sqlite3_column_text(s, 2);
        if (!pd_order_state_parse(name ? name : "", &st)) {
            pd_error("sqlite: tracking of %s: unknown order state '%s'", t->waybill_no,
                     name ? name : "");
            return PD_QS_HARD;
        }
        t->order_state = (int)st;
    }
    t->parcels = sqlite3_column_int(s, 3);
    t->dest_division = sqlite3_column_int(s, 4);
    pd__sq_col(s, 5, t->service, sizeof t->service);
    pd__sq_col(s, 6, t->last4_sender, sizeof t->last4_sender);
    pd__sq_col(s, 7, t->last4_recipient, sizeof t->last4_recipient);
    t->created_ms = sqlite3_column_int64(s, 8);
    t->promised_ms = sqlite3_column_int64(s, 9);
    enum pd_status st;
    const char *status = (const char *)sqlite3_column_text(s, 10);
    if (!pd_status_parse(status ? status : "", &st)) {
        pd_error("sqlite: tracking of %s: unknown status '%s'", t->waybill_no,
                 status ? status : "");
        return PD_QS_HARD;
    }
    t->status = (int)st;
    t->events = sqlite3_column_int(s, 11);
    t->last_event_ms = sqlite3_column_int64(s, 12);
    t->delivered_ms = sqlite3_column_int64(s, 13);
    t->updated_ms = sqlite3_column_int64(s, 14);
    pd__sq_col(s, 15, t->customer_code, sizeof t->customer_code);
    pd__sq_col(s, 16, t->node_path, sizeof t->node_path);
    pd__sq_col(s, 17, t->created_by, sizeof t->created_by);
    t->timeline = sqlite3_column_blob(s, 18);
    t->timeline_len = t->timeline ? (size_t)sqlite3_column_bytes(s, 18) : 0;
    if (!t->timeline_len)
        t->timeline = NULL;
    return PD_QS_ONE;
}

/* In process, a statement per row costs what one statement would: loops. */
pd_qs pd__sq_tracking_get_many(pd_db *db, const char *const *nos, int n, bool lock,
                               pd_tracking_cb cb, void *cls)
{
    (void)lock; /* the write transaction holds the database */
    pd_qs total = PD_QS_NONE;
    for (int i = 0; i < n; i++) {
        pd_qs qs = pd__sq_tracking_get(db, nos[i], cb, cls);
        if (qs < 0)
            return qs;
        total += qs;
    }
    return total;
}

pd_qs pd__sq_tracking_put_many(pd_db *db, const struct pd_tracking *rows, int n)
{
    for (int i = 0; i < n; i++) {
        pd_qs qs = pd__sq_tracking_put(db, &rows[i]);
        if (qs < 0)
            return qs;
    }
    return (pd_qs)n;
}

pd_qs pd__sq_tracking_get(pd_db *db, const char *waybill_no, pd_tracking_cb cb, void *cls)
{
    struct pd__sq_conn *c = C(db);
    uint64_t serial;
    if (!pd_waybill_no_parse(waybill_no, &serial))
        return PD_QS_NONE; /* no row is ever stored under such a number */
    sqlite3_stmt *s = pd__sq_prep(c, PD_SQ_TRACKING_GET,
                                  "SELECT " TRACKING_COLS " FROM tracking WHERE serial = ?1");
    if (!s)
        return PD_QS_HARD;
    pd__sq_i64(s, 1, (int64_t)serial);
    int rc = sqlite3_step(s);
    pd_qs qs;
    if (rc == SQLITE_ROW) {
        struct pd_tracking t;
        qs = tracking_row(s, &t);
        if (qs > 0) {
            int cr = cb(cls, &t);
            if (cr < 0)
                qs = (pd_qs)cr;
        }
    } else {
        qs = rc == SQLITE_DONE ? PD_QS_NONE : pd__sq_fail(c, rc, "tracking_get");
    }
    pd__sq_done(s);
    return qs;
}

pd_qs pd__sq_tracking_list_stale(pd_db *db, const struct pd_stale_filter *f, pd_tracking_cb cb,
                                 void *cls)
{
    struct pd__sq_conn *c = C(db);
    /* open = 1 and the key expression are written exactly as in the partial
     * index tracking_stale, which is how SQLite knows it may use it. The
     * index order (key, then rowid) is the listing's: no sort. */
    sqlite3_stmt *s =
        pd__sq_prep(c, PD_SQ_TRACKING_STALE,
                    "SELECT " TRACKING_COLS " FROM tracking"
                    " WHERE open = 1 AND max(last_event_ms, created_ms) < ?1 AND created_ms > ?2"
                    " ORDER BY max(last_event_ms, created_ms), serial LIMIT ?3");
    if (!s)
        return PD_QS_HARD;
    pd__sq_i64(s, 1, f->no_event_since_ms);
    pd__sq_i64(s, 2, f->after_created_ms);
    sqlite3_bind_int(s, 3, pd__list_limit(f->limit));
    pd_qs qs = PD_QS_NONE;
    int rc, count = 0;
    struct pd_tracking t;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        qs = tracking_row(s, &t);
        if (qs < 0)
            break;
        int cr = cb(cls, &t);
        if (cr < 0) {
            qs = (pd_qs)cr;
            break;
        }
        count++;
    }
    if (qs >= 0)
        qs = rc == SQLITE_DONE ? (pd_qs)count : pd__sq_fail(c, rc, "tracking_list_stale");
    pd__sq_done(s);
    return qs;
}
