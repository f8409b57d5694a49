/*
 * Staff accounts: list, read, create and edit users within the caller's
 * network scope. Reading one user in full shows personal data (the phone)
 * and is therefore audited; lists mask it. Only administrators create or
 * promote administrators. Password hashing (argon2id) runs outside the
 * transaction so a slow hash never holds a database lock.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/phone.h"
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
#include "util/utf8.h"

/* Staff phones in the canonical form of core/phone ("" clears the number).
 * @return true, or false after replying 400 phone.invalid naming "phone". */
static bool normalise_phone(struct pd_req *rq, const char *in, char *out, size_t n)
{
    if (!in || !*in) {
        out[0] = '\0';
        return true;
    }
    pd_err e = pd_phone_normalise(in, out, n, NULL);
    if (e != PD_OK)
        pd_reply_err(rq, e, "phone", NULL);
    return e == PD_OK;
}

/* ---- list --------------------------------------------------------------- */

struct list_tx {
    struct pd_user_filter f;
    json_t *items;
    int64_t last_id;
    int count;
};

static int on_user(void *cls, const struct pd_user *u)
{
    struct list_tx *t = cls;
    json_array_append_new(t->items, pd__user_json(u, NULL, false));
    t->last_id = u->id;
    t->count++;
    return 0;
}

static pd_qs list_tx(pd_db *db, void *cls)
{
    struct list_tx *t = cls;
    json_array_clear(t->items);
    t->count = 0;
    return db->ops->user_list(db, &t->f, on_user, t);
}

int pd_api_users_list(struct pd_req *rq)
{
    static const char *const allowed[] = {"role", "q", "after", "limit", NULL};
    if (!pd__query_only(rq, allowed))
        return PD_HANDLED;
    struct list_tx t = {.f = {.node_path = rq->who.node_path, .role = -1}};
    int64_t after, limit;
    if (!pd__query_int(rq, "after", 0, INT64_MAX, 0, &after) ||
        !pd__query_int(rq, "limit", 1, 200, 50, &limit))
        return PD_HANDLED;
    const char *role = pd_req_query(rq, "role");
    if (role) {
        enum pd_role r;
        if (!pd_role_parse(role, &r))
            return pd_reply_err(rq, PD_E_QUERY_INVALID, "role", "unknown role");
        t.f.role = (int)r;
    }
    const char *q = pd_req_query(rq, "q");
    if (q && (!pd_utf8_valid(q, strlen(q)) || strlen(q) > 256))
        return pd_reply_err(rq, PD_E_QUERY_INVALID, "q", NULL);
    t.f.q = q && *q ? q : NULL;
    t.f.after_id = after;
    t.f.limit = (int)limit;
    t.items = json_array();
    if (pd_tx_run(rq->app->store, "list users", true, list_tx, &t) < 0) {
        json_decref(t.items);
        return pd__reply_db_error(rq);
    }
    json_t *next = t.count == (int)limit ? json_integer(t.last_id) : json_null();
    return pd_reply_json_steal(rq, 200,
                               json_pack("{s:o, s:o}", "items", t.items, "next_after", next));
}

/* ---- get (audited: shows personal data) --------------------------------- */

struct get_tx {
    struct pd_req *rq;
    int64_t id;
    bool full; /* caller may read personal data */
    struct pd_user user;
    struct pd_node node;
    bool found;
};

static pd_qs get_tx(pd_db *db, void *cls)
{
    struct get_tx *t = cls;
    pd_qs qs = db->ops->user_get(db, t->id, &t->user);
    if (qs < 0)
        return qs;
    t->found = qs > 0 && pd_req_in_scope(t->rq, t->user.node_path);
    if (!t->found)
        return PD_QS_NONE;
    qs = db->ops->node_get(db, t->user.node_id, &t->node);
    if (qs < 0)
        return qs;
    if (!t->full || !*t->user.phone)
        return PD_QS_ONE;
    char id[24];
    snprintf(id, sizeof id, "%lld", (long long)t->id);
    struct pd_audit a;
    pd_audit_for(&a, t->rq, "user.read_personal", "user", id, t->user.node_id,
                 "{\"fields\":[\"phone\"]}");
    return db->ops->audit_insert(db, &a);
}

