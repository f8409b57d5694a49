/*
 * Return receipts (签收回单, DOMAIN.md §4 "Last mile"; docs/tracking.md
 * "Return receipts"): an order taken with "return_receipt": true has a
 * receipt in state required (order_intake.c creates it); the courier who
 * delivers posts "collected" when the recipient's signed receipt is in
 * hand, the branch "sent_back" (with the return waybill number, if any)
 * and "returned" when the sender has it. Steps come one at a time, in
 * order (core/receipt.h), each with its time, node and operator, and each
 * is audited in its transaction.
 *
 *   POST /api/v1/waybills/{no}/receipt/events   scans.write (devices, couriers),
 *        at a node within the caller's network, as scans are
 *   GET  /api/v1/waybills/{no}/receipt          tracking.read, within the network
 *   GET  /api/v1/receipts?state=&overdue=1      tracking.read, within the network
 *
 * Overdue: not returned monitor.receipt_days (default 7) after the
 * waybill's delivery. Customer systems do not see the network's receipts.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/receipt.h"
#include "core/scan.h"
#include "core/waybill_no.h"
#include "http/api/api.h"
#include "http/api/common.h"
#include "http/app.h"
#include "http/audit.h"
#include "http/json_spec.h"
#include "http/node_cache.h"
#include "http/reply.h"
#include "http/ingest.h"
#include "store/tx.h"
#include "util/timeutil.h"

#define DAY_MS 86400000LL

/* The states a POST may name: every one but the first. */
static const char *const step_names[] = {"collected", "sent_back", "returned", NULL};

static bool overdue(const struct pd_app *app, const struct pd_receipt *r, int64_t now)
{
    return r->state != PD_RECEIPT_RETURNED && r->delivered_ms > 0 &&
           now - r->delivered_ms > app->cfg.monitor_receipt_days * DAY_MS;
}

static json_t *step_json(int64_t at, const char *node, const char *by)
{
    if (!at)
        return json_null();
    return json_pack("{s:o, s:s, s:s}", "at", pd__json_time(at), "node", node, "operator", by);
}

static json_t *receipt_json(const struct pd_app *app, const struct pd_receipt *r)
{
    json_t *sent = step_json(r->sent_back_ms, r->sent_back_node, r->sent_back_by);
    if (json_is_object(sent))
        json_object_set_new(sent, "return_waybill_no",
                            r->return_waybill_no[0] ? json_string(r->return_waybill_no)
                                                    : json_null());
    return json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:b, s:{s:o, s:o, s:o}, s:o}", "waybill_no",
                     r->waybill_no, "state", pd_receipt_state_names[r->state], "state_zh",
                     pd_receipt_state_zh((enum pd_receipt_state)r->state), "node", r->node_code,
                     "required_at", pd__json_time(r->required_ms), "delivered_at",
                     pd__json_time(r->delivered_ms), "overdue", overdue(app, r, pd_now_ms()),
                     "steps", "collected",
                     step_json(r->collected_ms, r->collected_node, r->collected_by), "sent_back",
                     sent, "returned", step_json(r->returned_ms, r->returned_node, r->returned_by),
                     "updated_at", pd__json_time(r->updated_ms));
}

static bool valid_no(struct pd_req *rq)
{
    if (pd_waybill_no_valid(rq->args[0]))
        return true;
    pd_reply_err(rq, PD_E_WAYBILL_NO_INVALID, NULL, NULL);
    return false;
}

/* ---- one receipt -------------------------------------------------------------- */

struct get_tx {
    struct pd_req *rq;
    struct pd_receipt r;
    bool found;
};

static pd_qs get_tx(pd_db *db, void *cls)
{
    struct get_tx *t = cls;
    pd_qs qs = db->ops->receipt_get(db, t->rq->args[0], &t->r);
    t->found = qs > 0 && pd_req_in_scope(t->rq, t->r.node_path);
    return qs;
}

int pd_api_receipts_get(struct pd_req *rq)
{
    if (rq->who.role == PD_ROLE_CUSTOMER_SYSTEM)
        return pd_reply_err(rq, PD_E_AUTH_FORBIDDEN, NULL, "the network's return receipts");
    if (!valid_no(rq))
        return PD_HANDLED;
    struct get_tx t = {.rq = rq};
    pd_ingest_settle(rq->app->ingest, rq->args[0]); /* its delivery may be in the scan log */
    if (pd_tx_run(rq->app->store, "receipt.get", true, get_tx, &t) < 0)
        return pd__reply_db_error(rq);
    if (!t.found)
        return pd_reply_err(rq, PD_E_RECEIPT_NOT_FOUND, NULL, NULL);
    return pd_reply_json_steal(rq, 200, receipt_json(rq->app, &t.r));
}

