/*
 * PostgreSQL queries of problem parcels (问题件) and return receipts
 * (签收回单) (migrations/pg/008_problems.sql), and the two listings of the
 * stale-parcel job (http/monitor.c), as in sqlite_problems.c: quiet
 * waybills through the partial index tracking_stale of 006, totally
 * delayed ones through waybills_promised, both keyset-paged. "One open
 * problem of a type per waybill" is the unique partial index
 * problem_parcels_open: two servers running the job at once both try the
 * insert, and under READ COMMITTED the second waits for the first and then
 * does nothing. Scoping is the byte range on the node path (COLLATE "C").
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/problem.h"
#include "core/receipt.h"
#include "core/status.h"
#include "store/pg/pg_int.h"
#include "util/log.h"

#define C(db) ((struct pd__pg_conn *)(db))

static const char *const problem_states[] = {
    [PD_PROBLEM_OPEN] = "open", [PD_PROBLEM_CLOSED] = "closed"};
static const char *const problem_sources[] = {
    [PD_PROBLEM_SOURCE_AUTO] = "auto", [PD_PROBLEM_SOURCE_STAFF] = "staff"};

/* Optional references are NULL in the database and 0 in the struct. */
static void p_ref(struct pd__pg_params *p, int64_t id)
{
    if (id > 0)
        pd__pg_p_i64(p, id);
    else
        pd__pg_p_text(p, NULL);
}

/* Hand each row of @p res to @p row (which calls the callback); clears res. */
static pd_qs each_row(struct pd__pg_conn *c, PGresult *res, pd_qs qs,
                      int (*row)(struct pd__pg_conn *c, const PGresult *r, int i, void *cb,
                                 void *cls),
                      void *cb, void *cls)
{
    int rows = PQntuples(res);
    for (int i = 0; i < rows && qs >= 0; i++) {
        int r = row(c, res, i, cb, cls);
        if (r < 0)
            qs = (pd_qs)r;
    }
    PQclear(res);
    return qs;
}

/* ---- problem parcels ---------------------------------------------------------- */

#define PROBLEM_COLS PD_PG_PROBLEM_COLS /* pg_int.h: shared with pg_service.c */
#define PROBLEM_FROM " FROM problem_parcels p JOIN nodes n ON n.id = p.node_id"

pd_qs pd__pg_problem_row(struct pd__pg_conn *c, const PGresult *r, int i, struct pd_problem *p)
{
    memset(p, 0, sizeof *p);
    p->id = pd__pg_i64(r, i, 0);
    pd__pg_col(r, i, 1, p->waybill_no, sizeof p->waybill_no);
    pd__pg_col(r, i, 2, p->type, sizeof p->type);
    const char *source = PQgetvalue(r, i, 3);
    p->node_id = pd__pg_i64(r, i, 4);
    pd__pg_col(r, i, 5, p->node_code, sizeof p->node_code);
    pd__pg_col(r, i, 6, p->node_path, sizeof p->node_path);
    const char *state = PQgetvalue(r, i, 7);
    p->opened_ms = pd__pg_i64(r, i, 8);
    p->opened_by = pd__pg_i64(r, i, 9);
    p->closed_ms = pd__pg_i64(r, i, 10);
    p->closed_by = pd__pg_i64(r, i, 11);
    pd__pg_col(r, i, 12, p->reason, sizeof p->reason);
    pd__pg_col(r, i, 13, p->note, sizeof p->note);
    /* The table's CHECKs allow only these; anything else is corruption. */
    p->state = strcmp(state, "closed") == 0 ? PD_PROBLEM_CLOSED : PD_PROBLEM_OPEN;
    p->source = strcmp(source, "staff") == 0 ? PD_PROBLEM_SOURCE_STAFF : PD_PROBLEM_SOURCE_AUTO;
    if (strcmp(state, problem_states[p->state]) != 0 ||
        strcmp(source, problem_sources[p->source]) != 0) {
        snprintf(c->err, sizeof c->err, "problem %lld has state '%.16s', source '%.16s'",
                 (long long)p->id, state, source);
        pd_error("postgresql: %s", c->err);
        return PD_QS_HARD;
    }
    return PD_QS_ONE;
}

