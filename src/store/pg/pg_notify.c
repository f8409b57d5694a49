/*
 * PostgreSQL queries of notifications: webhook subscriptions, their delivery
 * queue and attempt log, and the SMS/e-mail outbox; the same contract as
 * sqlite_notify.c. Several servers work the queues at once here, so a claim
 * picks its rows FOR UPDATE SKIP LOCKED: two workers polling together take
 * different rows and neither waits for the other. This file queues and
 * records; deciding what to send and sending it is http/notify.c.
 */
#include <string.h>

#include "store/pg/pg_int.h"
#include "util/log.h"
#include "util/timeutil.h"

#define C(db) ((struct pd__pg_conn *)(db))

#define CLAIM_MAX 256

static const char *const delivery_states[] = {
    [PD_DELIVERY_PENDING] = "pending",
    [PD_DELIVERY_DELIVERED] = "delivered",
    [PD_DELIVERY_DEAD] = "dead",
    [PD_DELIVERY_CANCELLED] = "cancelled",
};
static const char *const outbox_states[] = {
    [PD_OUTBOX_PENDING] = "pending",
    [PD_OUTBOX_SENT] = "sent",
    [PD_OUTBOX_DEAD] = "dead",
    [PD_OUTBOX_SKIPPED] = "skipped",
};
static const char *const channels[] = {[PD_OUTBOX_SMS] = "sms", [PD_OUTBOX_EMAIL] = "email"};

#define NELEM(a) ((int)(sizeof(a) / sizeof((a)[0])))

static int name_index(const char *const *names, int n, const char *s)
{
    for (int i = 0; s && i < n; i++)
        if (strcmp(s, names[i]) == 0)
            return i;
    return -1;
}

static const char *name_of(const char *const *names, int n, int v)
{
    return v >= 0 && v < n ? names[v] : NULL;
}

static int i32(const PGresult *r, int row, int col)
{
    return (int)pd__pg_i64(r, row, col);
}

/* ---- subscriptions ------------------------------------------------------------ */

#define HOOK_COLS                                                                                  \
    "w.id, w.url, w.kinds, w.customer_code, w.node_id, n.code, n.path, w.owner, w.created_ms, "    \
    "w.deleted_ms"
#define HOOK_FROM " FROM webhooks w JOIN nodes n ON n.id = w.node_id"

static void hook_row(const PGresult *r, int row, struct pd_webhook *w)
{
    memset(w, 0, sizeof *w);
    w->id = pd__pg_i64(r, row, 0);
    pd__pg_col(r, row, 1, w->url, sizeof w->url);
    w->kinds = (uint32_t)pd__pg_i64(r, row, 2);
    pd__pg_col(r, row, 3, w->customer_code, sizeof w->customer_code);
    w->node_id = pd__pg_i64(r, row, 4);
    pd__pg_col(r, row, 5, w->node_code, sizeof w->node_code);
    pd__pg_col(r, row, 6, w->node_path, sizeof w->node_path);
    pd__pg_col(r, row, 7, w->owner, sizeof w->owner);
    w->created_ms = pd__pg_i64(r, row, 8);
    w->deleted_ms = pd__pg_i64(r, row, 9);
}

pd_qs pd__pg_webhook_insert(pd_db *db, struct pd_webhook *w)
{
    w->created_ms = pd_now_ms();
    w->deleted_ms = 0;
    struct pd__pg_params p = {0};
    pd__pg_p_text(&p, w->url);
    pd__pg_p_text(&p, w->secret);
    pd__pg_p_i64(&p, (int64_t)w->kinds);
    pd__pg_p_text(&p, w->customer_code);
    pd__pg_p_i64(&p, w->node_id);
    pd__pg_p_text(&p, w->owner);
    pd__pg_p_i64(&p, w->created_ms);
    pd_qs qs;
    PGresult *r = pd__pg_run(C(db), PD_PG_WEBHOOK_INSERT,
                             "INSERT INTO webhooks (url, secret, kinds, customer_code, node_id,"
                             " owner, created_ms) VALUES ($1::text, $2::text, $3::integer,"
                             " $4::text, $5::bigint, $6::text, $7::bigint) RETURNING id",
                             &p, &qs);
    if (!r)
        return qs;
    if (qs > 0)
        w->id = pd__pg_i64(r, 0, 0);
    PQclear(r);
    return qs > 0 ? PD_QS_ONE : PD_QS_HARD;
}

