/*
 * /api/v1/special-rates: special rates (特殊费率申请, DOMAIN.md §3). An
 * account manager applies for one service × zone freight cell for one of
 * its customers, with a validity and a reason; a supervisor or manager
 * (orders.review) approves or rejects it, never the applicant, so no one
 * prices orders on a rate only they agreed to; an approved rate can be
 * revoked. Orders name the approval number (special_rate_no, order_intake.c)
 * and the fee engine prices that cell with it. Every step is audited in the
 * transaction that makes it; rates are scoped by their customer's node.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/tariff.h"
#include "http/api/api.h"
#include "http/api/common.h"
#include "http/app.h"
#include "http/audit.h"
#include "http/json_spec.h"
#include "http/reply.h"
#include "store/tx.h"
#include "util/timeutil.h"

_Static_assert(PD_SR_NO_SIZE <= PD_RATECARD_CODE_SIZE, "approval numbers must fit the tariff's");

#define TEXT_MAX_CHARS 200 /* reason and notes: PD_SR_TEXT_SIZE holds 200 characters */

static const char *const state_names[] = {"pending", "approved", "rejected", "revoked", NULL};
static const char *const state_zh[] = {"待审批", "已批准", "已驳回", "已撤销"};
/* In the order of enum pd_service and enum pd_zone (core/tariff.h). */
static const char *const services[] = {"standard", "express", "cold_chain", "freight", NULL};
static const char *const zones[] = {"same_city", "same_province", "neighbouring",
                                    "national",  "remote",        NULL};

bool pd__special_rate_from_rec(const struct pd_special_rate_rec *r, struct pd_special_rate *out)
{
    memset(out, 0, sizeof *out);
    enum pd_service svc;
    if (!pd_service_from_code(r->service, &svc))
        return false;
    int zone = 0;
    while (zone < PD_ZONE__COUNT && strcmp(pd_zone_code((enum pd_zone)zone), r->zone) != 0)
        zone++;
    if (zone == PD_ZONE__COUNT)
        return false;
    snprintf(out->approval_no, sizeof out->approval_no, "%s", r->approval_no);
    out->approved = r->state == PD_SR_APPROVED;
    out->valid_from_ms = r->valid_from_ms;
    out->valid_to_ms = r->valid_to_ms;
    out->rate.service = svc;
    out->rate.zone = (enum pd_zone)zone;
    out->rate.cell = (struct pd_rate_cell){.available = true,
                                           .first_weight_g = r->first_weight_g,
                                           .additional_step_g = r->additional_step_g,
                                           .first_fee_fen = r->first_fee_fen,
                                           .additional_fee_fen = r->additional_fee_fen};
    return true;
}

static bool in_effect(const struct pd_special_rate_rec *r, int64_t now)
{
    return r->state == PD_SR_APPROVED && now >= r->valid_from_ms &&
           (r->valid_to_ms == 0 || now < r->valid_to_ms);
}

/* {by, at, note} of one step, or null when it has not happened. */
static json_t *step_json(const char *by, int64_t at, const char *note)
{
    if (!at)
        return json_null();
    return json_pack("{s:s?, s:o, s:s?}", "by", by[0] ? by : NULL, "at", pd__json_time(at), "note",
                     note && note[0] ? note : NULL);
}

static json_t *rate_json(const struct pd_special_rate_rec *r)
{
    json_t *j = json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:I, s:i, s:I, s:o, s:o, s:s, s:b}",
        "approval_no", r->approval_no, "state", state_names[r->state], "state_zh",
        state_zh[r->state], "customer_code", r->customer_code, "node", r->node_code, "service",
        r->service, "zone", r->zone, "first_weight_g", (int)r->first_weight_g, "first_fee_fen",
        (json_int_t)r->first_fee_fen, "additional_step_g", (int)r->additional_step_g,
        "additional_fee_fen", (json_int_t)r->additional_fee_fen, "valid_from",
        pd__json_time(r->valid_from_ms), "valid_to", pd__json_time(r->valid_to_ms), "reason",
        r->reason, "in_effect", in_effect(r, pd_now_ms()));
    json_object_set_new(j, "applied", step_json(r->applied_by_name, r->applied_ms, NULL));
    json_object_set_new(j, "decision",
                        step_json(r->decided_by_name, r->decided_ms, r->decision_note));
    json_object_set_new(j, "revocation",
                        step_json(r->revoked_by_name, r->revoked_ms, r->revoke_note));
    return j;
}

/* Reading is for whoever applies (customers) or decides (orders.review). */
static bool may_read(struct pd_req *rq)
{
    return pd_app_role_has(rq->app, rq->who.role, PD_PERM_CUSTOMERS) ||
           pd_app_role_has(rq->app, rq->who.role, PD_PERM_ORDERS_REVIEW);
}

