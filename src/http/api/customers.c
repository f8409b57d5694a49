/*
 * /api/v1/customers: customer accounts (月结客户) with their contract rates.
 * A contract is a JSON document (core/tariff.h pd_contract_from_json) checked
 * strictly when it is saved, so an order is never priced on a contract that
 * does not parse. Accounts belong to a node and are scoped like everything.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/phone.h"
#include "core/tariff.h"
#include "http/api/api.h"
#include "http/api/common.h"
#include "http/app.h"
#include "http/audit.h"
#include "http/json_spec.h"
#include "http/reply.h"
#include "store/tx.h"

static json_t *customer_json(const struct pd_customer *c, const char *node_code)
{
    json_t *contract = c->contract && c->contract[0] ? json_loads(c->contract, 0, NULL) : NULL;
    return json_pack("{s:s, s:s, s:s, s:s?, s:b, s:b, s:o, s:o}", "code", c->code, "name", c->name,
                     "phone", c->phone, "node", node_code, "monthly", c->monthly, "active",
                     c->active, "contract", contract ? contract : json_null(), "created_at",
                     pd__json_time(c->created_ms));
}

/* Check a contract document; on failure reply 400 contract.invalid naming its path. */
static bool contract_ok(struct pd_req *rq, const json_t *contract, char **text)
{
    *text = NULL;
    if (!contract || json_is_null(contract))
        return true;
    struct pd_contract_rate c;
    struct pd_ratecard_error e;
    if (pd_contract_from_json(contract, &c, &e) != PD_OK) {
        char field[128];
        snprintf(field, sizeof field, "contract%s%s", e.path[0] ? "." : "", e.path);
        pd_reply_err(rq, PD_E_CONTRACT_INVALID, field, e.reason);
        return false;
    }
    *text = json_dumps(contract, JSON_COMPACT);
    return true;
}

struct one_ctx {
    struct pd_req *rq;
    json_t *out;
    bool found;
};

static int one_cb(void *cls, const struct pd_customer *c)
{
    struct one_ctx *x = cls;
    if (!pd_req_in_scope(x->rq, c->node_path))
        return 0;
    x->found = true;
    json_decref(x->out);
    x->out = customer_json(c, c->node_code);
    return 0;
}

/* ---- create ------------------------------------------------------------------ */

struct create_tx {
    struct pd_req *rq;
    struct pd_customer c;
    const char *node_code;
    pd_err err;
    const char *field;
};

static pd_qs create_tx(pd_db *db, void *cls)
{
    struct create_tx *t = cls;
    struct pd_node n;
    pd_qs qs = db->ops->node_get_by_code(db, t->node_code, &n);
    if (qs < 0)
        return qs;
    if (qs == 0 || !pd_req_in_scope(t->rq, n.path)) {
        t->err = PD_E_NODE_NOT_FOUND;
        t->field = "node";
        return PD_QS_ABORT;
    }
    t->c.node_id = n.id;
    bool dup = false;
    if ((qs = db->ops->customer_insert(db, &t->c, &dup)) < 0)
        return qs;
    if (dup) {
        t->err = PD_E_CUSTOMER_EXISTS;
        t->field = "code";
        return PD_QS_ABORT;
    }
    struct pd_audit a;
    pd_audit_for(&a, t->rq, "customer.create", "customer", t->c.code, n.id, t->c.contract);
    return db->ops->audit_insert(db, &a);
}

int pd_api_customers_create(struct pd_req *rq)
{
    struct create_tx t = {.rq = rq, .c = {.active = true}};
    const char *code = NULL, *name = NULL, *phone = "";
    const json_t *contract = NULL;
    t.node_code = rq->who.node_code;
    struct pd_spec spec[] = {
        pd_spec_str_fmt("code", &code, PD_REQ, 2, 32, pd_node_code_valid),
        pd_spec_str("name", &name, PD_REQ, 1, 64),
        pd_spec_str("phone", &phone, PD_OPT, 0, 32),
        pd_spec_str("node", &t.node_code, PD_OPT, 2, 32),
        pd_spec_bool("monthly", &t.c.monthly, PD_OPT),
        pd_spec_json("contract", &contract, PD_OPT),
        pd_spec_end(),
    };
    if (pd_json_parse(rq, spec) != PD_JSON_OK)
        return PD_HANDLED;
    snprintf(t.c.code, sizeof t.c.code, "%s", code);
    snprintf(t.c.name, sizeof t.c.name, "%s", name);
    if (phone[0] && pd_phone_normalise(phone, t.c.phone, sizeof t.c.phone, NULL) != PD_OK)
        return pd_reply_err(rq, PD_E_PHONE_INVALID, "phone", NULL);
    char *text = NULL;
    if (!contract_ok(rq, contract, &text))
        return PD_HANDLED;
    t.c.contract = text;
    pd_qs qs = pd_tx_run(rq->app->store, "customer.create", false, create_tx, &t);
    free(text);
    if (qs == PD_QS_ABORT)
        return pd_reply_err(rq, t.err, t.field, NULL);
    if (qs < 0)
        return pd__reply_db_error(rq);
    t.c.contract = NULL;
    json_t *body = customer_json(&t.c, t.node_code);
    json_object_set_new(body, "contract", contract ? json_deep_copy(contract) : json_null());
    return pd_reply_json_steal(rq, 201, body);
}

/* ---- read -------------------------------------------------------------------- */

static pd_qs get_tx(pd_db *db, void *cls)
{
    struct one_ctx *x = cls;
    return x->rq->args[0] ? db->ops->customer_get_by_code(db, x->rq->args[0], one_cb, x)
                          : PD_QS_NONE;
}