pd_qs pd__pg_webhook_get(pd_db *db, int64_t id, struct pd_webhook *out)
{
    struct pd__pg_params p = {0};
    pd__pg_p_i64(&p, id);
    pd_qs qs;
    PGresult *r = pd__pg_run(C(db), PD_PG_WEBHOOK_GET,
                             "SELECT " HOOK_COLS HOOK_FROM " WHERE w.id = $1::bigint", &p, &qs);
    if (!r)
        return qs;
    if (qs > 0)
        hook_row(r, 0, out);
    PQclear(r);
    return qs > 0 ? PD_QS_ONE : PD_QS_NONE;
}

pd_qs pd__pg_webhook_list(pd_db *db, const struct pd_webhook_filter *f, pd_webhook_cb cb, void *cls)
{
    char lo[PD_PATH_MAX], hi[PD_PATH_MAX];
    if (PD_BREAK(pd__path_range(f->node_path, lo, hi)))
        return PD_QS_HARD;
    struct pd__pg_params p = {0};
    pd__pg_p_text(&p, lo);
    pd__pg_p_text(&p, hi);
    pd__pg_p_opt(&p, f->owner);
    pd__pg_p_bool(&p, f->include_deleted);
    pd__pg_p_i64(&p, f->after_id);
    pd__pg_p_i64(&p, pd__list_limit(f->limit));
    pd_qs qs;
    PGresult *r =
        pd__pg_run(C(db), PD_PG_WEBHOOK_LIST,
                   "SELECT " HOOK_COLS HOOK_FROM " WHERE n.path >= $1::text AND n.path < $2::text"
                   " AND ($3::text IS NULL OR w.owner = $3::text)"
                   " AND ($4::boolean OR w.deleted_ms = 0) AND w.id > $5::bigint"
                   " ORDER BY w.id LIMIT $6::bigint",
                   &p, &qs);
    if (!r)
        return qs;
    int rows = PQntuples(r);
    struct pd_webhook w;
    for (int i = 0; i < rows && qs >= 0; i++) {
        hook_row(r, i, &w);
        int cr = cb(cls, &w);
        if (cr < 0)
            qs = (pd_qs)cr;
    }
    PQclear(r);
    return qs;
}

pd_qs pd__pg_webhook_delete(pd_db *db, int64_t id, int64_t now_ms)
{
    struct pd__pg_params p = {0};
    pd__pg_p_i64(&p, id);
    pd__pg_p_i64(&p, now_ms);
    pd_qs qs = pd__pg_cmd(C(db), PD_PG_WEBHOOK_DELETE,
                          "UPDATE webhooks SET deleted_ms = $2::bigint"
                          " WHERE id = $1::bigint AND deleted_ms = 0",
                          &p);
    if (qs <= 0)
        return qs;
    /* As in sqlite_notify.c: claimed ones too; their holder then records nothing. */
    pd_qs q2 = pd__pg_cmd(C(db), PD_PG_WEBHOOK_CANCEL,
                          "UPDATE webhook_deliveries SET state = 'cancelled', done_ms = $2::bigint,"
                          " claim = '' WHERE webhook_id = $1::bigint AND state = 'pending'",
                          &p);
    return q2 < 0 ? q2 : PD_QS_ONE;
}

/* ---- deliveries --------------------------------------------------------------- */

#define DELIV_COLS                                                                                 \
    "d.id, d.webhook_id, d.event_id, d.kind, d.waybill_no, d.state, d.attempts, d.attempt_base, "  \
    "d.next_at_ms, d.last_status, d.last_error, d.created_ms, d.done_ms, w.url, n.path, w.owner, " \
    "w.deleted_ms"
#define DELIV_FROM                                                                                 \
    " FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id"                            \
    " JOIN nodes n ON n.id = w.node_id"