/* ---- a step ------------------------------------------------------------------- */

struct step_tx {
    struct pd_req *rq;
    struct pd_receipt want; /* the step: state, its time, node, operator */
    struct pd_receipt r;    /* as stored, then as answered */
    pd_err err;
    const char *field, *detail;
};

static pd_qs step_tx(pd_db *db, void *cls)
{
    struct step_tx *t = cls;
    pd_qs qs = db->ops->receipt_get(db, t->want.waybill_no, &t->r);
    if (qs < 0)
        return qs;
    if (qs == 0) {
        t->err = PD_E_RECEIPT_NOT_FOUND;
        t->field = NULL;
        return PD_QS_ABORT;
    }
    if (pd_receipt_step((enum pd_receipt_state)t->r.state, (enum pd_receipt_state)t->want.state) !=
        PD_OK) {
        t->err = PD_E_RECEIPT_STATE_ORDER;
        t->field = "state";
        t->detail = pd_receipt_state_names[t->r.state]; /* where it stands */
        return PD_QS_ABORT;
    }
    /* A step is not dated before the step it follows. The first is not
     * held to the order's time: like scans, receipts may be recorded for
     * orders entered late (imports). */
    const int64_t prev[] = {INT64_MIN, t->r.collected_ms, t->r.sent_back_ms};
    const int64_t at[] = {0, t->want.collected_ms, t->want.sent_back_ms, t->want.returned_ms};
    if (at[t->want.state] < prev[t->r.state]) {
        t->err = PD_E_JSON_RANGE;
        t->field = "at";
        t->detail = "before the previous step";
        return PD_QS_ABORT;
    }
    t->want.updated_ms = pd_now_ms();
    if ((qs = db->ops->receipt_step(db, &t->want, t->r.state)) < 0)
        return qs;
    if (qs == 0)
        return PD_QS_SOFT; /* moved meanwhile (PostgreSQL): read it again */
    json_t *d = json_pack("{s:s, s:s, s:s}", "state", pd_receipt_state_names[t->want.state], "from",
                          pd_receipt_state_names[t->r.state], "return_waybill_no",
                          t->want.return_waybill_no);
    char *ds = json_dumps(d, JSON_COMPACT);
    json_decref(d);
    struct pd_audit a;
    pd_audit_for(&a, t->rq, "receipt.step", "waybill", t->want.waybill_no, t->r.node_id, ds);
    qs = db->ops->audit_insert(db, &a);
    free(ds);
    if (qs < 0)
        return qs;
    return db->ops->receipt_get(db, t->want.waybill_no, &t->r);
}

int pd_api_receipts_event(struct pd_req *rq)
{
    if (!valid_no(rq))
        return PD_HANDLED;
    int state = 0;
    int64_t at = 0;
    const char *node = NULL, *ret_no = NULL, *op = NULL;
    struct pd_spec spec[] = {
        pd_spec_enum("state", &state, PD_REQ, step_names),
        pd_spec_time("at", &at, PD_REQ),
        pd_spec_str("node", &node, PD_REQ, 1, 32),
        pd_spec_str("return_waybill_no", &ret_no, PD_OPT, 1, 32),
        pd_spec_str("operator", &op, PD_OPT, 1, 64),
        pd_spec_end(),
    };
    if (pd_json_parse(rq, spec) != PD_JSON_OK)
        return PD_HANDLED;
    int64_t now = pd_now_ms();
    if (at > now + PD_SCAN_FUTURE_TOLERANCE_MS)
        return pd_reply_err(rq, PD_E_SCAN_TIME_FUTURE, "at", NULL);
    struct step_tx t = {.rq = rq};
    t.want.state = state + 1; /* step_names starts at collected */
    if (ret_no && t.want.state != PD_RECEIPT_SENT_BACK)
        return pd_reply_err(rq, PD_E_JSON_FORMAT, "return_waybill_no", "only with sent_back");
    if (ret_no && !pd_waybill_no_valid(ret_no))
        return pd_reply_err(rq, PD_E_WAYBILL_NO_INVALID, "return_waybill_no", NULL);
    /* The node is held to the caller's network, as a scan's is. */
    const struct pd_node_snapshot *snap = pd_node_cache_acquire(rq->app->nodes);
    const struct pd_node_entry *n = pd_node_snapshot_find(snap, node);
    bool known = n != NULL, mine = n && pd_req_in_scope(rq, n->path);
    pd_node_cache_release(rq->app->nodes, snap);
    if (!known)
        return pd_reply_err(rq, PD_E_SCAN_NODE_UNKNOWN, "node", NULL);
    if (!mine)
        return pd_reply_err(rq, PD_E_AUTH_FORBIDDEN, "node", "a node outside your network");

    struct pd_receipt *w = &t.want;
    snprintf(w->waybill_no, sizeof w->waybill_no, "%s", rq->args[0]);
    const char *by = op ? op : rq->who.name;
    int64_t *at_of[] = {NULL, &w->collected_ms, &w->sent_back_ms, &w->returned_ms};
    char *node_of[] = {NULL, w->collected_node, w->sent_back_node, w->returned_node};
    char *by_of[] = {NULL, w->collected_by, w->sent_back_by, w->returned_by};
    *at_of[w->state] = at;
    snprintf(node_of[w->state], PD_CODE_MAX, "%s", node);
    snprintf(by_of[w->state], PD_SCAN_TEXT_SIZE, "%s", by);
    snprintf(w->return_waybill_no, sizeof w->return_waybill_no, "%s", ret_no ? ret_no : "");

    pd_qs qs = pd_tx_run(rq->app->store, "receipt.step", false, step_tx, &t);
    if (qs == PD_QS_ABORT)
        return pd_reply_err(rq, t.err, t.field, t.detail);
    if (qs < 0)
        return pd__reply_db_error(rq);
    return pd_reply_json_steal(rq, 200, receipt_json(rq->app, &t.r));
}

