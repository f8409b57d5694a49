/*
 * The service desk's shared steps (tickets_int.h): what every ticket
 * handler does the same way — find a ticket within the caller's network,
 * write a history line and an audit entry for each change, insert a ticket
 * with its opening clocks, move its status with everything a move implies
 * (waiting periods, clocks, the callback task of a closed complaint), and
 * answer the TICKET shape with each clock's state computed now. The clock
 * arithmetic itself is http/desk.c's; this file decides when it runs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/privacy.h"
#include "http/api/common.h"
#include "http/api/tickets_int.h"
#include "http/app.h"
#include "http/audit.h"
#include "http/desk.h"
#include "http/reply.h"
#include "util/timeutil.h"

bool pd__tk_has_text(const char *s)
{
    for (; s && *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n')
            return true;
    return false;
}

pd_qs pd__tk_refuse(struct pd__tk_fail *f, pd_err err, const char *field, const char *detail)
{
    f->err = err;
    snprintf(f->field, sizeof f->field, "%s", field ? field : "");
    snprintf(f->detail, sizeof f->detail, "%s", detail ? detail : "");
    return PD_QS_ABORT;
}

int pd__tk_reply_fail(struct pd_req *rq, pd_qs qs, const struct pd__tk_fail *f)
{
    if (qs == PD_QS_ABORT)
        return pd_reply_err(rq, f->err, f->field[0] ? f->field : NULL,
                            f->detail[0] ? f->detail : NULL);
    return pd__reply_db_error(rq);
}

void pd__tk_day(int64_t ms, char day[9])
{
    int y;
    unsigned m, d;
    pd_civil_from_days((ms + PD_CST_OFFSET_MIN * 60000LL) / 86400000LL, &y, &m, &d);
    snprintf(day, 9, "%04u%02u%02u", (unsigned)(y < 0 ? 0 : y % 10000), m % 100, d % 100);
}

pd_qs pd__tk_load(pd_db *db, struct pd_req *rq, const char *no, bool for_update,
                  struct pd_ticket *out, bool *found)
{
    *found = false;
    if (!pd_ticket_no_valid(no))
        return PD_QS_NONE;
    pd_qs qs = db->ops->ticket_get(db, 0, no, for_update, out);
    if (qs <= 0)
        return qs;
    /* Outside the caller's network a ticket does not exist (404, not 403). */
    *found = !rq || rq->who.kind == PD_WHO_NONE || pd_req_in_scope(rq, out->node_path);
    return *found ? PD_QS_ONE : PD_QS_NONE;
}

pd_qs pd__tk_event(pd_db *db, struct pd_req *rq, const struct pd_ticket *t, int64_t at_ms,
                   const char *kind, bool public_, const char *text, const char *detail)
{
    struct pd_ticket_event e = {
        .ticket_id = t->id, .at_ms = at_ms, .public_ = public_, .text = text, .detail = detail};
    snprintf(e.kind, sizeof e.kind, "%s", kind);
    if (rq && rq->who.kind == PD_WHO_USER) {
        e.actor_id = rq->who.id;
        snprintf(e.actor_name, sizeof e.actor_name, "%s",
                 rq->who.display_name[0] ? rq->who.display_name : rq->who.name);
    } else if (rq && rq->who.kind == PD_WHO_APIKEY) {
        snprintf(e.actor_name, sizeof e.actor_name, "API %s", rq->who.name);
    } else if (rq) {
        snprintf(e.actor_name, sizeof e.actor_name, "客户");
    }
    return db->ops->ticket_event_insert(db, &e);
}

pd_qs pd__tk_audit(pd_db *db, struct pd_req *rq, const char *action, const struct pd_ticket *t,
                   const char *detail)
{
    struct pd_audit a;
    pd_audit_for(&a, rq, action, "ticket", t->ticket_no, t->node_id, detail);
    return db->ops->audit_insert(db, &a);
}

void pd__tk_take(struct pd_req *rq, struct pd_ticket *t)
{
    if (!t->owner_id && rq && rq->who.kind == PD_WHO_USER)
        t->owner_id = rq->who.id;
}

static void cal_node(const struct pd_ticket *t, struct pd_calendar_node *node)
{
    pd_desk_cal_node(t->node_region, t->node_utc_offset_min, node);
}