pd_qs pd__pg_problem_open(pd_db *db, struct pd_problem *p, bool *opened)
{
    struct pd__pg_conn *c = C(db);
    if (PD_BREAK(p->type[0] && p->waybill_no[0] && p->node_id > 0) ||
        PD_BREAK(p->source == PD_PROBLEM_SOURCE_AUTO || p->source == PD_PROBLEM_SOURCE_STAFF))
        return PD_QS_HARD;
    *opened = false;
    struct pd__pg_params q = {0};
    pd__pg_p_text(&q, p->waybill_no);
    pd__pg_p_text(&q, p->type);
    pd__pg_p_text(&q, problem_sources[p->source]);
    pd__pg_p_i64(&q, p->node_id);
    pd__pg_p_i64(&q, p->opened_ms);
    p_ref(&q, p->opened_by);
    pd__pg_p_text(&q, p->reason);
    pd__pg_p_text(&q, p->note);
    pd_qs qs;
    PGresult *res = pd__pg_run(
        c, PD_PG_PROBLEM_OPEN,
        "INSERT INTO problem_parcels (waybill_no, type, source, node_id, state, opened_ms,"
        " opened_by, reason, note) VALUES ($1::text, $2::text, $3::text, $4::bigint, 'open',"
        " $5::bigint, $6::bigint, $7::text, $8::text)"
        " ON CONFLICT (waybill_no, type) WHERE state = 'open' DO NOTHING RETURNING id",
        &q, &qs);
    if (!res)
        return qs;
    if (PQntuples(res) > 0) {
        p->id = pd__pg_i64(res, 0, 0);
        p->state = PD_PROBLEM_OPEN;
        *opened = true;
        PQclear(res);
        return PD_QS_ONE;
    }
    PQclear(res);
    struct pd__pg_params k = {0};
    pd__pg_p_text(&k, p->waybill_no);
    pd__pg_p_text(&k, p->type);
    res = pd__pg_run(c, PD_PG_PROBLEM_OPEN_ID,
                     "SELECT id FROM problem_parcels WHERE waybill_no = $1::text"
                     " AND type = $2::text AND state = 'open'",
                     &k, &qs);
    if (!res)
        return qs;
    qs = PQntuples(res) > 0 ? PD_QS_ONE : PD_QS_SOFT; /* closed meanwhile: try again */
    if (qs == PD_QS_ONE)
        p->id = pd__pg_i64(res, 0, 0);
    PQclear(res);
    return qs;
}

pd_qs pd__pg_problem_get(pd_db *db, int64_t id, struct pd_problem *out)
{
    struct pd__pg_conn *c = C(db);
    struct pd__pg_params p = {0};
    pd__pg_p_i64(&p, id);
    pd_qs qs;
    PGresult *r =
        pd__pg_run(c, PD_PG_PROBLEM_GET,
                   "SELECT " PROBLEM_COLS PROBLEM_FROM " WHERE p.id = $1::bigint", &p, &qs);
    if (!r)
        return qs;
    qs = PQntuples(r) > 0 ? pd__pg_problem_row(c, r, 0, out) : PD_QS_NONE;
    PQclear(r);
    return qs;
}

static int problem_cb_row(struct pd__pg_conn *c, const PGresult *r, int i, void *cb, void *cls)
{
    struct pd_problem p;
    pd_qs qs = pd__pg_problem_row(c, r, i, &p);
    if (qs < 0)
        return (int)qs;
    int x = ((pd_problem_cb)cb)(cls, &p);
    return x < 0 ? x : 0;
}

