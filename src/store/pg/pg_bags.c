/*
 * PostgreSQL queries of bags (集包), their contents and bag events; the same
 * contract as sqlite_bags.c. Under READ COMMITTED two transactions may touch
 * one bag at once: bag_add upserts the bag row first, which holds that row
 * until commit, so a second bag scan of the same bag waits and then sees the
 * first one's content (its NOT EXISTS runs on a fresh snapshot). A bag
 * event's insert names its idempotency key as the conflict target, so a
 * re-send racing the original waits for it and then writes nothing.
 */
#include <string.h>

#include "core/scan.h"
#include "store/pg/pg_int.h"
#include "util/log.h"

#define C(db) ((struct pd__pg_conn *)(db))

static const char *const state_names[PD_BAG__COUNT] = {"open", "sealed", "opened"};

static int state_parse(const char *s)
{
    for (int i = 0; i < PD_BAG__COUNT; i++)
        if (s && !strcmp(s, state_names[i]))
            return i;
    return -1;
}

pd_qs pd__pg_bag_get(pd_db *db, const char *bag_no, struct pd_bag *out)
{
    struct pd__pg_conn *c = C(db);
    struct pd__pg_params p = {0};
    pd__pg_p_text(&p, bag_no);
    pd_qs qs;
    PGresult *r = pd__pg_run(c, PD_PG_BAG_GET,
                             "SELECT bag_no, node_code, state, first_ms, last_ms,"
                             " (SELECT count(*) FROM bag_contents k WHERE k.bag_no = b.bag_no"
                             " AND k.removed_ms IS NULL) FROM bags b WHERE bag_no = $1::text",
                             &p, &qs);
    if (!r)
        return qs;
    qs = PD_QS_NONE;
    if (PQntuples(r) > 0) {
        memset(out, 0, sizeof *out);
        pd__pg_col(r, 0, 0, out->bag_no, sizeof out->bag_no);
        pd__pg_col(r, 0, 1, out->node_code, sizeof out->node_code);
        out->state = state_parse(PQgetvalue(r, 0, 2));
        out->first_ms = pd__pg_i64(r, 0, 3);
        out->last_ms = pd__pg_i64(r, 0, 4);
        out->inside = (int)pd__pg_i64(r, 0, 5);
        qs = out->state >= 0 ? PD_QS_ONE : PD_QS_HARD;
    }
    PQclear(r);
    return qs;
}

pd_qs pd__pg_bag_add(pd_db *db, const struct pd_scan_row *row)
{
    struct pd__pg_conn *c = C(db);
    if (PD_BREAK(row->bag_no[0] && row->waybill_no[0]))
        return PD_QS_HARD;
    struct pd__pg_params p = {0};
    pd__pg_p_text(&p, row->bag_no);
    pd__pg_p_text(&p, row->node_code);
    pd__pg_p_i64(&p, row->at_ms);
    pd_qs qs =
        pd__pg_cmd(c, PD_PG_BAG_UPSERT,
                   "INSERT INTO bags (bag_no, node_code, state, first_ms, last_ms)"
                   " VALUES ($1::text, $2::text, 'open', $3::bigint, $3::bigint)"
                   " ON CONFLICT (bag_no) DO UPDATE SET"
                   " node_code = CASE WHEN bags.state = 'opened' THEN excluded.node_code"
                   " ELSE bags.node_code END,"
                   " state = CASE WHEN bags.state = 'opened' THEN 'open' ELSE bags.state END,"
                   " first_ms = LEAST(bags.first_ms, excluded.first_ms),"
                   " last_ms = GREATEST(bags.last_ms, excluded.last_ms)",
                   &p);
    if (qs < 0)
        return qs;
    p = (struct pd__pg_params){0};
    pd__pg_p_text(&p, row->waybill_no);
    pd__pg_p_text(&p, row->parcel_no);
    pd__pg_p_text(&p, row->bag_no);
    pd__pg_p_i64(&p, row->at_ms);
    qs = pd__pg_cmd(c, PD_PG_BAG_LEAVE_OTHERS,
                    "UPDATE bag_contents SET removed_ms = GREATEST(added_ms, $4::bigint)"
                    " WHERE waybill_no = $1::text AND parcel_no = $2::text"
                    " AND removed_ms IS NULL AND bag_no <> $3::text",
                    &p);
    if (qs < 0)
        return qs;
    p = (struct pd__pg_params){0};
    pd__pg_p_text(&p, row->bag_no);
    pd__pg_p_text(&p, row->waybill_no);
    pd__pg_p_text(&p, row->parcel_no);
    pd__pg_p_i64(&p, row->at_ms);
    qs = pd__pg_cmd(c, PD_PG_BAG_PUT_IN,
                    "INSERT INTO bag_contents (bag_no, waybill_no, parcel_no, added_ms)"
                    " SELECT $1::text, $2::text, $3::text, $4::bigint WHERE NOT EXISTS"
                    " (SELECT 1 FROM bag_contents WHERE waybill_no = $2::text"
                    " AND parcel_no = $3::text AND removed_ms IS NULL AND bag_no = $1::text)",
                    &p);
    return qs < 0 ? qs : qs > 0 ? PD_QS_ONE : PD_QS_NONE;
}

