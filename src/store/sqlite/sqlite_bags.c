/*
 * SQLite queries of bags (集包), their contents and bag events
 * (migrations/sqlite/009_bags.sql says why the tables look as they do). Only
 * bag and unbag scans and scans that name just a bag come here, never an
 * ordinary scan, so nothing in this file is on the ingest hot path. All of
 * it runs inside the caller's write transaction (BEGIN IMMEDIATE: this
 * connection is the only writer), which is what makes "look, then insert"
 * in bag_add and the callers' bag_event_find-then-insert race-free.
 */
#include <string.h>

#include "core/scan.h"
#include "store/sqlite/sqlite_int.h"
#include "util/log.h"

#define C(db) ((struct pd__sq_conn *)(db))

static const char *const state_names[PD_BAG__COUNT] = {"open", "sealed", "opened"};

static int state_parse(const char *s)
{
    for (int i = 0; i < PD_BAG__COUNT; i++)
        if (s && !strcmp(s, state_names[i]))
            return i;
    return -1;
}

/* Step @p s through its rows, each handed to @p emit (which reads the row
 * and calls the caller's callback; a negative result stops). */
static pd_qs each_row(struct pd__sq_conn *c, sqlite3_stmt *s, const char *what,
                      int (*emit)(sqlite3_stmt *s, void *ctx), void *ctx)
{
    pd_qs qs = PD_QS_NONE;
    int rc, count = 0;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        int cr = emit(s, ctx);
        if (cr < 0) {
            qs = (pd_qs)cr;
            break;
        }
        count++;
    }
    if (qs >= 0)
        qs = rc == SQLITE_DONE ? (pd_qs)count : pd__sq_fail(c, rc, what);
    pd__sq_done(s);
    return qs;
}

pd_qs pd__sq_bag_get(pd_db *db, const char *bag_no, struct pd_bag *out)
{
    struct pd__sq_conn *c = C(db);
    sqlite3_stmt *s = pd__sq_prep(c, PD_SQ_BAG_GET,
                                  "SELECT bag_no, node_code, state, first_ms, last_ms,"
                                  " (SELECT count(*) FROM bag_contents k WHERE k.bag_no = b.bag_no"
                                  " AND k.removed_ms IS NULL) FROM bags b WHERE bag_no = ?1");
    if (!s)
        return PD_QS_HARD;
    pd__sq_text(s, 1, bag_no);
    int rc = sqlite3_step(s);
    pd_qs qs;
    if (rc == SQLITE_ROW) {
        memset(out, 0, sizeof *out);
        pd__sq_col(s, 0, out->bag_no, sizeof out->bag_no);
        pd__sq_col(s, 1, out->node_code, sizeof out->node_code);
        out->state = state_parse((const char *)sqlite3_column_text(s, 2));
        out->first_ms = sqlite3_column_int64(s, 3);
        out->last_ms = sqlite3_column_int64(s, 4);
        out->inside = sqlite3_column_int(s, 5);
        qs = out->state >= 0 ? PD_QS_ONE : PD_QS_HARD;
    } else {
        qs = rc == SQLITE_DONE ? PD_QS_NONE : pd__sq_fail(c, rc, "bag_get");
    }
    pd__sq_done(s);
    return qs;
}