pd_qs pd__pg_problem_list(pd_db *db, const struct pd_problem_filter *f, pd_problem_cb cb, void *cls)
{
    struct pd__pg_conn *c = C(db);
    char lo[PD_PATH_MAX], hi[PD_PATH_MAX];
    if (PD_BREAK(f->node_path && f->node_path[0] == '/') ||
        PD_BREAK(pd__path_range(f->node_path, lo, hi)) ||
        PD_BREAK(f->state == -1 || f->state == PD_PROBLEM_OPEN || f->state == PD_PROBLEM_CLOSED))
        return PD_QS_HARD;
    struct pd__pg_params p = {0};
    pd__pg_p_text(&p, lo);
    pd__pg_p_text(&p, hi);
    pd__pg_p_text(&p, f->state >= 0 ? problem_states[f->state] : NULL);
    pd__pg_p_opt(&p, f->type);
    pd__pg_p_opt(&p, f->waybill_no);
    pd__pg_p_i64(&p, f->before_id > 0 ? f->before_id : INT64_MAX);
    pd__pg_p_i64(&p, pd__list_limit(f->limit));
    pd_qs qs;
    PGresult *r = pd__pg_run(c, PD_PG_PROBLEM_LIST,
                             "SELECT " PROBLEM_COLS PROBLEM_FROM " WHERE n.path >= $1::text"
                             " AND n.path < $2::text AND ($3::text IS NULL OR p.state = $3::text)"
                             " AND ($4::text IS NULL OR p.type = $4::text)"
                             " AND ($5::text IS NULL OR p.waybill_no = $5::text)"
                             " AND p.id < $6::bigint ORDER BY p.id DESC LIMIT $7::integer",
                             &p, &qs);
    return r ? each_row(c, r, qs, problem_cb_row, (void *)cb, cls) : qs;
}

pd_qs pd__pg_problem_close(pd_db *db, int64_t id, int64_t at_ms, int64_t by, const char *note)
{
    struct pd__pg_params p = {0};
    pd__pg_p_i64(&p, id);
    pd__pg_p_i64(&p, at_ms);
    p_ref(&p, by);
    pd__pg_p_text(&p, note ? note : "");
    return pd__pg_cmd(C(db), PD_PG_PROBLEM_CLOSE,
                      "UPDATE problem_parcels SET state = 'closed', closed_ms = $2::bigint,"
                      " closed_by = $3::bigint, note = $4::text"
                      " WHERE id = $1::bigint AND state = 'open'",
                      &p);
}

/* ---- the stale-parcel job's listings ---------------------------------------------- */

/* The node that should act: the node of the last scan naming a node the
 * network knows, else the order's. */
#define LAST_NODE(no)                                                                              \
    "COALESCE((SELECT n.id FROM scans s JOIN nodes n ON n.code = s.node_code"                      \
    " WHERE s.waybill_no = " no " AND s.node_code <> '' ORDER BY s.at_ms DESC LIMIT 1),"           \
    " w.node_id)"

static int candidate_row(struct pd__pg_conn *c, const PGresult *r, int i, void *cb, void *cls)
{
    struct pd_monitor_candidate m;
    memset(&m, 0, sizeof m);
    pd__pg_col(r, i, 0, m.waybill_no, sizeof m.waybill_no);
    pd__pg_col(r, i, 1, m.service, sizeof m.service);
    const char *st = PQgetvalue(r, i, 2);
    enum pd_status status;
    if (!pd_status_parse(st, &status)) {
        snprintf(c->err, sizeof c->err, "tracking of %s has unknown status '%.32s'", m.waybill_no,
                 st);
        pd_error("postgresql: %s", c->err);
        return PD_QS_HARD;
    }
    m.status = (int)status;
    m.events = (int)pd__pg_i64(r, i, 3);
    m.created_ms = pd__pg_i64(r, i, 4);
    m.last_event_ms = pd__pg_i64(r, i, 5);
    m.promised_ms = pd__pg_i64(r, i, 6);
    m.quiet_since_ms = pd__pg_i64(r, i, 7);
    m.origin_division = (int32_t)pd__pg_i64(r, i, 8);
    m.dest_division = (int32_t)pd__pg_i64(r, i, 9);
    m.node_id = pd__pg_i64(r, i, 10);
    m.key_id = pd__pg_i64(r, i, 11);
    int x = ((pd_monitor_cb)cb)(cls, &m);
    return x < 0 ? x : 0;
}