/* "2026-11-23T10:00:00+08:00" of @p ms at the ticket's offset into @p out. */
static const char *tk_time(const struct pd_ticket *t, int64_t ms, char out[PD_RFC3339_MAX])
{
    return pd_time_format(ms, t->node_utc_offset_min, out);
}

pd_qs pd__tk_clock_start(pd_db *db, struct pd_app *app, const struct pd_ticket *t,
                         const struct pd_timelimit *rule, int64_t start_ms, bool *dup,
                         struct pd__tk_fail *f)
{
    *dup = false;
    struct pd_calendar_pause pauses[PD_DESK_PAUSES_MAX];
    size_t np = 0;
    pd_qs qs = pd_desk_pauses(db, t->id, pauses, &np, NULL);
    if (qs < 0)
        return qs;
    struct pd_calendar_node node;
    cal_node(t, &node);
    struct pd_ticket_clock c;
    char detail[PD_CALENDAR_DETAIL_MAX];
    pd_err e = pd_desk_clock_start(app->desk, &node, rule, t->id, start_ms, pauses, np, &c, detail);
    if (e != PD_OK)
        return pd__tk_refuse(f, e, NULL, detail);
    if ((qs = db->ops->ticket_clock_insert(db, &c, dup)) < 0 || *dup)
        return qs;
    char due[PD_RFC3339_MAX], started[PD_RFC3339_MAX], text[320], json[256];
    tk_time(t, c.due_ms, due);
    tk_time(t, start_ms, started);
    if (c.held)
        snprintf(text, sizeof text, "开始计时：%s（等待客户期间暂停）", rule->zh);
    else
        snprintf(text, sizeof text, "开始计时：%s，时限 %s", rule->zh, due);
    snprintf(json, sizeof json, "{\"rule\":\"%s\",\"started\":\"%s\",\"due\":%s%s%s}", rule->id,
             started, c.held ? "" : "\"", c.held ? "null" : due, c.held ? "" : "\"");
    return pd__tk_event(db, NULL, t, start_ms, "clock", false, text, json);
}

struct clocks {
    int n;
    struct pd_ticket_clock c[PD_TL__COUNT + 4];
};

static int on_clock(void *cls, const struct pd_ticket_clock *c)
{
    struct clocks *k = cls;
    if (k->n < (int)(sizeof k->c / sizeof k->c[0]))
        k->c[k->n++] = *c;
    return 0;
}

/* Finish clock @p c as @p state at @p at_ms and write it with its history line. */
static pd_qs finish(pd_db *db, struct pd_app *app, const struct pd_ticket *t,
                    struct pd_ticket_clock *c, const char *state, int64_t at_ms,
                    const struct pd_calendar_pause *pauses, size_t np, struct pd__tk_fail *f)
{
    struct pd_calendar_node node;
    cal_node(t, &node);
    char detail[PD_CALENDAR_DETAIL_MAX];
    pd_err e = pd_desk_clock_finish(app->desk, &node, c, state, at_ms, pauses, np, detail);
    if (e != PD_OK)
        return pd__tk_refuse(f, e, NULL, detail);
    pd_qs qs = db->ops->ticket_clock_update(db, c);
    if (qs < 0)
        return qs;
    const struct pd_timelimit *rule = pd_timelimit_find(c->rule);
    char text[320], json[200], due[PD_RFC3339_MAX];
    snprintf(text, sizeof text, "%s：%s（%s）", !strcmp(state, "met") ? "完成" : "停止计时",
             rule ? rule->zh : c->rule, c->late ? "已超时" : "在时限内");
    snprintf(json, sizeof json, "{\"rule\":\"%s\",\"state\":\"%s\",\"late\":%s,\"due\":\"%s\"}",
             c->rule, state, c->late ? "true" : "false", tk_time(t, c->due_ms, due));
    return pd__tk_event(db, NULL, t, at_ms, "clock", false, text, json);
}

