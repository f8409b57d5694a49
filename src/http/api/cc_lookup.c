/*
 * GET /api/v1/callcenter/lookup?phone=… — the screen pop (弹屏, issue 6 item
 * 3): while the phone rings, the agent sees who is calling: the customer
 * accounts whose contact phone is the caller's number and the caller's open
 * waybills, as sender or recipient (not cancelled, not delivered or
 * returned), newest first, at most 20. Tickets and problem parcels join
 * when their modules exist; until then they are empty arrays and "modules"
 * says so. It has to answer before the second ring, so it does only
 * indexed reads: customers by phone, the newest waybills of each phone
 * column, and each one's tracking row by primary key (store.h
 * cc_lookup_*). Results follow the caller's network scope. Names and phones
 * are shown in full only to holders of personal_data.read, and such a read
 * by a person is audited (callcenter.lookup), like other personal data.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/order_lifecycle.h"
#include "core/phone.h"
#include "core/privacy.h"
#include "core/status.h"
#include "http/api/api.h"
#include "http/api/common.h"
#include "http/api/waybill_common.h"
#include "http/app.h"
#include "http/audit.h"
#include "http/reply.h"
#include "http/ingest.h"
#include "store/tx.h"

#define LOOKUP_WAYBILLS  20
#define LOOKUP_CUSTOMERS 10
/* How many of the newest waybills of each phone column are looked at: a
 * number that ships every day still answers in bounded time; an order
 * older than its 200 newest is not "open" in any sense an agent means. */
#define LOOKUP_SCAN 200

struct lookup_tx {
    struct pd_req *rq;
    char phone[PD_PHONE_MAX];
    bool personal, audit;
    json_t *customers, *waybills;
};

static json_t *masked(const char *s, bool phone, bool personal)
{
    if (!s || !s[0])
        return json_null();
    if (personal)
        return json_string(s);
    char buf[PD_NAME_MAX];
    return json_string(phone ? pd_mask_phone(s, buf, sizeof buf)
                             : pd_mask_name(s, buf, sizeof buf));
}

static int customer_cb(void *cls, const struct pd_customer *c)
{
    struct lookup_tx *t = cls;
    json_array_append_new(
        t->customers, json_pack("{s:s, s:o, s:o, s:s, s:b, s:b}", "code", c->code, "name",
                                json_string(c->name), "phone", masked(c->phone, true, t->personal),
                                "node", c->node_code, "monthly", c->monthly, "active", c->active));
    return 0;
}

/* A new reference to @p j, or JSON null when it is missing. */
static json_t *or_null(json_t *j)
{
    return j ? json_incref(j) : json_null();
}

static json_t *party(const json_t *p, bool personal)
{
    if (!json_is_object(p))
        return json_null();
    return json_pack(
        "{s:o, s:o, s:o, s:o}", "name",
        masked(json_string_value(json_object_get(p, "name")), false, personal), "phone",
        masked(json_string_value(json_object_get(p, "phone")), true, personal), "city",
        or_null(json_object_get(p, "city")), "district", or_null(json_object_get(p, "district")));
}

static int waybill_cb(void *cls, const struct pd_cc_lookup_waybill *w)
{
    struct lookup_tx *t = cls;
    json_t *doc = json_loads(w->doc, 0, NULL);
    bool as_sender = !strcmp(w->sender_phone, t->phone);
    bool as_recipient = !strcmp(w->recipient_phone, t->phone);
    enum pd_order_state st;
    bool st_ok = pd_order_state_parse(w->state, &st);
    enum pd_status ts;
    bool ts_ok = w->status[0] && pd_status_parse(w->status, &ts);
    const json_t *goods = json_object_get(doc, "goods");
    json_array_append_new(
        t->waybills,
        json_pack("{s:s, s:s, s:s?, s:s?, s:s?, s:s, s:s, s:o, s:o, s:o, s:o}", "waybill_no",
                  w->waybill_no, "state", w->state, "state_zh",
                  st_ok ? pd_order_state_zh(st) : NULL, "status", ts_ok ? w->status : NULL,
                  "status_zh", ts_ok ? pd_status_info(ts)->zh : NULL, "role",
                  as_sender && as_recipient ? "both"
                  : as_sender               ? "sender"
                                            : "recipient",
                  "node", w->node_code, "created_at", pd__json_time(w->created_ms), "sender",
                  party(json_object_get(doc, "sender"), t->personal), "recipient",
                  party(json_object_get(doc, "recipient"), t->personal), "goods",
                  json_is_string(json_object_get(goods, "name"))
                      ? json_incref(json_object_get(goods, "name"))
                      : json_null()));
    json_decref(doc);
    return 0;
}

static pd_qs lookup_tx(pd_db *db, void *cls)
{
    struct lookup_tx *t = cls;
    json_array_clear(t->customers);
    json_array_clear(t->waybills);
    const char *scope = t->rq->who.node_path;
    pd_qs qs = db->ops->cc_lookup_customers(db, t->phone, scope, LOOKUP_CUSTOMERS, customer_cb, t);
    if (qs >= 0)
        qs = db->ops->cc_lookup_waybills(db, t->phone, scope, LOOKUP_SCAN, LOOKUP_WAYBILLS,
                                         waybill_cb, t);
    if (qs < 0 || !t->audit)
        return qs;
    json_t *d = json_pack("{s:I, s:I}", "customers", (json_int_t)json_array_size(t->customers),
                          "waybills", (json_int_t)json_array_size(t->waybills));
    char *ds = json_dumps(d, JSON_COMPACT);
    json_decref(d);
    struct pd_audit a;
    pd_audit_for(&a, t->rq, "callcenter.lookup", "phone", t->phone, t->rq->who.node_id, ds);
    qs = db->ops->audit_insert(db, &a);
    free(ds);
    return qs;
}

int pd_api_cc_lookup(struct pd_req *rq)
{
    static const char *const allowed[] = {"phone", NULL};
    if (!pd__query_only(rq, allowed))
        return PD_HANDLED;
    struct lookup_tx t = {.rq = rq};
    pd_ingest_settle_all(rq->app->ingest); /* statuses from every scan acknowledged */
    const char *phone = pd_req_query(rq, "phone");
    if (!phone || !phone[0])
        return pd_reply_err(rq, PD_E_QUERY_INVALID, "phone", "required");
    if (pd_phone_normalise(phone, t.phone, sizeof t.phone, NULL) != PD_OK)
        return pd_reply_err(rq, PD_E_PHONE_INVALID, "phone", NULL);
    t.personal = pd__personal_ok(rq);
    t.audit = t.personal && rq->who.kind == PD_WHO_USER;
    t.customers = json_array();
    t.waybills = json_array();
    if (pd_tx_run(rq->app->store, "callcenter.lookup", !t.audit, lookup_tx, &t) < 0) {
        json_decref(t.customers);
        json_decref(t.waybills);
        return pd__reply_db_error(rq);
    }
    json_t *modules = json_pack("{s:s, s:s}", "tickets", "not available yet (issue 5)",
                                "problem_parcels", "not available yet");
    return pd_reply_json_steal(
        rq, 200,
        json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:i}", "phone", masked(t.phone, true, t.personal),
                  "customers", t.customers, "waybills", t.waybills, "tickets", json_array(),
                  "problem_parcels", json_array(), "modules", modules, "limit", LOOKUP_WAYBILLS));
}