pd_qs pd__pg_monitor_quiet(pd_db *db, const struct pd_quiet_filter *f, pd_monitor_cb cb, void *cls)
{
    struct pd__pg_conn *c = C(db);
    int64_t bound = f->default_since_ms;
    for (int i = 0; i < PD_MONITOR_SERVICES; i++)
        if (f->service[i] && f->since_ms[i] > bound)
            bound = f->since_ms[i];
    struct pd__pg_params p = {0};
    pd__pg_p_i64(&p, bound);
    pd__pg_p_i64(&p, f->after_created_ms);
    for (int i = 0; i < 2; i++) /* '' is no status: an unused slot skips nothing */
        pd__pg_p_text(&p, f->skip_status[i] >= 0 && f->skip_status[i] < PD_ST__COUNT
                              ? pd_status_info((enum pd_status)f->skip_status[i])->name
                              : "");
    for (int i = 0; i < PD_MONITOR_SERVICES; i++) {
        pd__pg_p_text(&p, f->service[i]);
        pd__pg_p_i64(&p, f->since_ms[i]);
    }
    pd__pg_p_i64(&p, f->default_since_ms);
    pd__pg_p_i64(&p, f->after_quiet_ms);
    pd__pg_p_i64(&p, f->after_serial);
    pd__pg_p_i64(&p, pd__list_limit(f->limit));
    pd_qs qs;
    /* open and the key expression as in the partial index tracking_stale,
     * whose order (key, serial) is the listing's. */
    PGresult *r = pd__pg_run(
        c, PD_PG_MONITOR_QUIET,
        "SELECT t.waybill_no, t.service, t.status, t.events, t.created_ms, t.last_event_ms,"
        " t.promised_ms, GREATEST(t.last_event_ms, t.created_ms), w.origin_division,"
        " w.dest_division, " LAST_NODE(
            "t.waybill_no") ", t.serial"
                            " FROM tracking t JOIN waybills w ON w.waybill_no = t.waybill_no"
                            " WHERE t.open AND GREATEST(t.last_event_ms, t.created_ms) < $1::bigint"
                            " AND t.created_ms > $2::bigint AND t.status NOT IN ($3::text, "
                            "$4::text)"
                            " AND GREATEST(t.last_event_ms, t.created_ms) < CASE t.service"
                            " WHEN $5::text THEN $6::bigint WHEN $7::text THEN $8::bigint"
                            " WHEN $9::text THEN $10::bigint WHEN $11::text THEN $12::bigint ELSE "
                            "$13::bigint END"
                            " AND (GREATEST(t.last_event_ms, t.created_ms), t.serial) > "
                            "($14::bigint, $15::bigint)"
                            " ORDER BY GREATEST(t.last_event_ms, t.created_ms), t.serial LIMIT "
                            "$16::integer",
        &p, &qs);
    return r ? each_row(c, r, qs, candidate_row, (void *)cb, cls) : qs;
}