pd_qs pd__tk_clock_meet(pd_db *db, struct pd_app *app, const struct pd_ticket *t, const char *rule,
                        int64_t at_ms, bool *found, struct pd__tk_fail *f)
{
    *found = false;
    struct clocks k = {0};
    pd_qs qs = db->ops->ticket_clock_list(db, t->id, on_clock, &k);
    if (qs < 0)
        return qs;
    for (int i = 0; i < k.n; i++) {
        if (strcmp(k.c[i].rule, rule) != 0 || strcmp(k.c[i].state, "running") != 0)
            continue;
        *found = true;
        if (at_ms < k.c[i].started_ms) {
            char started[PD_RFC3339_MAX], d[128];
            snprintf(d, sizeof d, "before the clock started (%s)",
                     tk_time(t, k.c[i].started_ms, started));
            return pd__tk_refuse(f, PD_E_TICKET_TIME_INVALID, "at", d);
        }
        struct pd_calendar_pause pauses[PD_DESK_PAUSES_MAX];
        size_t np = 0;
        if ((qs = pd_desk_pauses(db, t->id, pauses, &np, NULL)) < 0)
            return qs;
        return finish(db, app, t, &k.c[i], "met", at_ms, pauses, np, f);
    }
    return PD_QS_NONE;
}

pd_qs pd__tk_clocks_stop(pd_db *db, struct pd_app *app, const struct pd_ticket *t, int64_t at_ms,
                         struct pd__tk_fail *f)
{
    struct clocks k = {0};
    pd_qs qs = db->ops->ticket_clock_list(db, t->id, on_clock, &k);
    if (qs < 0)
        return qs;
    struct pd_calendar_pause pauses[PD_DESK_PAUSES_MAX];
    size_t np = 0;
    if ((qs = pd_desk_pauses(db, t->id, pauses, &np, NULL)) < 0)
        return qs;
    for (int i = 0; i < k.n; i++) {
        if (strcmp(k.c[i].state, "running") != 0)
            continue;
        /* A clock started after the moment (an incident dated later) stops where it began. */
        int64_t at = at_ms < k.c[i].started_ms ? k.c[i].started_ms : at_ms;
        if ((qs = finish(db, app, t, &k.c[i], "stopped", at, pauses, np, f)) < 0)
            return qs;
    }
    return PD_QS_ONE;
}

pd_qs pd__tk_clocks_recompute(pd_db *db, struct pd_app *app, const struct pd_ticket *t,
                              struct pd__tk_fail *f)
{
    struct clocks k = {0};
    pd_qs qs = db->ops->ticket_clock_list(db, t->id, on_clock, &k);
    if (qs < 0)
        return qs;
    struct pd_calendar_pause pauses[PD_DESK_PAUSES_MAX];
    size_t np = 0;
    if ((qs = pd_desk_pauses(db, t->id, pauses, &np, NULL)) < 0)
        return qs;
    struct pd_calendar_node node;
    cal_node(t, &node);
    for (int i = 0; i < k.n; i++) {
        if (strcmp(k.c[i].state, "running") != 0 || !k.c[i].pausable)
            continue;
        char detail[PD_CALENDAR_DETAIL_MAX];
        pd_err e = pd_desk_clock_recompute(app->desk, &node, &k.c[i], pauses, np, detail);
        if (e != PD_OK)
            return pd__tk_refuse(f, e, NULL, detail);
        if ((qs = db->ops->ticket_clock_update(db, &k.c[i])) < 0)
            return qs;
    }
    return PD_QS_ONE;
}

pd_qs pd__tk_insert(pd_db *db, struct pd_app *app, struct pd_req *rq, struct pd_ticket *t,
                    const char *action, struct pd__tk_fail *f)
{
    char day[9];
    pd__tk_day(t->created_ms, day);
    pd_qs qs = db->ops->ticket_insert(db, t, day);
    if (qs < 0)
        return qs;
    /* Read it back: the node's calendar settings and the names come from joins. */
    if ((qs = db->ops->ticket_get(db, t->id, NULL, false, t)) <= 0)
        return qs < 0 ? qs : PD_QS_HARD;
    json_t *d = json_pack("{s:s, s:s, s:s, s:s, s:s?}", "kind", t->kind, "channel", t->channel,
                          "category", t->category, "node", t->node_code, "waybill_no",
                          t->waybill_no[0] ? t->waybill_no : NULL);
    char *ds = d ? json_dumps(d, JSON_COMPACT) : NULL;
    json_decref(d);
    int kind = pd_ticket_name_find(pd_ticket_kind_names, t->kind);
    char text[128];
    snprintf(text, sizeof text, "新建%s工单", kind >= 0 ? pd_ticket_kinds[kind].zh : "");
    qs = pd__tk_event(db, rq, t, t->created_ms, "created", false, text, ds);
    if (qs >= 0)
        qs = pd__tk_audit(db, rq, action, t, ds);
    free(ds);
    if (qs < 0)
        return qs;
    const struct pd_timelimit *rules[4];
    size_t n = kind >= 0 ? pd_ticket_opening_rules((enum pd_ticket_kind)kind, rules) : 0;
    for (size_t i = 0; i < n; i++) {
        bool dup;
        if ((qs = pd__tk_clock_start(db, app, t, rules[i], t->created_ms, &dup, f)) < 0)
            return qs;
    }
    return PD_QS_ONE;
}

