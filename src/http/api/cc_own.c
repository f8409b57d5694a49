/*
 * The call-centre figures that come from ParcelDesk's own records (cc_own.h):
 * per agent of the roster, the QA monitoring score, attendance, scheduled
 * time and waybill accuracy; for the roster, turnover; for the period, the
 * prorated cost. The statistics endpoint and `parceldesk report callcenter`
 * merge them into the queue-log indicators by agent name;
 * GET /api/v1/callcenter/own shows them on their own (for the console and
 * for checking the merge). Every definition is in docs/kpi-definitions.md,
 * section "From ParcelDesk's own records"; this file computes exactly that.
 * Reads only; the whole network (the statistics request has no node scope).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/api/api.h"
#include "http/api/cc_own.h"
#include "http/api/common.h"
#include "http/app.h"
#include "http/reply.h"
#include "store/tx.h"
#include "util/log.h"
#include "util/timeutil.h"

#define COST_PAGE 500

/* Roster rows as read, before the period decides who is in scope. */
struct roster {
    struct pd_cc_own *o;
    int64_t from, to;
    int64_t *ids; /* agent id per entry of o->agents */
    int cap;
    pd_qs err;
};

static bool employed_at(const struct pd_cc_agent *a, int64_t t)
{
    return a->start_ms <= t && (a->leave_ms == 0 || a->leave_ms > t);
}

static int roster_cb(void *cls, const struct pd_cc_agent *a)
{
    struct roster *r = cls;
    struct pd_cc_own *o = r->o;
    if (employed_at(a, r->from))
        o->headcount_start++;
    if (employed_at(a, r->to - 1))
        o->headcount_end++;
    if (a->leave_ms && a->leave_ms >= r->from && a->leave_ms < r->to)
        o->leavers++;
    /* In scope: employed at some moment of [from, to). */
    if (!(a->start_ms < r->to && (a->leave_ms == 0 || a->leave_ms > r->from)))
        return 0;
    if (o->n_agents == r->cap) {
        int cap = r->cap ? 2 * r->cap : 64;
        struct pd_cc_own_agent *na = realloc(o->agents, sizeof *na * (size_t)cap);
        if (na)
            o->agents = na;
        int64_t *ni = na ? realloc(r->ids, sizeof *ni * (size_t)cap) : NULL;
        if (!na || !ni) {
            r->err = PD_QS_HARD;
            return -1;
        }
        r->ids = ni;
        r->cap = cap;
    }
    struct pd_cc_own_agent *e = &o->agents[o->n_agents];
    memset(e, 0, sizeof *e);
    snprintf(e->agent, sizeof e->agent, "%.63s", a->agent);
    e->user_id = a->user_id;
    snprintf(e->username, sizeof e->username, "%.63s", a->username);
    r->ids[o->n_agents++] = a->id;
    return 0;
}

static struct pd_cc_own_agent *by_id(struct roster *r, int64_t id)
{
    for (int i = 0; i < r->o->n_agents; i++)
        if (r->ids[i] == id)
            return &r->o->agents[i];
    return NULL;
}

static int qa_cb(void *cls, const struct pd_cc_own_row *row)
{
    struct pd_cc_own_agent *e = by_id(cls, row->agent_id);
    if (e && row->n > 0) {
        e->qa_forms = (int)row->n;
        e->qa_score = (double)row->sum / (double)row->n / 100.0;
    }
    return 0;
}

static int shifts_cb(void *cls, const struct pd_cc_own_row *row)
{
    struct pd_cc_own_agent *e = by_id(cls, row->agent_id);
    if (e) {
        e->shifts_scheduled = (int)row->n;
        e->shifts_attended = (int)row->sum;
        e->scheduled_s = row->seconds;
    }
    return 0;
}

struct cost_sum {
    int64_t from, to;
    __int128 fen; /* amount × overlap overflows 64 bits for a large, long entry */
    bool any;
    int64_t last;
    int n;
};