pd_qs pd__sq_bag_add(pd_db *db, const struct pd_scan_row *r)
{
    struct pd__sq_conn *c = C(db);
    if (PD_BREAK(r->bag_no[0] && r->waybill_no[0]))
        return PD_QS_HARD;
    /* A bag scan into an opened bag opens it again where it is refilled; a
     * late one (older than the seal) leaves a sealed bag sealed. */
    sqlite3_stmt *s =
        pd__sq_prep(c, PD_SQ_BAG_UPSERT,
                    "INSERT INTO bags (bag_no, node_code, state, first_ms, last_ms)"
                    " VALUES (?1, ?2, 'open', ?3, ?3) ON CONFLICT (bag_no) DO UPDATE SET"
                    " node_code = CASE WHEN bags.state = 'opened' THEN excluded.node_code"
                    " ELSE bags.node_code END,"
                    " state = CASE WHEN bags.state = 'opened' THEN 'open' ELSE bags.state END,"
                    " first_ms = min(bags.first_ms, excluded.first_ms),"
                    " last_ms = max(bags.last_ms, excluded.last_ms)");
    if (!s)
        return PD_QS_HARD;
    pd__sq_text(s, 1, r->bag_no);
    pd__sq_text(s, 2, r->node_code);
    pd__sq_i64(s, 3, r->at_ms);
    pd_qs qs = pd__sq_exec(c, s, "bag_add");
    if (qs < 0)
        return qs;
    s = pd__sq_prep(c, PD_SQ_BAG_LEAVE_OTHERS,
                    "UPDATE bag_contents SET removed_ms = max(added_ms, ?4)"
                    " WHERE waybill_no = ?1 AND parcel_no = ?2 AND removed_ms IS NULL"
                    " AND bag_no <> ?3");
    if (!s)
        return PD_QS_HARD;
    pd__sq_text(s, 1, r->waybill_no);
    pd__sq_text(s, 2, r->parcel_no);
    pd__sq_text(s, 3, r->bag_no);
    pd__sq_i64(s, 4, r->at_ms);
    if ((qs = pd__sq_exec(c, s, "bag_add")) < 0)
        return qs;
    s = pd__sq_prep(c, PD_SQ_BAG_PUT_IN,
                    "INSERT INTO bag_contents (bag_no, waybill_no, parcel_no, added_ms)"
                    " SELECT ?1, ?2, ?3, ?4 WHERE NOT EXISTS (SELECT 1 FROM bag_contents"
                    " WHERE waybill_no = ?2 AND parcel_no = ?3 AND removed_ms IS NULL"
                    " AND bag_no = ?1)");
    if (!s)
        return PD_QS_HARD;
    pd__sq_text(s, 1, r->bag_no);
    pd__sq_text(s, 2, r->waybill_no);
    pd__sq_text(s, 3, r->parcel_no);
    pd__sq_i64(s, 4, r->at_ms);
    qs = pd__sq_exec(c, s, "bag_add");
    return qs < 0 ? qs : qs > 0 ? PD_QS_ONE : PD_QS_NONE;
}

/* The bag's latest event time and, when @p state is not "", its state
 * ("opened", or "sealed" which only a bag still open takes). */
static pd_qs touch(struct pd__sq_conn *c, const char *bag_no, int64_t at_ms, const char *state)
{
    sqlite3_stmt *s = pd__sq_prep(
        c, PD_SQ_BAG_EVENT_TOUCH,
        "UPDATE bags SET last_ms = max(last_ms, ?2), state = CASE"
        " WHEN ?3 = 'opened' THEN 'opened' WHEN ?3 = 'sealed' AND state = 'open' THEN 'sealed'"
        " ELSE state END WHERE bag_no = ?1");
    if (!s)
        return PD_QS_HARD;
    pd__sq_text(s, 1, bag_no);
    pd__sq_i64(s, 2, at_ms);
    pd__sq_text(s, 3, state);
    return pd__sq_exec(c, s, "bag_touch");
}