/* ---- the list ------------------------------------------------------------------ */

struct list_tx {
    struct pd_req *rq;
    struct pd_receipt_filter f;
    json_t *items;
    char last[PD_WB_NO_SIZE];
    int n;
};

static int list_cb(void *cls, const struct pd_receipt *r)
{
    struct list_tx *t = cls;
    json_array_append_new(t->items, receipt_json(t->rq->app, r));
    snprintf(t->last, sizeof t->last, "%s", r->waybill_no);
    t->n++;
    return 0;
}

static pd_qs list_tx(pd_db *db, void *cls)
{
    struct list_tx *t = cls;
    json_array_clear(t->items);
    t->n = 0;
    return db->ops->receipt_list(db, &t->f, list_cb, t);
}

int pd_api_receipts_list(struct pd_req *rq)
{
    static const char *const allowed[] = {"state", "overdue", "after", "limit", NULL};
    if (rq->who.role == PD_ROLE_CUSTOMER_SYSTEM)
        return pd_reply_err(rq, PD_E_AUTH_FORBIDDEN, NULL, "the network's return receipts");
    if (!pd__query_only(rq, allowed))
        return PD_HANDLED;
    struct list_tx t = {.rq = rq, .f = {.node_path = rq->who.node_path, .state = -1}};
    pd_ingest_settle_all(rq->app->ingest); /* deliveries may be in the scan log */
    const char *state = pd_req_query(rq, "state");
    enum pd_receipt_state st;
    if (state) {
        if (!pd_receipt_state_parse(state, &st))
            return pd_reply_err(rq, PD_E_QUERY_INVALID, "state",
                                "one of required, collected, sent_back, returned");
        t.f.state = (int)st;
    }
    int64_t od = 0, limit = 0;
    if (!pd__query_int(rq, "overdue", 0, 1, 0, &od) ||
        !pd__query_int(rq, "limit", 1, 200, 50, &limit))
        return PD_HANDLED;
    if (od)
        t.f.delivered_before_ms = pd_now_ms() - rq->app->cfg.monitor_receipt_days * DAY_MS;
    const char *after = pd_req_query(rq, "after");
    if (after && !pd_waybill_no_valid(after))
        return pd_reply_err(rq, PD_E_QUERY_INVALID, "after", "a waybill number");
    t.f.after_no = after;
    t.f.limit = (int)limit;
    t.items = json_array();
    if (pd_tx_run(rq->app->store, "receipts.list", true, list_tx, &t) < 0) {
        json_decref(t.items);
        return pd__reply_db_error(rq);
    }
    json_t *next = t.n == t.f.limit ? json_string(t.last) : json_null();
    return pd_reply_json_steal(rq, 200,
                               json_pack("{s:o, s:o, s:i}", "items", t.items, "next_after", next,
                                         "overdue_after_days", rq->app->cfg.monitor_receipt_days));
}