static int cost_cb(void *cls, const struct pd_cc_cost *c)
{
    struct cost_sum *s = cls;
    int64_t lo = c->from_ms > s->from ? c->from_ms : s->from;
    int64_t hi = c->to_ms < s->to ? c->to_ms : s->to;
    s->last = c->id;
    s->n++;
    if (hi <= lo || c->to_ms <= c->from_ms)
        return 0;
    s->any = true;
    /* Prorated to the millisecond, rounded half up once per entry. */
    __int128 num = (__int128)c->amount_fen * (hi - lo);
    __int128 den = c->to_ms - c->from_ms;
    s->fen += (num * 2 + den) / (2 * den);
    return 0;
}

pd_qs pd__cc_own_load(pd_db *db, int64_t from_ms, int64_t to_ms, const char *queue,
                      const char *agent, struct pd_cc_own *out)
{
    memset(out, 0, sizeof *out);
    if (PD_BREAK(to_ms > from_ms))
        return PD_QS_HARD;
    struct roster r = {.o = out, .from = from_ms, .to = to_ms};
    struct pd_cc_agent_filter f = {.queue = queue, .agent = agent};
    pd_qs qs = db->ops->cc_agent_list(db, &f, roster_cb, &r);
    if (r.err < 0)
        qs = r.err;
    /* Shifts count once they have begun: a future shift is neither attended
     * nor missed yet, and scheduled time runs up to now. */
    int64_t now = pd_now_ms();
    int64_t upto = to_ms < now ? to_ms : now;
    if (qs >= 0)
        qs = db->ops->cc_own_qa(db, from_ms, to_ms, qa_cb, &r);
    if (qs >= 0 && upto > from_ms)
        qs = db->ops->cc_own_shifts(db, from_ms, upto, shifts_cb, &r);
    for (int i = 0; qs >= 0 && i < out->n_agents; i++) {
        struct pd_cc_own_agent *e = &out->agents[i];
        if (!e->user_id)
            continue;
        int64_t entered = 0, corrected = 0;
        qs = db->ops->cc_own_waybills(db, e->user_id, from_ms, to_ms, &entered, &corrected);
        e->waybills_entered = (int)entered;
        e->waybills_corrected = (int)corrected;
    }
    /* Costs: with a queue, that queue's entries; without, every entry. */
    struct cost_sum cs = {.from = from_ms, .to = to_ms};
    struct pd_cc_cost_filter cf = {
        .from_ms = from_ms, .to_ms = to_ms, .queue = queue, .limit = COST_PAGE};
    while (qs >= 0) {
        cs.n = 0;
        qs = db->ops->cc_cost_list(db, &cf, cost_cb, &cs);
        if (qs < 0 || cs.n < COST_PAGE)
            break;
        cf.before_id = cs.last;
    }
    free(r.ids);
    if (qs < 0) {
        pd__cc_own_free(out);
        return qs;
    }
    out->has_cost = cs.any;
    out->cost_fen = (int64_t)cs.fen;
    return PD_QS_ONE;
}

void pd__cc_own_free(struct pd_cc_own *o)
{
    free(o->agents);
    memset(o, 0, sizeof *o);
}

const struct pd_cc_own_agent *pd__cc_own_find(const struct pd_cc_own *o, const char *agent)
{
    for (int i = 0; agent && i < o->n_agents; i++)
        if (!strcmp(o->agents[i].agent, agent))
            return &o->agents[i];
    return NULL;
}

/* ---- GET /api/v1/callcenter/own --------------------------------------------------- */

#define HANDLING_STANDARD_S 180 /* the handbook's 受理时间低于3分钟, judged by part A */

static json_t *ratio(int num, int den)
{
    return den > 0 ? json_real((double)num / (double)den) : json_null();
}