pd_qs pd__pg_monitor_delayed(pd_db *db, const struct pd_delayed_filter *f, pd_monitor_cb cb,
                             void *cls)
{
    struct pd__pg_conn *c = C(db);
    if (PD_BREAK(f->type && f->type[0]))
        return PD_QS_HARD;
    struct pd__pg_params p = {0};
    pd__pg_p_i64(&p, f->promised_after_ms);
    pd__pg_p_i64(&p, f->same_city_before_ms);
    pd__pg_p_i64(&p, f->other_before_ms);
    pd__pg_p_text(&p, f->type);
    pd__pg_p_i64(&p, f->after_promised_ms);
    pd__pg_p_i64(&p, f->after_id);
    pd__pg_p_i64(&p, pd__list_limit(f->limit));
    pd_qs qs;
    /* Same city as core/problem.h's pd_problem_same_city. */
    PGresult *r = pd__pg_run(
        c, PD_PG_MONITOR_DELAYED,
        "SELECT w.waybill_no, w.service, t.status, t.events, w.created_ms, t.last_event_ms,"
        " w.promised_delivery_ms, GREATEST(t.last_event_ms, t.created_ms), w.origin_division,"
        " w.dest_division, " LAST_NODE(
            "w.waybill_no") ", w.id"
                            " FROM waybills w JOIN tracking t ON t.serial = substr(w.waybill_no, "
                            "3, 12)::bigint"
                            " WHERE w.promised_delivery_ms > $1::bigint AND w.promised_delivery_ms "
                            "< $2::bigint"
                            " AND ((w.origin_division > 0 AND w.dest_division > 0"
                            " AND w.origin_division / 100 = w.dest_division / 100)"
                            " OR w.promised_delivery_ms < $3::bigint)"
                            " AND t.open AND NOT EXISTS (SELECT 1 FROM problem_parcels p"
                            " WHERE p.waybill_no = w.waybill_no AND p.type = $4::text)"
                            " AND (w.promised_delivery_ms, w.id) > ($5::bigint, $6::bigint)"
                            " ORDER BY w.promised_delivery_ms, w.id LIMIT $7::integer",
        &p, &qs);
    return r ? each_row(c, r, qs, candidate_row, (void *)cb, cls) : qs;
}

/* ---- return receipts ------------------------------------------------------------ */

#define RECEIPT_COLS                                                                               \
    "r.waybill_no, r.node_id, n.code, n.path, r.state, r.required_ms, r.collected_ms,"             \
    " r.collected_node, r.collected_by, r.sent_back_ms, r.sent_back_node, r.sent_back_by,"         \
    " r.return_waybill_no, r.returned_ms, r.returned_node, r.returned_by, r.updated_ms,"           \
    " COALESCE(t.delivered_ms, 0)"
#define RECEIPT_FROM                                                                               \
    " FROM return_receipts r JOIN nodes n ON n.id = r.node_id LEFT JOIN tracking t"                \
    " ON t.serial = substr(r.waybill_no, 3, 12)::bigint"

static pd_qs receipt_row(struct pd__pg_conn *c, const PGresult *res, int i, struct pd_receipt *r)
{
    memset(r, 0, sizeof *r);
    pd__pg_col(res, i, 0, r->waybill_no, sizeof r->waybill_no);
    r->node_id = pd__pg_i64(res, i, 1);
    pd__pg_col(res, i, 2, r->node_code, sizeof r->node_code);
    pd__pg_col(res, i, 3, r->node_path, sizeof r->node_path);
    const char *state = PQgetvalue(res, i, 4);
    r->required_ms = pd__pg_i64(res, i, 5);
    r->collected_ms = pd__pg_i64(res, i, 6);
    pd__pg_col(res, i, 7, r->collected_node, sizeof r->collected_node);
    pd__pg_col(res, i, 8, r->collected_by, sizeof r->collected_by);
    r->sent_back_ms = pd__pg_i64(res, i, 9);
    pd__pg_col(res, i, 10, r->sent_back_node, sizeof r->sent_back_node);
    pd__pg_col(res, i, 11, r->sent_back_by, sizeof r->sent_back_by);
    pd__pg_col(res, i, 12, r->return_waybill_no, sizeof r->return_waybill_no);
    r->returned_ms = pd__pg_i64(res, i, 13);
    pd__pg_col(res, i, 14, r->returned_node, sizeof r->returned_node);
    pd__pg_col(res, i, 15, r->returned_by, sizeof r->returned_by);
    r->updated_ms = pd__pg_i64(res, i, 16);
    r->delivered_ms = pd__pg_i64(res, i, 17);
    enum pd_receipt_state st;
    if (pd_receipt_state_parse(state, &st)) {
        r->state = (int)st;
        return PD_QS_ONE;
    }
    snprintf(c->err, sizeof c->err, "receipt of %s has unknown state '%.16s'", r->waybill_no,
             state);
    pd_error("postgresql: %s", c->err);
    return PD_QS_HARD;
}