/* The callback task (回访) of complaint @p c, closed at @p at_ms. */
static pd_qs open_callback(pd_db *db, struct pd_app *app, struct pd_req *rq,
                           const struct pd_ticket *c, int64_t at_ms,
                           char callback_no[PD_TICKET_NO_SIZE], struct pd__tk_fail *f)
{
    struct pd_ticket *b = calloc(1, sizeof *b);
    if (!b)
        return PD_QS_HARD;
    snprintf(b->kind, sizeof b->kind, "callback");
    snprintf(b->channel, sizeof b->channel, "phone");
    snprintf(b->category, sizeof b->category, "%s", c->category);
    snprintf(b->priority, sizeof b->priority, "normal");
    snprintf(b->status, sizeof b->status, "new");
    b->node_id = c->node_id;
    snprintf(b->waybill_no, sizeof b->waybill_no, "%s", c->waybill_no);
    b->customer_id = c->customer_id;
    snprintf(b->contact_name, sizeof b->contact_name, "%s", c->contact_name);
    snprintf(b->contact_phone, sizeof b->contact_phone, "%s", c->contact_phone);
    snprintf(b->phone_last4, sizeof b->phone_last4, "%s", c->phone_last4);
    snprintf(b->subject, sizeof b->subject, "回访：%s", c->ticket_no);
    snprintf(b->description, sizeof b->description,
             "投诉 %s 已关闭（%s），请回访客户并记录满意度（1–5 分）。", c->ticket_no,
             c->close_reason);
    /* The first-contact owner keeps the customer relationship: the callback is theirs. */
    b->owner_id = c->owner_id;
    b->responsible_id = c->owner_id;
    b->parent_id = c->id;
    b->created_ms = b->updated_ms = at_ms;
    b->created_by = rq && rq->who.kind == PD_WHO_USER ? rq->who.id : 0;
    pd_qs qs = pd__tk_insert(db, app, rq, b, "ticket.callback_open", f);
    if (qs >= 0) {
        memcpy(callback_no, b->ticket_no, PD_TICKET_NO_SIZE);
        char text[96], json[96];
        snprintf(text, sizeof text, "已生成回访工单 %s", b->ticket_no);
        snprintf(json, sizeof json, "{\"callback\":\"%s\"}", b->ticket_no);
        qs = pd__tk_event(db, rq, c, at_ms, "linked", false, text, json);
    }
    free(b);
    return qs;
}