/* Columns 0–16 (DELIV_COLS), then the body (17) and the secret (18) when present. */
static pd_qs delivery_row(const PGresult *r, int row, struct pd_webhook_delivery *d)
{
    memset(d, 0, sizeof *d);
    d->id = pd__pg_i64(r, row, 0);
    d->webhook_id = pd__pg_i64(r, row, 1);
    pd__pg_col(r, row, 2, d->event_id, sizeof d->event_id);
    pd__pg_col(r, row, 3, d->kind, sizeof d->kind);
    pd__pg_col(r, row, 4, d->waybill_no, sizeof d->waybill_no);
    d->state = name_index(delivery_states, NELEM(delivery_states), PQgetvalue(r, row, 5));
    d->attempts = i32(r, row, 6);
    d->attempt_base = i32(r, row, 7);
    d->next_at_ms = pd__pg_i64(r, row, 8);
    d->last_status = i32(r, row, 9);
    pd__pg_col(r, row, 10, d->last_error, sizeof d->last_error);
    d->created_ms = pd__pg_i64(r, row, 11);
    d->done_ms = pd__pg_i64(r, row, 12);
    pd__pg_col(r, row, 13, d->url, sizeof d->url);
    pd__pg_col(r, row, 14, d->node_path, sizeof d->node_path);
    pd__pg_col(r, row, 15, d->owner, sizeof d->owner);
    d->webhook_deleted = pd__pg_i64(r, row, 16) != 0;
    if (PQnfields(r) > 17)
        d->body = PQgetvalue(r, row, 17);
    if (PQnfields(r) > 18)
        pd__pg_col(r, row, 18, d->secret, sizeof d->secret);
    if (PD_BREAK(d->state >= 0)) /* the table's CHECK allows nothing else */
        return PD_QS_HARD;
    return PD_QS_ONE;
}

static pd_qs delivery_rows(PGresult *r, pd_qs qs, pd_delivery_cb cb, void *cls)
{
    int rows = PQntuples(r);
    struct pd_webhook_delivery d;
    for (int i = 0; i < rows && qs >= 0; i++) {
        pd_qs rq = delivery_row(r, i, &d);
        int cr = rq < 0 ? (int)rq : cb(cls, &d);
        if (cr < 0)
            qs = (pd_qs)cr;
    }
    PQclear(r);
    return qs;
}

pd_qs pd__pg_delivery_insert(pd_db *db, struct pd_webhook_delivery *d)
{
    d->created_ms = pd_now_ms();
    struct pd__pg_params p = {0};
    pd__pg_p_i64(&p, d->webhook_id);
    pd__pg_p_text(&p, d->event_id);
    pd__pg_p_text(&p, d->kind);
    pd__pg_p_text(&p, d->waybill_no);
    pd__pg_p_text(&p, d->body ? d->body : "");
    pd__pg_p_i64(&p, d->next_at_ms);
    pd__pg_p_i64(&p, d->created_ms);
    pd_qs qs;
    /* Through the subscription row, so that one deleted since the caller's
     * snapshot of the list gets nothing. */
    PGresult *r = pd__pg_run(
        C(db), PD_PG_DELIVERY_INSERT,
        "INSERT INTO webhook_deliveries (webhook_id, event_id, kind, waybill_no, body, state,"
        " next_at_ms, created_ms) SELECT id, $2::text, $3::text, $4::text, $5::text, 'pending',"
        " $6::bigint, $7::bigint FROM webhooks WHERE id = $1::bigint AND deleted_ms = 0"
        " ON CONFLICT (webhook_id, event_id) DO NOTHING RETURNING id",
        &p, &qs);
    if (!r)
        return qs;
    if (qs > 0) {
        d->id = pd__pg_i64(r, 0, 0);
        d->state = PD_DELIVERY_PENDING;
    }
    PQclear(r);
    return qs > 0 ? PD_QS_ONE : PD_QS_NONE;
}