int pd_api_customers_get(struct pd_req *rq)
{
    struct one_ctx x = {.rq = rq};
    if (pd_tx_run(rq->app->store, "customer.get", true, get_tx, &x) < 0) {
        json_decref(x.out);
        return pd__reply_db_error(rq);
    }
    if (!x.found)
        return pd_reply_err(rq, PD_E_CUSTOMER_NOT_FOUND, NULL, NULL);
    return pd_reply_json_steal(rq, 200, x.out);
}

struct list_tx {
    struct pd_req *rq;
    const char *q;
    int64_t after;
    int limit;
    json_t *items;
    int64_t last;
    int n;
};

static int list_cb(void *cls, const struct pd_customer *c)
{
    struct list_tx *t = cls;
    json_array_append_new(t->items, customer_json(c, c->node_code));
    t->last = c->id;
    t->n++;
    return 0;
}

static pd_qs list_tx(pd_db *db, void *cls)
{
    struct list_tx *t = cls;
    json_array_clear(t->items);
    t->n = 0;
    return db->ops->customer_list(db, t->rq->who.node_path, t->q, t->after, t->limit, list_cb, t);
}

int pd_api_customers_list(struct pd_req *rq)
{
    static const char *const allowed[] = {"q", "after", "limit", NULL};
    if (!pd__query_only(rq, allowed))
        return PD_HANDLED;
    struct list_tx t = {.rq = rq, .q = pd_req_query(rq, "q")};
    int64_t after = 0, limit = 0;
    if (!pd__query_int(rq, "after", 1, INT64_MAX, 0, &after) ||
        !pd__query_int(rq, "limit", 1, 500, 100, &limit))
        return PD_HANDLED;
    t.after = after;
    t.limit = (int)limit;
    t.items = json_array();
    if (pd_tx_run(rq->app->store, "customer.list", true, list_tx, &t) < 0) {
        json_decref(t.items);
        return pd__reply_db_error(rq);
    }
    json_t *next = t.n == t.limit ? json_integer(t.last) : json_null();
    return pd_reply_json_steal(rq, 200,
                               json_pack("{s:o, s:o}", "items", t.items, "next_after", next));
}

/* ---- update ------------------------------------------------------------------ */

struct update_tx {
    struct pd_req *rq;
    const char *name, *phone;
    bool monthly, active, has_monthly, has_active, has_contract;
    char *contract;
    bool found;
};

struct cur_ctx {
    struct pd_req *rq;
    struct pd_customer c;
    char *contract;
    bool found;
};

static int cur_cb(void *cls, const struct pd_customer *c)
{
    struct cur_ctx *x = cls;
    if (!pd_req_in_scope(x->rq, c->node_path))
        return 0;
    x->found = true;
    x->c = *c;
    x->contract = c->contract ? strdup(c->contract) : NULL;
    x->c.contract = x->contract;
    return 0;
}

static pd_qs update_tx(pd_db *db, void *cls)
{
    struct update_tx *t = cls;
    struct cur_ctx x = {.rq = t->rq};
    pd_qs qs = db->ops->customer_get_by_code(db, t->rq->args[0], cur_cb, &x);
    t->found = x.found;
    if (qs <= 0 || !x.found) {
        free(x.contract);
        return qs < 0 ? qs : PD_QS_NONE;
    }
    if (t->name)
        snprintf(x.c.name, sizeof x.c.name, "%s", t->name);
    if (t->phone)
        snprintf(x.c.phone, sizeof x.c.phone, "%s", t->phone);
    if (t->has_monthly)
        x.c.monthly = t->monthly;
    if (t->has_active)
        x.c.active = t->active;
    if (t->has_contract)
        x.c.contract = t->contract;
    qs = db->ops->customer_update(db, &x.c);
    if (qs > 0) {
        struct pd_audit a;
        pd_audit_for(&a, t->rq, "customer.update", "customer", x.c.code, x.c.node_id,
                     t->has_contract ? t->contract : NULL);
        qs = db->ops->audit_insert(db, &a);
    }
    free(x.contract);
    return qs;
}

int pd_api_customers_update(struct pd_req *rq)
{
    struct update_tx t = {.rq = rq};
    const json_t *contract = NULL;
    char phone[32];
    struct pd_spec spec[] = {
        pd_spec_str("name", &t.name, PD_OPT, 1, 64), pd_spec_str("phone", &t.phone, PD_OPT, 0, 32),
        pd_spec_bool("monthly", &t.monthly, PD_OPT), pd_spec_bool("active", &t.active, PD_OPT),
        pd_spec_json("contract", &contract, PD_OPT), pd_spec_end(),
    };
    spec[2].present = &t.has_monthly;
    spec[3].present = &t.has_active;
    if (pd_json_parse(rq, spec) != PD_JSON_OK)
        return PD_HANDLED;
    if (t.phone && t.phone[0]) {
        if (pd_phone_normalise(t.phone, phone, sizeof phone, NULL) != PD_OK)
            return pd_reply_err(rq, PD_E_PHONE_INVALID, "phone", NULL);
        t.phone = phone;
    }
    t.has_contract = json_object_get(rq->json, "contract") != NULL;
    if (t.has_contract && !contract_ok(rq, contract, &t.contract))
        return PD_HANDLED;
    pd_qs qs = pd_tx_run(rq->app->store, "customer.update", false, update_tx, &t);
    free(t.contract);
    if (qs < 0)
        return pd__reply_db_error(rq);
    if (!t.found)
        return pd_reply_err(rq, PD_E_CUSTOMER_NOT_FOUND, NULL, NULL);
    return pd_api_customers_get(rq);
}