pd_qs pd__sq_bag_remove(pd_db *db, const char *bag_no, const char *waybill_no,
                        const char *parcel_no, int64_t at_ms)
{
    struct pd__sq_conn *c = C(db);
    sqlite3_stmt *s;
    if (waybill_no) {
        s = pd__sq_prep(c, PD_SQ_BAG_REMOVE,
                        "UPDATE bag_contents SET removed_ms = ?4 WHERE bag_no = ?1"
                        " AND waybill_no = ?2 AND (?3 = '' OR parcel_no = ?3)"
                        " AND removed_ms IS NULL AND added_ms <= ?4");
        if (!s)
            return PD_QS_HARD;
        pd__sq_text(s, 1, bag_no);
        pd__sq_text(s, 2, waybill_no);
        pd__sq_text(s, 3, parcel_no ? parcel_no : "");
        pd__sq_i64(s, 4, at_ms);
    } else {
        s = pd__sq_prep(c, PD_SQ_BAG_REMOVE_ALL,
                        "UPDATE bag_contents SET removed_ms = ?2 WHERE bag_no = ?1"
                        " AND removed_ms IS NULL AND added_ms <= ?2");
        if (!s)
            return PD_QS_HARD;
        pd__sq_text(s, 1, bag_no);
        pd__sq_i64(s, 2, at_ms);
    }
    pd_qs n = pd__sq_exec(c, s, "bag_remove");
    if (n < 0)
        return n;
    pd_qs qs = touch(c, bag_no, at_ms, waybill_no ? "" : "opened");
    return qs < 0 ? qs : n;
}

struct content_ctx {
    pd_bag_content_cb cb;
    void *cls;
};

static int content_row(sqlite3_stmt *s, void *ctx)
{
    struct content_ctx *x = ctx;
    struct pd_bag_content kk, *k = &kk;
    memset(k, 0, sizeof *k);
    k->id = sqlite3_column_int64(s, 0);
    pd__sq_col(s, 1, k->bag_no, sizeof k->bag_no);
    pd__sq_col(s, 2, k->waybill_no, sizeof k->waybill_no);
    pd__sq_col(s, 3, k->parcel_no, sizeof k->parcel_no);
    k->added_ms = sqlite3_column_int64(s, 4);
    k->removed_ms = sqlite3_column_int64(s, 5); /* NULL reads 0: inside */
    return x->cb(x->cls, k);
}

pd_qs pd__sq_bag_contents(pd_db *db, const char *bag_no, int64_t at_ms, int limit,
                          pd_bag_content_cb cb, void *cls)
{
    struct pd__sq_conn *c = C(db);
    sqlite3_stmt *s;
    if (at_ms > 0) {
        s = pd__sq_prep(c, PD_SQ_BAG_CONTENTS_AT,
                        "SELECT id, bag_no, waybill_no, parcel_no, added_ms, removed_ms"
                        " FROM bag_contents WHERE bag_no = ?1 AND added_ms <= ?2"
                        " AND (removed_ms IS NULL OR removed_ms > ?2)"
                        " ORDER BY added_ms, id LIMIT ?3");
        if (!s)
            return PD_QS_HARD;
        pd__sq_i64(s, 2, at_ms);
    } else {
        s = pd__sq_prep(c, PD_SQ_BAG_CONTENTS_ALL,
                        "SELECT id, bag_no, waybill_no, parcel_no, added_ms, removed_ms"
                        " FROM bag_contents WHERE bag_no = ?1 ORDER BY added_ms, id LIMIT ?3");
        if (!s)
            return PD_QS_HARD;
    }
    pd__sq_text(s, 1, bag_no);
    sqlite3_bind_int(s, 3, limit > 0 ? limit : 1);
    struct content_ctx x = {cb, cls};
    return each_row(c, s, "bag_contents", content_row, &x);
}

#define EVENT_COLS                                                                                 \
    "id, bag_no, type, at_ms, node_code, operator, device_id, device_seq, trip_no, reason,"        \
    " expanded, received_ms"

struct event_ctx {
    pd_bag_event_cb cb;
    void *cls;
};

