/*
 * /api/v1/callcenter/{agents,qa-forms,qa-scores,shifts,attendance,costs}:
 * the call centre's own records (issue 6 part B, docs/callcenter.md). The
 * roster maps the agent names the telephone system writes to ParcelDesk
 * users; supervisors monitor calls with versioned QA forms (监听评分表) and
 * the weighted score is computed here when a form is filled; shifts are
 * scheduled in batches (a week at a time) and attendance is recorded per
 * shift; cost entries feed the cost per call. Every rule is checked before
 * anything is written and a refusal names the field; a batch is written
 * whole or not at all. Writes are a person's (callcenter.manage or
 * callcenter.qa) and audited in their transaction. Holders of callcenter,
 * callcenter.manage or callcenter.qa read everything within their network
 * node; anyone else (an agent) reads only the scores and shifts of the
 * roster entries mapped to their own user. Not here: the queue-log
 * indicators (callcenter.c) and the figures merged into them (cc_own.c).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/phone.h"
#include "http/api/api.h"
#include "http/api/common.h"
#include "http/api/waybill_common.h"
#include "http/app.h"
#include "http/audit.h"
#include "http/json_spec.h"
#include "http/reply.h"
#include "store/tx.h"
#include "util/timeutil.h"

#define TEXT_MAX_CHARS 200 /* comments, reasons, notes, form names: PD_CC_TEXT_SIZE */
#define FORM_ITEMS_MAX 50
#define SHIFTS_MAX     500 /* one request: a week for some seventy agents */
#define SHIFT_MAX_MS   (24 * 3600 * 1000LL)
#define LIST_SPAN_MAX  (62 * 24 * 3600 * 1000LL)
#define DAY_MS         (24 * 3600 * 1000LL)
#define CLOCK_SKEW_MS  (5 * 60 * 1000LL) /* a clock-in may be this far in the future */
#define CLOCK_EARLY_MS (12 * 3600 * 1000LL)

static const char *const categories[] = {"staff",       "telecom", "equipment", "premises",
                                         "outsourcing", "other",   NULL};
static const char *const att_status[] = {"present", "absent", NULL};

/* Whole-network readers: anyone holding one of the call-centre permissions. */
static bool reads_all(struct pd_req *rq)
{
    return pd_app_role_has(rq->app, rq->who.role, PD_PERM_CALLCENTER) ||
           pd_app_role_has(rq->app, rq->who.role, PD_PERM_CALLCENTER_MANAGE) ||
           pd_app_role_has(rq->app, rq->who.role, PD_PERM_CALLCENTER_QA);
}

/* Names as the telephone system writes them: visible ASCII without the
 * queue log's field separator, and no spaces (the roster keeps queues
 * space-separated). */
static bool name_ok(const char *s)
{
    for (; *s; s++)
        if (*s < 0x21 || *s > 0x7e || *s == '|' || *s == ',')
            return false;
    return true;
}

static bool code_ok(const char *s)
{
    for (; *s; s++)
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
              *s == '-' || *s == '_'))
            return false;
    return true;
}

static bool date_ok(const char *s)
{
    int64_t ms;
    return pd_date_parse(s, PD_CST_OFFSET_MIN, &ms);
}

static int64_t date_ms(const char *s)
{
    int64_t ms = 0;
    pd_date_parse(s, PD_CST_OFFSET_MIN, &ms);
    return ms;
}

/* "YYYY-MM-DD" of @p ms in China time, or null for 0. */
static json_t *date_json(int64_t ms)
{
    if (!ms)
        return json_null();
    int y;
    unsigned m, d;
    int64_t local = ms + PD_CST_OFFSET_MIN * 60000LL;
    int64_t days = local >= 0 ? local / DAY_MS : -((-local + DAY_MS - 1) / DAY_MS);
    pd_civil_from_days(days, &y, &m, &d);
    char buf[16];
    snprintf(buf, sizeof buf, "%04d-%02u-%02u", y, m, d);
    return json_string(buf);
}

