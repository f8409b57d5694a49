/*
 * /api/v1/nodes/{code}/areas: the GB/T 2260 divisions a node serves
 * (province "44", city "4403" or district "440305"). They decide which
 * branch owns an order placed on the public page and where the automatic
 * pickup dispatch looks for couriers first (pickup.c). Reading needs
 * nodes.read, replacing nodes.manage; both only within the caller's subtree.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/divisions.h"
#include "http/api/api.h"
#include "http/api/common.h"
#include "http/app.h"
#include "http/audit.h"
#include "http/json_spec.h"
#include "http/node_cache.h"
#include "http/reply.h"
#include "store/tx.h"

#define MAX_AREAS 200

static json_t *area_json(const char *code)
{
    const struct pd_division *d = pd_division_find((uint32_t)strtoul(code, NULL, 10));
    return json_pack("{s:s, s:s}", "code", code, "name", d ? d->name : "");
}

static int area_cb(void *cls, const char *div)
{
    json_array_append_new(cls, area_json(div));
    return 0;
}

struct areas_tx {
    struct pd_req *rq;
    struct pd_node node;
    bool found;
    const char *const *divs; /* NULL: read only */
    int n;
    char *detail;
    json_t *items;
};

static pd_qs areas_tx(pd_db *db, void *cls)
{
    struct areas_tx *t = cls;
    json_array_clear(t->items);
    pd_qs qs = db->ops->node_get_by_code(db, t->rq->args[0], &t->node);
    if (qs < 0)
        return qs;
    t->found = qs > 0 && pd_req_in_scope(t->rq, t->node.path);
    if (!t->found)
        return PD_QS_NONE;
    if (t->divs) {
        if ((qs = db->ops->node_areas_set(db, t->node.id, t->divs, t->n)) < 0)
            return qs;
        struct pd_audit a;
        pd_audit_for(&a, t->rq, "node.set_areas", "node", t->node.code, t->node.id, t->detail);
        if ((qs = db->ops->audit_insert(db, &a)) < 0)
            return qs;
    }
    return db->ops->node_areas_list(db, t->node.id, area_cb, t->items);
}

static int run(struct pd_req *rq, struct areas_tx *t)
{
    t->rq = rq;
    t->items = json_array();
    pd_qs qs = pd_tx_run(rq->app->store, "node areas", t->divs == NULL, areas_tx, t);
    if (qs < 0) {
        json_decref(t->items);
        return pd__reply_db_error(rq);
    }
    if (!t->found) {
        json_decref(t->items);
        return pd_reply_err(rq, PD_E_NODE_NOT_FOUND, NULL, NULL);
    }
    if (t->divs) /* arrivals in the destination city are judged by the areas */
        pd_node_cache_reload(rq->app->nodes);
    return pd_reply_json_steal(rq, 200,
                               json_pack("{s:s, s:o}", "node", t->node.code, "areas", t->items));
}

int pd_api_node_areas_get(struct pd_req *rq)
{
    struct areas_tx t = {0};
    return run(rq, &t);
}

int pd_api_node_areas_put(struct pd_req *rq)
{
    const json_t *list = NULL;
    struct pd_spec spec[] = {
        pd_spec_json("divisions", &list, PD_REQ),
        pd_spec_end(),
    };
    if (pd_json_parse(rq, spec) != PD_JSON_OK)
        return PD_HANDLED;
    if (!json_is_array(list))
        return pd_reply_err(rq, PD_E_JSON_TYPE, "divisions", "an array of division codes");
    if (json_array_size(list) > MAX_AREAS)
        return pd_reply_err(rq, PD_E_JSON_TOO_LONG, "divisions", "at most 200 divisions");
    int n = (int)json_array_size(list);
    const char **divs = pd_arena_alloc(&rq->arena, sizeof *divs * (size_t)(n ? n : 1));
    if (!divs)
        return pd_reply_err(rq, PD_E_INTERNAL, NULL, NULL);
    for (int i = 0; i < n; i++) {
        const char *s = json_string_value(json_array_get(list, (size_t)i));
        char field[32];
        snprintf(field, sizeof field, "divisions[%d]", i);
        size_t len = s ? strlen(s) : 0;
        bool digits = len == 2 || len == 4 || len == 6;
        for (size_t k = 0; digits && k < len; k++)
            digits = s[k] >= '0' && s[k] <= '9';
        if (!digits)
            return pd_reply_err(rq, PD_E_ADDRESS_CODE_INVALID, field,
                                "2, 4 or 6 digits (province, city, district)");
        if (!pd_division_find((uint32_t)strtoul(s, NULL, 10)))
            return pd_reply_err(rq, PD_E_ADDRESS_CODE_INVALID, field, "not a GB/T 2260 code");
        divs[i] = s;
    }
    json_t *d = json_pack("{s:O}", "divisions", list);
    struct areas_tx t = {.divs = divs, .n = n, .detail = json_dumps(d, JSON_COMPACT)};
    json_decref(d);
    int r = run(rq, &t);
    free(t.detail);
    return r;
}
