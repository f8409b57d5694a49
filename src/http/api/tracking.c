/*
 * Tracking (DOMAIN.md §5): GET /api/v1/public/tracking/{no} for anyone and
 * GET /api/v1/tracking/{no} for staff.
 *
 * The public look-up is the hottest path of the product: one number check,
 * one rate-limit count, one read of the tracking row on the thread's
 * connection (no transaction), and the stored public answer copied once
 * into the reply — no JSON parsed or built per request. The full view
 * (`?phone_last4=`) is built on request from the events, after the last
 * four digits of the sender's or recipient's phone matched; a public read of
 * that view is audited. Guessing is limited per client address: look-ups of
 * unknown numbers (enumeration), and wrong phone digits per number and in
 * all (docs/tracking.md gives the figures); over a limit every look-up from
 * that address answers 429, so a blocked client learns nothing more.
 *
 * The staff view holds everything: the order, each parcel, every field of
 * every event, the promise, the risk and the ETA. It follows the waybill's
 * network scope (404 outside it); scans for numbers no order has yet are
 * shown to staff of the network's root only. Reads by staff with
 * personal_data.read are audited (tracking.read_personal).
 */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "core/scan.h"
#include "http/api/api.h"
#include "http/api/common.h"
#include "http/api/tracking_build.h"
#include "http/api/waybill_common.h"
#include "http/app.h"
#include "http/audit.h"
#include "http/ingest.h"
#include "http/ratelimit.h"
#include "http/reply.h"
#include "store/tx.h"
#include "util/timeutil.h"

#define JSON_TYPE "application/json; charset=utf-8"