pd_qs pd__pg_delivery_claim(pd_db *db, int64_t now_ms, int64_t lease_ms, int limit,
                            const char *claim, pd_delivery_cb cb, void *cls)
{
    if (limit < 1 || limit > CLAIM_MAX)
        limit = CLAIM_MAX;
    struct pd__pg_params p = {0};
    pd__pg_p_i64(&p, now_ms);
    pd__pg_p_i64(&p, lease_ms);
    pd__pg_p_text(&p, claim);
    pd__pg_p_i64(&p, limit);
    pd_qs qs;
    /* One round trip: the CTE claims, the outer query joins the subscription. */
    PGresult *r = pd__pg_run(
        C(db), PD_PG_DELIVERY_CLAIM,
        "WITH c AS (UPDATE webhook_deliveries SET next_at_ms = $1::bigint + $2::bigint,"
        " claim = $3::text WHERE id IN (SELECT id FROM webhook_deliveries WHERE state = 'pending'"
        " AND next_at_ms <= $1::bigint ORDER BY next_at_ms, id LIMIT $4::bigint"
        " FOR UPDATE SKIP LOCKED) RETURNING *)"
        " SELECT " DELIV_COLS ", d.body, w.secret FROM c d JOIN webhooks w ON w.id = d.webhook_id"
        " JOIN nodes n ON n.id = w.node_id ORDER BY d.next_at_ms, d.id",
        &p, &qs);
    if (!r)
        return qs;
    return delivery_rows(r, qs, cb, cls);
}

pd_qs pd__pg_delivery_finish(pd_db *db, const struct pd_delivery_outcome *o)
{
    const char *state = name_of(delivery_states, NELEM(delivery_states), o->state);
    if (PD_BREAK(state) || PD_BREAK(o->claim && *o->claim))
        return PD_QS_HARD;
    bool done = o->state != PD_DELIVERY_PENDING;
    struct pd__pg_params p = {0};
    pd__pg_p_i64(&p, o->id);
    pd__pg_p_text(&p, o->claim);
    if (!o->attempted) {
        pd__pg_p_text(&p, state);
        pd__pg_p_i64(&p, o->next_at_ms);
        pd__pg_p_i64(&p, done ? o->at_ms : 0);
        return pd__pg_cmd(C(db), PD_PG_DELIVERY_RELEASE,
                          "UPDATE webhook_deliveries SET state = $3::text,"
                          " next_at_ms = $4::bigint, done_ms = $5::bigint, claim = ''"
                          " WHERE id = $1::bigint AND claim = $2::text AND state = 'pending'",
                          &p);
    }
    pd__pg_p_i64(&p, o->status);
    pd__pg_p_text(&p, o->error ? o->error : "");
    pd__pg_p_text(&p, state);
    pd__pg_p_i64(&p, o->next_at_ms);
    pd__pg_p_i64(&p, done ? o->at_ms : 0);
    pd__pg_p_i64(&p, o->at_ms);
    pd__pg_p_i64(&p, o->duration_ms);
    /* The update and the attempt's log line in one statement: the log line
     * exists exactly when the update matched the claim. */
    pd_qs qs;
    PGresult *r = pd__pg_run(
        C(db), PD_PG_DELIVERY_FINISH,
        "WITH u AS (UPDATE webhook_deliveries SET attempts = attempts + 1,"
        " last_status = $3::integer, last_error = $4::text, state = $5::text,"
        " next_at_ms = $6::bigint, done_ms = $7::bigint, claim = ''"
        " WHERE id = $1::bigint AND claim = $2::text AND state = 'pending'"
        " RETURNING id, attempts)"
        " INSERT INTO webhook_attempts (delivery_id, attempt, at_ms, duration_ms, status, error)"
        " SELECT id, attempts, $8::bigint, $9::integer, $3::integer, $4::text FROM u"
        " RETURNING attempt",
        &p, &qs);
    if (!r)
        return qs;
    PQclear(r);
    return qs > 0 ? PD_QS_ONE : PD_QS_NONE;
}

pd_qs pd__pg_delivery_get(pd_db *db, int64_t id, pd_delivery_cb cb, void *cls)
{
    struct pd__pg_params p = {0};
    pd__pg_p_i64(&p, id);
    pd_qs qs;
    PGresult *r =
        pd__pg_run(C(db), PD_PG_DELIVERY_GET,
                   "SELECT " DELIV_COLS ", d.body" DELIV_FROM " WHERE d.id = $1::bigint", &p, &qs);
    if (!r)
        return qs;
    return delivery_rows(r, qs, cb, cls);
}