static json_t *own_json(const struct pd_cc_own *o, int64_t from, int64_t to, const char *queue,
                        const char *agent)
{
    json_t *agents = json_object();
    for (int i = 0; i < o->n_agents; i++) {
        const struct pd_cc_own_agent *e = &o->agents[i];
        json_t *acc = e->waybills_entered > 0
                          ? json_real((double)(e->waybills_entered - e->waybills_corrected) /
                                      (double)e->waybills_entered)
                          : json_null();
        json_t *pass =
            e->waybills_entered > 0 ? json_boolean(e->waybills_corrected == 0) : json_null();
        json_object_set_new(
            agents, e->agent,
            json_pack("{s:o, s:s?, s:i, s:o, s:i, s:i, s:o, s:I, s:i, s:i, s:o, s:o}", "user_id",
                      e->user_id ? json_integer(e->user_id) : json_null(), "username",
                      e->username[0] ? e->username : NULL, "qa_forms", e->qa_forms, "qa_score",
                      e->qa_forms ? json_real(e->qa_score) : json_null(), "shifts_scheduled",
                      e->shifts_scheduled, "shifts_attended", e->shifts_attended, "attendance",
                      ratio(e->shifts_attended, e->shifts_scheduled), "scheduled_s",
                      (json_int_t)e->scheduled_s, "waybills_entered", e->waybills_entered,
                      "waybills_corrected", e->waybills_corrected, "waybill_accuracy", acc,
                      "waybill_accuracy_pass", pass));
    }
    double mean = (o->headcount_start + o->headcount_end) / 2.0;
    json_t *turnover = json_pack("{s:i, s:i, s:i, s:o}", "headcount_start", o->headcount_start,
                                 "headcount_end", o->headcount_end, "leavers", o->leavers, "rate",
                                 mean > 0 ? json_real(o->leavers / mean) : json_null());
    json_t *cost = json_pack("{s:b, s:o}", "has_cost", o->has_cost, "cost_fen",
                             o->has_cost ? json_integer(o->cost_fen) : json_null());
    json_t *params =
        json_pack("{s:o, s:o, s:s?, s:s?, s:i, s:f}", "from", pd__json_time(from), "to",
                  pd__json_time(to), "queue", queue, "agent", agent, "handling_standard_s",
                  HANDLING_STANDARD_S, "waybill_accuracy_standard", 1.0);
    return json_pack("{s:o, s:o, s:o, s:o}", "parameters", params, "agents", agents, "turnover",
                     turnover, "cost", cost);
}

struct own_tx {
    int64_t from, to;
    const char *queue, *agent;
    struct pd_cc_own o;
};

static pd_qs own_tx(pd_db *db, void *cls)
{
    struct own_tx *t = cls;
    pd__cc_own_free(&t->o); /* an earlier try's */
    return pd__cc_own_load(db, t->from, t->to, t->queue, t->agent, &t->o);
}

int pd_api_cc_own_get(struct pd_req *rq)
{
    static const char *const allowed[] = {"from", "to", "queue", "agent", NULL};
    if (!pd__query_only(rq, allowed))
        return PD_HANDLED;
    struct own_tx t = {.queue = pd_req_query(rq, "queue"), .agent = pd_req_query(rq, "agent")};
    if (!pd__query_time(rq, "from", &t.from) || !pd__query_time(rq, "to", &t.to))
        return PD_HANDLED;
    if (!t.from)
        return pd_reply_err(rq, PD_E_QUERY_INVALID, "from", "required");
    if (!t.to)
        return pd_reply_err(rq, PD_E_QUERY_INVALID, "to", "required");
    if (t.to <= t.from)
        return pd_reply_err(rq, PD_E_QUERY_INVALID, "to", "not after from");
    if (t.queue && !t.queue[0])
        t.queue = NULL;
    if (t.agent && !t.agent[0])
        t.agent = NULL;
    pd_qs qs = pd_tx_run(rq->app->store, "callcenter.own", true, own_tx, &t);
    if (qs < 0) {
        pd__cc_own_free(&t.o);
        return pd__reply_db_error(rq);
    }
    json_t *j = own_json(&t.o, t.from, t.to, t.queue, t.agent);
    pd__cc_own_free(&t.o);
    return pd_reply_json_steal(rq, 200, j);
}