static bool four_digits(const char *s)
{
    for (int i = 0; i < 4; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return s[4] == '\0';
}

/* ---- public --------------------------------------------------------------------- */

struct hot {
    struct pd_req *rq;
    bool check;    /* a phone check: keep the row's digits, do not reply yet */
    int replied;   /* PD_HANDLED / PD_FAIL once the answer is queued */
    bool old_form; /* no compact timeline (older row) or an unreadable one: rebuild it */
    char last4_sender[5], last4_recipient[5];
};

/* The row is valid only during the call: reply from it here (the public
 * answer written from the row's compact timeline straight into the reply's
 * buffer) or keep what the check needs. */
static int hot_cb(void *cls, const struct pd_tracking *t)
{
    struct hot *h = cls;
    if (!t->timeline) {
        h->old_form = true;
        return 0;
    }
    if (!h->check) {
        pd_buf b = PD_BUF_INIT;
        if (!pd_tracking_write_public_row(h->rq->app, t, &b)) {
            /* unreadable (logged): built again from the order and the events */
            pd_buf_free(&b);
            h->old_form = true;
            return 0;
        }
        h->replied = pd_reply_buf_steal(h->rq, 200, JSON_TYPE, &b);
        return 0;
    }
    memcpy(h->last4_sender, t->last4_sender, sizeof h->last4_sender);
    memcpy(h->last4_recipient, t->last4_recipient, sizeof h->last4_recipient);
    h->last4_sender[4] = h->last4_recipient[4] = '\0';
    return 0;
}

struct full_tx {
    struct pd_req *rq;
    const char *no;
    const char *verified; /* "sender" or "recipient" */
    struct pd_tracking_data d;
};

static pd_qs full_tx(pd_db *db, void *cls)
{
    struct full_tx *t = cls;
    pd_qs qs = pd_tracking_load(t->rq->app, db, t->no, &t->d);
    if (qs <= 0)
        return qs;
    char detail[64];
    snprintf(detail, sizeof detail, "{\"verified\":\"%s\"}", t->verified);
    struct pd_audit a;
    pd_audit_for(&a, t->rq, "tracking.read_full", "waybill", t->no, t->d.node_id, detail);
    return db->ops->audit_insert(db, &a);
}

static int public_full(struct pd_req *rq, const char *no, const struct hot *h, const char *digits,
                       int64_t now)
{
    char key[128];
    snprintf(key, sizeof key, "%s|%s", rq->ip, no);
    const char *verified = NULL;
    if (h->last4_recipient[0] && !strcmp(h->last4_recipient, digits))
        verified = "recipient";
    else if (h->last4_sender[0] && !strcmp(h->last4_sender, digits))
        verified = "sender";
    if (!verified) {
        pd_ratelimit_hit(rq->app->track_guess_limit, key, now);
        pd_ratelimit_hit(rq->app->track_guess_ip_limit, rq->ip, now);
        return pd_reply_err(rq, PD_E_TRACKING_PHONE_WRONG, "phone_last4", NULL);
    }
    struct full_tx t = {.rq = rq, .no = no, .verified = verified};
    pd_qs qs = pd_tx_run(rq->app->store, "tracking.read_full", false, full_tx, &t);
    if (qs < 0) {
        pd_tracking_data_free(&t.d);
        return pd__reply_db_error(rq);
    }
    if (qs == 0) {
        pd_tracking_data_free(&t.d);
        return pd_reply_err(rq, PD_E_TRACKING_NOT_FOUND, NULL, NULL);
    }
    pd_buf b = PD_BUF_INIT;
    pd_tracking_write(rq->app, &t.d, PD_TRACKING_FULL, true, now, &b);
    pd_tracking_data_free(&t.d);
    if (b.oom) {
        pd_buf_free(&b);
        return pd_reply_err(rq, PD_E_INTERNAL, NULL, "out of memory");
    }
    return pd_reply_buf_steal(rq, 200, JSON_TYPE, &b);
}

/* Orders taken before migration 006 (tracking rows) have none until their
 * next change. On a miss, look for the order (a read) and only when there is
 * one build its row (a write), so guessing numbers costs one read. */
static int exists_cb(void *cls, const struct pd_waybill *w)
{
    (void)w;
    *(bool *)cls = true;
    return 0;
}

struct backfill_tx {
    struct pd_app *app;
    const char *no;
    bool exists;
};

static pd_qs exists_tx(pd_db *db, void *cls)
{
    struct backfill_tx *t = cls;
    t->exists = false;
    return db->ops->waybill_get(db, t->no, false, exists_cb, &t->exists);
}

static pd_qs rebuild_tx(pd_db *db, void *cls)
{
    struct backfill_tx *t = cls;
    return pd_tracking_rebuild(t->app, db, t->no);
}

/* @p old_form: the row exists in the form from before migration 014. */
static bool backfill(struct pd_app *app, const char *no, bool old_form)
{
    struct backfill_tx t = {.app = app, .no = no};
    if (!old_form &&
        (pd_tx_run(app->store, "tracking.exists", true, exists_tx, &t) < 0 || !t.exists))
        return false;
    return pd_tx_run(app->store, "tracking.backfill", false, rebuild_tx, &t) >= 0;
}

int pd_api_public_tracking_get(struct pd_req *rq)
{
    static const char *const allowed[] = {"phone_last4", NULL};
    if (!pd__query_only(rq, allowed))
        return PD_HANDLED;
    char no[PD_WB_NO_SIZE];
    if (!pd__waybill_no_arg(rq, rq->args[0], no))
        return PD_HANDLED;
    const char *digits = pd_req_query(rq, "phone_last4");
    if (digits && !four_digits(digits))
        return pd_reply_err(rq, PD_E_QUERY_INVALID, "phone_last4",
                            "the last four digits of the sender's or recipient's phone");
    struct pd_app *app = rq->app;
    int64_t now = pd_now_ms();
    /* Over a limit, every answer is 429: a blocked client must not learn
     * which numbers exist or which digits are right. */
    int64_t last_miss = atomic_load_explicit(&app->track_last_unknown_ms, memory_order_relaxed);
    if (last_miss && now - last_miss <= PD_TRACK_UNKNOWN_WINDOW_MS &&
        pd_ratelimit_count(app->track_unknown_limit, rq->ip, now) >= PD_TRACK_UNKNOWN_PER_10MIN)
        return pd_reply_err(rq, PD_E_RATE_LIMITED, NULL, NULL);
    if (digits) {
        char key[128];
        snprintf(key, sizeof key, "%s|%s", rq->ip, no);
        if (pd_ratelimit_count(app->track_guess_limit, key, now) >= PD_TRACK_GUESSES_PER_HOUR ||
            pd_ratelimit_count(app->track_guess_ip_limit, rq->ip, now) >=
                PD_TRACK_GUESSES_IP_PER_HOUR)
            return pd_reply_err(rq, PD_E_RATE_LIMITED, "phone_last4", NULL);
    }
    /* Events of this number still in the scan log: wait (bounded) for them,
     * after the limits, so that a blocked client makes nobody wait. */
    pd_ingest_settle(app->ingest, no);
    struct hot h = {.rq = rq, .check = digits != NULL, .replied = -1};
    pd_db *db = pd_store_acquire(app->store);
    if (!db)
        return pd__reply_db_error(rq);
    pd_qs qs = db->ops->tracking_get(db, no, hot_cb, &h);
    pd_store_release(app->store, db);
    if (h.replied >= 0)
        return h.replied; /* the stored answer is queued (whatever the statement said after) */
    if (qs < 0)
        return pd__reply_db_error(rq);
    if ((qs == PD_QS_NONE || h.old_form) && backfill(app, no, h.old_form)) {
        /* An order from before tracking rows existed, or a row from before
         * the compact timeline: built now, answered now. */
        if (!(db = pd_store_acquire(app->store)))
            return pd__reply_db_error(rq);
        h.old_form = false;
        qs = db->ops->tracking_get(db, no, hot_cb, &h);
        pd_store_release(app->store, db);
        if (h.replied >= 0)
            return h.replied;
        if (qs < 0)
            return pd__reply_db_error(rq);
    }
    if (h.old_form) /* the rebuild failed */
        return pd__reply_db_error(rq);
    if (qs == PD_QS_NONE) {
        atomic_store_explicit(&app->track_last_unknown_ms, now, memory_order_relaxed);
        pd_ratelimit_hit(app->track_unknown_limit, rq->ip, now);
        return pd_reply_err(rq, PD_E_TRACKING_NOT_FOUND, NULL, NULL);
    }
    return public_full(rq, no, &h, digits, now);
}

/* ---- staff ---------------------------------------------------------------------- */

struct staff_tx {
    struct pd_req *rq;
    char no[PD_WB_NO_SIZE];
    bool personal, audit, found;
    struct pd_waybill_copy c;
    struct pd_tracking_data d;
};

/* Scans for a number no order has yet belong to no node: only the staff of
 * the network's root see them (a customer's system never does). */
static bool sees_orphans(const struct pd_req *rq)
{
    return rq->who.kind != PD_WHO_NONE && rq->who.role != PD_ROLE_CUSTOMER_SYSTEM &&
           pd__node_depth(rq->who.node_path) == 0;
}

static pd_qs staff_tx(pd_db *db, void *cls)
{
    struct staff_tx *t = cls;
    t->found = false;
    pd_qs qs = pd__waybill_load(db, t->rq, t->no, false, &t->c, &t->found);
    if (qs < 0)
        return qs;
    bool exists = t->c.w.waybill_no[0] != '\0';
    if (exists && !t->found)
        return PD_QS_NONE; /* outside the caller's network: as if it did not exist */
    if (!exists && !sees_orphans(t->rq))
        return PD_QS_NONE;
    qs = pd_tracking_load(t->rq->app, db, t->no, &t->d);
    if (qs <= 0)
        return qs;
    t->found = true;
    if (!t->audit)
        return PD_QS_ONE;
    struct pd_audit a;
    pd_audit_for(&a, t->rq, "tracking.read_personal", "waybill", t->no,
                 t->d.has_order ? t->d.node_id : 0, "{\"fields\":[\"signer\",\"photo\"]}");
    return db->ops->audit_insert(db, &a);
}

int pd_api_tracking_get(struct pd_req *rq)
{
    static const char *const allowed[] = {NULL};
    if (!pd__query_only(rq, allowed))
        return PD_HANDLED;
    struct staff_tx t = {.rq = rq};
    if (!pd__waybill_no_arg(rq, rq->args[0], t.no))
        return PD_HANDLED;
    pd_ingest_settle(rq->app->ingest, t.no); /* events still in the scan log */
    t.personal = pd__personal_ok(rq);
    t.audit = t.personal && rq->who.kind == PD_WHO_USER;
    pd_qs qs = pd_tx_run(rq->app->store, "tracking.read", !t.audit, staff_tx, &t);
    pd_waybill_copy_free(&t.c);
    if (qs < 0) {
        pd_tracking_data_free(&t.d);
        return pd__reply_db_error(rq);
    }
    if (!t.found || qs == PD_QS_NONE) {
        pd_tracking_data_free(&t.d);
        return pd_reply_err(rq, PD_E_TRACKING_NOT_FOUND, NULL, NULL);
    }
    pd_buf b = PD_BUF_INIT;
    pd_tracking_write(rq->app, &t.d, PD_TRACKING_STAFF, t.personal, pd_now_ms(), &b);
    pd_tracking_data_free(&t.d);
    if (b.oom) {
        pd_buf_free(&b);
        return pd_reply_err(rq, PD_E_INTERNAL, NULL, "out of memory");
    }
    return pd_reply_buf_steal(rq, 200, JSON_TYPE, &b);
}
