/*
 * The network tree (DOMAIN.md §1): list, read, create and edit nodes.
 * A caller sees its own node and everything below it; anything else is
 * answered as not found. Creating a node needs a parent in scope and a type
 * that may sit under the parent's type (core/org.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/api/api.h"
#include "http/api/common.h"
#include "http/app.h"
#include "http/audit.h"
#include "http/json_spec.h"
#include "http/node_cache.h"
#include "http/reply.h"
#include "store/tx.h"
#include "util/timeutil.h"

/* ---- list --------------------------------------------------------------- */

struct list_ctx {
    json_t *items;
    json_t *codes; /* id → code of nodes seen so far (parents come first by path) */
};

static int on_node(void *cls, const struct pd_node *n)
{
    struct list_ctx *c = cls;
    char key[24];
    const char *parent = NULL;
    if (n->parent_id) {
        snprintf(key, sizeof key, "%lld", (long long)n->parent_id);
        parent = json_string_value(json_object_get(c->codes, key));
    }
    json_array_append_new(c->items, pd__node_json(n, parent));
    snprintf(key, sizeof key, "%lld", (long long)n->id);
    json_object_set_new(c->codes, key, json_string(n->code));
    return 0;
}

struct list_tx {
    const char *path;
    int64_t scope_id;
    struct list_ctx ctx;
};

static pd_qs list_tx(pd_db *db, void *cls)
{
    struct list_tx *t = cls;
    json_array_clear(t->ctx.items);
    json_object_clear(t->ctx.codes);
    /* The caller's own node is the top of what it sees: name its parent too. */
    struct pd_node scope, parent;
    pd_qs qs = db->ops->node_get(db, t->scope_id, &scope);
    if (qs < 0)
        return qs;
    if (qs > 0 && scope.parent_id) {
        qs = db->ops->node_get(db, scope.parent_id, &parent);
        if (qs < 0)
            return qs;
        if (qs > 0) {
            char key[24];
            snprintf(key, sizeof key, "%lld", (long long)parent.id);
            json_object_set_new(t->ctx.codes, key, json_string(parent.code));
        }
    }
    return db->ops->node_list(db, t->path, on_node, &t->ctx);
}

int pd_api_nodes_list(struct pd_req *rq)
{
    static const char *const allowed[] = {NULL};
    if (!pd__query_only(rq, allowed))
        return PD_HANDLED;
    struct list_tx t = {.path = rq->who.node_path, .scope_id = rq->who.node_id};
    t.ctx.items = json_array();
    t.ctx.codes = json_object();
    pd_qs qs = pd_tx_run(rq->app->store, "list nodes", true, list_tx, &t);
    json_decref(t.ctx.codes);
    if (qs < 0) {
        json_decref(t.ctx.items);
        return pd__reply_db_error(rq);
    }
    return pd_reply_json_steal(rq, 200, json_pack("{s:o}", "items", t.ctx.items));
}

/* ---- get ---------------------------------------------------------------- */

struct get_tx {
    const char *code;
    struct pd_node node;
    struct pd_node parent;
    bool has_parent;
};

static pd_qs get_tx(pd_db *db, void *cls)
{
    struct get_tx *t = cls;
    t->has_parent = false;
    pd_qs qs = db->ops->node_get_by_code(db, t->code, &t->node);
    if (qs <= 0 || !t->node.parent_id)
        return qs;
    pd_qs q2 = db->ops->node_get(db, t->node.parent_id, &t->parent);
    if (q2 < 0)
        return q2;
    t->has_parent = q2 > 0;
    return qs;
}

static int reply_node(struct pd_req *rq, unsigned status, const struct get_tx *t)
{
    return pd_reply_json_steal(rq, status,
                               pd__node_json(&t->node, t->has_parent ? t->parent.code : NULL));
}

int pd_api_nodes_get(struct pd_req *rq)
{
    struct get_tx t = {.code = rq->args[0]};
    pd_qs qs = pd_tx_run(rq->app->store, "get node", true, get_tx, &t);
    if (qs < 0)
        return pd__reply_db_error(rq);
    if (qs == 0 || !pd_req_in_scope(rq, t.node.path))
        return pd_reply_err(rq, PD_E_NODE_NOT_FOUND, NULL, NULL);
    return reply_node(rq, 200, &t);
}

/* ---- create ------------------------------------------------------------- */

struct create_tx {
    struct pd_req *rq;
    const char *parent_code;
    struct pd_node node;
    struct pd_node parent;
    pd_err err;
    const char *err_field;
};

static pd_qs create_tx(pd_db *db, void *cls)
{
    struct create_tx *t = cls;
    pd_qs qs = db->ops->node_get_by_code(db, t->parent_code, &t->parent);
    if (qs < 0)
        return qs;
    if (qs == 0 || !pd_req_in_scope(t->rq, t->parent.path)) {
        t->err = PD_E_NODE_NOT_FOUND;
        t->err_field = "parent_code";
        return PD_QS_ABORT;
    }
    if (!pd_node_parent_ok(t->parent.type, t->node.type)) {
        t->err = PD_E_NODE_PARENT_INVALID;
        t->err_field = "type";
        return PD_QS_ABORT;
    }
    t->node.parent_id = t->parent.id;
    t->node.active = true;
    t->node.created_ms = pd_now_ms();
    bool dup = false;
    qs = db->ops->node_insert(db, &t->node, &dup);
    if (qs < 0)
        return qs;
    if (dup) {
        t->err = PD_E_NODE_EXISTS;
        t->err_field = "code";
        return PD_QS_ABORT;
    }
    char id[24];
    snprintf(id, sizeof id, "%lld", (long long)t->node.id);
    char *detail = pd_arena_printf(&t->rq->arena, "{\"code\":\"%s\",\"parent\":\"%s\"}",
                                   t->node.code, t->parent.code);
    struct pd_audit a;
    pd_audit_for(&a, t->rq, "node.create", "node", id, t->node.id, detail);
    return db->ops->audit_insert(db, &a);
}