pd_qs pd__tk_move(pd_db *db, struct pd_app *app, struct pd_req *rq, struct pd_ticket *t,
                  enum pd_ticket_status to, int64_t at_ms, const char *reason,
                  const char *resolution, char callback_no[PD_TICKET_NO_SIZE],
                  struct pd__tk_fail *f)
{
    callback_no[0] = '\0';
    int from = pd_ticket_name_find(pd_ticket_status_names, t->status);
    pd_qs qs;
    /* Waiting periods: the clocks that pause stop while the customer is asked. */
    if (from == PD_TST_WAITING_CUSTOMER && to != PD_TST_WAITING_CUSTOMER) {
        if ((qs = db->ops->ticket_pause_close(db, t->id, at_ms)) < 0 ||
            (qs = pd__tk_clocks_recompute(db, app, t, f)) < 0)
            return qs;
    } else if (to == PD_TST_WAITING_CUSTOMER) {
        bool opened;
        if ((qs = db->ops->ticket_pause_open(db, t->id, at_ms, &opened)) < 0 ||
            (qs = pd__tk_clocks_recompute(db, app, t, f)) < 0)
            return qs;
    }
    snprintf(t->status, sizeof t->status, "%s", pd_ticket_status_names[to]);
    if (to == PD_TST_RESOLVED) {
        t->resolved_ms = at_ms;
        if ((qs = pd__tk_event(db, rq, t, at_ms, "reply", true, resolution,
                               "{\"resolution\":true}")) < 0)
            return qs;
        const struct pd_timelimit *meets = pd_ticket_move_meets(to);
        bool found;
        if (meets && (qs = pd__tk_clock_meet(db, app, t, meets->id, at_ms, &found, f)) < 0)
            return qs;
    }
    if (to == PD_TST_CLOSED) {
        snprintf(t->close_reason, sizeof t->close_reason, "%s", reason ? reason : "");
        t->closed_ms = at_ms;
        t->closed_by = rq && rq->who.kind == PD_WHO_USER ? rq->who.id : 0;
        if ((qs = pd__tk_clocks_stop(db, app, t, at_ms, f)) < 0)
            return qs;
    }
    pd__tk_take(rq, t);
    t->updated_ms = at_ms;
    if ((qs = db->ops->ticket_update(db, t)) <= 0)
        return qs < 0 ? qs : PD_QS_HARD;
    json_t *d = json_pack("{s:s, s:s, s:s?}", "from", pd_ticket_status_names[from], "to",
                          pd_ticket_status_names[to], "reason", reason);
    char *ds = d ? json_dumps(d, JSON_COMPACT) : NULL;
    json_decref(d);
    char text[160];
    snprintf(text, sizeof text, "状态：%s → %s", pd_ticket_statuses[from].zh,
             pd_ticket_statuses[to].zh);
    qs = pd__tk_event(db, rq, t, at_ms, "status", false, text, ds);
    if (qs >= 0)
        qs = pd__tk_audit(db, rq, "ticket.status", t, ds);
    free(ds);
    if (qs < 0)
        return qs;
    if (to == PD_TST_CLOSED && !strcmp(t->kind, "complaint"))
        return open_callback(db, app, rq, t, at_ms, callback_no, f);
    return PD_QS_ONE;
}

/* ---- the TICKET answer ------------------------------------------------------------ */

static const char *zh_of(const struct pd_ticket_term *terms, const char *const *names,
                         const char *name)
{
    int i = pd_ticket_name_find(names, name);
    return i >= 0 ? terms[i].zh : NULL;
}

static json_t *opt_str(const char *s)
{
    return s && s[0] ? json_string(s) : json_null();
}

static json_t *clock_json(struct pd_app *app, const struct pd_ticket *t,
                          const struct pd_ticket_clock *c, const struct pd_calendar_pause *pauses,
                          size_t np, int64_t now)
{
    const struct pd_timelimit *rule = pd_timelimit_find(c->rule);
    struct pd_calendar_node node;
    cal_node(t, &node);
    struct pd_clock_view v;
    char detail[PD_CALENDAR_DETAIL_MAX];
    pd_err e = pd_desk_clock_view(app->desk, &node, c, pauses, np, now, &v, detail);
    static const char *const levels[] = {"none", "warned", "due"};
    json_t *j = json_pack("{s:s, s:s?, s:s?, s:s?, s:o, s:b, s:s}", "rule", c->rule, "name_zh",
                          rule ? rule->zh : NULL, "name_en", rule ? rule->en : NULL, "basis",
                          rule ? rule->basis : NULL, "started_at", pd__json_time(c->started_ms),
                          "pausable", c->pausable, "escalated",
                          levels[c->escalated >= 0 && c->escalated <= 2 ? c->escalated : 0]);
    if (!j)
        return NULL;
    if (e != PD_OK) {
        json_object_set_new(j, "state", json_string("unknown"));
        json_object_set_new(j, "error", json_string(detail));
        return j;
    }
    bool stopped = !strcmp(c->state, "stopped");
    json_object_set_new(j, "state",
                        json_string(stopped ? "stopped" : pd_clock_state_name(v.state)));
    bool held = v.due_ms == PD_CALENDAR_NEVER;
    json_object_set_new(j, "due_at", held ? json_null() : pd__json_time(v.due_ms));
    json_object_set_new(j, "warn_at",
                        held || v.warn_ms == PD_CALENDAR_NEVER ? json_null()
                                                               : pd__json_time(v.warn_ms));
    json_object_set_new(j, "base_due_at", pd__json_time(v.base_due_ms));
    json_object_set_new(j, "late", json_boolean(v.late));
    json_object_set_new(j, "paused", json_boolean(v.state == PD_CLOCK_PAUSED));
    json_object_set_new(j, "met_at",
                        !strcmp(c->state, "met") ? pd__json_time(c->met_ms) : json_null());
    json_object_set_new(j, "stopped_at", stopped ? pd__json_time(c->met_ms) : json_null());
    return j;
}

