/*
 * /api/v1/goods/rules: the prohibited/restricted goods list (禁寄/限寄物品)
 * as a maintained list. Any staff member may read it (the console shows why
 * an order was refused); holders of goods.manage add, change and deactivate
 * rules, one term at a time, each change audited with the rule before and
 * after. A committed change is built into this server's screening index
 * before the answer goes out, so the next order is screened against it;
 * other servers notice the store's list stamp within PD_GOODS_CHECK_MS
 * (http/goods_list.h). Screening a name is GET /api/v1/goods/screen
 * (refdata.c); the matcher is core/screening.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/screening.h"
#include "http/api/api.h"
#include "http/api/common.h"
#include "http/app.h"
#include "http/audit.h"
#include "http/goods_list.h"
#include "http/json_spec.h"
#include "http/reply.h"
#include "store/tx.h"
#include "util/timeutil.h"
#include "util/utf8.h"

static const char *const levels[] = {"prohibited", "restricted", NULL};

/* enum pd_goods_level from its index in levels[] and back. */
#define LEVEL_OF(i) ((i) == 1 ? PD_GOODS_RESTRICTED : PD_GOODS_PROHIBITED)

static json_t *rule_json(const struct pd_goods_rule_rec *r)
{
    return json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:b, s:o, s:s?}", "id", (json_int_t)r->id,
                     "term", r->term, "category", r->category, "level",
                     pd_goods_level_name((enum pd_goods_level)r->level), "condition", r->condition,
                     "note", r->note, "active", r->active, "updated_at",
                     pd__json_time(r->updated_ms), "updated_by",
                     r->updated_by_name[0] ? r->updated_by_name : NULL);
}

/* The fields an edit changes, for the audit entry's before and after. */
static json_t *rule_audit_json(const struct pd_goods_rule_rec *r)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:b}", "term", r->term, "category", r->category,
                     "level", pd_goods_level_name((enum pd_goods_level)r->level), "condition",
                     r->condition, "note", r->note, "active", r->active);
}

/* ---- list ----------------------------------------------------------------- */

struct list_tx {
    const char *q; /* substring of term or category, ASCII case ignored; NULL: all */
    int level;     /* 0: any */
    int active;    /* -1: any */
    json_t *items;
    struct pd_goods_stamp stamp;
    bool oom;
};

static int list_cb(void *cls, const struct pd_goods_rule_rec *r)
{
    struct list_tx *t = cls;
    if (t->level && r->level != t->level)
        return 0;
    if (t->active >= 0 && r->active != (t->active == 1))
        return 0;
    if (t->q && !strcasestr(r->term, t->q) && !strcasestr(r->category, t->q))
        return 0;
    if (json_array_append_new(t->items, rule_json(r)) != 0) {
        t->oom = true;
        return PD_QS_HARD;
    }
    return 0;
}

static pd_qs list_tx(pd_db *db, void *cls)
{
    struct list_tx *t = cls;
    json_array_clear(t->items); /* a retried transaction starts over */
    pd_qs qs = db->ops->goods_stamp(db, &t->stamp);
    return qs < 0 ? qs : db->ops->goods_rule_list(db, list_cb, t);
}

int pd_api_goods_rules_list(struct pd_req *rq)
{
    static const char *const allowed[] = {"q", "level", "active", NULL};
    if (!pd__query_only(rq, allowed))
        return PD_HANDLED;
    struct list_tx t = {.active = -1};
    const char *q = pd_req_query(rq, "q");
    const char *level = pd_req_query(rq, "level");
    const char *active = pd_req_query(rq, "active");
    if (q && (!pd_utf8_valid(q, strlen(q)) || pd_utf8_chars(q, strlen(q)) > PD_GOODS_TERM_CHARS))
        return pd_reply_err(rq, PD_E_QUERY_INVALID, "q", "at most 50 characters of UTF-8");
    t.q = q && *q ? q : NULL;
    if (level && *level) {
        if (!strcmp(level, "prohibited"))
            t.level = PD_GOODS_PROHIBITED;
        else if (!strcmp(level, "restricted"))
            t.level = PD_GOODS_RESTRICTED;
        else
            return pd_reply_err(rq, PD_E_QUERY_INVALID, "level", "prohibited or restricted");
    }
    if (active && *active) {
        if (strcmp(active, "true") && strcmp(active, "false"))
            return pd_reply_err(rq, PD_E_QUERY_INVALID, "active", "true or false");
        t.active = !strcmp(active, "true");
    }
    t.items = json_array();
    pd_qs qs = t.items ? pd_tx_run(rq->app->store, "goods.rules", true, list_tx, &t) : PD_QS_HARD;
    if (qs < 0) {
        json_decref(t.items);
        return t.oom ? pd_reply_err(rq, PD_E_INTERNAL, NULL, NULL) : pd__reply_db_error(rq);
    }
    size_t n = json_array_size(t.items);
    return pd_reply_json_steal(rq, 200,
                               json_pack("{s:o, s:I, s:I, s:I}", "items", t.items, "count",
                                         (json_int_t)n, "total", (json_int_t)t.stamp.count,
                                         "version", (json_int_t)t.stamp.version));
}

