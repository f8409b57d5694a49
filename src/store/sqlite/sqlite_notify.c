/*
 * SQLite queries of notifications: webhook subscriptions, their delivery
 * queue and attempt log, and the SMS/e-mail outbox (store.h "notifications").
 * Claims are an UPDATE … RETURNING over the due rows: inside the caller's
 * write transaction (BEGIN IMMEDIATE) this connection is the only writer, so
 * no two claims can take the same row; the claimed rows are then read one by
 * one with their subscription. This file queues and records; deciding what
 * to send and sending it is http/notify.c.
 */
#include <string.h>

#include "store/sqlite/sqlite_int.h"
#include "util/log.h"
#include "util/timeutil.h"

#define C(db) ((struct pd__sq_conn *)(db))

/* Claims pass at most this many rows per call; the worker asks for fewer. */
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

static int name_index(const char *const *names, int n, const unsigned char *s)
{
    for (int i = 0; s && i < n; i++)
        if (strcmp((const char *)s, names[i]) == 0)
            return i;
    return -1;
}

static const char *name_of(const char *const *names, int n, int v)
{
    return v >= 0 && v < n ? names[v] : NULL;
}

/* The list callbacks differ in their record type; each list passes its
 * callback through one of these so that list_rows can call it without a
 * cast between function types. */
struct hook_call {
    pd_webhook_cb cb;
    void *cls;
};
struct delivery_call {
    pd_delivery_cb cb;
    void *cls;
};
struct attempt_call {
    pd_attempt_cb cb;
    void *cls;
};
struct outbox_call {
    pd_outbox_cb cb;
    void *cls;
};

static int call_hook(void *x, const void *rec)
{
    struct hook_call *h = x;
    return h->cb(h->cls, rec);
}
static int call_delivery(void *x, const void *rec)
{
    struct delivery_call *h = x;
    return h->cb(h->cls, rec);
}
static int call_attempt(void *x, const void *rec)
{
    struct attempt_call *h = x;
    return h->cb(h->cls, rec);
}
static int call_outbox(void *x, const void *rec)
{
    struct outbox_call *h = x;
    return h->cb(h->cls, rec);
}

/* Step @p s, turning each row into @p rec with @p fn and passing it to
 * @p call: the list loop of every read here. */
typedef pd_qs (*row_fn)(sqlite3_stmt *s, void *rec);