pd_qs pd__pg_receipt_insert(pd_db *db, const struct pd_receipt *r)
{
    if (PD_BREAK(r->waybill_no[0] && r->node_id > 0))
        return PD_QS_HARD;
    struct pd__pg_params p = {0};
    pd__pg_p_text(&p, r->waybill_no);
    pd__pg_p_i64(&p, r->node_id);
    pd__pg_p_i64(&p, r->required_ms);
    return pd__pg_cmd(C(db), PD_PG_RECEIPT_INSERT,
                      "INSERT INTO return_receipts (waybill_no, node_id, state, required_ms,"
                      " updated_ms) VALUES ($1::text, $2::bigint, 'required', $3::bigint,"
                      " $3::bigint) ON CONFLICT (waybill_no) DO NOTHING",
                      &p);
}

pd_qs pd__pg_receipt_get(pd_db *db, const char *waybill_no, struct pd_receipt *out)
{
    struct pd__pg_conn *c = C(db);
    struct pd__pg_params p = {0};
    pd__pg_p_text(&p, waybill_no);
    pd_qs qs;
    PGresult *r =
        pd__pg_run(c, PD_PG_RECEIPT_GET,
                   "SELECT " RECEIPT_COLS RECEIPT_FROM " WHERE r.waybill_no = $1::text", &p, &qs);
    if (!r)
        return qs;
    qs = PQntuples(r) > 0 ? receipt_row(c, r, 0, out) : PD_QS_NONE;
    PQclear(r);
    return qs;
}

pd_qs pd__pg_receipt_step(pd_db *db, const struct pd_receipt *r, int from)
{
    if (PD_BREAK(r->state > PD_RECEIPT_REQUIRED && r->state < PD_RECEIPT__COUNT) ||
        PD_BREAK(from >= PD_RECEIPT_REQUIRED && from < PD_RECEIPT__COUNT))
        return PD_QS_HARD;
    const char *const *names = pd_receipt_state_names;
    const int64_t at[] = {0, r->collected_ms, r->sent_back_ms, r->returned_ms};
    const char *node[] = {"", r->collected_node, r->sent_back_node, r->returned_node};
    const char *by[] = {"", r->collected_by, r->sent_back_by, r->returned_by};
    struct pd__pg_params p = {0};
    pd__pg_p_text(&p, r->waybill_no);
    pd__pg_p_text(&p, names[r->state]);
    pd__pg_p_i64(&p, at[r->state]);
    pd__pg_p_text(&p, node[r->state]);
    pd__pg_p_text(&p, by[r->state]);
    pd__pg_p_text(&p, r->return_waybill_no);
    pd__pg_p_i64(&p, r->updated_ms);
    pd__pg_p_text(&p, names[from]);
    /* One statement for the three steps: each sets its own columns. */
    return pd__pg_cmd(
        C(db), PD_PG_RECEIPT_STEP,
        "UPDATE return_receipts SET state = $2::text,"
        " collected_ms = CASE WHEN $2::text = 'collected' THEN $3::bigint ELSE collected_ms END,"
        " collected_node = CASE WHEN $2::text = 'collected' THEN $4::text ELSE collected_node END,"
        " collected_by = CASE WHEN $2::text = 'collected' THEN $5::text ELSE collected_by END,"
        " sent_back_ms = CASE WHEN $2::text = 'sent_back' THEN $3::bigint ELSE sent_back_ms END,"
        " sent_back_node = CASE WHEN $2::text = 'sent_back' THEN $4::text ELSE sent_back_node END,"
        " sent_back_by = CASE WHEN $2::text = 'sent_back' THEN $5::text ELSE sent_back_by END,"
        " return_waybill_no = CASE WHEN $2::text = 'sent_back' THEN $6::text"
        " ELSE return_waybill_no END,"
        " returned_ms = CASE WHEN $2::text = 'returned' THEN $3::bigint ELSE returned_ms END,"
        " returned_node = CASE WHEN $2::text = 'returned' THEN $4::text ELSE returned_node END,"
        " returned_by = CASE WHEN $2::text = 'returned' THEN $5::text ELSE returned_by END,"
        " updated_ms = $7::bigint WHERE waybill_no = $1::text AND state = $8::text",
        &p);
}