pd_qs pd__pg_delivery_list(pd_db *db, const struct pd_delivery_filter *f, pd_delivery_cb cb,
                           void *cls)
{
    char lo[PD_PATH_MAX], hi[PD_PATH_MAX];
    if (PD_BREAK(pd__path_range(f->node_path, lo, hi)))
        return PD_QS_HARD;
    const char *state = NULL;
    if (f->state >= 0 &&
        PD_BREAK(state = name_of(delivery_states, NELEM(delivery_states), f->state)))
        return PD_QS_HARD;
    struct pd__pg_params p = {0};
    pd__pg_p_text(&p, lo);
    pd__pg_p_text(&p, hi);
    pd__pg_p_opt(&p, f->owner);
    pd__pg_p_i64(&p, f->webhook_id);
    pd__pg_p_opt(&p, f->waybill_no);
    pd__pg_p_i64(&p, f->before_id > 0 ? f->before_id : INT64_MAX);
    pd__pg_p_text(&p, state);
    pd__pg_p_i64(&p, pd__list_limit(f->limit));
    pd_qs qs;
    PGresult *r =
        pd__pg_run(C(db), PD_PG_DELIVERY_LIST,
                   "SELECT " DELIV_COLS DELIV_FROM " WHERE n.path >= $1::text AND n.path < $2::text"
                   " AND ($3::text IS NULL OR w.owner = $3::text)"
                   " AND ($4::bigint = 0 OR d.webhook_id = $4::bigint)"
                   " AND ($5::text IS NULL OR d.waybill_no = $5::text)"
                   " AND d.id < $6::bigint AND ($7::text IS NULL OR d.state = $7::text)"
                   " ORDER BY d.id DESC LIMIT $8::bigint",
                   &p, &qs);
    if (!r)
        return qs;
    return delivery_rows(r, qs, cb, cls);
}

pd_qs pd__pg_delivery_attempts(pd_db *db, int64_t delivery_id, pd_attempt_cb cb, void *cls)
{
    struct pd__pg_params p = {0};
    pd__pg_p_i64(&p, delivery_id);
    pd_qs qs;
    PGresult *r = pd__pg_run(C(db), PD_PG_ATTEMPT_LIST,
                             "SELECT id, delivery_id, attempt, at_ms, duration_ms, status, error"
                             " FROM webhook_attempts WHERE delivery_id = $1::bigint"
                             " ORDER BY attempt, id",
                             &p, &qs);
    if (!r)
        return qs;
    int rows = PQntuples(r);
    struct pd_webhook_attempt a;
    for (int i = 0; i < rows && qs >= 0; i++) {
        memset(&a, 0, sizeof a);
        a.id = pd__pg_i64(r, i, 0);
        a.delivery_id = pd__pg_i64(r, i, 1);
        a.attempt = i32(r, i, 2);
        a.at_ms = pd__pg_i64(r, i, 3);
        a.duration_ms = i32(r, i, 4);
        a.status = i32(r, i, 5);
        pd__pg_col(r, i, 6, a.error, sizeof a.error);
        int cr = cb(cls, &a);
        if (cr < 0)
            qs = (pd_qs)cr;
    }
    PQclear(r);
    return qs;
}

pd_qs pd__pg_delivery_revive(pd_db *db, int64_t id, int64_t now_ms)
{
    struct pd__pg_params p = {0};
    pd__pg_p_i64(&p, id);
    pd__pg_p_i64(&p, now_ms);
    return pd__pg_cmd(C(db), PD_PG_DELIVERY_REVIVE,
                      "UPDATE webhook_deliveries SET state = 'pending', next_at_ms = $2::bigint,"
                      " done_ms = 0, attempt_base = attempts, claim = ''"
                      " WHERE id = $1::bigint AND state = 'dead'",
                      &p);
}

/* ---- the outbox --------------------------------------------------------------- */

#define OUTBOX_COLS                                                                                \
    "id, channel, event_id, waybill_no, kind, recipient, subject, text, state, attempts, "         \
    "next_at_ms, last_error, created_ms, done_ms"