static pd_qs list_rows(struct pd__sq_conn *c, sqlite3_stmt *s, const char *what, row_fn fn,
                       void *rec, int (*call)(void *x, const void *rec), void *x)
{
    pd_qs qs = PD_QS_NONE;
    int rc, count = 0;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if ((qs = fn(s, rec)) < 0)
            break;
        int r = call(x, rec);
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

/* ---- subscriptions ------------------------------------------------------------ */

#define HOOK_COLS                                                                                  \
    "w.id, w.url, w.kinds, w.customer_code, w.node_id, n.code, n.path, w.owner, w.created_ms, "    \
    "w.deleted_ms"
#define HOOK_FROM " FROM webhooks w JOIN nodes n ON n.id = w.node_id"

static pd_qs hook_row(sqlite3_stmt *s, void *rec)
{
    struct pd_webhook *w = rec;
    memset(w, 0, sizeof *w);
    w->id = sqlite3_column_int64(s, 0);
    pd__sq_col(s, 1, w->url, sizeof w->url);
    w->kinds = (uint32_t)sqlite3_column_int64(s, 2);
    pd__sq_col(s, 3, w->customer_code, sizeof w->customer_code);
    w->node_id = sqlite3_column_int64(s, 4);
    pd__sq_col(s, 5, w->node_code, sizeof w->node_code);
    pd__sq_col(s, 6, w->node_path, sizeof w->node_path);
    pd__sq_col(s, 7, w->owner, sizeof w->owner);
    w->created_ms = sqlite3_column_int64(s, 8);
    w->deleted_ms = sqlite3_column_int64(s, 9);
    return PD_QS_ONE;
}

pd_qs pd__sq_webhook_insert(pd_db *db, struct pd_webhook *w)
{
    struct pd__sq_conn *c = C(db);
    sqlite3_stmt *s =
        pd__sq_prep(c, PD_SQ_WEBHOOK_INSERT,
                    "INSERT INTO webhooks (url, secret, kinds, customer_code, node_id,"
                    " owner, created_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    if (!s)
        return PD_QS_HARD;
    w->created_ms = pd_now_ms();
    w->deleted_ms = 0;
    pd__sq_text(s, 1, w->url);
    pd__sq_text(s, 2, w->secret);
    pd__sq_i64(s, 3, (int64_t)w->kinds);
    pd__sq_text(s, 4, w->customer_code);
    pd__sq_i64(s, 5, w->node_id);
    pd__sq_text(s, 6, w->owner);
    pd__sq_i64(s, 7, w->created_ms);
    pd_qs qs = pd__sq_exec(c, s, "webhook_insert");
    if (qs < 0)
        return qs;
    w->id = sqlite3_last_insert_rowid(c->h);
    return PD_QS_ONE;
}

pd_qs pd__sq_webhook_get(pd_db *db, int64_t id, struct pd_webhook *out)
{
    struct pd__sq_conn *c = C(db);
    sqlite3_stmt *s =
        pd__sq_prep(c, PD_SQ_WEBHOOK_GET, "SELECT " HOOK_COLS HOOK_FROM " WHERE w.id = ?1");
    if (!s)
        return PD_QS_HARD;
    pd__sq_i64(s, 1, id);
    int rc = sqlite3_step(s);
    pd_qs qs = rc == SQLITE_ROW    ? hook_row(s, out)
               : rc == SQLITE_DONE ? PD_QS_NONE
                                   : pd__sq_fail(c, rc, "webhook_get");
    pd__sq_done(s);
    return qs;
}

pd_qs pd__sq_webhook_list(pd_db *db, const struct pd_webhook_filter *f, pd_webhook_cb cb, void *cls)
{
    struct pd__sq_conn *c = C(db);
    char lo[PD_PATH_MAX], hi[PD_PATH_MAX];
    if (PD_BREAK(pd__path_range(f->node_path, lo, hi)))
        return PD_QS_HARD;
    sqlite3_stmt *s =
        pd__sq_prep(c, PD_SQ_WEBHOOK_LIST,
                    "SELECT " HOOK_COLS HOOK_FROM " WHERE n.path >= ?1 AND n.path < ?2"
                    " AND (?3 IS NULL OR w.owner = ?3) AND (?4 OR w.deleted_ms = 0)"
                    " AND w.id > ?5 ORDER BY w.id LIMIT ?6");
    if (!s)
        return PD_QS_HARD;
    pd__sq_text(s, 1, lo);
    pd__sq_text(s, 2, hi);
    pd__sq_opt(s, 3, f->owner);
    sqlite3_bind_int(s, 4, f->include_deleted ? 1 : 0);
    pd__sq_i64(s, 5, f->after_id);
    sqlite3_bind_int(s, 6, pd__list_limit(f->limit));
    struct pd_webhook w;
    struct hook_call x = {cb, cls};
    return list_rows(c, s, "webhook_list", hook_row, &w, call_hook, &x);
}

pd_qs pd__sq_webhook_delete(pd_db *db, int64_t id, int64_t now_ms)
{
    struct pd__sq_conn *c = C(db);
    sqlite3_stmt *s =
        pd__sq_prep(c, PD_SQ_WEBHOOK_DELETE,
                    "UPDATE webhooks SET deleted_ms = ?2 WHERE id = ?1 AND deleted_ms = 0");
    if (!s)
        return PD_QS_HARD;
    pd__sq_i64(s, 1, id);
    pd__sq_i64(s, 2, now_ms);
    pd_qs qs = pd__sq_exec(c, s, "webhook_delete");
    if (qs <= 0)
        return qs;
    /* A claimed delivery is cancelled too: its claim holder then finds the
     * claim gone and records nothing, which is what a deleted subscription
     * asks for. */
    s = pd__sq_prep(c, PD_SQ_WEBHOOK_CANCEL,
                    "UPDATE webhook_deliveries SET state = 'cancelled', done_ms = ?2, claim = ''"
                    " WHERE webhook_id = ?1 AND state = 'pending'");
    if (!s)
        return PD_QS_HARD;
    pd__sq_i64(s, 1, id);
    pd__sq_i64(s, 2, now_ms);
    pd_qs q2 = pd__sq_exec(c, s, "webhook_delete");
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

static pd_qs delivery_row(sqlite3_stmt *s, void *rec)
{
    struct pd_webhook_delivery *d = rec;
    memset(d, 0, sizeof *d);
    d->id = sqlite3_column_int64(s, 0);
    d->webhook_id = sqlite3_column_int64(s, 1);
    pd__sq_col(s, 2, d->event_id, sizeof d->event_id);
    pd__sq_col(s, 3, d->kind, sizeof d->kind);
    pd__sq_col(s, 4, d->waybill_no, sizeof d->waybill_no);
    d->state = name_index(delivery_states, NELEM(delivery_states), sqlite3_column_text(s, 5));
    d->attempts = sqlite3_column_int(s, 6);
    d->attempt_base = sqlite3_column_int(s, 7);
    d->next_at_ms = sqlite3_column_int64(s, 8);
    d->last_status = sqlite3_column_int(s, 9);
    pd__sq_col(s, 10, d->last_error, sizeof d->last_error);
    d->created_ms = sqlite3_column_int64(s, 11);
    d->done_ms = sqlite3_column_int64(s, 12);
    pd__sq_col(s, 13, d->url, sizeof d->url);
    pd__sq_col(s, 14, d->node_path, sizeof d->node_path);
    pd__sq_col(s, 15, d->owner, sizeof d->owner);
    d->webhook_deleted = sqlite3_column_int64(s, 16) != 0;
    if (PD_BREAK(d->state >= 0)) /* the table's CHECK allows nothing else */
        return PD_QS_HARD;
    return PD_QS_ONE;
}

/* With the body (column 17) and, for claims, the secret (column 18). */
static pd_qs delivery_row_full(sqlite3_stmt *s, void *rec)
{
    pd_qs qs = delivery_row(s, rec);
    struct pd_webhook_delivery *d = rec;
    d->body = (const char *)sqlite3_column_text(s, 17);
    if (!d->body)
        d->body = "";
    if (sqlite3_column_count(s) > 18)
        pd__sq_col(s, 18, d->secret, sizeof d->secret);
    return qs;
}

pd_qs pd__sq_delivery_insert(pd_db *db, struct pd_webhook_delivery *d)
{
    struct pd__sq_conn *c = C(db);
    /* Through the subscription row, so that a subscription deleted after
     * the caller's snapshot of the list gets nothing. */
    sqlite3_stmt *s = pd__sq_prep(
        c, PD_SQ_DELIVERY_INSERT,
        "INSERT INTO webhook_deliveries (webhook_id, event_id, kind, waybill_no, body, state,"
        " next_at_ms, created_ms) SELECT id, ?2, ?3, ?4, ?5, 'pending', ?6, ?7 FROM webhooks"
        " WHERE id = ?1 AND deleted_ms = 0 ON CONFLICT (webhook_id, event_id) DO NOTHING");
    if (!s)
        return PD_QS_HARD;
    d->created_ms = pd_now_ms();
    pd__sq_i64(s, 1, d->webhook_id);
    pd__sq_text(s, 2, d->event_id);
    pd__sq_text(s, 3, d->kind);
    pd__sq_text(s, 4, d->waybill_no);
    pd__sq_text(s, 5, d->body ? d->body : "");
    pd__sq_i64(s, 6, d->next_at_ms);
    pd__sq_i64(s, 7, d->created_ms);
    pd_qs qs = pd__sq_exec(c, s, "delivery_insert");
    if (qs <= 0)
        return qs;
    d->id = sqlite3_last_insert_rowid(c->h);
    d->state = PD_DELIVERY_PENDING;
    return PD_QS_ONE;
}

/* Run a claiming UPDATE … RETURNING id; the ids go to ids[0..*n). */
static pd_qs claim_ids(struct pd__sq_conn *c, sqlite3_stmt *s, const char *what, int64_t *ids,
                       int *n)
{
    int rc;
    *n = 0;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW)
        if (*n < CLAIM_MAX)
            ids[(*n)++] = sqlite3_column_int64(s, 0);
    pd_qs qs = rc == SQLITE_DONE ? (pd_qs)*n : pd__sq_fail(c, rc, what);
    pd__sq_done(s);
    return qs;
}

pd_qs pd__sq_delivery_claim(pd_db *db, int64_t now_ms, int64_t lease_ms, int limit,
                            const char *claim, pd_delivery_cb cb, void *cls)
{
    struct pd__sq_conn *c = C(db);
    if (limit < 1 || limit > CLAIM_MAX)
        limit = CLAIM_MAX;
    sqlite3_stmt *s = pd__sq_prep(
        c, PD_SQ_DELIVERY_CLAIM,
        "UPDATE webhook_deliveries SET next_at_ms = ?1 + ?2, claim = ?3 WHERE id IN"
        " (SELECT id FROM webhook_deliveries WHERE state = 'pending' AND next_at_ms <= ?1"
        " ORDER BY next_at_ms, id LIMIT ?4) RETURNING id");
    if (!s)
        return PD_QS_HARD;
    pd__sq_i64(s, 1, now_ms);
    pd__sq_i64(s, 2, lease_ms);
    pd__sq_text(s, 3, claim);
    sqlite3_bind_int(s, 4, limit);
    int64_t ids[CLAIM_MAX];
    int n;
    pd_qs qs = claim_ids(c, s, "delivery_claim", ids, &n);
    if (qs <= 0)
        return qs;
    s = pd__sq_prep(c, PD_SQ_DELIVERY_CLAIMED,
                    "SELECT " DELIV_COLS ", d.body, w.secret" DELIV_FROM " WHERE d.id = ?1");
    if (!s)
        return PD_QS_HARD;
    struct pd_webhook_delivery d;
    for (int i = 0; i < n; i++) {
        pd__sq_i64(s, 1, ids[i]);
        int rc = sqlite3_step(s);
        if (rc != SQLITE_ROW) {
            qs = rc == SQLITE_DONE ? PD_QS_HARD : pd__sq_fail(c, rc, "delivery_claim");
            pd__sq_done(s);
            return qs;
        }
        qs = delivery_row_full(s, &d);
        int r = qs < 0 ? (int)qs : cb(cls, &d);
        pd__sq_done(s);
        if (r < 0)
            return (pd_qs)r;
    }
    return (pd_qs)n;
}

pd_qs pd__sq_delivery_finish(pd_db *db, const struct pd_delivery_outcome *o)
{
    struct pd__sq_conn *c = C(db);
    const char *state = name_of(delivery_states, NELEM(delivery_states), o->state);
    if (PD_BREAK(state) || PD_BREAK(o->claim && *o->claim))
        return PD_QS_HARD;
    bool done = o->state != PD_DELIVERY_PENDING;
    if (!o->attempted) {
        sqlite3_stmt *s = pd__sq_prep(
            c, PD_SQ_DELIVERY_RELEASE,
            "UPDATE webhook_deliveries SET state = ?3, next_at_ms = ?4, done_ms = ?5, claim = ''"
            " WHERE id = ?1 AND claim = ?2 AND state = 'pending'");
        if (!s)
            return PD_QS_HARD;
        pd__sq_i64(s, 1, o->id);
        pd__sq_text(s, 2, o->claim);
        pd__sq_text(s, 3, state);
        pd__sq_i64(s, 4, o->next_at_ms);
        pd__sq_i64(s, 5, done ? o->at_ms : 0);
        return pd__sq_exec(c, s, "delivery_finish");
    }
    sqlite3_stmt *s =
        pd__sq_prep(c, PD_SQ_DELIVERY_FINISH,
                    "UPDATE webhook_deliveries SET attempts = attempts + 1, last_status = ?3,"
                    " last_error = ?4, state = ?5, next_at_ms = ?6, done_ms = ?7, claim = ''"
                    " WHERE id = ?1 AND claim = ?2 AND state = 'pending' RETURNING attempts");
    if (!s)
        return PD_QS_HARD;
    pd__sq_i64(s, 1, o->id);
    pd__sq_text(s, 2, o->claim);
    sqlite3_bind_int(s, 3, o->status);
    pd__sq_text(s, 4, o->error ? o->error : "");
    pd__sq_text(s, 5, state);
    pd__sq_i64(s, 6, o->next_at_ms);
    pd__sq_i64(s, 7, done ? o->at_ms : 0);
    int rc = sqlite3_step(s);
    int attempt = rc == SQLITE_ROW ? sqlite3_column_int(s, 0) : 0;
    if (rc == SQLITE_ROW)
        rc = sqlite3_step(s);
    pd_qs qs = rc == SQLITE_DONE ? (attempt > 0 ? PD_QS_ONE : PD_QS_NONE)
                                 : pd__sq_fail(c, rc, "delivery_finish");
    pd__sq_done(s);
    if (qs <= 0)
        return qs;
    s = pd__sq_prep(c, PD_SQ_ATTEMPT_INSERT,
                    "INSERT INTO webhook_attempts (delivery_id, attempt, at_ms, duration_ms,"
                    " status, error) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    if (!s)
        return PD_QS_HARD;
    pd__sq_i64(s, 1, o->id);
    sqlite3_bind_int(s, 2, attempt);
    pd__sq_i64(s, 3, o->at_ms);
    sqlite3_bind_int(s, 4, o->duration_ms);
    sqlite3_bind_int(s, 5, o->status);
    pd__sq_text(s, 6, o->error ? o->error : "");
    qs = pd__sq_exec(c, s, "delivery_finish");
    return qs < 0 ? qs : PD_QS_ONE;
}

pd_qs pd__sq_delivery_get(pd_db *db, int64_t id, pd_delivery_cb cb, void *cls)
{
    struct pd__sq_conn *c = C(db);
    sqlite3_stmt *s = pd__sq_prep(c, PD_SQ_DELIVERY_GET,
                                  "SELECT " DELIV_COLS ", d.body" DELIV_FROM " WHERE d.id = ?1");
    if (!s)
        return PD_QS_HARD;
    pd__sq_i64(s, 1, id);
    struct pd_webhook_delivery d;
    struct delivery_call x = {cb, cls};
    return list_rows(c, s, "delivery_get", delivery_row_full, &d, call_delivery, &x);
}

pd_qs pd__sq_delivery_list(pd_db *db, const struct pd_delivery_filter *f, pd_delivery_cb cb,
                           void *cls)
{
    struct pd__sq_conn *c = C(db);
    char lo[PD_PATH_MAX], hi[PD_PATH_MAX];
    if (PD_BREAK(pd__path_range(f->node_path, lo, hi)))
        return PD_QS_HARD;
    const char *state = NULL;
    if (f->state >= 0 &&
        PD_BREAK(state = name_of(delivery_states, NELEM(delivery_states), f->state)))
        return PD_QS_HARD;
        /* Two statements so that each has its index: (state, id) for the
         * dead-letter view, the primary key for "recent deliveries". */
#define DELIV_LIST_WHERE                                                                           \
    " n.path >= ?1 AND n.path < ?2 AND (?3 IS NULL OR w.owner = ?3)"                               \
    " AND (?4 = 0 OR d.webhook_id = ?4) AND (?5 IS NULL OR d.waybill_no = ?5) AND d.id < ?6"
    sqlite3_stmt *s = state ? pd__sq_prep(c, PD_SQ_DELIVERY_LIST_STATE,
                                          "SELECT " DELIV_COLS DELIV_FROM
                                          " WHERE d.state = ?7 AND" DELIV_LIST_WHERE
                                          " ORDER BY d.id DESC LIMIT ?8")
                            : pd__sq_prep(c, PD_SQ_DELIVERY_LIST,
                                          "SELECT " DELIV_COLS DELIV_FROM " WHERE" DELIV_LIST_WHERE
                                          " ORDER BY d.id DESC LIMIT ?8");
#undef DELIV_LIST_WHERE
    if (!s)
        return PD_QS_HARD;
    pd__sq_text(s, 1, lo);
    pd__sq_text(s, 2, hi);
    pd__sq_opt(s, 3, f->owner);
    pd__sq_i64(s, 4, f->webhook_id);
    pd__sq_opt(s, 5, f->waybill_no);
    pd__sq_i64(s, 6, f->before_id > 0 ? f->before_id : INT64_MAX);
    if (state)
        pd__sq_text(s, 7, state);
    sqlite3_bind_int(s, 8, pd__list_limit(f->limit));
    struct pd_webhook_delivery d;
    struct delivery_call x = {cb, cls};
    return list_rows(c, s, "delivery_list", delivery_row, &d, call_delivery, &x);
}

static pd_qs attempt_row(sqlite3_stmt *s, void *rec)
{
    struct pd_webhook_attempt *a = rec;
    memset(a, 0, sizeof *a);
    a->id = sqlite3_column_int64(s, 0);
    a->delivery_id = sqlite3_column_int64(s, 1);
    a->attempt = sqlite3_column_int(s, 2);
    a->at_ms = sqlite3_column_int64(s, 3);
    a->duration_ms = sqlite3_column_int(s, 4);
    a->status = sqlite3_column_int(s, 5);
    pd__sq_col(s, 6, a->error, sizeof a->error);
    return PD_QS_ONE;
}

pd_qs pd__sq_delivery_attempts(pd_db *db, int64_t delivery_id, pd_attempt_cb cb, void *cls)
{
    struct pd__sq_conn *c = C(db);
    sqlite3_stmt *s = pd__sq_prep(c, PD_SQ_ATTEMPT_LIST,
                                  "SELECT id, delivery_id, attempt, at_ms, duration_ms, status,"
                                  " error FROM webhook_attempts WHERE delivery_id = ?1"
                                  " ORDER BY attempt, id");
    if (!s)
        return PD_QS_HARD;
    pd__sq_i64(s, 1, delivery_id);
    struct pd_webhook_attempt a;
    struct attempt_call x = {cb, cls};
    return list_rows(c, s, "delivery_attempts", attempt_row, &a, call_attempt, &x);
}

pd_qs pd__sq_delivery_revive(pd_db *db, int64_t id, int64_t now_ms)
{
    struct pd__sq_conn *c = C(db);
    sqlite3_stmt *s =
        pd__sq_prep(c, PD_SQ_DELIVERY_REVIVE,
                    "UPDATE webhook_deliveries SET state = 'pending', next_at_ms = ?2, done_ms = 0,"
                    " attempt_base = attempts, claim = '' WHERE id = ?1 AND state = 'dead'");
    if (!s)
        return PD_QS_HARD;
    pd__sq_i64(s, 1, id);
    pd__sq_i64(s, 2, now_ms);
    return pd__sq_exec(c, s, "delivery_revive");
}

/* ---- the outbox --------------------------------------------------------------- */

#define OUTBOX_COLS                                                                                \
    "id, channel, event_id, waybill_no, kind, recipient, subject, text, state, attempts, "         \
    "next_at_ms, last_error, created_ms, done_ms"

static pd_qs outbox_row(sqlite3_stmt *s, void *rec)
{
    struct pd_outbox_msg *m = rec;
    memset(m, 0, sizeof *m);
    m->id = sqlite3_column_int64(s, 0);
    m->channel = name_index(channels, NELEM(channels), sqlite3_column_text(s, 1));
    pd__sq_col(s, 2, m->event_id, sizeof m->event_id);
    pd__sq_col(s, 3, m->waybill_no, sizeof m->waybill_no);
    pd__sq_col(s, 4, m->kind, sizeof m->kind);
    pd__sq_col(s, 5, m->recipient, sizeof m->recipient);
    pd__sq_col(s, 6, m->subject, sizeof m->subject);
    pd__sq_col(s, 7, m->text, sizeof m->text);
    m->state = name_index(outbox_states, NELEM(outbox_states), sqlite3_column_text(s, 8));
    m->attempts = sqlite3_column_int(s, 9);
    m->next_at_ms = sqlite3_column_int64(s, 10);
    pd__sq_col(s, 11, m->last_error, sizeof m->last_error);
    m->created_ms = sqlite3_column_int64(s, 12);
    m->done_ms = sqlite3_column_int64(s, 13);
    if (PD_BREAK(m->channel >= 0 && m->state >= 0)) /* the table's CHECKs allow nothing else */
        return PD_QS_HARD;
    return PD_QS_ONE;
}

pd_qs pd__sq_outbox_insert(pd_db *db, struct pd_outbox_msg *m)
{
    struct pd__sq_conn *c = C(db);
    const char *channel = name_of(channels, NELEM(channels), m->channel);
    if (PD_BREAK(channel))
        return PD_QS_HARD;
    sqlite3_stmt *s = pd__sq_prep(
        c, PD_SQ_OUTBOX_INSERT,
        "INSERT INTO notify_outbox (channel, event_id, waybill_no, kind, subject, text, state,"
        " next_at_ms, created_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'pending', ?7, ?8)"
        " ON CONFLICT (event_id, channel) DO NOTHING");
    if (!s)
        return PD_QS_HARD;
    m->created_ms = pd_now_ms();
    pd__sq_text(s, 1, channel);
    pd__sq_text(s, 2, m->event_id);
    pd__sq_text(s, 3, m->waybill_no);
    pd__sq_text(s, 4, m->kind);
    pd__sq_text(s, 5, m->subject);
    pd__sq_text(s, 6, m->text);
    pd__sq_i64(s, 7, m->next_at_ms);
    pd__sq_i64(s, 8, m->created_ms);
    pd_qs qs = pd__sq_exec(c, s, "outbox_insert");
    if (qs <= 0)
        return qs;
    m->id = sqlite3_last_insert_rowid(c->h);
    m->state = PD_OUTBOX_PENDING;
    return PD_QS_ONE;
}

pd_qs pd__sq_outbox_claim(pd_db *db, int64_t now_ms, int64_t lease_ms, int limit, const char *claim,
                          pd_outbox_cb cb, void *cls)
{
    struct pd__sq_conn *c = C(db);
    if (limit < 1 || limit > CLAIM_MAX)
        limit = CLAIM_MAX;
    sqlite3_stmt *s =
        pd__sq_prep(c, PD_SQ_OUTBOX_CLAIM,
                    "UPDATE notify_outbox SET next_at_ms = ?1 + ?2, claim = ?3 WHERE id IN"
                    " (SELECT id FROM notify_outbox WHERE state = 'pending' AND next_at_ms <= ?1"
                    " ORDER BY next_at_ms, id LIMIT ?4) RETURNING id");
    if (!s)
        return PD_QS_HARD;
    pd__sq_i64(s, 1, now_ms);
    pd__sq_i64(s, 2, lease_ms);
    pd__sq_text(s, 3, claim);
    sqlite3_bind_int(s, 4, limit);
    int64_t ids[CLAIM_MAX];
    int n;
    pd_qs qs = claim_ids(c, s, "outbox_claim", ids, &n);
    if (qs <= 0)
        return qs;
    s = pd__sq_prep(c, PD_SQ_OUTBOX_CLAIMED,
                    "SELECT " OUTBOX_COLS " FROM notify_outbox WHERE id = ?1");
    if (!s)
        return PD_QS_HARD;
    struct pd_outbox_msg m;
    for (int i = 0; i < n; i++) {
        pd__sq_i64(s, 1, ids[i]);
        int rc = sqlite3_step(s);
        if (rc != SQLITE_ROW) {
            qs = rc == SQLITE_DONE ? PD_QS_HARD : pd__sq_fail(c, rc, "outbox_claim");
            pd__sq_done(s);
            return qs;
        }
        qs = outbox_row(s, &m);
        int r = qs < 0 ? (int)qs : cb(cls, &m);
        pd__sq_done(s);
        if (r < 0)
            return (pd_qs)r;
    }
    return (pd_qs)n;
}

pd_qs pd__sq_outbox_finish(pd_db *db, const struct pd_outbox_outcome *o)
{
    struct pd__sq_conn *c = C(db);
    const char *state = name_of(outbox_states, NELEM(outbox_states), o->state);
    if (PD_BREAK(state) || PD_BREAK(o->claim && *o->claim))
        return PD_QS_HARD;
    bool done = o->state != PD_OUTBOX_PENDING;
    sqlite3_stmt *s = pd__sq_prep(
        c, PD_SQ_OUTBOX_FINISH,
        "UPDATE notify_outbox SET attempts = attempts + ?3, state = ?4,"
        " recipient = COALESCE(?5, recipient), last_error = ?6, next_at_ms = ?7, done_ms = ?8,"
        " claim = '' WHERE id = ?1 AND claim = ?2 AND state = 'pending'");
    if (!s)
        return PD_QS_HARD;
    pd__sq_i64(s, 1, o->id);
    pd__sq_text(s, 2, o->claim);
    sqlite3_bind_int(s, 3, o->attempted ? 1 : 0);
    pd__sq_text(s, 4, state);
    pd__sq_text(s, 5, o->recipient);
    pd__sq_text(s, 6, o->error ? o->error : "");
    pd__sq_i64(s, 7, o->next_at_ms);
    pd__sq_i64(s, 8, done ? o->at_ms : 0);
    return pd__sq_exec(c, s, "outbox_finish");
}

pd_qs pd__sq_outbox_list(pd_db *db, const struct pd_outbox_filter *f, pd_outbox_cb cb, void *cls)
{
    struct pd__sq_conn *c = C(db);
    const char *state = NULL;
    if (f->state >= 0 && PD_BREAK(state = name_of(outbox_states, NELEM(outbox_states), f->state)))
        return PD_QS_HARD;
    sqlite3_stmt *s = pd__sq_prep(c, PD_SQ_OUTBOX_LIST,
                                  "SELECT " OUTBOX_COLS " FROM notify_outbox"
                                  " WHERE (?1 IS NULL OR state = ?1)"
                                  " AND (?2 IS NULL OR waybill_no = ?2) AND id < ?3"
                                  " ORDER BY id DESC LIMIT ?4");
    if (!s)
        return PD_QS_HARD;
    pd__sq_text(s, 1, state);
    pd__sq_opt(s, 2, f->waybill_no);
    pd__sq_i64(s, 3, f->before_id > 0 ? f->before_id : INT64_MAX);
    sqlite3_bind_int(s, 4, pd__list_limit(f->limit));
    struct pd_outbox_msg m;
    struct outbox_call x = {cb, cls};
    return list_rows(c, s, "outbox_list", outbox_row, &m, call_outbox, &x);
}

pd_qs pd__sq_notify_purge(pd_db *db, int64_t before_ms, int limit)
{
    struct pd__sq_conn *c = C(db);
    if (limit < 1)
        limit = 1;
    /* The attempts go with their delivery (ON DELETE CASCADE; foreign keys
     * are on for every connection, sqlite_db.c). */
    sqlite3_stmt *s =
        pd__sq_prep(c, PD_SQ_PURGE_DELIVERIES,
                    "DELETE FROM webhook_deliveries WHERE id IN (SELECT id FROM webhook_deliveries"
                    " WHERE done_ms > 0 AND done_ms < ?1 AND state <> 'pending' LIMIT ?2)");
    if (!s)
        return PD_QS_HARD;
    pd__sq_i64(s, 1, before_ms);
    sqlite3_bind_int(s, 2, limit);
    pd_qs a = pd__sq_exec(c, s, "notify_purge");
    if (a < 0)
        return a;
    s = pd__sq_prep(c, PD_SQ_PURGE_OUTBOX,
                    "DELETE FROM notify_outbox WHERE id IN (SELECT id FROM notify_outbox"
                    " WHERE done_ms > 0 AND done_ms < ?1 AND state <> 'pending' LIMIT ?2)");
    if (!s)
        return PD_QS_HARD;
    pd__sq_i64(s, 1, before_ms);
    sqlite3_bind_int(s, 2, limit);
    pd_qs b = pd__sq_exec(c, s, "notify_purge");
    return b < 0 ? b : a + b;
}