struct events_ctx {
    json_t *arr;
};

static int on_event(void *cls, const struct pd_ticket_event *e)
{
    struct events_ctx *x = cls;
    json_t *detail = e->detail ? json_loads(e->detail, 0, NULL) : NULL;
    json_t *j =
        json_pack("{s:I, s:o, s:s, s:o, s:b, s:s, s:o}", "id", (json_int_t)e->id, "at",
                  pd__json_time(e->at_ms), "kind", e->kind, "actor", opt_str(e->actor_name),
                  "public", e->public_, "text", e->text, "detail", detail ? detail : json_null());
    if (j)
        json_array_append_new(x->arr, j);
    return 0;
}

static int on_ca(void *cls, const struct pd_ticket_corrective *a)
{
    struct events_ctx *x = cls;
    json_array_append_new(x->arr, pd__tk_corrective_json(a, pd_now_ms()));
    return 0;
}

static int on_linked(void *cls, const struct pd_ticket *t)
{
    struct events_ctx *x = cls;
    json_t *j = json_pack("{s:s, s:s, s:s, s:o}", "ticket_no", t->ticket_no, "kind", t->kind,
                          "status", t->status, "created_at", pd__json_time(t->created_ms));
    if (j)
        json_array_append_new(x->arr, j);
    return 0;
}

json_t *pd__tk_corrective_json(const struct pd_ticket_corrective *a, int64_t now_ms)
{
    json_t *eval =
        a->evaluation[0]
            ? json_pack("{s:s, s:s?, s:s, s:o}", "result", a->evaluation, "result_zh",
                        zh_of(pd_ticket_evaluations, pd_ticket_evaluation_names, a->evaluation),
                        "note", a->evaluation_note, "at", pd__json_time(a->evaluated_ms))
            : json_null();
    return json_pack("{s:I, s:s, s:s, s:s, s:s, s:o, s:o, s:b, s:o, s:o}", "id", (json_int_t)a->id,
                     "ticket_no", a->ticket_no, "node", a->node_code, "measure", a->measure,
                     "owner", a->owner_name, "due_at", pd__json_time(a->due_ms), "done_at",
                     pd__json_time(a->done_ms), "overdue", !a->done_ms && now_ms > a->due_ms,
                     "evaluation", eval ? eval : json_null(), "created_at",
                     pd__json_time(a->created_ms));
}

json_t *pd__tk_json(pd_db *db, struct pd_app *app, const struct pd_ticket *t, int64_t now_ms,
                    enum pd__tk_detail detail, bool personal, pd_qs *qs)
{
    char name[PD_NAME_MAX * 2], phone[64];
    const char *cname = t->contact_name, *cphone = t->contact_phone;
    if (!personal) {
        cname = t->contact_name[0] ? pd_mask_name(t->contact_name, name, sizeof name) : "";
        cphone = t->contact_phone[0] ? pd_mask_phone(t->contact_phone, phone, sizeof phone) : "";
    }
    json_t *resp = t->responsible_id ? json_pack("{s:s, s:s}", "username", t->responsible_name,
                                                 "display_name", t->responsible_display)
                                     : json_null();
    json_t *owner = t->owner_id ? json_pack("{s:s}", "username", t->owner_name) : json_null();
    json_t *sat = t->satisfaction
                      ? json_pack("{s:i, s:s, s:o}", "score", t->satisfaction, "comment",
                                  t->satisfaction_comment, "at", pd__json_time(t->satisfaction_ms))
                      : json_null();
    json_t *j = json_pack(
        "{s:s, s:s, s:s?, s:s, s:s, s:s?, s:s, s:s, s:s?, s:{s:s, s:s}, s:o, s:o, s:{s:s, s:s},"
        " s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:b, s:b, s:o}",
        "ticket_no", t->ticket_no, "kind", t->kind, "kind_zh",
        zh_of(pd_ticket_kinds, pd_ticket_kind_names, t->kind), "channel", t->channel, "category",
        t->category, "category_zh",
        zh_of(pd_ticket_categories, pd_ticket_category_names, t->category), "priority", t->priority,
        "status", t->status, "status_zh",
        zh_of(pd_ticket_statuses, pd_ticket_status_names, t->status), "node", "code", t->node_code,
        "name", t->node_name, "waybill_no", opt_str(t->waybill_no), "customer_code",
        opt_str(t->customer_code), "contact", "name", cname, "phone", cphone, "subject", t->subject,
        "description", t->description, "department", opt_str(t->department), "responsible",
        resp ? resp : json_null(), "owner", owner ? owner : json_null(), "parent_no",
        opt_str(t->parent_no), "incident_at", pd__json_time(t->incident_ms), "major", t->major,
        "investigated", t->investigated, "satisfaction", sat ? sat : json_null());
    if (!j) {
        *qs = PD_QS_HARD;
        return NULL;
    }
    json_object_set_new(j, "close_reason", opt_str(t->close_reason));
    json_object_set_new(j, "resolved_at", pd__json_time(t->resolved_ms));
    json_object_set_new(j, "closed_at", pd__json_time(t->closed_ms));
    json_object_set_new(j, "reopened", json_integer(t->reopened));
    json_object_set_new(j, "created_at", pd__json_time(t->created_ms));
    json_object_set_new(j, "updated_at", pd__json_time(t->updated_ms));