int pd_api_users_get(struct pd_req *rq)
{
    struct get_tx t = {.rq = rq};
    if (!pd__parse_id(rq->args[0], &t.id))
        return pd_reply_err(rq, PD_E_USER_NOT_FOUND, NULL, NULL);
    t.full =
        t.id == rq->who.id || pd_app_role_has(rq->app, rq->who.role, PD_PERM_PERSONAL_DATA_READ);
    if (pd_tx_run(rq->app->store, "get user", !t.full, get_tx, &t) < 0)
        return pd__reply_db_error(rq);
    if (!t.found)
        return pd_reply_err(rq, PD_E_USER_NOT_FOUND, NULL, NULL);
    return pd_reply_json_steal(rq, 200, pd__user_json(&t.user, &t.node, t.full));
}

/* ---- create ------------------------------------------------------------- */

struct create_tx {
    struct pd_req *rq;
    const char *node_code;
    struct pd_user user;
    struct pd_node node;
    pd_err err;
    const char *field;
};

static pd_qs create_tx(pd_db *db, void *cls)
{
    struct create_tx *t = cls;
    pd_qs qs = db->ops->node_get_by_code(db, t->node_code, &t->node);
    if (qs < 0)
        return qs;
    if (qs == 0 || !pd_req_in_scope(t->rq, t->node.path)) {
        t->err = PD_E_NODE_NOT_FOUND;
        t->field = "node_code";
        return PD_QS_ABORT;
    }
    t->user.node_id = t->node.id;
    t->user.active = true;
    t->user.created_ms = pd_now_ms();
    t->user.password_changed_ms = t->user.created_ms;
    bool dup = false;
    qs = db->ops->user_insert(db, &t->user, &dup);
    if (qs < 0)
        return qs;
    if (dup) {
        t->err = PD_E_USER_EXISTS;
        t->field = "username";
        return PD_QS_ABORT;
    }
    snprintf(t->user.node_code, sizeof t->user.node_code, "%s", t->node.code);
    snprintf(t->user.node_path, sizeof t->user.node_path, "%s", t->node.path);
    char id[24];
    snprintf(id, sizeof id, "%lld", (long long)t->user.id);
    char *detail =
        pd_arena_printf(&t->rq->arena, "{\"username\":\"%s\",\"role\":\"%s\",\"node\":\"%s\"}",
                        t->user.username, pd_role_name(t->user.role), t->node.code);
    struct pd_audit a;
    pd_audit_for(&a, t->rq, "user.create", "user", id, t->node.id, detail);
    return db->ops->audit_insert(db, &a);
}