static int receipt_cb_row(struct pd__pg_conn *c, const PGresult *res, int i, void *cb, void *cls)
{
    struct pd_receipt r;
    pd_qs qs = receipt_row(c, res, i, &r);
    if (qs < 0)
        return (int)qs;
    int x = ((pd_receipt_cb)cb)(cls, &r);
    return x < 0 ? x : 0;
}

pd_qs pd__pg_receipt_list(pd_db *db, const struct pd_receipt_filter *f, pd_receipt_cb cb, void *cls)
{
    struct pd__pg_conn *c = C(db);
    char lo[PD_PATH_MAX], hi[PD_PATH_MAX];
    if (PD_BREAK(f->node_path && f->node_path[0] == '/') ||
        PD_BREAK(pd__path_range(f->node_path, lo, hi)) ||
        PD_BREAK(f->state >= -1 && f->state < PD_RECEIPT__COUNT))
        return PD_QS_HARD;
    struct pd__pg_params p = {0};
    pd__pg_p_text(&p, lo);
    pd__pg_p_text(&p, hi);
    pd__pg_p_text(&p, f->state >= 0 ? pd_receipt_state_names[f->state] : NULL);
    pd__pg_p_i64(&p, f->delivered_before_ms > 0 ? f->delivered_before_ms : 0);
    pd__pg_p_text(&p, f->after_no ? f->after_no : "");
    pd__pg_p_i64(&p, pd__list_limit(f->limit));
    pd_qs qs;
    PGresult *r = pd__pg_run(c, PD_PG_RECEIPT_LIST,
                             "SELECT " RECEIPT_COLS RECEIPT_FROM
                             " WHERE n.path >= $1::text AND n.path < $2::text"
                             " AND ($3::text IS NULL OR r.state = $3::text)"
                             " AND ($4::bigint = 0 OR (r.state <> 'returned' AND t.delivered_ms > 0"
                             " AND t.delivered_ms < $4::bigint))"
                             " AND r.waybill_no > $5::text ORDER BY r.waybill_no LIMIT $6::integer",
                             &p, &qs);
    return r ? each_row(c, r, qs, receipt_cb_row, (void *)cb, cls) : qs;
}

pd_qs pd__pg_receipt_overdue_count(pd_db *db, int64_t before_ms, int64_t *count)
{
    struct pd__pg_params p = {0};
    pd__pg_p_i64(&p, before_ms);
    pd_qs qs;
    PGresult *r = pd__pg_run(C(db), PD_PG_RECEIPT_OVERDUE,
                             "SELECT count(*) FROM return_receipts r JOIN tracking t"
                             " ON t.serial = substr(r.waybill_no, 3, 12)::bigint"
                             " WHERE r.state <> 'returned' AND t.delivered_ms > 0"
                             " AND t.delivered_ms < $1::bigint",
                             &p, &qs);
    if (!r)
        return qs;
    *count = pd__pg_i64(r, 0, 0);
    PQclear(r);
    return PD_QS_ONE;
}