/* As sqlite_bags.c touch(). */
static pd_qs touch(struct pd__pg_conn *c, const char *bag_no, int64_t at_ms, const char *state)
{
    struct pd__pg_params p = {0};
    pd__pg_p_text(&p, bag_no);
    pd__pg_p_i64(&p, at_ms);
    pd__pg_p_text(&p, state);
    return pd__pg_cmd(c, PD_PG_BAG_EVENT_TOUCH,
                      "UPDATE bags SET last_ms = GREATEST(last_ms, $2::bigint), state = CASE"
                      " WHEN $3::text = 'opened' THEN 'opened'"
                      " WHEN $3::text = 'sealed' AND state = 'open' THEN 'sealed'"
                      " ELSE state END WHERE bag_no = $1::text",
                      &p);
}

pd_qs pd__pg_bag_remove(pd_db *db, const char *bag_no, const char *waybill_no,
                        const char *parcel_no, int64_t at_ms)
{
    struct pd__pg_conn *c = C(db);
    struct pd__pg_params p = {0};
    pd_qs n;
    pd__pg_p_text(&p, bag_no);
    pd__pg_p_i64(&p, at_ms);
    if (waybill_no) {
        pd__pg_p_text(&p, waybill_no);
        pd__pg_p_text(&p, parcel_no ? parcel_no : "");
        n = pd__pg_cmd(c, PD_PG_BAG_REMOVE,
                       "UPDATE bag_contents SET removed_ms = $2::bigint WHERE bag_no = $1::text"
                       " AND waybill_no = $3::text AND ($4::text = '' OR parcel_no = $4::text)"
                       " AND removed_ms IS NULL AND added_ms <= $2::bigint",
                       &p);
    } else {
        n = pd__pg_cmd(c, PD_PG_BAG_REMOVE_ALL,
                       "UPDATE bag_contents SET removed_ms = $2::bigint WHERE bag_no = $1::text"
                       " AND removed_ms IS NULL AND added_ms <= $2::bigint",
                       &p);
    }
    if (n < 0)
        return n;
    pd_qs qs = touch(c, bag_no, at_ms, waybill_no ? "" : "opened");
    return qs < 0 ? qs : n;
}

pd_qs pd__pg_bag_contents(pd_db *db, const char *bag_no, int64_t at_ms, int limit,
                          pd_bag_content_cb cb, void *cls)
{
    struct pd__pg_conn *c = C(db);
    struct pd__pg_params p = {0};
    pd__pg_p_text(&p, bag_no);
    pd__pg_p_i64(&p, limit > 0 ? limit : 1);
    pd_qs qs;
    PGresult *r;
    if (at_ms > 0) {
        pd__pg_p_i64(&p, at_ms);
        r = pd__pg_run(c, PD_PG_BAG_CONTENTS_AT,
                       "SELECT id, bag_no, waybill_no, parcel_no, added_ms, removed_ms"
                       " FROM bag_contents WHERE bag_no = $1::text AND added_ms <= $3::bigint"
                       " AND (removed_ms IS NULL OR removed_ms > $3::bigint)"
                       " ORDER BY added_ms, id LIMIT $2::bigint",
                       &p, &qs);
    } else {
        r = pd__pg_run(c, PD_PG_BAG_CONTENTS_ALL,
                       "SELECT id, bag_no, waybill_no, parcel_no, added_ms, removed_ms"
                       " FROM bag_contents WHERE bag_no = $1::text"
                       " ORDER BY added_ms, id LIMIT $2::bigint",
                       &p, &qs);
    }
    if (!r)
        return qs;
    int n = PQntuples(r);
    qs = (pd_qs)n;
    for (int i = 0; i < n; i++) {
        struct pd_bag_content k;
        memset(&k, 0, sizeof k);
        k.id = pd__pg_i64(r, i, 0);
        pd__pg_col(r, i, 1, k.bag_no, sizeof k.bag_no);
        pd__pg_col(r, i, 2, k.waybill_no, sizeof k.waybill_no);
        pd__pg_col(r, i, 3, k.parcel_no, sizeof k.parcel_no);
        k.added_ms = pd__pg_i64(r, i, 4);
        k.removed_ms = PQgetisnull(r, i, 5) ? 0 : pd__pg_i64(r, i, 5);
        int cr = cb(cls, &k);
        if (cr < 0) {
            qs = (pd_qs)cr;
            break;
        }
    }
    PQclear(r);
    return qs;
}

#define EVENT_COLS                                                                                 \
    "id, bag_no, type, at_ms, node_code, operator, device_id, device_seq, trip_no, reason,"        \
    " expanded, received_ms"