int pd_api_users_create(struct pd_req *rq)
{
    const char *username = NULL, *display = NULL, *node = NULL, *password = NULL, *phone = "";
    int role = 0;
    struct pd_spec spec[] = {
        pd_spec_str_fmt("username", &username, PD_REQ, 2, 64, pd_username_valid),
        pd_spec_str("display_name", &display, PD_REQ, 1, 64),
        pd_spec_enum("role", &role, PD_REQ, pd_role_names),
        pd_spec_str_fmt("node_code", &node, PD_REQ, 2, 32, pd_node_code_valid),
        pd_spec_str("password", &password, PD_REQ, 1, 128),
        pd_spec_str("phone", &phone, PD_OPT, 0, 32),
        pd_spec_end(),
    };
    if (pd_json_parse(rq, spec) != PD_JSON_OK)
        return PD_HANDLED;
    if (!pd_role_is_human((enum pd_role)role))
        return pd_reply_err(rq, PD_E_USER_ROLE_INVALID, "role", NULL);
    if (role == PD_ROLE_ADMIN && rq->who.role != PD_ROLE_ADMIN)
        return pd_reply_err(rq, PD_E_AUTH_FORBIDDEN, "role", NULL);
    if (!pd_password_acceptable(password))
        return pd_reply_err(rq, PD_E_AUTH_PASSWORD_WEAK, "password", NULL);

    struct create_tx t = {.rq = rq, .node_code = node};
    snprintf(t.user.username, sizeof t.user.username, "%s", username);
    snprintf(t.user.display_name, sizeof t.user.display_name, "%s", display);
    if (!normalise_phone(rq, phone, t.user.phone, sizeof t.user.phone))
        return PD_HANDLED;
    t.user.role = (enum pd_role)role;
    if (!pd_password_hash(password, t.user.password_hash))
        return pd_reply_err(rq, PD_E_INTERNAL, NULL, NULL);
    pd_qs qs = pd_tx_run(rq->app->store, "create user", false, create_tx, &t);
    if (qs == PD_QS_ABORT)
        return pd_reply_err(rq, t.err, t.field, NULL);
    if (qs < 0)
        return pd__reply_db_error(rq);
    return pd_reply_json_steal(rq, 201, pd__user_json(&t.user, &t.node, true));
}

/* ---- update ------------------------------------------------------------- */

struct update_tx {
    struct pd_req *rq;
    int64_t id;
    const char *display, *node_code, *phone;
    int role; /* -1: unchanged */
    bool has_active, active;
    const char *password_hash; /* NULL: unchanged */
    struct pd_user user;
    struct pd_node node;
    pd_err err;
    const char *field;
    bool end_sessions;
};

static pd_qs update_tx(pd_db *db, void *cls)
{
    struct update_tx *t = cls;
    struct pd_req *rq = t->rq;
    pd_qs qs = db->ops->user_get(db, t->id, &t->user);
    if (qs < 0)
        return qs;
    if (qs == 0 || !pd_req_in_scope(rq, t->user.node_path)) {
        t->err = PD_E_USER_NOT_FOUND;
        return PD_QS_ABORT;
    }
    struct pd_user *u = &t->user;
    /* Only administrators touch administrators. */
    if ((u->role == PD_ROLE_ADMIN || t->role == PD_ROLE_ADMIN) && rq->who.role != PD_ROLE_ADMIN) {
        t->err = PD_E_AUTH_FORBIDDEN;
        t->field = t->role == PD_ROLE_ADMIN ? "role" : NULL;
        return PD_QS_ABORT;
    }
    json_t *changed = json_array();
    if (t->display && strcmp(t->display, u->display_name)) {
        snprintf(u->display_name, sizeof u->display_name, "%s", t->display);
        json_array_append_new(changed, json_string("display_name"));
    }
    if (t->phone && strcmp(t->phone, u->phone)) {
        snprintf(u->phone, sizeof u->phone, "%s", t->phone);
        json_array_append_new(changed, json_string("phone"));
    }
    if (t->role >= 0 && (enum pd_role)t->role != u->role) {
        u->role = (enum pd_role)t->role;
        json_array_append_new(changed, json_string("role"));
        t->end_sessions = true;
    }
    if (t->node_code && strcmp(t->node_code, u->node_code)) {
        struct pd_node n;
        qs = db->ops->node_get_by_code(db, t->node_code, &n);
        if (qs < 0)
            goto fail;
        if (qs == 0 || !pd_req_in_scope(rq, n.path)) {
            t->err = PD_E_NODE_NOT_FOUND;
            t->field = "node_code";
            qs = PD_QS_ABORT;
            goto fail;
        }
        u->node_id = n.id;
        snprintf(u->node_code, sizeof u->node_code, "%s", n.code);
        snprintf(u->node_path, sizeof u->node_path, "%s", n.path);
        json_array_append_new(changed, json_string("node"));
        t->end_sessions = true;
    }
    if (t->has_active && t->active != u->active) {
        u->active = t->active;
        json_array_append_new(changed, json_string("active"));
        if (!t->active)
            t->end_sessions = true;
    }
    qs = db->ops->user_update(db, u);
    if (qs < 0)
        goto fail;
    if (t->password_hash) {
        qs = db->ops->user_set_password(db, u->id, t->password_hash, pd_now_ms());
        if (qs < 0)
            goto fail;
        /* A reset also lifts a lock-out. */
        qs = db->ops->user_set_login_state(db, u->id, 0, 0);
        if (qs < 0)
            goto fail;
        json_array_append_new(changed, json_string("password"));
        t->end_sessions = true;
    }
    if (t->end_sessions) {
        qs = db->ops->session_delete_user(db, u->id);
        if (qs < 0)
            goto fail;
    }
    qs = db->ops->node_get(db, u->node_id, &t->node);
    if (qs < 0)
        goto fail;
    if (json_array_size(changed) > 0) {
        json_t *d = json_pack("{s:O}", "fields", changed);
        char *s = json_dumps(d, JSON_COMPACT);
        json_decref(d);
        char *detail = pd_arena_strdup(&rq->arena, s);
        free(s);
        char id[24];
        snprintf(id, sizeof id, "%lld", (long long)u->id);
        struct pd_audit a;
        pd_audit_for(&a, rq, "user.update", "user", id, u->node_id, detail);
        qs = db->ops->audit_insert(db, &a);
    } else {
        qs = PD_QS_ONE;
    }
fail:
    json_decref(changed);
    return qs;
}

