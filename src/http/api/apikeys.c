/*
 * API keys for machines — scanners, customer systems — with machine roles
 * and a home node that scopes them like a user. The key is shown once at
 * creation; only its SHA-256 is stored. Revoking takes effect at once on
 * this server (the credential cache is evicted).
 */
#include <stdio.h>
#include <string.h>

#include "http/api/api.h"
#include "http/api/common.h"
#include "http/app.h"
#include "http/audit.h"
#include "http/auth.h"
#include "http/json_spec.h"
#include "http/reply.h"
#include "store/tx.h"
#include "util/crypto.h"
#include "util/timeutil.h"

static json_t *key_json(const struct pd_apikey *k)
{
    return json_pack("{s:I, s:s, s:s, s:s, s:{s:s}, s:o, s:o, s:o}", "id", (json_int_t)k->id,
                     "prefix", k->prefix, "name", k->name, "role", pd_role_name(k->role), "node",
                     "code", k->node_code, "created_at", pd__json_time(k->created_ms), "revoked_at",
                     pd__json_time(k->revoked_ms), "last_used_at", pd__json_time(k->last_used_ms));
}

struct list_tx {
    const char *path;
    json_t *items;
};

static int on_key(void *cls, const struct pd_apikey *k)
{
    struct list_tx *t = cls;
    json_array_append_new(t->items, key_json(k));
    return 0;
}

static pd_qs list_tx(pd_db *db, void *cls)
{
    struct list_tx *t = cls;
    json_array_clear(t->items);
    return db->ops->apikey_list(db, t->path, on_key, t);
}

int pd_api_apikeys_list(struct pd_req *rq)
{
    static const char *const allowed[] = {NULL};
    if (!pd__query_only(rq, allowed))
        return PD_HANDLED;
    struct list_tx t = {rq->who.node_path, json_array()};
    if (pd_tx_run(rq->app->store, "list api keys", true, list_tx, &t) < 0) {
        json_decref(t.items);
        return pd__reply_db_error(rq);
    }
    return pd_reply_json_steal(rq, 200, json_pack("{s:o}", "items", t.items));
}

struct create_tx {
    struct pd_req *rq;
    const char *node_code;
    struct pd_apikey key;
    bool node_missing;
};

static pd_qs create_tx(pd_db *db, void *cls)
{
    struct create_tx *t = cls;
    struct pd_node n;
    pd_qs qs = db->ops->node_get_by_code(db, t->node_code, &n);
    if (qs < 0)
        return qs;
    if (qs == 0 || !pd_req_in_scope(t->rq, n.path)) {
        t->node_missing = true;
        return PD_QS_ABORT;
    }
    t->key.node_id = n.id;
    snprintf(t->key.node_code, sizeof t->key.node_code, "%s", n.code);
    snprintf(t->key.node_path, sizeof t->key.node_path, "%s", n.path);
    qs = db->ops->apikey_insert(db, &t->key);
    if (qs < 0)
        return qs;
    char id[24];
    snprintf(id, sizeof id, "%lld", (long long)t->key.id);
    char *detail = pd_arena_printf(&t->rq->arena, "{\"prefix\":\"%s\",\"role\":\"%s\"}",
                                   t->key.prefix, pd_role_name(t->key.role));
    struct pd_audit a;
    pd_audit_for(&a, t->rq, "apikey.create", "apikey", id, n.id, detail);
    return db->ops->audit_insert(db, &a);
}

int pd_api_apikeys_create(struct pd_req *rq)
{
    const char *name = NULL, *node = NULL;
    int role = 0;
    struct pd_spec spec[] = {
        pd_spec_str("name", &name, PD_REQ, 1, 64),
        pd_spec_enum("role", &role, PD_REQ, pd_role_names),
        pd_spec_str_fmt("node_code", &node, PD_REQ, 2, 32, pd_node_code_valid),
        pd_spec_end(),
    };
    if (pd_json_parse(rq, spec) != PD_JSON_OK)
        return PD_HANDLED;
    if (pd_role_is_human((enum pd_role)role))
        return pd_reply_err(rq, PD_E_USER_ROLE_INVALID, "role",
                            "API keys take machine roles: scanner, customer_system");
    struct create_tx t = {.rq = rq, .node_code = node};
    char token[PD_TOKEN_BUF];
    pd_random_token(token);
    char *key = pd_arena_printf(&rq->arena, "%s%s", PD_APIKEY_PREFIX, token);
    if (!key)
        return pd_reply_err(rq, PD_E_INTERNAL, NULL, NULL);
    pd_sha256_hex(key, strlen(key), t.key.key_hash);
    snprintf(t.key.prefix, sizeof t.key.prefix, "%.12s", key);
    snprintf(t.key.name, sizeof t.key.name, "%s", name);
    t.key.role = (enum pd_role)role;
    t.key.created_by = rq->who.id;
    t.key.created_ms = pd_now_ms();
    pd_qs qs = pd_tx_run(rq->app->store, "create api key", false, create_tx, &t);
    if (qs == PD_QS_ABORT)
        return pd_reply_err(rq, PD_E_NODE_NOT_FOUND, "node_code", NULL);
    if (qs < 0)
        return pd__reply_db_error(rq);
    json_t *body = key_json(&t.key);
    json_object_set_new(body, "key", json_string(key));
    return pd_reply_json_steal(rq, 201, body);
}

struct revoke_tx {
    struct pd_req *rq;
    int64_t id;
    bool found;
};

static pd_qs revoke_tx(pd_db *db, void *cls)
{
    struct revoke_tx *t = cls;
    struct pd_apikey k;
    pd_qs qs = db->ops->apikey_get(db, t->id, &k);
    if (qs < 0)
        return qs;
    t->found = qs > 0 && pd_req_in_scope(t->rq, k.node_path);
    if (!t->found)
        return PD_QS_ABORT;
    if (k.revoked_ms)
        return PD_QS_ONE; /* already revoked: idempotent */
    qs = db->ops->apikey_revoke(db, t->id, pd_now_ms());
    if (qs < 0)
        return qs;
    char id[24];
    snprintf(id, sizeof id, "%lld", (long long)t->id);
    struct pd_audit a;
    pd_audit_for(&a, t->rq, "apikey.revoke", "apikey", id, k.node_id, NULL);
    return db->ops->audit_insert(db, &a);
}

int pd_api_apikeys_revoke(struct pd_req *rq)
{
    struct revoke_tx t = {.rq = rq};
    if (!pd__parse_id(rq->args[0], &t.id))
        return pd_reply_err(rq, PD_E_APIKEY_NOT_FOUND, NULL, NULL);
    pd_qs qs = pd_tx_run(rq->app->store, "revoke api key", false, revoke_tx, &t);
    if (qs == PD_QS_ABORT)
        return pd_reply_err(rq, PD_E_APIKEY_NOT_FOUND, NULL, NULL);
    if (qs < 0)
        return pd__reply_db_error(rq);
    pd_session_cache_evict_key(rq->app->sessions, t.id);
    return pd_reply_empty(rq, 204);
}