/* True when @p s holds something other than white space. */
static bool has_text(const char *s)
{
    for (; s && *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n')
            return true;
    return false;
}

/* ---- apply ------------------------------------------------------------------- */

struct customer_hit {
    struct pd_req *rq;
    bool found, active;
    int64_t id, node_id;
};

static int customer_cb(void *cls, const struct pd_customer *c)
{
    struct customer_hit *h = cls;
    if (!pd_req_in_scope(h->rq, c->node_path))
        return 0; /* another network's customer is as good as unknown */
    h->found = true;
    h->active = c->active;
    h->id = c->id;
    h->node_id = c->node_id;
    return 0;
}

struct create_tx {
    struct pd_req *rq;
    const char *customer_code;
    char day[9];
    struct pd_special_rate_rec r;
    pd_err err;
    json_t *out;
};

static pd_qs create_tx(pd_db *db, void *cls)
{
    struct create_tx *t = cls;
    struct customer_hit h = {.rq = t->rq};
    pd_qs qs = db->ops->customer_get_by_code(db, t->customer_code, customer_cb, &h);
    if (qs < 0)
        return qs;
    if (!h.found || !h.active) {
        t->err = h.found ? PD_E_CUSTOMER_INACTIVE : PD_E_CUSTOMER_UNKNOWN;
        return PD_QS_ABORT;
    }
    t->r.customer_id = h.id;
    if ((qs = db->ops->special_rate_insert(db, &t->r, t->day)) < 0)
        return qs;
    json_t *d = json_pack(
        "{s:s, s:s, s:s, s:i, s:I, s:i, s:I, s:I, s:I, s:s}", "customer_code", t->customer_code,
        "service", t->r.service, "zone", t->r.zone, "first_weight_g", (int)t->r.first_weight_g,
        "first_fee_fen", (json_int_t)t->r.first_fee_fen, "additional_step_g",
        (int)t->r.additional_step_g, "additional_fee_fen", (json_int_t)t->r.additional_fee_fen,
        "valid_from_ms", (json_int_t)t->r.valid_from_ms, "valid_to_ms",
        (json_int_t)t->r.valid_to_ms, "reason", t->r.reason);
    char *ds = json_dumps(d, JSON_COMPACT);
    json_decref(d);
    struct pd_audit a;
    pd_audit_for(&a, t->rq, "special_rate.apply", "special_rate", t->r.approval_no, h.node_id, ds);
    qs = db->ops->audit_insert(db, &a);
    free(ds);
    if (qs < 0)
        return qs;
    struct pd_special_rate_rec back;
    if ((qs = db->ops->special_rate_get(db, t->r.approval_no, &back)) <= 0)
        return qs < 0 ? qs : PD_QS_HARD; /* inserted a moment ago in this transaction */
    json_decref(t->out);
    t->out = rate_json(&back);
    return PD_QS_ONE;
}

int pd_api_special_rates_create(struct pd_req *rq)
{
    struct create_tx t = {.rq = rq, .r = {.state = PD_SR_PENDING, .applied_by = rq->who.id}};
    const char *reason = NULL;
    int service = 0, zone = 0;
    int64_t first_w = 0, first_fee = 0, step = 0, add_fee = 0, from = 0, to = 0;
    bool has_to = false;
    struct pd_spec spec[] = {
        pd_spec_str("customer_code", &t.customer_code, PD_REQ, 1, 32),
        pd_spec_enum("service", &service, PD_REQ, services),
        pd_spec_enum("zone", &zone, PD_REQ, zones),
        pd_spec_int("first_weight_g", &first_w, PD_REQ, 100, 1000000),
        pd_spec_int("first_fee_fen", &first_fee, PD_REQ, 0, PD_TARIFF_FEE_MAX),
        pd_spec_int("additional_step_g", &step, PD_REQ, 100, 1000000),
        pd_spec_int("additional_fee_fen", &add_fee, PD_REQ, 0, PD_TARIFF_FEE_MAX),
        pd_spec_time("valid_from", &from, PD_REQ),
        pd_spec_time("valid_to", &to, PD_OPT),
        pd_spec_str("reason", &reason, PD_REQ, 1, TEXT_MAX_CHARS),
        pd_spec_end(),
    };
    spec[8].present = &has_to;
    if (pd_json_parse(rq, spec) != PD_JSON_OK)
        return PD_HANDLED;
    if (!has_text(reason))
        return pd_reply_err(rq, PD_E_JSON_TOO_SHORT, "reason", "say why the rate is needed");
    int64_t now = pd_now_ms();
    if (has_to && to <= from)
        return pd_reply_err(rq, PD_E_SPECIAL_RATE_VALIDITY, "valid_to", "not after valid_from");
    if (has_to && to <= now)
        return pd_reply_err(rq, PD_E_SPECIAL_RATE_VALIDITY, "valid_to", "already over");
    snprintf(t.r.service, sizeof t.r.service, "%s", services[service]);
    snprintf(t.r.zone, sizeof t.r.zone, "%s", zones[zone]);
    t.r.first_weight_g = (int32_t)first_w;
    t.r.first_fee_fen = first_fee;
    t.r.additional_step_g = (int32_t)step;
    t.r.additional_fee_fen = add_fee;
    t.r.valid_from_ms = from;
    t.r.valid_to_ms = has_to ? to : 0;
    snprintf(t.r.reason, sizeof t.r.reason, "%s", reason);
    /* Numbered by the day in China, where the applications are made. */
    int y;
    unsigned m, d;
    pd_civil_from_days((now + PD_CST_OFFSET_MIN * 60000LL) / 86400000LL, &y, &m, &d);
    snprintf(t.day, sizeof t.day, "%04d%02u%02u", y, m, d);
    pd_qs qs = pd_tx_run(rq->app->store, "special_rate.apply", false, create_tx, &t);
    if (qs < 0) /* an answer built by an attempt that was then rolled back */
        json_decref(t.out);
    if (qs == PD_QS_ABORT)
        return pd_reply_err(rq, t.err, "customer_code", NULL);
    if (qs < 0)
        return pd__reply_db_error(rq);
    return pd_reply_json_steal(rq, 201, t.out);
}

/* ---- read -------------------------------------------------------------------- */

struct get_tx {
    struct pd_req *rq;
    struct pd_special_rate_rec r;
    bool found;
};

static pd_qs get_tx(pd_db *db, void *cls)
{
    struct get_tx *t = cls;
    pd_qs qs = db->ops->special_rate_get(db, t->rq->args[0], &t->r);
    t->found = qs > 0 && pd_req_in_scope(t->rq, t->r.node_path);
    return qs;
}

int pd_api_special_rates_get(struct pd_req *rq)
{
    if (!may_read(rq))
        return pd_reply_err(rq, PD_E_AUTH_FORBIDDEN, NULL, NULL);
    struct get_tx t = {.rq = rq};
    if (pd_tx_run(rq->app->store, "special_rate.get", true, get_tx, &t) < 0)
        return pd__reply_db_error(rq);
    if (!t.found)
        return pd_reply_err(rq, PD_E_SPECIAL_RATE_NOT_FOUND, NULL, NULL);
    return pd_reply_json_steal(rq, 200, rate_json(&t.r));
}

struct list_tx {
    struct pd_req *rq;
    struct pd_special_rate_filter f;
    const char *customer;
    json_t *items;
    int64_t last;
    int n;
};

static int list_cb(void *cls, const struct pd_special_rate_rec *r)
{
    struct list_tx *t = cls;
    json_array_append_new(t->items, rate_json(r));
    t->last = r->id;
    t->n++;
    return 0;
}

static pd_qs list_tx(pd_db *db, void *cls)
{
    struct list_tx *t = cls;
    json_array_clear(t->items);
    t->n = 0;
    if (t->customer) {
        struct customer_hit h = {.rq = t->rq};
        pd_qs qs = db->ops->customer_get_by_code(db, t->customer, customer_cb, &h);
        if (qs < 0 || !h.found)
            return qs < 0 ? qs : PD_QS_NONE; /* no such customer here: nothing to list */
        t->f.customer_id = h.id;
    }
    return db->ops->special_rate_list(db, &t->f, list_cb, t);
}

int pd_api_special_rates_list(struct pd_req *rq)
{
    static const char *const allowed[] = {"state", "customer", "before", "limit", NULL};
    if (!may_read(rq))
        return pd_reply_err(rq, PD_E_AUTH_FORBIDDEN, NULL, NULL);
    if (!pd__query_only(rq, allowed))
        return PD_HANDLED;
    struct list_tx t = {.rq = rq, .f = {.node_path = rq->who.node_path, .state = -1}};
    const char *state = pd_req_query(rq, "state");
    if (state) {
        while (state_names[++t.f.state] && strcmp(state_names[t.f.state], state) != 0)
            ;
        if (!state_names[t.f.state])
            return pd_reply_err(rq, PD_E_QUERY_INVALID, "state",
                                "one of pending, approved, rejected, revoked");
    }
    t.customer = pd_req_query(rq, "customer");
    int64_t before = 0, limit = 0;
    if (!pd__query_int(rq, "before", 1, INT64_MAX, 0, &before) ||
        !pd__query_int(rq, "limit", 1, 200, 50, &limit))
        return PD_HANDLED;
    t.f.before_id = before;
    t.f.limit = (int)limit;
    t.items = json_array();
    if (pd_tx_run(rq->app->store, "special_rate.list", true, list_tx, &t) < 0) {
        json_decref(t.items);
        return pd__reply_db_error(rq);
    }
    json_t *next = t.n == t.f.limit ? json_integer(t.last) : json_null();
    return pd_reply_json_steal(rq, 200,
                               json_pack("{s:o, s:o}", "items", t.items, "next_before", next));
}

/* ---- decide and revoke ------------------------------------------------------- */

struct move_tx {
    struct pd_req *rq;
    int from, to;
    const char *action, *note;
    bool found;
    pd_err err;
    char detail[96];
    json_t *out;
};

static pd_qs move_tx(pd_db *db, void *cls)
{
    struct move_tx *t = cls;
    struct pd_special_rate_rec r;
    pd_qs qs = db->ops->special_rate_get(db, t->rq->args[0], &r);
    t->found = qs > 0 && pd_req_in_scope(t->rq, r.node_path);
    if (qs < 0 || !t->found)
        return qs < 0 ? qs : PD_QS_NONE;
    /* Four eyes: whoever applied never decides, whatever their role. */
    if (t->to != PD_SR_REVOKED && r.applied_by == t->rq->who.id) {
        t->err = PD_E_SPECIAL_RATE_SELF;
        return PD_QS_ABORT;
    }
    if (r.state != t->from) {
        t->err = PD_E_SPECIAL_RATE_STATE;
        snprintf(t->detail, sizeof t->detail, "the application is %s, not %s", state_names[r.state],
                 state_names[t->from]);
        return PD_QS_ABORT;
    }
    int64_t now = pd_now_ms();
    qs = db->ops->special_rate_set_state(db, r.id, t->from, t->to, t->rq->who.id, now, t->note);
    if (qs == PD_QS_NONE)
        return PD_QS_SOFT; /* decided by someone else meanwhile: look again */
    if (qs < 0)
        return qs;
    json_t *d = json_pack("{s:s, s:s, s:s?}", "from", state_names[t->from], "to",
                          state_names[t->to], "note", t->note);
    char *ds = json_dumps(d, JSON_COMPACT);
    json_decref(d);
    struct pd_audit a;
    pd_audit_for(&a, t->rq, t->action, "special_rate", r.approval_no, r.node_id, ds);
    qs = db->ops->audit_insert(db, &a);
    free(ds);
    if (qs < 0)
        return qs;
    if ((qs = db->ops->special_rate_get(db, r.approval_no, &r)) <= 0)
        return qs < 0 ? qs : PD_QS_HARD;
    json_decref(t->out);
    t->out = rate_json(&r);
    return PD_QS_ONE;
}

static int move(struct pd_req *rq, int from, int to, const char *action, bool note_required)
{
    struct move_tx t = {.rq = rq, .from = from, .to = to, .action = action};
    struct pd_spec spec[] = {
        pd_spec_str("note", &t.note, note_required ? PD_REQ : PD_OPT, 1, TEXT_MAX_CHARS),
        pd_spec_end(),
    };
    if (rq->json || note_required) { /* the body is optional unless a note is needed */
        if (pd_json_parse(rq, spec) != PD_JSON_OK)
            return PD_HANDLED;
    }
    if (note_required && !has_text(t.note))
        return pd_reply_err(rq, PD_E_JSON_TOO_SHORT, "note", "say why");
    pd_qs qs = pd_tx_run(rq->app->store, action, false, move_tx, &t);
    if (qs <= 0 || !t.found) /* an answer built by an attempt that was then rolled back */
        json_decref(t.out);
    if (qs == PD_QS_ABORT)
        return pd_reply_err(rq, t.err, NULL, t.detail[0] ? t.detail : NULL);
    if (qs < 0)
        return pd__reply_db_error(rq);
    if (!t.found)
        return pd_reply_err(rq, PD_E_SPECIAL_RATE_NOT_FOUND, NULL, NULL);
    return pd_reply_json_steal(rq, 200, t.out);
}

int pd_api_special_rates_approve(struct pd_req *rq)
{
    return move(rq, PD_SR_PENDING, PD_SR_APPROVED, "special_rate.approve", false);
}

int pd_api_special_rates_reject(struct pd_req *rq)
{
    return move(rq, PD_SR_PENDING, PD_SR_REJECTED, "special_rate.reject", true);
}

int pd_api_special_rates_revoke(struct pd_req *rq)
{
    return move(rq, PD_SR_APPROVED, PD_SR_REVOKED, "special_rate.revoke", false);
}