static pd_qs event_row(const PGresult *r, int i, struct pd_bag_event *e)
{
    memset(e, 0, sizeof *e);
    e->id = pd__pg_i64(r, i, 0);
    pd__pg_col(r, i, 1, e->bag_no, sizeof e->bag_no);
    enum pd_scan_type t;
    if (!pd_scan_type_parse(PQgetvalue(r, i, 2), &t)) {
        pd_error("pg: bag event %lld: unknown type '%s'", (long long)e->id, PQgetvalue(r, i, 2));
        return PD_QS_HARD;
    }
    e->type = (int)t;
    e->at_ms = pd__pg_i64(r, i, 3);
    pd__pg_col(r, i, 4, e->node_code, sizeof e->node_code);
    pd__pg_col(r, i, 5, e->operator_, sizeof e->operator_);
    pd__pg_col(r, i, 6, e->device_id, sizeof e->device_id);
    e->device_seq = pd__pg_i64(r, i, 7);
    pd__pg_col(r, i, 8, e->trip_no, sizeof e->trip_no);
    pd__pg_col(r, i, 9, e->reason, sizeof e->reason);
    e->expanded = (int)pd__pg_i64(r, i, 10);
    e->received_ms = pd__pg_i64(r, i, 11);
    return PD_QS_ONE;
}

pd_qs pd__pg_bag_event_find(pd_db *db, const char *device_id, int64_t device_seq,
                            struct pd_bag_event *out)
{
    struct pd__pg_conn *c = C(db);
    struct pd__pg_params p = {0};
    pd__pg_p_text(&p, device_id);
    pd__pg_p_i64(&p, device_seq);
    pd_qs qs;
    PGresult *r = pd__pg_run(c, PD_PG_BAG_EVENT_FIND,
                             "SELECT " EVENT_COLS " FROM bag_events"
                             " WHERE device_id = $1::text AND device_seq = $2::bigint",
                             &p, &qs);
    if (!r)
        return qs;
    qs = PQntuples(r) > 0 ? event_row(r, 0, out) : PD_QS_NONE;
    PQclear(r);
    return qs;
}

pd_qs pd__pg_bag_event_insert(pd_db *db, struct pd_bag_event *e)
{
    struct pd__pg_conn *c = C(db);
    if (PD_BREAK(e->type >= 0 && e->type < PD_SCAN__COUNT))
        return PD_QS_HARD;
    struct pd__pg_params p = {0};
    pd__pg_p_text(&p, e->bag_no);
    pd__pg_p_text(&p, pd_scan_type_name((enum pd_scan_type)e->type));
    pd__pg_p_i64(&p, e->at_ms);
    pd__pg_p_text(&p, e->node_code);
    pd__pg_p_text(&p, e->operator_);
    pd__pg_p_text(&p, e->device_id);
    pd__pg_p_i64(&p, e->device_seq);
    pd__pg_p_text(&p, e->trip_no);
    pd__pg_p_text(&p, e->reason);
    pd__pg_p_i64(&p, e->expanded);
    pd__pg_p_i64(&p, e->received_ms);
    pd_qs qs;
    PGresult *r = pd__pg_run(
        c, PD_PG_BAG_EVENT_INSERT,
        "INSERT INTO bag_events (bag_no, type, at_ms, node_code, operator, device_id,"
        " device_seq, trip_no, reason, expanded, received_ms) VALUES ($1::text, $2::text,"
        " $3::bigint, $4::text, $5::text, $6::text, $7::bigint, $8::text, $9::text,"
        " $10::integer, $11::bigint) ON CONFLICT (device_id, device_seq) DO NOTHING RETURNING id",
        &p, &qs);
    if (!r)
        return qs;
    bool written = PQntuples(r) > 0;
    if (written)
        e->id = pd__pg_i64(r, 0, 0);
    PQclear(r);
    if (!written)
        return PD_QS_NONE;
    qs = touch(c, e->bag_no, e->at_ms, e->type == PD_SCAN_UNBAG ? "opened" : "sealed");
    return qs < 0 ? qs : PD_QS_ONE;
}

pd_qs pd__pg_bag_event_list(pd_db *db, const char *bag_no, pd_bag_event_cb cb, void *cls)
{
    struct pd__pg_conn *c = C(db);
    struct pd__pg_params p = {0};
    pd__pg_p_text(&p, bag_no);
    pd_qs qs;
    PGresult *r = pd__pg_run(c, PD_PG_BAG_EVENT_LIST,
                             "SELECT " EVENT_COLS " FROM bag_events WHERE bag_no = $1::text"
                             " ORDER BY at_ms, id",
                             &p, &qs);
    if (!r)
        return qs;
    int n = PQntuples(r);
    qs = (pd_qs)n;
    for (int i = 0; i < n; i++) {
        struct pd_bag_event e;
        pd_qs q = event_row(r, i, &e);
        int cr = q < 0 ? (int)q : cb(cls, &e);
        if (cr < 0) {
            qs = (pd_qs)cr;
            break;
        }
    }
    PQclear(r);
    return qs;
}