static pd_qs outbox_rows(PGresult *r, pd_qs qs, pd_outbox_cb cb, void *cls)
{
    int rows = PQntuples(r);
    struct pd_outbox_msg m;
    for (int i = 0; i < rows && qs >= 0; i++) {
        memset(&m, 0, sizeof m);
        m.id = pd__pg_i64(r, i, 0);
        m.channel = name_index(channels, NELEM(channels), PQgetvalue(r, i, 1));
        pd__pg_col(r, i, 2, m.event_id, sizeof m.event_id);
        pd__pg_col(r, i, 3, m.waybill_no, sizeof m.waybill_no);
        pd__pg_col(r, i, 4, m.kind, sizeof m.kind);
        pd__pg_col(r, i, 5, m.recipient, sizeof m.recipient);
        pd__pg_col(r, i, 6, m.subject, sizeof m.subject);
        pd__pg_col(r, i, 7, m.text, sizeof m.text);
        m.state = name_index(outbox_states, NELEM(outbox_states), PQgetvalue(r, i, 8));
        m.attempts = i32(r, i, 9);
        m.next_at_ms = pd__pg_i64(r, i, 10);
        pd__pg_col(r, i, 11, m.last_error, sizeof m.last_error);
        m.created_ms = pd__pg_i64(r, i, 12);
        m.done_ms = pd__pg_i64(r, i, 13);
        int cr = PD_BREAK(m.channel >= 0 && m.state >= 0) ? (int)PD_QS_HARD : cb(cls, &m);
        if (cr < 0)
            qs = (pd_qs)cr;
    }
    PQclear(r);
    return qs;
}

pd_qs pd__pg_outbox_insert(pd_db *db, struct pd_outbox_msg *m)
{
    const char *channel = name_of(channels, NELEM(channels), m->channel);
    if (PD_BREAK(channel))
        return PD_QS_HARD;
    m->created_ms = pd_now_ms();
    struct pd__pg_params p = {0};
    pd__pg_p_text(&p, channel);
    pd__pg_p_text(&p, m->event_id);
    pd__pg_p_text(&p, m->waybill_no);
    pd__pg_p_text(&p, m->kind);
    pd__pg_p_text(&p, m->subject);
    pd__pg_p_text(&p, m->text);
    pd__pg_p_i64(&p, m->next_at_ms);
    pd__pg_p_i64(&p, m->created_ms);
    pd_qs qs;
    PGresult *r = pd__pg_run(
        C(db), PD_PG_OUTBOX_INSERT,
        "INSERT INTO notify_outbox (channel, event_id, waybill_no, kind, subject, text, state,"
        " next_at_ms, created_ms) VALUES ($1::text, $2::text, $3::text, $4::text, $5::text,"
        " $6::text, 'pending', $7::bigint, $8::bigint) ON CONFLICT (event_id, channel) DO NOTHING"
        " RETURNING id",
        &p, &qs);
    if (!r)
        return qs;
    if (qs > 0) {
        m->id = pd__pg_i64(r, 0, 0);
        m->state = PD_OUTBOX_PENDING;
    }
    PQclear(r);
    return qs > 0 ? PD_QS_ONE : PD_QS_NONE;
}

pd_qs pd__pg_outbox_claim(pd_db *db, int64_t now_ms, int64_t lease_ms, int limit, const char *claim,
                          pd_outbox_cb cb, void *cls)
{
    if (limit < 1 || limit > CLAIM_MAX)
        limit = CLAIM_MAX;
    struct pd__pg_params p = {0};
    pd__pg_p_i64(&p, now_ms);
    pd__pg_p_i64(&p, lease_ms);
    pd__pg_p_text(&p, claim);
    pd__pg_p_i64(&p, limit);
    pd_qs qs;
    PGresult *r = pd__pg_run(
        C(db), PD_PG_OUTBOX_CLAIM,
        "WITH c AS (UPDATE notify_outbox SET next_at_ms = $1::bigint + $2::bigint,"
        " claim = $3::text WHERE id IN (SELECT id FROM notify_outbox WHERE state = 'pending'"
        " AND next_at_ms <= $1::bigint ORDER BY next_at_ms, id LIMIT $4::bigint"
        " FOR UPDATE SKIP LOCKED) RETURNING *) SELECT " OUTBOX_COLS " FROM c ORDER BY id",
        &p, &qs);
    if (!r)
        return qs;
    return outbox_rows(r, qs, cb, cls);
}