static bool region_ok(const char *s)
{
    for (const char *p = s; *p; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '-'))
            return false;
    return true;
}

int pd_api_nodes_create(struct pd_req *rq)
{
    const char *code = NULL, *name = NULL, *parent = NULL, *region = "CN";
    int type = 0;
    int64_t offset = PD_CST_OFFSET_MIN;
    struct pd_spec spec[] = {
        pd_spec_str_fmt("code", &code, PD_REQ, 2, 32, pd_node_code_valid),
        pd_spec_str("name", &name, PD_REQ, 1, 64),
        pd_spec_enum("type", &type, PD_REQ, pd_node_type_names),
        pd_spec_str_fmt("parent_code", &parent, PD_REQ, 2, 32, pd_node_code_valid),
        pd_spec_str_fmt("region", &region, PD_OPT, 2, 15, region_ok),
        pd_spec_int("utc_offset_min", &offset, PD_OPT, -720, 840),
        pd_spec_end(),
    };
    if (pd_json_parse(rq, spec) != PD_JSON_OK)
        return PD_HANDLED;
    struct create_tx t = {.rq = rq, .parent_code = parent};
    snprintf(t.node.code, sizeof t.node.code, "%s", code);
    snprintf(t.node.name, sizeof t.node.name, "%s", name);
    snprintf(t.node.region, sizeof t.node.region, "%s", region);
    t.node.type = (enum pd_node_type)type;
    t.node.utc_offset_min = (int)offset;
    pd_qs qs = pd_tx_run(rq->app->store, "create node", false, create_tx, &t);
    if (qs == PD_QS_ABORT)
        return pd_reply_err(rq, t.err, t.err_field, NULL);
    if (qs < 0)
        return pd__reply_db_error(rq);
    pd_node_cache_reload(rq->app->nodes); /* scans may name the new node at once */
    return pd_reply_json_steal(rq, 201, pd__node_json(&t.node, t.parent.code));
}

/* ---- update ------------------------------------------------------------- */

struct update_tx {
    struct pd_req *rq;
    struct get_tx g;
    const char *name, *region;
    bool has_active, active, has_offset;
    int offset;
    bool found;
};

static pd_qs update_tx(pd_db *db, void *cls)
{
    struct update_tx *t = cls;
    pd_qs qs = get_tx(db, &t->g);
    if (qs < 0)
        return qs;
    t->found = qs > 0 && pd_req_in_scope(t->rq, t->g.node.path);
    if (!t->found)
        return PD_QS_ABORT;
    struct pd_node *n = &t->g.node;
    json_t *changed = json_object();
    if (t->name && strcmp(t->name, n->name)) {
        json_object_set_new(changed, "name", json_string(t->name));
        snprintf(n->name, sizeof n->name, "%s", t->name);
    }
    if (t->region && strcmp(t->region, n->region)) {
        json_object_set_new(changed, "region", json_string(t->region));
        snprintf(n->region, sizeof n->region, "%s", t->region);
    }
    if (t->has_active && t->active != n->active) {
        json_object_set_new(changed, "active", json_boolean(t->active));
        n->active = t->active;
    }
    if (t->has_offset && t->offset != n->utc_offset_min) {
        json_object_set_new(changed, "utc_offset_min", json_integer(t->offset));
        n->utc_offset_min = t->offset;
    }
    if (json_object_size(changed) == 0) {
        json_decref(changed);
        return PD_QS_ONE;
    }
    char *d = json_dumps(changed, JSON_COMPACT);
    json_decref(changed);
    char *detail = pd_arena_strdup(&t->rq->arena, d);
    free(d);
    qs = db->ops->node_update(db, n);
    if (qs < 0)
        return qs;
    char id[24];
    snprintf(id, sizeof id, "%lld", (long long)n->id);
    struct pd_audit a;
    pd_audit_for(&a, t->rq, "node.update", "node", id, n->id, detail);
    return db->ops->audit_insert(db, &a);
}

int pd_api_nodes_update(struct pd_req *rq)
{
    struct update_tx t = {.rq = rq, .g.code = rq->args[0]};
    int64_t offset = 0;
    struct pd_spec spec[] = {
        pd_spec_str("name", &t.name, PD_OPT, 1, 64),
        pd_spec_bool("active", &t.active, PD_OPT),
        pd_spec_str_fmt("region", &t.region, PD_OPT, 2, 15, region_ok),
        pd_spec_int("utc_offset_min", &offset, PD_OPT, -720, 840),
        pd_spec_end(),
    };
    spec[1].present = &t.has_active;
    spec[3].present = &t.has_offset;
    if (pd_json_parse(rq, spec) != PD_JSON_OK)
        return PD_HANDLED;
    t.offset = (int)offset;
    pd_qs qs = pd_tx_run(rq->app->store, "update node", false, update_tx, &t);
    if (qs == PD_QS_ABORT || (qs >= 0 && !t.found))
        return pd_reply_err(rq, PD_E_NODE_NOT_FOUND, NULL, NULL);
    if (qs < 0)
        return pd__reply_db_error(rq);
    pd_node_cache_reload(rq->app->nodes);
    return reply_node(rq, 200, &t.g);
}