static bool has_text(const char *s)
{
    for (; s && *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n')
            return true;
    return false;
}

/* A refusal decided inside a transaction, replied after it. */
struct refusal {
    pd_err err;
    char field[64];
    char detail[128];
};

static pd_qs refuse(struct refusal *r, pd_err e, const char *field, const char *detail)
{
    r->err = e;
    snprintf(r->field, sizeof r->field, "%.63s", field ? field : "");
    snprintf(r->detail, sizeof r->detail, "%.127s", detail ? detail : "");
    return PD_QS_ABORT;
}

static int reply_refusal(struct pd_req *rq, const struct refusal *r)
{
    return pd_reply_err(rq, r->err, r->field[0] ? r->field : NULL, r->detail[0] ? r->detail : NULL);
}

static pd_qs audit_json(pd_db *db, struct pd_req *rq, const char *action, const char *type,
                        int64_t id, int64_t node_id, json_t *detail /* stolen */)
{
    char *d = detail ? json_dumps(detail, JSON_COMPACT) : NULL;
    json_decref(detail);
    char oid[24];
    snprintf(oid, sizeof oid, "%lld", (long long)id);
    struct pd_audit a;
    pd_audit_for(&a, rq, action, type, oid, node_id, d);
    pd_qs qs = db->ops->audit_insert(db, &a);
    free(d);
    return qs;
}

/* ---- agents -------------------------------------------------------------------- */

static json_t *agent_json(const struct pd_cc_agent *a)
{
    json_t *queues = json_array();
    for (int i = 0; i < a->n_queues; i++)
        json_array_append_new(queues, json_string(a->queues[i]));
    json_t *user = a->user_id ? json_pack("{s:I, s:s, s:s}", "id", (json_int_t)a->user_id,
                                          "username", a->username, "display_name", a->display_name)
                              : json_null();
    int64_t now = pd_now_ms();
    bool employed = a->start_ms <= now && (a->leave_ms == 0 || a->leave_ms > now);
    return json_pack("{s:I, s:s, s:o, s:s, s:o, s:o, s:o, s:b, s:o, s:o}", "id", (json_int_t)a->id,
                     "agent", a->agent, "user", user, "node", a->node_code, "queues", queues,
                     "start_date", date_json(a->start_ms), "leave_date", date_json(a->leave_ms),
                     "employed", employed, "created_at", pd__json_time(a->created_ms), "updated_at",
                     pd__json_time(a->updated_ms));
}

/* Check "queues" (an array of names, no duplicates) into @p a; reply on failure. */
static bool queues_parse(struct pd_req *rq, const json_t *arr, struct pd_cc_agent *a)
{
    a->n_queues = 0;
    if (!arr)
        return true;
    if (!json_is_array(arr)) {
        pd_reply_err(rq, PD_E_JSON_TYPE, "queues", "an array of queue names");
        return false;
    }
    if (json_array_size(arr) > PD_CC_QUEUES_MAX) {
        pd_reply_err(rq, PD_E_JSON_TOO_LONG, "queues", "at most 16 queues");
        return false;
    }
    size_t i;
    const json_t *q;
    json_array_foreach(arr, i, q)
    {
        char field[32];
        snprintf(field, sizeof field, "queues[%zu]", i);
        const char *s = json_string_value(q);
        if (!s) {
            pd_reply_err(rq, PD_E_JSON_TYPE, field, "a queue name");
            return false;
        }
        if (!s[0] || strlen(s) >= PD_CC_NAME_SIZE || !name_ok(s)) {
            pd_reply_err(rq, PD_E_JSON_FORMAT, field,
                         "1-63 visible ASCII characters, no spaces, '|' or ','");
            return false;
        }
        for (int k = 0; k < a->n_queues; k++)
            if (!strcmp(a->queues[k], s)) {
                pd_reply_err(rq, PD_E_JSON_FORMAT, field, "named twice");
                return false;
            }
        snprintf(a->queues[a->n_queues++], PD_CC_NAME_SIZE, "%s", s);
    }
    return true;
}

struct agent_tx {
    struct pd_req *rq;
    struct pd_cc_agent a;
    const char *node_code; /* NULL: keep (update) or the caller's (create) */
    const char *username;  /* NULL: keep; "" unmap */
    bool create, found;
    struct refusal no;
    json_t *out;
};

/* Resolve node and user of t->a within the caller's network. */
static pd_qs agent_refs(pd_db *db, struct agent_tx *t)
{
    if (t->node_code) {
        struct pd_node n;
        pd_qs qs = db->ops->node_get_by_code(db, t->node_code, &n);
        if (qs < 0)
            return qs;
        if (qs == 0 || !pd_req_in_scope(t->rq, n.path))
            return refuse(&t->no, PD_E_NODE_NOT_FOUND, "node", NULL);
        t->a.node_id = n.id;
    }
    if (t->username) {
        t->a.user_id = 0;
        if (t->username[0]) {
            struct pd_user u;
            pd_qs qs = db->ops->user_get_by_name(db, t->username, &u);
            if (qs < 0)
                return qs;
            if (qs == 0 || !pd_req_in_scope(t->rq, u.node_path))
                return refuse(&t->no, PD_E_CC_USER_UNKNOWN, "username", NULL);
            t->a.user_id = u.id;
        }
    }
    if (t->a.leave_ms && t->a.leave_ms < t->a.start_ms)
        return refuse(&t->no, PD_E_CC_AGENT_DATES, "leave_date", NULL);
    return PD_QS_ONE;
}

static pd_qs agent_write_tx(pd_db *db, void *cls)
{
    struct agent_tx *t = cls;
    pd_qs qs;
    if (!t->create) {
        struct pd_cc_agent cur;
        qs = db->ops->cc_agent_get(db, t->a.id, &cur);
        if (qs < 0)
            return qs;
        t->found = qs > 0 && pd_req_in_scope(t->rq, cur.node_path);
        if (!t->found)
            return PD_QS_NONE;
        /* Fields the request left out keep their values. */
        struct pd_cc_agent next = t->a;
        t->a = cur;
        t->a.start_ms = next.start_ms ? next.start_ms : cur.start_ms;
        t->a.leave_ms = next.leave_ms >= 0 ? next.leave_ms : cur.leave_ms;
        if (next.n_queues >= 0) {
            t->a.n_queues = next.n_queues;
            memcpy(t->a.queues, next.queues, sizeof next.queues);
        }
    }
    if ((qs = agent_refs(db, t)) < 0)
        return qs;
    if (t->create) {
        bool dup = false;
        if ((qs = db->ops->cc_agent_insert(db, &t->a, &dup)) < 0)
            return qs;
        if (dup)
            return refuse(&t->no, PD_E_CC_AGENT_EXISTS, "agent", NULL);
    } else if ((qs = db->ops->cc_agent_update(db, &t->a)) <= 0) {
        return qs < 0 ? qs : PD_QS_SOFT;
    }
    struct pd_cc_agent back;
    if ((qs = db->ops->cc_agent_get(db, t->a.id, &back)) <= 0)
        return qs < 0 ? qs : PD_QS_HARD; /* written a moment ago in this transaction */
    json_decref(t->out);
    t->out = agent_json(&back);
    qs = audit_json(db, t->rq, t->create ? "cc_agent.create" : "cc_agent.update", "cc_agent",
                    back.id, back.node_id, json_deep_copy(t->out));
    return qs < 0 ? qs : PD_QS_ONE;
}

static int agent_write(struct pd_req *rq, bool create)
{
    struct agent_tx t = {.rq = rq, .create = create, .found = create};
    const char *agent = NULL, *start = NULL, *leave = NULL;
    const json_t *queues = NULL;
    /* null clears a mapping or a leave date; the decoder reads null as absent */
    bool clear_user = json_is_null(json_object_get(rq->json, "username"));
    bool clear_leave = json_is_null(json_object_get(rq->json, "leave_date"));
    struct pd_spec create_spec[] = {
        pd_spec_str_fmt("agent", &agent, PD_REQ, 1, PD_CC_NAME_SIZE - 1, name_ok),
        pd_spec_str("username", &t.username, PD_OPT, 1, PD_USERNAME_MAX - 1),
        pd_spec_str("node", &t.node_code, PD_OPT, 1, PD_CODE_MAX - 1),
        pd_spec_json("queues", &queues, PD_OPT),
        pd_spec_str_fmt("start_date", &start, PD_REQ, 10, 10, date_ok),
        pd_spec_str_fmt("leave_date", &leave, PD_OPT, 10, 10, date_ok),
        pd_spec_end(),
    };
    /* The name is the key the indicators are merged on: it never changes. */
    struct pd_spec *spec = create ? create_spec : create_spec + 1;
    create_spec[4].flags = create ? PD_REQ : PD_OPT;
    if (pd_json_parse(rq, spec) != PD_JSON_OK)
        return PD_HANDLED;
    if (create) {
        snprintf(t.a.agent, sizeof t.a.agent, "%s", agent);
        if (!t.node_code)
            t.node_code = rq->who.node_code;
        if (clear_user)
            t.username = NULL;
    } else {
        if (!pd__parse_id(rq->args[0], &t.a.id))
            return pd_reply_err(rq, PD_E_CC_AGENT_NOT_FOUND, NULL, NULL);
        if (clear_user)
            t.username = "";
    }
    t.a.n_queues = -1;
    if (queues || create) {
        if (!queues_parse(rq, queues, &t.a))
            return PD_HANDLED;
    }
    t.a.start_ms = start ? date_ms(start) : 0;
    t.a.leave_ms = leave ? date_ms(leave) : clear_leave || create ? 0 : -1;
    pd_qs qs = pd_tx_run(rq->app->store, create ? "cc_agent.create" : "cc_agent.update", false,
                         agent_write_tx, &t);
    if (qs < 0 || !t.found) {
        json_decref(t.out);
        t.out = NULL;
    }
    if (qs == PD_QS_ABORT)
        return reply_refusal(rq, &t.no);
    if (qs < 0)
        return pd__reply_db_error(rq);
    if (!t.found)
        return pd_reply_err(rq, PD_E_CC_AGENT_NOT_FOUND, NULL, NULL);
    return pd_reply_json_steal(rq, create ? 201 : 200, t.out);
}

int pd_api_cc_agents_create(struct pd_req *rq)
{
    return agent_write(rq, true);
}

int pd_api_cc_agents_update(struct pd_req *rq)
{
    return agent_write(rq, false);
}

struct agent_list_tx {
    struct pd_cc_agent_filter f;
    json_t *items;
};

static int agent_list_cb(void *cls, const struct pd_cc_agent *a)
{
    json_array_append_new(cls, agent_json(a));
    return 0;
}

static pd_qs agent_list_tx(pd_db *db, void *cls)
{
    struct agent_list_tx *t = cls;
    json_array_clear(t->items);
    return db->ops->cc_agent_list(db, &t->f, agent_list_cb, t->items);
}

int pd_api_cc_agents_list(struct pd_req *rq)
{
    static const char *const allowed[] = {"queue", "agent", NULL};
    if (!pd__query_only(rq, allowed))
        return PD_HANDLED;
    struct agent_list_tx t = {.f = {.node_path = rq->who.node_path,
                                    .queue = pd_req_query(rq, "queue"),
                                    .agent = pd_req_query(rq, "agent")}};
    if (!reads_all(rq)) {
        if (rq->who.kind != PD_WHO_USER)
            return pd_reply_err(rq, PD_E_AUTH_FORBIDDEN, NULL, NULL);
        t.f.user_id = rq->who.id; /* an agent sees its own roster entries, */
        t.f.node_path = NULL;     /* wherever the roster keeps them */
    }
    t.items = json_array();
    if (pd_tx_run(rq->app->store, "cc_agent.list", true, agent_list_tx, &t) < 0) {
        json_decref(t.items);
        return pd__reply_db_error(rq);
    }
    return pd_reply_json_steal(rq, 200, json_pack("{s:o}", "items", t.items));
}

/* ---- QA forms -------------------------------------------------------------------- */

static json_t *form_json(const struct pd_cc_qa_form *f)
{
    json_t *items = json_loads(f->items, 0, NULL);
    return json_pack("{s:I, s:s, s:i, s:s, s:o, s:s?, s:o}", "id", (json_int_t)f->id, "code",
                     f->code, "version", f->version, "name", f->name, "items",
                     items ? items : json_array(), "created_by",
                     f->created_by_name[0] ? f->created_by_name : NULL, "created_at",
                     pd__json_time(f->created_ms));
}

static int form_list_cb(void *cls, const struct pd_cc_qa_form *f)
{
    json_array_append_new(cls, form_json(f));
    return 0;
}

struct form_list_tx {
    bool all;
    const char *code;
    json_t *items;
};

static pd_qs form_list_tx(pd_db *db, void *cls)
{
    struct form_list_tx *t = cls;
    json_array_clear(t->items);
    if (t->code && !t->all)
        return db->ops->cc_qa_form_get(db, 0, t->code, form_list_cb, t->items);
    return db->ops->cc_qa_form_list(db, t->all, form_list_cb, t->items);
}

int pd_api_cc_qa_forms_list(struct pd_req *rq)
{
    static const char *const allowed[] = {"code", "all", NULL};
    if (!pd__query_only(rq, allowed))
        return PD_HANDLED;
    if (!reads_all(rq))
        return pd_reply_err(rq, PD_E_AUTH_FORBIDDEN, NULL, NULL);
    int64_t all = 0;
    if (!pd__query_int(rq, "all", 0, 1, 0, &all))
        return PD_HANDLED;
    struct form_list_tx t = {
        .all = all == 1, .code = pd_req_query(rq, "code"), .items = json_array()};
    if (pd_tx_run(rq->app->store, "qa_form.list", true, form_list_tx, &t) < 0) {
        json_decref(t.items);
        return pd__reply_db_error(rq);
    }
    if (t.code && t.all) { /* every version of one form */
        json_t *keep = json_array();
        size_t i;
        json_t *f;
        json_array_foreach(t.items, i, f) if (!strcmp(json_string_value(json_object_get(f, "code")),
                                                      t.code)) json_array_append(keep, f);
        json_decref(t.items);
        t.items = keep;
    }
    return pd_reply_json_steal(rq, 200, json_pack("{s:o}", "items", t.items));
}

struct form_tx {
    struct pd_req *rq;
    struct pd_cc_qa_form f;
    bool created;
    json_t *out;
};

struct same_ctx {
    const char *name, *items;
    bool same, any;
};

static int same_cb(void *cls, const struct pd_cc_qa_form *f)
{
    struct same_ctx *s = cls;
    s->any = true;
    s->same = !strcmp(f->name, s->name) && !strcmp(f->items, s->items);
    return 0;
}

static int form_out_cb(void *cls, const struct pd_cc_qa_form *f)
{
    json_t **out = cls;
    json_decref(*out);
    *out = form_json(f);
    return 0;
}

static pd_qs form_tx(pd_db *db, void *cls)
{
    struct form_tx *t = cls;
    /* Saving what the latest version already says makes no new version. */
    struct same_ctx s = {.name = t->f.name, .items = t->f.items};
    pd_qs qs = db->ops->cc_qa_form_get(db, 0, t->f.code, same_cb, &s);
    if (qs < 0)
        return qs;
    t->created = !(s.any && s.same);
    if (t->created) {
        if ((qs = db->ops->cc_qa_form_insert(db, &t->f)) < 0)
            return qs;
        qs = audit_json(db, t->rq, "qa_form.create", "qa_form", t->f.id, 0,
                        json_pack("{s:s, s:i}", "code", t->f.code, "version", t->f.version));
        if (qs < 0)
            return qs;
    }
    return db->ops->cc_qa_form_get(db, 0, t->f.code, form_out_cb, &t->out);
}

int pd_api_cc_qa_forms_create(struct pd_req *rq)
{
    struct form_tx t = {.rq = rq, .f = {.created_by = rq->who.id}};
    const char *code = NULL, *name = NULL;
    const json_t *items = NULL;
    struct pd_spec spec[] = {
        pd_spec_str_fmt("code", &code, PD_REQ, 1, PD_CC_CODE_SIZE - 1, code_ok),
        pd_spec_str("name", &name, PD_REQ, 1, TEXT_MAX_CHARS),
        pd_spec_json("items", &items, PD_REQ),
        pd_spec_end(),
    };
    if (pd_json_parse(rq, spec) != PD_JSON_OK)
        return PD_HANDLED;
    if (!has_text(name))
        return pd_reply_err(rq, PD_E_JSON_TOO_SHORT, "name", NULL);
    if (!json_is_array(items) || json_array_size(items) == 0)
        return pd_reply_err(rq, PD_E_JSON_TYPE, "items", "a non-empty array of items");
    if (json_array_size(items) > FORM_ITEMS_MAX)
        return pd_reply_err(rq, PD_E_JSON_TOO_LONG, "items", "at most 50 items");
    /* Each item decoded on its own, and kept in a canonical form so that an
     * unchanged form compares equal to its stored text. */
    json_t *canon = json_array();
    int64_t sum = 0;
    size_t i;
    const json_t *it;
    json_array_foreach(items, i, it)
    {
        char prefix[32];
        snprintf(prefix, sizeof prefix, "items[%zu]", i);
        const char *key = NULL, *label = NULL;
        int64_t weight = 0, max = 0;
        struct pd_spec is[] = {
            pd_spec_str_fmt("key", &key, PD_REQ, 1, 32, code_ok),
            pd_spec_str("label", &label, PD_REQ, 1, 100),
            pd_spec_int("weight", &weight, PD_REQ, 1, 100),
            pd_spec_int("max_score", &max, PD_REQ, 1, 100),
            pd_spec_end(),
        };
        struct pd_json_error je;
        if (!json_is_object(it)) {
            json_decref(canon);
            return pd_reply_err(rq, PD_E_JSON_TYPE, prefix, "an object");
        }
        if (!pd_json_decode(it, is, &rq->arena, prefix, &je)) {
            json_decref(canon);
            return pd_reply_err(rq, je.code, je.field, je.detail[0] ? je.detail : NULL);
        }
        for (size_t k = 0; k < i; k++)
            if (!strcmp(json_string_value(json_object_get(json_array_get(canon, k), "key")), key)) {
                json_decref(canon);
                char field[40];
                snprintf(field, sizeof field, "%s.key", prefix);
                return pd_reply_err(rq, PD_E_QA_FORM_ITEMS, field, "the key is used twice");
            }
        sum += weight;
        json_array_append_new(canon, json_pack("{s:s, s:s, s:I, s:I}", "key", key, "label", label,
                                               "weight", (json_int_t)weight, "max_score",
                                               (json_int_t)max));
    }
    if (sum != 100) {
        json_decref(canon);
        char detail[48];
        snprintf(detail, sizeof detail, "they sum to %lld", (long long)sum);
        return pd_reply_err(rq, PD_E_QA_FORM_WEIGHTS, "items", detail);
    }
    char *items_s = json_dumps(canon, JSON_COMPACT);
    json_decref(canon);
    snprintf(t.f.code, sizeof t.f.code, "%s", code);
    snprintf(t.f.name, sizeof t.f.name, "%s", name);
    t.f.items = items_s;
    pd_qs qs = pd_tx_run(rq->app->store, "qa_form.create", false, form_tx, &t);
    free(items_s);
    if (qs < 0 || !t.out) {
        json_decref(t.out);
        return pd__reply_db_error(rq);
    }
    return pd_reply_json_steal(rq, t.created ? 201 : 200, t.out);
}

/* ---- QA scores -------------------------------------------------------------------- */

/* Forms met while listing scores, so each score shows its items' labels. */
#define FORM_CACHE 16
struct form_cache {
    int n;
    int64_t id[FORM_CACHE];
    json_t *form[FORM_CACHE]; /* owned */
};

static void form_cache_free(struct form_cache *c)
{
    for (int i = 0; i < c->n; i++)
        json_decref(c->form[i]);
    c->n = 0;
}

static const json_t *form_cache_get(pd_db *db, struct form_cache *c, int64_t id, pd_qs *qs)
{
    for (int i = 0; i < c->n; i++)
        if (c->id[i] == id)
            return c->form[i];
    json_t *f = NULL;
    *qs = db->ops->cc_qa_form_get(db, id, NULL, form_out_cb, &f);
    if (*qs < 0 || !f)
        return NULL;
    if (c->n == FORM_CACHE)
        form_cache_free(c);
    c->id[c->n] = id;
    c->form[c->n++] = f;
    return f;
}

static json_t *score_json(const struct pd_cc_qa_score *s, const json_t *form)
{
    json_t *scores = json_loads(s->items, 0, NULL);
    json_t *items = json_array();
    size_t i;
    json_t *fi;
    json_array_foreach(json_object_get(form, "items"), i, fi)
    {
        json_t *one = json_deep_copy(fi);
        const char *key = json_string_value(json_object_get(fi, "key"));
        size_t k;
        json_t *sc;
        json_array_foreach(scores, k, sc)
        {
            const char *sk = json_string_value(json_object_get(sc, "key"));
            if (key && sk && !strcmp(sk, key))
                json_object_set(one, "score", json_object_get(sc, "score"));
        }
        json_array_append_new(items, one);
    }
    json_decref(scores);
    const char *form_name = json_string_value(json_object_get(form, "name"));
    return json_pack("{s:I, s:{s:I, s:s, s:i, s:s}, s:{s:I, s:s}, s:s?, s:s?, s:s?, s:f, s:o,"
                     " s:s, s:o}",
                     "id", (json_int_t)s->id, "form", "id", (json_int_t)s->form_id, "code",
                     s->form_code, "version", s->form_version, "name", form_name ? form_name : "",
                     "agent", "id", (json_int_t)s->agent_id, "name", s->agent, "supervisor",
                     s->supervisor_name[0] ? s->supervisor_name : NULL, "call_id",
                     s->call_id[0] ? s->call_id : NULL, "waybill_no",
                     s->waybill_no[0] ? s->waybill_no : NULL, "score", s->score_x100 / 100.0,
                     "items", items, "comment", s->comment, "created_at",
                     pd__json_time(s->created_ms));
}

struct score_tx {
    struct pd_req *rq;
    int64_t form_id;
    const char *form_code;
    const json_t *items; /* the request's [{key, score}] */
    struct pd_cc_qa_score s;
    struct refusal no;
    json_t *out;
};

/* Check the scores against the form's items and compute the weighted score. */
static pd_qs score_check(struct score_tx *t, const json_t *form_items, char **items_text)
{
    size_t nf = json_array_size(form_items);
    bool seen[FORM_ITEMS_MAX] = {false};
    json_t *canon = json_array();
    double total = 0;
    size_t i;
    const json_t *it;
    json_array_foreach(t->items, i, it)
    {
        char prefix[32], field[48];
        snprintf(prefix, sizeof prefix, "items[%zu]", i);
        const char *key = NULL;
        int64_t score = 0;
        struct pd_spec is[] = {
            pd_spec_str("key", &key, PD_REQ, 1, 32),
            pd_spec_int("score", &score, PD_REQ, 0, 100),
            pd_spec_end(),
        };
        struct pd_json_error je;
        if (!json_is_object(it)) {
            json_decref(canon);
            return refuse(&t->no, PD_E_JSON_TYPE, prefix, "an object");
        }
        if (!pd_json_decode(it, is, &t->rq->arena, prefix, &je)) {
            json_decref(canon);
            return refuse(&t->no, je.code, je.field, je.detail);
        }
        size_t k = 0;
        while (k < nf &&
               strcmp(json_string_value(json_object_get(json_array_get(form_items, k), "key")),
                      key) != 0)
            k++;
        snprintf(field, sizeof field, "%s.key", prefix);
        if (k == nf || k >= FORM_ITEMS_MAX || seen[k]) {
            json_decref(canon);
            return refuse(&t->no, PD_E_QA_SCORE_ITEMS, field,
                          k == nf ? "the form has no such item" : "scored twice");
        }
        seen[k] = true;
        const json_t *fi = json_array_get(form_items, k);
        int64_t max = json_integer_value(json_object_get(fi, "max_score"));
        int64_t weight = json_integer_value(json_object_get(fi, "weight"));
        if (score > max) {
            json_decref(canon);
            snprintf(field, sizeof field, "%s.score", prefix);
            char detail[48];
            snprintf(detail, sizeof detail, "the item's maximum is %lld", (long long)max);
            return refuse(&t->no, PD_E_QA_SCORE_ABOVE_MAX, field, detail);
        }
        total += (double)weight * (double)score / (double)(max > 0 ? max : 1);
        json_array_append_new(canon,
                              json_pack("{s:s, s:I}", "key", key, "score", (json_int_t)score));
    }
    for (size_t k = 0; k < nf && k < FORM_ITEMS_MAX; k++)
        if (!seen[k]) {
            json_decref(canon);
            char detail[64];
            snprintf(detail, sizeof detail, "no score for item %s",
                     json_string_value(json_object_get(json_array_get(form_items, k), "key")));
            return refuse(&t->no, PD_E_QA_SCORE_ITEMS, "items", detail);
        }
    long x100 = lround(total * 100.0);
    t->s.score_x100 = (int)(x100 < 0 ? 0 : x100 > 10000 ? 10000 : x100);
    *items_text = json_dumps(canon, JSON_COMPACT);
    json_decref(canon);
    return *items_text ? PD_QS_ONE : PD_QS_HARD;
}

static pd_qs score_tx(pd_db *db, void *cls)
{
    struct score_tx *t = cls;
    json_t *form = NULL;
    pd_qs qs = t->form_id > 0 ? db->ops->cc_qa_form_get(db, t->form_id, NULL, form_out_cb, &form)
                              : db->ops->cc_qa_form_get(db, 0, t->form_code, form_out_cb, &form);
    if (qs < 0) {
        json_decref(form);
        return qs;
    }
    if (!form)
        return refuse(&t->no, PD_E_QA_FORM_UNKNOWN, t->form_id > 0 ? "form_id" : "form_code", NULL);
    struct pd_cc_agent a;
    if ((qs = db->ops->cc_agent_get(db, t->s.agent_id, &a)) < 0) {
        json_decref(form);
        return qs;
    }
    if (qs == 0 || !pd_req_in_scope(t->rq, a.node_path)) {
        json_decref(form);
        return refuse(&t->no, PD_E_CC_AGENT_UNKNOWN, "agent_id", NULL);
    }
    t->s.form_id = json_integer_value(json_object_get(form, "id"));
    char *items_text = NULL;
    if ((qs = score_check(t, json_object_get(form, "items"), &items_text)) < 0) {
        json_decref(form);
        return qs;
    }
    t->s.items = items_text;
    qs = db->ops->cc_qa_score_insert(db, &t->s);
    if (qs >= 0)
        qs = audit_json(db, t->rq, "qa_score.create", "qa_score", t->s.id, a.node_id,
                        json_pack("{s:s, s:I, s:i}", "agent", a.agent, "form_id",
                                  (json_int_t)t->s.form_id, "score_x100", t->s.score_x100));
    if (qs >= 0) { /* the answer, as a list would show it */
        struct pd_cc_qa_score back = t->s;
        snprintf(back.form_code, sizeof back.form_code, "%s",
                 json_string_value(json_object_get(form, "code")));
        back.form_version = (int)json_integer_value(json_object_get(form, "version"));
        snprintf(back.agent, sizeof back.agent, "%s", a.agent);
        snprintf(back.supervisor_name, sizeof back.supervisor_name, "%s", t->rq->who.name);
        json_decref(t->out);
        t->out = score_json(&back, form);
    }
    t->s.items = NULL;
    free(items_text);
    json_decref(form);
    return qs < 0 ? qs : PD_QS_ONE;
}

int pd_api_cc_qa_scores_create(struct pd_req *rq)
{
    struct score_tx t = {.rq = rq, .s = {.supervisor_id = rq->who.id}};
    const char *call_id = NULL, *waybill = NULL, *comment = "";
    struct pd_spec spec[] = {
        pd_spec_int("form_id", &t.form_id, PD_OPT, 1, INT64_MAX),
        pd_spec_str_fmt("form_code", &t.form_code, PD_OPT, 1, PD_CC_CODE_SIZE - 1, code_ok),
        pd_spec_int("agent_id", &t.s.agent_id, PD_REQ, 1, INT64_MAX),
        pd_spec_str_fmt("call_id", &call_id, PD_OPT, 1, PD_CC_CALLID_SIZE - 1, name_ok),
        pd_spec_str("waybill_no", &waybill, PD_OPT, 1, 32),
        pd_spec_json("items", &t.items, PD_REQ),
        pd_spec_str("comment", &comment, PD_OPT, 0, TEXT_MAX_CHARS),
        pd_spec_end(),
    };
    if (pd_json_parse(rq, spec) != PD_JSON_OK)
        return PD_HANDLED;
    if (!t.form_id && !t.form_code)
        return pd_reply_err(rq, PD_E_JSON_MISSING, "form_id", "give form_id or form_code");
    if (!call_id && !waybill)
        return pd_reply_err(rq, PD_E_QA_SCORE_TARGET, "call_id", NULL);
    if (waybill && !pd__waybill_no_parse(waybill, t.s.waybill_no))
        return pd_reply_err(rq, PD_E_WAYBILL_NO_INVALID, "waybill_no", NULL);
    if (!json_is_array(t.items) || json_array_size(t.items) == 0)
        return pd_reply_err(rq, PD_E_JSON_TYPE, "items", "an array of {key, score}");
    if (json_array_size(t.items) > FORM_ITEMS_MAX)
        return pd_reply_err(rq, PD_E_JSON_TOO_LONG, "items", "at most 50 items");
    snprintf(t.s.call_id, sizeof t.s.call_id, "%s", call_id ? call_id : "");
    snprintf(t.s.comment, sizeof t.s.comment, "%s", comment);
    pd_qs qs = pd_tx_run(rq->app->store, "qa_score.create", false, score_tx, &t);
    if (qs < 0) {
        json_decref(t.out);
        t.out = NULL;
    }
    if (qs == PD_QS_ABORT)
        return reply_refusal(rq, &t.no);
    if (qs < 0)
        return pd__reply_db_error(rq);
    return pd_reply_json_steal(rq, 201, t.out);
}

struct score_list_tx {
    struct pd_cc_score_filter f;
    struct form_cache forms;
    pd_db *db;
    pd_qs err;
    json_t *items;
    int64_t last;
    int n;
};

static int score_list_cb(void *cls, const struct pd_cc_qa_score *s)
{
    struct score_list_tx *t = cls;
    pd_qs qs = PD_QS_NONE;
    const json_t *form = form_cache_get(t->db, &t->forms, s->form_id, &qs);
    if (!form) {
        t->err = qs < 0 ? qs : PD_QS_HARD;
        return -1;
    }
    json_array_append_new(t->items, score_json(s, form));
    t->last = s->id;
    t->n++;
    return 0;
}

static pd_qs score_list_tx(pd_db *db, void *cls)
{
    struct score_list_tx *t = cls;
    json_array_clear(t->items);
    t->n = 0;
    t->db = db;
    t->err = 0;
    pd_qs qs = db->ops->cc_qa_score_list(db, &t->f, score_list_cb, t);
    return t->err < 0 ? t->err : qs;
}

int pd_api_cc_qa_scores_list(struct pd_req *rq)
{
    static const char *const allowed[] = {"agent_id", "from", "to", "before", "limit", NULL};
    if (!pd__query_only(rq, allowed))
        return PD_HANDLED;
    struct score_list_tx t = {.f = {.node_path = rq->who.node_path}};
    if (!reads_all(rq)) {
        if (rq->who.kind != PD_WHO_USER)
            return pd_reply_err(rq, PD_E_AUTH_FORBIDDEN, NULL, NULL);
        t.f.user_id = rq->who.id; /* an agent reads its own scores only, */
        t.f.node_path = NULL;     /* wherever the roster keeps them */
    }
    int64_t agent = 0, before = 0, limit = 0;
    if (!pd__query_int(rq, "agent_id", 1, INT64_MAX, 0, &agent) ||
        !pd__query_int(rq, "before", 1, INT64_MAX, 0, &before) ||
        !pd__query_int(rq, "limit", 1, 200, 50, &limit) ||
        !pd__query_time(rq, "from", &t.f.from_ms) || !pd__query_time(rq, "to", &t.f.to_ms))
        return PD_HANDLED;
    if (t.f.from_ms && t.f.to_ms && t.f.to_ms <= t.f.from_ms)
        return pd_reply_err(rq, PD_E_QUERY_INVALID, "to", "not after from");
    t.f.agent_id = agent;
    t.f.before_id = before;
    t.f.limit = (int)limit;
    t.items = json_array();
    pd_qs qs = pd_tx_run(rq->app->store, "qa_score.list", true, score_list_tx, &t);
    form_cache_free(&t.forms);
    if (qs < 0) {
        json_decref(t.items);
        return pd__reply_db_error(rq);
    }
    json_t *next = t.n == t.f.limit ? json_integer(t.last) : json_null();
    return pd_reply_json_steal(rq, 200,
                               json_pack("{s:o, s:o}", "items", t.items, "next_before", next));
}

/* ---- shifts and attendance ---------------------------------------------------------- */

static json_t *shift_json(const struct pd_cc_shift *s)
{
    json_t *att = json_null();
    if (s->att.status != PD_CC_NOT_RECORDED)
        att = json_pack("{s:s, s:o, s:o, s:i, s:s?, s:o}", "status",
                        s->att.status == PD_CC_PRESENT ? "present" : "absent", "clock_in",
                        pd__json_time(s->att.clock_in_ms), "clock_out",
                        pd__json_time(s->att.clock_out_ms), "late_min", s->att.late_min, "reason",
                        s->att.reason[0] ? s->att.reason : NULL, "recorded_at",
                        pd__json_time(s->att.recorded_ms));
    return json_pack("{s:I, s:{s:I, s:s}, s:s, s:o, s:o, s:I, s:o}", "id", (json_int_t)s->id,
                     "agent", "id", (json_int_t)s->agent_id, "name", s->agent, "node", s->node_code,
                     "start", pd__json_time(s->start_ms), "end", pd__json_time(s->end_ms),
                     "duration_s", (json_int_t)((s->end_ms - s->start_ms) / 1000), "attendance",
                     att);
}

struct shift_in {
    int64_t agent_id, start, end;
    const char *node; /* NULL: the agent's */
};

struct shifts_tx {
    struct pd_req *rq;
    struct shift_in *in;
    int n;
    struct refusal no;
    json_t *out;
};

static int shift_out_cb(void *cls, const struct pd_cc_shift *s)
{
    json_array_append_new(cls, shift_json(s));
    return 0;
}

static pd_qs shifts_tx(pd_db *db, void *cls)
{
    struct shifts_tx *t = cls;
    json_t *ids = json_array();
    json_decref(t->out);
    t->out = json_array();
    pd_qs qs = PD_QS_ONE;
    for (int i = 0; i < t->n && qs >= 0; i++) {
        const struct shift_in *in = &t->in[i];
        char field[48];
        struct pd_cc_agent a;
        if ((qs = db->ops->cc_agent_get(db, in->agent_id, &a)) < 0)
            break;
        if (qs == 0 || !pd_req_in_scope(t->rq, a.node_path)) {
            snprintf(field, sizeof field, "shifts[%d].agent_id", i);
            qs = refuse(&t->no, PD_E_CC_AGENT_UNKNOWN, field, NULL);
            break;
        }
        if (in->start < a.start_ms || (a.leave_ms && in->start >= a.leave_ms)) {
            snprintf(field, sizeof field, "shifts[%d].start", i);
            qs = refuse(&t->no, PD_E_CC_AGENT_NOT_EMPLOYED, field, NULL);
            break;
        }
        struct pd_cc_shift s = {.agent_id = a.id,
                                .node_id = a.node_id,
                                .start_ms = in->start,
                                .end_ms = in->end,
                                .created_by = t->rq->who.id};
        if (in->node) {
            struct pd_node n;
            if ((qs = db->ops->node_get_by_code(db, in->node, &n)) < 0)
                break;
            if (qs == 0 || !pd_req_in_scope(t->rq, n.path)) {
                snprintf(field, sizeof field, "shifts[%d].node", i);
                qs = refuse(&t->no, PD_E_NODE_NOT_FOUND, field, NULL);
                break;
            }
            s.node_id = n.id;
        }
        int64_t overlap = 0;
        if ((qs = db->ops->cc_shift_insert(db, &s, &overlap)) < 0)
            break;
        if (overlap) {
            snprintf(field, sizeof field, "shifts[%d].start", i);
            char detail[64];
            snprintf(detail, sizeof detail, "overlaps shift %lld", (long long)overlap);
            qs = refuse(&t->no, PD_E_SHIFT_OVERLAP, field, detail);
            break;
        }
        json_array_append_new(ids, json_integer(s.id));
        struct pd_cc_shift back;
        if ((qs = db->ops->cc_shift_get(db, s.id, &back)) <= 0) {
            qs = qs < 0 ? qs : PD_QS_HARD;
            break;
        }
        shift_out_cb(t->out, &back);
    }
    if (qs < 0) {
        json_decref(ids);
        return qs;
    }
    qs = audit_json(db, t->rq, "shift.create", "shift", json_integer_value(json_array_get(ids, 0)),
                    t->rq->who.node_id, json_pack("{s:i, s:o}", "count", t->n, "ids", ids));
    return qs < 0 ? qs : PD_QS_ONE;
}

int pd_api_cc_shifts_create(struct pd_req *rq)
{
    const json_t *list = NULL;
    struct pd_spec spec[] = {
        pd_spec_json("shifts", &list, PD_REQ),
        pd_spec_end(),
    };
    if (pd_json_parse(rq, spec) != PD_JSON_OK)
        return PD_HANDLED;
    if (!json_is_array(list) || json_array_size(list) == 0)
        return pd_reply_err(rq, PD_E_JSON_TYPE, "shifts", "a non-empty array of shifts");
    if (json_array_size(list) > SHIFTS_MAX)
        return pd_reply_err(rq, PD_E_JSON_TOO_LONG, "shifts", "at most 500 shifts per request");
    struct shifts_tx t = {.rq = rq, .n = (int)json_array_size(list)};
    t.in = pd_arena_alloc(&rq->arena, sizeof *t.in * (size_t)t.n);
    if (!t.in)
        return pd_reply_err(rq, PD_E_INTERNAL, NULL, "out of memory");
    size_t i;
    const json_t *it;
    json_array_foreach(list, i, it)
    {
        char prefix[32], field[48];
        snprintf(prefix, sizeof prefix, "shifts[%zu]", i);
        struct shift_in *in = &t.in[i];
        memset(in, 0, sizeof *in);
        struct pd_spec is[] = {
            pd_spec_int("agent_id", &in->agent_id, PD_REQ, 1, INT64_MAX),
            pd_spec_time("start", &in->start, PD_REQ),
            pd_spec_time("end", &in->end, PD_REQ),
            pd_spec_str("node", &in->node, PD_OPT, 1, PD_CODE_MAX - 1),
            pd_spec_end(),
        };
        struct pd_json_error je;
        if (!json_is_object(it))
            return pd_reply_err(rq, PD_E_JSON_TYPE, prefix, "an object");
        if (!pd_json_decode(it, is, &rq->arena, prefix, &je))
            return pd_reply_err(rq, je.code, je.field, je.detail[0] ? je.detail : NULL);
        snprintf(field, sizeof field, "%s.end", prefix);
        if (in->end <= in->start)
            return pd_reply_err(rq, PD_E_SHIFT_ORDER, field, NULL);
        if (in->end - in->start > SHIFT_MAX_MS)
            return pd_reply_err(rq, PD_E_SHIFT_TOO_LONG, field, NULL);
    }
    pd_qs qs = pd_tx_run(rq->app->store, "shift.create", false, shifts_tx, &t);
    if (qs < 0) {
        json_decref(t.out);
        t.out = NULL;
    }
    if (qs == PD_QS_ABORT)
        return reply_refusal(rq, &t.no);
    if (qs < 0)
        return pd__reply_db_error(rq);
    return pd_reply_json_steal(rq, 201, json_pack("{s:o}", "shifts", t.out));
}

struct shift_list_tx {
    struct pd_cc_shift_filter f;
    json_t *items;
    int n;
};

static int shift_list_cb(void *cls, const struct pd_cc_shift *s)
{
    struct shift_list_tx *t = cls;
    json_array_append_new(t->items, shift_json(s));
    t->n++;
    return 0;
}

static pd_qs shift_list_tx(pd_db *db, void *cls)
{
    struct shift_list_tx *t = cls;
    json_array_clear(t->items);
    t->n = 0;
    return db->ops->cc_shift_list(db, &t->f, shift_list_cb, t);
}

int pd_api_cc_shifts_list(struct pd_req *rq)
{
    static const char *const allowed[] = {"from", "to", "agent_id", NULL};
    if (!pd__query_only(rq, allowed))
        return PD_HANDLED;
    struct shift_list_tx t = {.f = {.node_path = rq->who.node_path, .limit = 1000}};
    if (!reads_all(rq)) {
        if (rq->who.kind != PD_WHO_USER)
            return pd_reply_err(rq, PD_E_AUTH_FORBIDDEN, NULL, NULL);
        t.f.user_id = rq->who.id; /* an agent reads its own shifts only, */
        t.f.node_path = NULL;     /* wherever they are worked */
    }
    int64_t agent = 0;
    if (!pd__query_time(rq, "from", &t.f.from_ms) || !pd__query_time(rq, "to", &t.f.to_ms) ||
        !pd__query_int(rq, "agent_id", 1, INT64_MAX, 0, &agent))
        return PD_HANDLED;
    if (!t.f.from_ms)
        return pd_reply_err(rq, PD_E_QUERY_INVALID, "from", "required");
    if (!t.f.to_ms)
        return pd_reply_err(rq, PD_E_QUERY_INVALID, "to", "required");
    if (t.f.to_ms <= t.f.from_ms)
        return pd_reply_err(rq, PD_E_QUERY_INVALID, "to", "not after from");
    if (t.f.to_ms - t.f.from_ms > LIST_SPAN_MAX)
        return pd_reply_err(rq, PD_E_QUERY_INVALID, "to", "at most 62 days after from");
    t.f.agent_id = agent;
    t.items = json_array();
    if (pd_tx_run(rq->app->store, "shift.list", true, shift_list_tx, &t) < 0) {
        json_decref(t.items);
        return pd__reply_db_error(rq);
    }
    return pd_reply_json_steal(
        rq, 200, json_pack("{s:o, s:b}", "items", t.items, "truncated", t.n >= t.f.limit));
}

struct att_tx {
    struct pd_req *rq;
    struct pd_cc_attendance a;
    struct refusal no;
    json_t *out;
};

static pd_qs att_tx(pd_db *db, void *cls)
{
    struct att_tx *t = cls;
    struct pd_cc_shift s;
    pd_qs qs = db->ops->cc_shift_get(db, t->a.shift_id, &s);
    if (qs < 0)
        return qs;
    if (qs == 0 || !pd_req_in_scope(t->rq, s.node_path))
        return refuse(&t->no, PD_E_SHIFT_UNKNOWN, "shift_id", NULL);
    if (t->a.status == PD_CC_PRESENT) {
        /* A clock-in belongs to its shift: not half a day early, not after it ended. */
        if (t->a.clock_in_ms < s.start_ms - CLOCK_EARLY_MS || t->a.clock_in_ms >= s.end_ms)
            return refuse(&t->no, PD_E_ATTENDANCE_INVALID, "clock_in",
                          "not within the shift (from 12 hours before its start to its end)");
        int64_t late = (t->a.clock_in_ms - s.start_ms) / 60000;
        t->a.late_min = late > 0 ? (int)late : 0;
    }
    if ((qs = db->ops->cc_attendance_put(db, &t->a)) < 0)
        return qs;
    if ((qs = db->ops->cc_shift_get(db, s.id, &s)) <= 0)
        return qs < 0 ? qs : PD_QS_HARD;
    json_decref(t->out);
    t->out = shift_json(&s);
    qs = audit_json(db, t->rq, "attendance.record", "shift", s.id, s.node_id,
                    json_deep_copy(json_object_get(t->out, "attendance")));
    return qs < 0 ? qs : PD_QS_ONE;
}

int pd_api_cc_attendance_create(struct pd_req *rq)
{
    struct att_tx t = {.rq = rq, .a = {.recorded_by = rq->who.id}};
    int status = 0;
    const char *reason = NULL;
    bool has_in = false, has_out = false;
    struct pd_spec spec[] = {
        pd_spec_int("shift_id", &t.a.shift_id, PD_REQ, 1, INT64_MAX),
        pd_spec_enum("status", &status, PD_REQ, att_status),
        pd_spec_time("clock_in", &t.a.clock_in_ms, PD_OPT),
        pd_spec_time("clock_out", &t.a.clock_out_ms, PD_OPT),
        pd_spec_str("reason", &reason, PD_OPT, 1, TEXT_MAX_CHARS),
        pd_spec_end(),
    };
    spec[2].present = &has_in;
    spec[3].present = &has_out;
    if (pd_json_parse(rq, spec) != PD_JSON_OK)
        return PD_HANDLED;
    int64_t now = pd_now_ms();
    t.a.status = status == 0 ? PD_CC_PRESENT : PD_CC_ABSENT;
    t.a.recorded_ms = now;
    if (t.a.status == PD_CC_PRESENT) {
        if (!has_in)
            return pd_reply_err(rq, PD_E_ATTENDANCE_INVALID, "clock_in", "required when present");
        if (t.a.clock_in_ms > now + CLOCK_SKEW_MS)
            return pd_reply_err(rq, PD_E_ATTENDANCE_INVALID, "clock_in", "in the future");
        if (has_out && t.a.clock_out_ms <= t.a.clock_in_ms)
            return pd_reply_err(rq, PD_E_ATTENDANCE_INVALID, "clock_out", "not after clock_in");
        if (has_out && t.a.clock_out_ms > now + CLOCK_SKEW_MS)
            return pd_reply_err(rq, PD_E_ATTENDANCE_INVALID, "clock_out", "in the future");
        if (reason)
            snprintf(t.a.reason, sizeof t.a.reason, "%s", reason);
    } else {
        if (has_in || has_out)
            return pd_reply_err(rq, PD_E_ATTENDANCE_INVALID, has_in ? "clock_in" : "clock_out",
                                "an absence has no clock times");
        if (!reason || !has_text(reason))
            return pd_reply_err(rq, PD_E_ATTENDANCE_INVALID, "reason", "say why");
        snprintf(t.a.reason, sizeof t.a.reason, "%s", reason);
        t.a.clock_in_ms = t.a.clock_out_ms = 0;
    }
    pd_qs qs = pd_tx_run(rq->app->store, "attendance.record", false, att_tx, &t);
    if (qs < 0) {
        json_decref(t.out);
        t.out = NULL;
    }
    if (qs == PD_QS_ABORT)
        return reply_refusal(rq, &t.no);
    if (qs < 0)
        return pd__reply_db_error(rq);
    return pd_reply_json_steal(rq, 200, t.out);
}

/* ---- costs ---------------------------------------------------------------------------- */

static json_t *cost_json(const struct pd_cc_cost *c)
{
    /* The period is written as people write it: both days inclusive. */
    return json_pack("{s:I, s:s, s:s?, s:o, s:o, s:I, s:s, s:s, s:s?, s:o}", "id",
                     (json_int_t)c->id, "node", c->node_code, "queue",
                     c->queue[0] ? c->queue : NULL, "period_from", date_json(c->from_ms),
                     "period_to", date_json(c->to_ms - DAY_MS), "amount_fen",
                     (json_int_t)c->amount_fen, "category", c->category, "note", c->note,
                     "created_by", c->created_by_name[0] ? c->created_by_name : NULL, "created_at",
                     pd__json_time(c->created_ms));
}

struct cost_tx {
    struct pd_req *rq;
    struct pd_cc_cost c;
    const char *node_code;
    struct refusal no;
    json_t *out;
};

static int cost_out_cb(void *cls, const struct pd_cc_cost *c)
{
    struct cost_tx *t = cls;
    if (c->id == t->c.id) {
        json_decref(t->out);
        t->out = cost_json(c);
    }
    return 0;
}

static pd_qs cost_tx(pd_db *db, void *cls)
{
    struct cost_tx *t = cls;
    struct pd_node n;
    pd_qs qs = db->ops->node_get_by_code(db, t->node_code, &n);
    if (qs < 0)
        return qs;
    if (qs == 0 || !pd_req_in_scope(t->rq, n.path))
        return refuse(&t->no, PD_E_NODE_NOT_FOUND, "node", NULL);
    t->c.node_id = n.id;
    if ((qs = db->ops->cc_cost_insert(db, &t->c)) < 0)
        return qs;
    struct pd_cc_cost_filter f = {.node_path = n.path, .before_id = t->c.id + 1, .limit = 1};
    if ((qs = db->ops->cc_cost_list(db, &f, cost_out_cb, t)) < 0)
        return qs;
    if (!t->out)
        return PD_QS_HARD;
    qs = audit_json(db, t->rq, "cost.create", "cc_cost", t->c.id, n.id, json_deep_copy(t->out));
    return qs < 0 ? qs : PD_QS_ONE;
}

int pd_api_cc_costs_create(struct pd_req *rq)
{
    struct cost_tx t = {.rq = rq, .c = {.created_by = rq->who.id}, .node_code = rq->who.node_code};
    const char *from = NULL, *to = NULL, *queue = NULL, *note = "";
    int category = 0;
    int64_t amount = 0;
    struct pd_spec spec[] = {
        pd_spec_str_fmt("period_from", &from, PD_REQ, 10, 10, date_ok),
        pd_spec_str_fmt("period_to", &to, PD_REQ, 10, 10, date_ok),
        pd_spec_int("amount_fen", &amount, PD_REQ, 0, 1000000000000LL),
        pd_spec_enum("category", &category, PD_REQ, categories),
        pd_spec_str_fmt("queue", &queue, PD_OPT, 1, PD_CC_NAME_SIZE - 1, name_ok),
        pd_spec_str("node", &t.node_code, PD_OPT, 1, PD_CODE_MAX - 1),
        pd_spec_str("note", &note, PD_OPT, 0, TEXT_MAX_CHARS),
        pd_spec_end(),
    };
    if (pd_json_parse(rq, spec) != PD_JSON_OK)
        return PD_HANDLED;
    t.c.from_ms = date_ms(from);
    t.c.to_ms = date_ms(to) + DAY_MS; /* inclusive last day → exclusive end */
    if (t.c.to_ms <= t.c.from_ms)
        return pd_reply_err(rq, PD_E_COST_PERIOD, "period_to", NULL);
    t.c.amount_fen = amount;
    snprintf(t.c.category, sizeof t.c.category, "%s", categories[category]);
    snprintf(t.c.queue, sizeof t.c.queue, "%s", queue ? queue : "");
    snprintf(t.c.note, sizeof t.c.note, "%s", note);
    pd_qs qs = pd_tx_run(rq->app->store, "cost.create", false, cost_tx, &t);
    if (qs < 0) {
        json_decref(t.out);
        t.out = NULL;
    }
    if (qs == PD_QS_ABORT)
        return reply_refusal(rq, &t.no);
    if (qs < 0)
        return pd__reply_db_error(rq);
    return pd_reply_json_steal(rq, 201, t.out);
}

struct cost_list_tx {
    struct pd_cc_cost_filter f;
    json_t *items;
    int64_t last;
    int n;
};

static int cost_list_cb(void *cls, const struct pd_cc_cost *c)
{
    struct cost_list_tx *t = cls;
    json_array_append_new(t->items, cost_json(c));
    t->last = c->id;
    t->n++;
    return 0;
}

static pd_qs cost_list_tx(pd_db *db, void *cls)
{
    struct cost_list_tx *t = cls;
    json_array_clear(t->items);
    t->n = 0;
    return db->ops->cc_cost_list(db, &t->f, cost_list_cb, t);
}

int pd_api_cc_costs_list(struct pd_req *rq)
{
    static const char *const allowed[] = {"from", "to", "queue", "before", "limit", NULL};
    if (!pd__query_only(rq, allowed))
        return PD_HANDLED;
    struct cost_list_tx t = {
        .f = {.node_path = rq->who.node_path, .queue = pd_req_query(rq, "queue")}};
    int64_t before = 0, limit = 0;
    if (!pd__query_time(rq, "from", &t.f.from_ms) || !pd__query_time(rq, "to", &t.f.to_ms) ||
        !pd__query_int(rq, "before", 1, INT64_MAX, 0, &before) ||
        !pd__query_int(rq, "limit", 1, 200, 50, &limit))
        return PD_HANDLED;
    t.f.before_id = before;
    t.f.limit = (int)limit;
    t.items = json_array();
    if (pd_tx_run(rq->app->store, "cost.list", true, cost_list_tx, &t) < 0) {
        json_decref(t.items);
        return pd__reply_db_error(rq);
    }
    json_t *next = t.n == t.f.limit ? json_integer(t.last) : json_null();
    return pd_reply_json_steal(rq, 200,
                               json_pack("{s:o, s:o}", "items", t.items, "next_before", next));
}
