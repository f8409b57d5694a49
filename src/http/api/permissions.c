/*
 * The permission matrix as data: which role holds which permission. Read by
 * anyone who may read users (so the console can show it); edited by holders
 * of permissions.manage. An edit replaces one role's set in one transaction,
 * is audited, and reloads the in-memory matrix at once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/api/api.h"
#include "http/api/common.h"
#include "http/app.h"
#include "http/audit.h"
#include "http/json_spec.h"
#include "http/reply.h"
#include "store/tx.h"

static const char *const perm_titles[] = {
#define PD_PERM(sym, name, zh) zh,
#include "core/org.def"
#undef PD_PERM
};

int pd_api_permissions_get(struct pd_req *rq)
{
    json_t *roles = json_array();
    for (int r = 0; r < PD_ROLE__COUNT; r++) {
        json_t *perms = json_array();
        for (int p = 0; p < PD_PERM__COUNT; p++)
            if (pd_app_role_has(rq->app, (enum pd_role)r, (enum pd_perm)p))
                json_array_append_new(perms, json_string(pd_perm_name((enum pd_perm)p)));
        json_array_append_new(
            roles, json_pack("{s:s, s:s, s:b, s:o}", "role", pd_role_name((enum pd_role)r), "name",
                             pd_role_zh((enum pd_role)r), "human",
                             pd_role_is_human((enum pd_role)r), "permissions", perms));
    }
    json_t *all = json_array();
    for (int p = 0; p < PD_PERM__COUNT; p++)
        json_array_append_new(all, json_pack("{s:s, s:s}", "name", pd_perm_name((enum pd_perm)p),
                                             "title", perm_titles[p]));
    return pd_reply_json_steal(rq, 200,
                               json_pack("{s:o, s:o}", "roles", roles, "permissions", all));
}

struct put_tx {
    struct pd_req *rq;
    enum pd_role role;
    uint64_t want;
    const char *detail;
};

static pd_qs put_tx(pd_db *db, void *cls)
{
    struct put_tx *t = cls;
    for (int p = 0; p < PD_PERM__COUNT; p++) {
        pd_qs qs = db->ops->perm_set(db, pd_role_name(t->role), pd_perm_name((enum pd_perm)p),
                                     (t->want >> p) & 1u);
        if (qs < 0)
            return qs;
    }
    struct pd_audit a;
    pd_audit_for(&a, t->rq, "permission.update", "role", pd_role_name(t->role), 0, t->detail);
    return db->ops->audit_insert(db, &a);
}

int pd_api_permissions_put(struct pd_req *rq)
{
    struct put_tx t = {.rq = rq};
    if (!pd_role_parse(rq->args[0], &t.role))
        return pd_reply_err(rq, PD_E_NOT_FOUND, NULL, "no such role");
    const json_t *list = NULL;
    struct pd_spec spec[] = {
        pd_spec_json("permissions", &list, PD_REQ),
        pd_spec_end(),
    };
    if (pd_json_parse(rq, spec) != PD_JSON_OK)
        return PD_HANDLED;
    if (!json_is_array(list))
        return pd_reply_err(rq, PD_E_JSON_TYPE, "permissions", "expected an array of names");
    size_t i;
    const json_t *v;
    json_array_foreach(list, i, v)
    {
        char field[48];
        snprintf(field, sizeof field, "permissions[%zu]", i);
        enum pd_perm p;
        if (!json_is_string(v))
            return pd_reply_err(rq, PD_E_JSON_TYPE, field, "expected a string");
        if (!pd_perm_parse(json_string_value(v), &p))
            return pd_reply_err(rq, PD_E_PERMISSION_UNKNOWN, field, NULL);
        t.want |= (uint64_t)1 << p;
    }
    /* The administrator role keeps every permission, so that nobody can
     * lock the organisation out of its own system. */
    if (t.role == PD_ROLE_ADMIN && t.want != (((uint64_t)1 << PD_PERM__COUNT) - 1))
        return pd_reply_err(rq, PD_E_USER_ROLE_INVALID, "permissions",
                            "the admin role keeps every permission");
    char *s = json_dumps(list, JSON_COMPACT);
    t.detail = pd_arena_printf(&rq->arena, "{\"permissions\":%s}", s ? s : "[]");
    free(s);
    pd_qs qs = pd_tx_run(rq->app->store, "set permissions", false, put_tx, &t);
    if (qs < 0)
        return pd__reply_db_error(rq);
    if (!pd_app_reload_perms(rq->app))
        return pd__reply_db_error(rq);
    return pd_api_permissions_get(rq);
}
