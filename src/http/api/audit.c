/*
 * Reading the audit log (administrators, managers, supervisors), newest
 * first, filtered and paged by id. Entries are scoped like everything
 * else: a branch manager sees what happened in the branch's subtree.
 */
#include <stdio.h>
#include <string.h>

#include "http/api/api.h"
#include "http/api/common.h"
#include "http/app.h"
#include "http/reply.h"
#include "store/tx.h"

static const char *const actor_kinds[] = {"system", "user", "apikey", "public"};

struct list_tx {
    struct pd_audit_filter f;
    json_t *items;
    int64_t last_id;
    int count;
};

static int on_entry(void *cls, const struct pd_audit *a)
{
    struct list_tx *t = cls;
    json_t *detail = NULL;
    if (a->detail && *a->detail)
        detail = json_loads(a->detail, 0, NULL);
    json_t *e = json_pack("{s:I, s:o, s:{s:s, s:I, s:s}, s:s, s:s, s:s, s:s, s:s, s:o}", "id",
                          (json_int_t)a->id, "at", pd__json_time(a->at_ms), "actor", "kind",
                          actor_kinds[a->actor_kind & 3], "id", (json_int_t)a->actor_id, "name",
                          a->actor_name, "action", a->action, "object_type", a->object_type,
                          "object_id", a->object_id, "ip", a->ip, "request_id", a->request_id,
                          "detail", detail ? detail : json_null());
    json_object_set_new(e, "node_id", json_integer(a->node_id));
    json_object_set_new(e, "node_code", *a->node_code ? json_string(a->node_code) : json_null());
    json_array_append_new(t->items, e);
    t->last_id = a->id;
    t->count++;
    return 0;
}

static pd_qs list_tx(pd_db *db, void *cls)
{
    struct list_tx *t = cls;
    json_array_clear(t->items);
    t->count = 0;
    return db->ops->audit_list(db, &t->f, on_entry, t);
}

int pd_api_audit_list(struct pd_req *rq)
{
    static const char *const allowed[] = {"actor_id", "action", "object_type", "object_id", "from",
                                          "to",       "before", "limit",       NULL};
    if (!pd__query_only(rq, allowed))
        return PD_HANDLED;
    struct list_tx t = {.f = {.node_path = rq->who.node_path}};
    int64_t limit;
    if (!pd__query_int(rq, "actor_id", 0, INT64_MAX, 0, &t.f.actor_id) ||
        !pd__query_int(rq, "before", 0, INT64_MAX, 0, &t.f.before_id) ||
        !pd__query_int(rq, "limit", 1, 1000, 100, &limit) ||
        !pd__query_time(rq, "from", &t.f.from_ms) || !pd__query_time(rq, "to", &t.f.to_ms))
        return PD_HANDLED;
    t.f.limit = (int)limit;
    t.f.action = pd_req_query(rq, "action");
    t.f.object_type = pd_req_query(rq, "object_type");
    t.f.object_id = pd_req_query(rq, "object_id");
    t.items = json_array();
    if (pd_tx_run(rq->app->store, "list audit", true, list_tx, &t) < 0) {
        json_decref(t.items);
        return pd__reply_db_error(rq);
    }
    json_t *next = t.count == (int)limit ? json_integer(t.last_id) : json_null();
    return pd_reply_json_steal(rq, 200,
                               json_pack("{s:o, s:o}", "items", t.items, "next_before", next));
}