    struct pd_calendar_pause pauses[PD_DESK_PAUSES_MAX];
    size_t np = 0;
    int64_t open_from = 0;
    struct clocks *k = calloc(1, sizeof *k);
    if (!k || (*qs = pd_desk_pauses(db, t->id, pauses, &np, &open_from)) < 0 ||
        (*qs = db->ops->ticket_clock_list(db, t->id, on_clock, k)) < 0) {
        if (!k)
            *qs = PD_QS_HARD;
        free(k);
        json_decref(j);
        return NULL;
    }
    json_object_set_new(j, "waiting_since", pd__json_time(open_from));
    json_t *clocks = json_array();
    for (int i = 0; i < k->n; i++) {
        json_t *c = clock_json(app, t, &k->c[i], pauses, np, now_ms);
        if (c)
            json_array_append_new(clocks, c);
    }
    free(k);
    json_object_set_new(j, "clocks", clocks);
    *qs = PD_QS_ONE;
    if (detail == PD__TK_SUMMARY)
        return j;

    json_t *ps = json_array();
    for (size_t i = 0; i < np; i++)
        json_array_append_new(
            ps, json_pack("{s:o, s:o}", "from", pd__json_time(pauses[i].from_ms), "to",
                          pauses[i].to_ms == PD_CALENDAR_OPEN ? json_null()
                                                              : pd__json_time(pauses[i].to_ms)));
    json_object_set_new(j, "waiting_periods", ps);
    struct events_ctx ev = {.arr = json_array()};
    json_object_set_new(j, "events", ev.arr);
    if ((*qs = db->ops->ticket_event_list(db, t->id, false, on_event, &ev)) < 0)
        goto fail;
    struct events_ctx ca = {.arr = json_array()};
    json_object_set_new(j, "corrective_actions", ca.arr);
    struct pd_corrective_filter cf = {.ticket_id = t->id};
    if ((*qs = db->ops->ticket_corrective_list(db, &cf, on_ca, &ca)) < 0)
        goto fail;
    struct events_ctx li = {.arr = json_array()};
    json_object_set_new(j, "linked", li.arr);
    struct pd_ticket_filter lf = {.node_path = "/", .parent_id = t->id, .limit = 100};
    if ((*qs = db->ops->ticket_list(db, &lf, on_linked, &li)) < 0)
        goto fail;
    *qs = PD_QS_ONE;
    return j;
fail:
    json_decref(j);
    return NULL;
}

bool pd__tk_due_parse(const char *s, int64_t *ms)
{
    if (!s)
        return false;
    if (strlen(s) == 10 && pd_date_parse(s, PD_CST_OFFSET_MIN, ms)) {
        *ms += 86400000LL - 1000; /* the last second of that day, as a deadline (calendar.h) */
        return true;
    }
    return pd_time_parse(s, ms);
}