static int event_row(sqlite3_stmt *s, void *ctx)
{
    struct event_ctx *x = ctx;
    struct pd_bag_event ee, *e = &ee;
    memset(e, 0, sizeof *e);
    e->id = sqlite3_column_int64(s, 0);
    pd__sq_col(s, 1, e->bag_no, sizeof e->bag_no);
    enum pd_scan_type t;
    const char *tname = (const char *)sqlite3_column_text(s, 2);
    if (!pd_scan_type_parse(tname ? tname : "", &t)) {
        pd_error("sqlite: bag event %lld: unknown type '%s'", (long long)e->id, tname ? tname : "");
        return PD_QS_HARD;
    }
    e->type = (int)t;
    e->at_ms = sqlite3_column_int64(s, 3);
    pd__sq_col(s, 4, e->node_code, sizeof e->node_code);
    pd__sq_col(s, 5, e->operator_, sizeof e->operator_);
    pd__sq_col(s, 6, e->device_id, sizeof e->device_id);
    e->device_seq = sqlite3_column_int64(s, 7);
    pd__sq_col(s, 8, e->trip_no, sizeof e->trip_no);
    pd__sq_col(s, 9, e->reason, sizeof e->reason);
    e->expanded = sqlite3_column_int(s, 10);
    e->received_ms = sqlite3_column_int64(s, 11);
    return x->cb(x->cls, e);
}

static int copy_event(void *cls, const struct pd_bag_event *e)
{
    memcpy(cls, e, sizeof *e);
    return 0;
}

pd_qs pd__sq_bag_event_find(pd_db *db, const char *device_id, int64_t device_seq,
                            struct pd_bag_event *out)
{
    struct pd__sq_conn *c = C(db);
    sqlite3_stmt *s = pd__sq_prep(c, PD_SQ_BAG_EVENT_FIND,
                                  "SELECT " EVENT_COLS " FROM bag_events"
                                  " WHERE device_id = ?1 AND device_seq = ?2");
    if (!s)
        return PD_QS_HARD;
    pd__sq_text(s, 1, device_id);
    pd__sq_i64(s, 2, device_seq);
    struct event_ctx x = {copy_event, out};
    return each_row(c, s, "bag_event_find", event_row, &x);
}

pd_qs pd__sq_bag_event_insert(pd_db *db, struct pd_bag_event *e)
{
    struct pd__sq_conn *c = C(db);
    if (PD_BREAK(e->type >= 0 && e->type < PD_SCAN__COUNT))
        return PD_QS_HARD;
    sqlite3_stmt *s = pd__sq_prep(
        c, PD_SQ_BAG_EVENT_INSERT,
        "INSERT INTO bag_events (bag_no, type, at_ms, node_code, operator, device_id,"
        " device_seq, trip_no, reason, expanded, received_ms)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) ON CONFLICT DO NOTHING");
    if (!s)
        return PD_QS_HARD;
    pd__sq_text(s, 1, e->bag_no);
    pd__sq_text(s, 2, pd_scan_type_name((enum pd_scan_type)e->type));
    pd__sq_i64(s, 3, e->at_ms);
    pd__sq_text(s, 4, e->node_code);
    pd__sq_text(s, 5, e->operator_);
    pd__sq_text(s, 6, e->device_id);
    pd__sq_i64(s, 7, e->device_seq);
    pd__sq_text(s, 8, e->trip_no);
    pd__sq_text(s, 9, e->reason);
    sqlite3_bind_int(s, 10, e->expanded);
    pd__sq_i64(s, 11, e->received_ms);
    pd_qs qs = pd__sq_exec(c, s, "bag_event_insert");
    if (qs <= 0)
        return qs;
    e->id = sqlite3_last_insert_rowid(c->h);
    qs = touch(c, e->bag_no, e->at_ms, e->type == PD_SCAN_UNBAG ? "opened" : "sealed");
    return qs < 0 ? qs : PD_QS_ONE;
}

pd_qs pd__sq_bag_event_list(pd_db *db, const char *bag_no, pd_bag_event_cb cb, void *cls)
{
    struct pd__sq_conn *c = C(db);
    sqlite3_stmt *s = pd__sq_prep(c, PD_SQ_BAG_EVENT_LIST,
                                  "SELECT " EVENT_COLS " FROM bag_events WHERE bag_no = ?1"
                                  " ORDER BY at_ms, id");
    if (!s)
        return PD_QS_HARD;
    pd__sq_text(s, 1, bag_no);
    struct event_ctx x = {cb, cls};
    return each_row(c, s, "bag_event_list", event_row, &x);
}