pd_qs pd__pg_outbox_finish(pd_db *db, const struct pd_outbox_outcome *o)
{
    const char *state = name_of(outbox_states, NELEM(outbox_states), o->state);
    if (PD_BREAK(state) || PD_BREAK(o->claim && *o->claim))
        return PD_QS_HARD;
    bool done = o->state != PD_OUTBOX_PENDING;
    struct pd__pg_params p = {0};
    pd__pg_p_i64(&p, o->id);
    pd__pg_p_text(&p, o->claim);
    pd__pg_p_i64(&p, o->attempted ? 1 : 0);
    pd__pg_p_text(&p, state);
    pd__pg_p_text(&p, o->recipient);
    pd__pg_p_text(&p, o->error ? o->error : "");
    pd__pg_p_i64(&p, o->next_at_ms);
    pd__pg_p_i64(&p, done ? o->at_ms : 0);
    return pd__pg_cmd(C(db), PD_PG_OUTBOX_FINISH,
                      "UPDATE notify_outbox SET attempts = attempts + $3::integer,"
                      " state = $4::text, recipient = COALESCE($5::text, recipient),"
                      " last_error = $6::text, next_at_ms = $7::bigint, done_ms = $8::bigint,"
                      " claim = '' WHERE id = $1::bigint AND claim = $2::text"
                      " AND state = 'pending'",
                      &p);
}

pd_qs pd__pg_outbox_list(pd_db *db, const struct pd_outbox_filter *f, pd_outbox_cb cb, void *cls)
{
    const char *state = NULL;
    if (f->state >= 0 && PD_BREAK(state = name_of(outbox_states, NELEM(outbox_states), f->state)))
        return PD_QS_HARD;
    struct pd__pg_params p = {0};
    pd__pg_p_text(&p, state);
    pd__pg_p_opt(&p, f->waybill_no);
    pd__pg_p_i64(&p, f->before_id > 0 ? f->before_id : INT64_MAX);
    pd__pg_p_i64(&p, pd__list_limit(f->limit));
    pd_qs qs;
    PGresult *r = pd__pg_run(C(db), PD_PG_OUTBOX_LIST,
                             "SELECT " OUTBOX_COLS " FROM notify_outbox"
                             " WHERE ($1::text IS NULL OR state = $1::text)"
                             " AND ($2::text IS NULL OR waybill_no = $2::text)"
                             " AND id < $3::bigint ORDER BY id DESC LIMIT $4::bigint",
                             &p, &qs);
    if (!r)
        return qs;
    return outbox_rows(r, qs, cb, cls);
}

pd_qs pd__pg_notify_purge(pd_db *db, int64_t before_ms, int limit)
{
    if (limit < 1)
        limit = 1;
    struct pd__pg_params p = {0};
    pd__pg_p_i64(&p, before_ms);
    pd__pg_p_i64(&p, limit);
    /* The attempts go with their delivery (ON DELETE CASCADE). */
    pd_qs a = pd__pg_cmd(C(db), PD_PG_PURGE_DELIVERIES,
                         "DELETE FROM webhook_deliveries WHERE id IN (SELECT id FROM"
                         " webhook_deliveries WHERE done_ms > 0 AND done_ms < $1::bigint"
                         " AND state <> 'pending' LIMIT $2::bigint)",
                         &p);
    if (a < 0)
        return a;
    pd_qs b = pd__pg_cmd(C(db), PD_PG_PURGE_OUTBOX,
                         "DELETE FROM notify_outbox WHERE id IN (SELECT id FROM notify_outbox"
                         " WHERE done_ms > 0 AND done_ms < $1::bigint AND state <> 'pending'"
                         " LIMIT $2::bigint)",
                         &p);
    return b < 0 ? b : a + b;
}