/* ---- upsert --------------------------------------------------------------- */

struct put_tx {
    struct pd_req *rq;
    struct pd_goods_rule_rec want;
    struct pd_goods_rule_rec before, after;
    bool had_before, created;
    char *detail; /* the audit entry's JSON, malloc'd */
};

static pd_qs put_tx(pd_db *db, void *cls)
{
    struct put_tx *t = cls;
    free(t->detail);
    t->detail = NULL;
    pd_qs qs = db->ops->goods_rule_get(db, t->want.term, &t->before);
    if (qs < 0)
        return qs;
    t->had_before = qs == PD_QS_ONE;
    struct pd_goods_rule_rec r = t->want;
    if ((qs = db->ops->goods_rule_upsert(db, &r, &t->created)) < 0)
        return qs;
    /* On PostgreSQL another server may insert the term between the look-up
     * and the upsert; run again so "before" names what was replaced. */
    if (t->created == t->had_before)
        return PD_QS_SOFT;
    if ((qs = db->ops->goods_rule_get(db, t->want.term, &t->after)) <= 0)
        return qs < 0 ? qs : PD_QS_HARD;
    json_t *d = json_pack("{s:s, s:b, s:o, s:o}", "term", t->after.term, "created", t->created,
                          "before", t->had_before ? rule_audit_json(&t->before) : json_null(),
                          "after", rule_audit_json(&t->after));
    t->detail = d ? json_dumps(d, JSON_COMPACT) : NULL;
    json_decref(d);
    if (!t->detail)
        return PD_QS_HARD;
    char id[24];
    snprintf(id, sizeof id, "%lld", (long long)t->after.id);
    struct pd_audit a;
    /* The list is the whole network's: the entry belongs to no node. */
    pd_audit_for(&a, t->rq, "goods_rule.upsert", "goods_rule", id, 0, t->detail);
    return db->ops->audit_insert(db, &a);
}

int pd_api_goods_rules_put(struct pd_req *rq)
{
    const char *term = rq->args[0];
    const char *category = NULL, *condition = "", *note = "";
    int level = 0;
    struct put_tx t = {.rq = rq, .want = {.active = true}};
    /* Lengths and formats are checked once, by pd_goods_rule_validate (the
     * seed goes through it too); the spec checks presence and types. */
    struct pd_spec spec[] = {
        pd_spec_str("category", &category, PD_REQ, 0, 0),
        pd_spec_enum("level", &level, PD_REQ, levels),
        pd_spec_str("condition", &condition, PD_OPT, 0, 0),
        pd_spec_str("note", &note, PD_OPT, 0, 0),
        pd_spec_bool("active", &t.want.active, PD_OPT),
        pd_spec_end(),
    };
    if (pd_json_parse(rq, spec) != PD_JSON_OK)
        return PD_HANDLED;
    const char *field = NULL, *detail = NULL;
    pd_err e =
        pd_goods_rule_validate(term, category, LEVEL_OF(level), condition, note, &field, &detail);
    if (e != PD_OK)
        return pd_reply_err(rq, e, field, detail);
    snprintf(t.want.term, sizeof t.want.term, "%s", term);
    snprintf(t.want.category, sizeof t.want.category, "%s", category);
    t.want.level = LEVEL_OF(level);
    snprintf(t.want.condition, sizeof t.want.condition, "%s", condition);
    snprintf(t.want.note, sizeof t.want.note, "%s", note);
    t.want.updated_ms = pd_now_ms();
    t.want.updated_by = rq->who.id;
    pd_qs qs = pd_tx_run(rq->app->store, "goods_rule.upsert", false, put_tx, &t);
    free(t.detail);
    if (qs < 0)
        return pd__reply_db_error(rq);
    /* Committed: this server screens with it from the next request on. A
     * failed rebuild is logged and left to the next stamp check. */
    pd_goods_list_reload(rq->app->goods);
    return pd_reply_json_steal(rq, t.created ? 201 : 200, rule_json(&t.after));
}
