/*
 * /api/v1/problems: the problem-parcel queue (问题件, DOMAIN.md §6): what
 * the stale-parcel job opens (http/monitor.c: no update for too long,
 * totally delayed, and one problem per exception scan), and what staff
 * open at a node (problem_desk.c), each at the node that should act. Read
 * with tracking.read — every service role holds it — within the caller's
 * subtree; customer systems, which hold tracking.read for their own
 * waybills, do not see the network's queue. This file also holds the
 * problem's JSON shape and the scoped read the other problem files share
 * (problem_desk.h).
 */
#include <stdio.h>
#include <string.h>

#include "core/problem.h"
#include "core/waybill_no.h"
#include "http/api/api.h"
#include "http/api/common.h"
#include "http/api/problem_desk.h"
#include "http/app.h"
#include "http/reply.h"
#include "store/tx.h"

static const char *const state_names[] = {
    [PD_PROBLEM_OPEN] = "open", [PD_PROBLEM_CLOSED] = "closed", NULL};

/* The source as the API names it: an automatic problem opened from an
 * exception scan is "scan", the job's own "auto". */
static const char *source_name(const struct pd_problem *p, const struct pd_problem_more *m)
{
    if (p->source == PD_PROBLEM_SOURCE_STAFF)
        return "staff";
    return m && m->source_scan[0] ? "scan" : "auto";
}

json_t *pd__problem_json(const struct pd_problem *p, const struct pd_problem_more *m)
{
    enum pd_problem_type t;
    const char *zh = pd_problem_type_parse(p->type, &t) ? pd_problem_type_zh(t) : "";
    json_t *j =
        json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:s, s:s}", "id",
                  (json_int_t)p->id, "waybill_no", p->waybill_no, "type", p->type, "type_zh", zh,
                  "source", source_name(p, m), "node", p->node_code, "state", state_names[p->state],
                  "opened_at", pd__json_time(p->opened_ms), "closed_at",
                  pd__json_time(p->closed_ms), "reason", p->reason, "note", p->note);
    const char *cause = m ? m->root_cause : "";
    const char *res = m ? m->resolution : "";
    int ci = pd_problem_name_index(pd_problem_cause_names, cause);
    int ri = pd_problem_name_index(pd_problem_action_names, res);
    json_object_set_new(j, "root_cause", cause[0] ? json_string(cause) : json_null());
    json_object_set_new(j, "root_cause_zh", json_string(pd_problem_cause_zh(ci)));
    json_object_set_new(j, "resolution", res[0] ? json_string(res) : json_null());
    json_object_set_new(j, "resolution_zh", json_string(pd_problem_action_zh(ri)));
    json_object_set_new(j, "source_scan",
                        m && m->source_scan[0] ? json_string(m->source_scan) : json_null());
    json_object_set_new(j, "updated_at",
                        pd__json_time(m && m->updated_ms ? m->updated_ms : p->opened_ms));
    return j;
}

bool pd__problem_may_read(struct pd_req *rq)
{
    if (rq->who.role != PD_ROLE_CUSTOMER_SYSTEM)
        return true;
    pd_reply_err(rq, PD_E_AUTH_FORBIDDEN, NULL, "the network's problem parcels");
    return false;
}

pd_qs pd__problem_get_scoped(struct pd_req *rq, pd_db *db, int64_t id, struct pd_problem *p,
                             struct pd_problem_more *m)
{
    pd_qs qs = db->ops->problem_more_get(db, id, p, m);
    if (qs > 0 && !pd_req_in_scope(rq, p->node_path))
        return PD_QS_NONE; /* another network's problem is as good as unknown */
    return qs;
}

struct list_tx {
    struct pd_req *rq;
    struct pd_problem_filter f;
    const char *node_code; /* the node filter, or NULL */
    char node_path[PD_PATH_MAX];
    bool node_ok;
    json_t *items;
    int64_t last;
    int n;
};

static int list_cb(void *cls, const struct pd_problem *p, const struct pd_problem_more *m)
{
    struct list_tx *t = cls;
    json_array_append_new(t->items, pd__problem_json(p, m));
    t->last = p->id;
    t->n++;
    return 0;
}

static pd_qs list_tx(pd_db *db, void *cls)
{
    struct list_tx *t = cls;
    json_array_clear(t->items);
    t->n = 0;
    if (t->node_code) {
        struct pd_node n;
        pd_qs qs = db->ops->node_get_by_code(db, t->node_code, &n);
        if (qs < 0)
            return qs;
        t->node_ok = qs > 0 && pd_req_in_scope(t->rq, n.path);
        if (!t->node_ok)
            return PD_QS_NONE;
        snprintf(t->node_path, sizeof t->node_path, "%s", n.path);
        t->f.node_path = t->node_path;
    }
    return db->ops->problem_list_more(db, &t->f, list_cb, t);
}

int pd_api_problems_list(struct pd_req *rq)
{
    static const char *const allowed[] = {"state",  "type",  "node", "waybill_no",
                                          "before", "limit", NULL};
    if (!pd__problem_may_read(rq))
        return PD_HANDLED;
    if (!pd__query_only(rq, allowed))
        return PD_HANDLED;
    struct list_tx t = {.rq = rq, .f = {.node_path = rq->who.node_path, .state = -1}};
    const char *state = pd_req_query(rq, "state");
    if (state) {
        while (state_names[++t.f.state] && strcmp(state_names[t.f.state], state) != 0)
            ;
        if (!state_names[t.f.state])
            return pd_reply_err(rq, PD_E_QUERY_INVALID, "state", "open or closed");
    }
    const char *type = pd_req_query(rq, "type");
    enum pd_problem_type pt;
    if (type && !pd_problem_type_parse(type, &pt))
        return pd_reply_err(rq, PD_E_QUERY_INVALID, "type",
                            "a problem type (core/problem.def: damage, loss, no_update …)");
    t.f.type = type;
    const char *no = pd_req_query(rq, "waybill_no");
    if (no && !pd_waybill_no_valid(no))
        return pd_reply_err(rq, PD_E_QUERY_INVALID, "waybill_no", "a waybill number");
    t.f.waybill_no = no;
    t.node_code = pd_req_query(rq, "node");
    int64_t before = 0, limit = 0;
    if (!pd__query_int(rq, "before", 1, INT64_MAX, 0, &before) ||
        !pd__query_int(rq, "limit", 1, 200, 50, &limit))
        return PD_HANDLED;
    t.f.before_id = before;
    t.f.limit = (int)limit;
    t.items = json_array();
    if (pd_tx_run(rq->app->store, "problems.list", true, list_tx, &t) < 0) {
        json_decref(t.items);
        return pd__reply_db_error(rq);
    }
    if (t.node_code && !t.node_ok) {
        json_decref(t.items);
        return pd_reply_err(rq, PD_E_QUERY_INVALID, "node",
                            "no node with this code in your network");
    }
    json_t *next = t.n == t.f.limit ? json_integer(t.last) : json_null();
    return pd_reply_json_steal(rq, 200,
                               json_pack("{s:o, s:o}", "items", t.items, "next_before", next));
}