int pd_api_users_update(struct pd_req *rq)
{
    struct update_tx t = {.rq = rq, .role = -1};
    if (!pd__parse_id(rq->args[0], &t.id))
        return pd_reply_err(rq, PD_E_USER_NOT_FOUND, NULL, NULL);
    const char *password = NULL;
    bool has_role = false;
    int role = 0;
    struct pd_spec spec[] = {
        pd_spec_str("display_name", &t.display, PD_OPT, 1, 64),
        pd_spec_enum("role", &role, PD_OPT, pd_role_names),
        pd_spec_str_fmt("node_code", &t.node_code, PD_OPT, 2, 32, pd_node_code_valid),
        pd_spec_bool("active", &t.active, PD_OPT),
        pd_spec_str("phone", &t.phone, PD_OPT, 0, 32),
        pd_spec_str("password", &password, PD_OPT, 1, 128),
        pd_spec_end(),
    };
    spec[1].present = &has_role;
    spec[3].present = &t.has_active;
    if (pd_json_parse(rq, spec) != PD_JSON_OK)
        return PD_HANDLED;
    char phone[32];
    if (t.phone) {
        if (!normalise_phone(rq, t.phone, phone, sizeof phone))
            return PD_HANDLED;
        t.phone = phone;
    }
    if (has_role) {
        if (!pd_role_is_human((enum pd_role)role))
            return pd_reply_err(rq, PD_E_USER_ROLE_INVALID, "role", NULL);
        t.role = role;
    }
    if (t.id == rq->who.id && ((t.has_active && !t.active) || has_role))
        return pd_reply_err(rq, PD_E_USER_SELF, t.has_active ? "active" : "role", NULL);
    char hash[PD_PWHASH_MAX];
    if (password) {
        if (!pd_password_acceptable(password))
            return pd_reply_err(rq, PD_E_AUTH_PASSWORD_WEAK, "password", NULL);
        if (!pd_password_hash(password, hash))
            return pd_reply_err(rq, PD_E_INTERNAL, NULL, NULL);
        t.password_hash = hash;
    }
    pd_qs qs = pd_tx_run(rq->app->store, "update user", false, update_tx, &t);
    if (qs == PD_QS_ABORT)
        return pd_reply_err(rq, t.err, t.field, NULL);
    if (qs < 0)
        return pd__reply_db_error(rq);
    pd_session_cache_evict_user(rq->app->sessions, t.id);
    return pd_reply_json_steal(rq, 200, pd__user_json(&t.user, &t.node, true));
}
