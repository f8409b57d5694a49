/* Command-line creation of nodes and users; see org_admin.h. */
#include "cli/org_admin.h"

#include <stdio.h>
#include <string.h>

#include "http/audit.h"
#include "store/tx.h"
#include "util/crypto.h"
#include "util/timeutil.h"
#include "util/utf8.h"

struct node_tx {
    const char *parent_code;
    struct pd_node node;
    bool dup, no_parent, bad_parent, root_exists;
};

static int count_node(void *cls, const struct pd_node *n)
{
    (void)n;
    ++*(int *)cls;
    return 0;
}

static pd_qs node_tx(pd_db *db, void *cls)
{
    struct node_tx *t = cls;
    pd_qs qs;
    /* A code that exists is "exists" whatever else is true: seeding twice
     * (a second `make run`) must find the head office there, not refuse a
     * second one. */
    struct pd_node existing;
    qs = db->ops->node_get_by_code(db, t->node.code, &existing);
    if (qs < 0)
        return qs;
    if (qs > 0) {
        t->dup = true;
        return PD_QS_ABORT;
    }
    if (t->parent_code) {
        struct pd_node p;
        qs = db->ops->node_get_by_code(db, t->parent_code, &p);
        if (qs < 0)
            return qs;
        if (qs == 0) {
            t->no_parent = true;
            return PD_QS_ABORT;
        }
        if (!pd_node_parent_ok(p.type, t->node.type)) {
            t->bad_parent = true;
            return PD_QS_ABORT;
        }
        t->node.parent_id = p.id;
    } else {
        int n = 0;
        qs = db->ops->node_list(db, "/", count_node, &n);
        if (qs < 0)
            return qs;
        if (n > 0) {
            t->root_exists = true;
            return PD_QS_ABORT;
        }
    }
    qs = db->ops->node_insert(db, &t->node, &t->dup);
    if (qs < 0 || t->dup)
        return qs < 0 ? qs : PD_QS_ABORT;
    char id[24];
    snprintf(id, sizeof id, "%lld", (long long)t->node.id);
    struct pd_audit a;
    pd_audit_system(&a, "cli", "node.create", "node", id, t->node.id, NULL);
    return db->ops->audit_insert(db, &a);
}

enum pd_admin_result pd_admin_node_add(pd_store *st, const char *cmd, const char *code,
                                       const char *name, const char *type, const char *parent_code)
{
    struct node_tx t = {.parent_code = parent_code};
    if (!pd_node_code_valid(code)) {
        fprintf(stderr, "parceldesk %s: --code: 2-32 of A-Z, 0-9 and '-'\n", cmd);
        return PD_ADMIN_INVALID;
    }
    if (!pd_node_type_parse(type, &t.node.type)) {
        fprintf(stderr,
                "parceldesk %s: --type: one of head_office, branch_l1, branch_l2, "
                "branch_l3, outlet, sorting_centre\n",
                cmd);
        return PD_ADMIN_INVALID;
    }
    if (!name || !*name || !pd_utf8_valid(name, strlen(name)) ||
        pd_utf8_chars(name, strlen(name)) > 64) {
        fprintf(stderr, "parceldesk %s: --name: 1-64 characters of UTF-8\n", cmd);
        return PD_ADMIN_INVALID;
    }
    if ((t.node.type == PD_NODE_HEAD_OFFICE) != (parent_code == NULL)) {
        fprintf(stderr, "parceldesk %s: --parent: %s\n", cmd,
                parent_code ? "the head office has no parent"
                            : "required for every node but the head office");
        return PD_ADMIN_INVALID;
    }
    snprintf(t.node.code, sizeof t.node.code, "%s", code);
    snprintf(t.node.name, sizeof t.node.name, "%s", name);
    snprintf(t.node.region, sizeof t.node.region, "CN");
    t.node.utc_offset_min = PD_CST_OFFSET_MIN;
    t.node.active = true;
    t.node.created_ms = pd_now_ms();
    pd_qs qs = pd_tx_run(st, "cli: add node", false, node_tx, &t);
    if (t.dup)
        return PD_ADMIN_EXISTS;
    if (t.no_parent) {
        fprintf(stderr, "parceldesk %s: --parent: no node with code %s\n", cmd, parent_code);
        return PD_ADMIN_INVALID;
    }
    if (t.bad_parent) {
        fprintf(stderr, "parceldesk %s: --type: a %s cannot sit under %s\n", cmd, type,
                parent_code);
        return PD_ADMIN_INVALID;
    }
    if (t.root_exists) {
        fprintf(stderr, "parceldesk %s: the network already has a head office\n", cmd);
        return PD_ADMIN_INVALID;
    }
    if (qs < 0) {
        fprintf(stderr, "parceldesk %s: database error while adding node %s\n", cmd, code);
        return PD_ADMIN_FAILED;
    }
    return PD_ADMIN_OK;
}

struct user_tx {
    const char *node_code;
    bool reset_existing;
    struct pd_user user;
    bool dup, no_node, reset;
};

static pd_qs user_tx(pd_db *db, void *cls)
{
    struct user_tx *t = cls;
    struct pd_node n;
    struct pd_audit a;
    char id[24];
    t->dup = t->reset = false;
    pd_qs qs = db->ops->node_get_by_code(db, t->node_code, &n);
    if (qs < 0)
        return qs;
    if (qs == 0) {
        t->no_node = true;
        return PD_QS_ABORT;
    }
    t->user.node_id = n.id;
    qs = db->ops->user_insert(db, &t->user, &t->dup);
    if (qs < 0)
        return qs;
    if (t->dup) {
        if (!t->reset_existing)
            return PD_QS_ABORT;
        struct pd_user old;
        qs = db->ops->user_get_by_name(db, t->user.username, &old);
        if (qs <= 0)
            return qs < 0 ? qs : PD_QS_ABORT;
        qs = db->ops->user_set_password(db, old.id, t->user.password_hash, pd_now_ms());
        if (qs < 0)
            return qs;
        qs = db->ops->user_set_login_state(db, old.id, 0, 0);
        if (qs < 0)
            return qs;
        t->reset = true;
        snprintf(id, sizeof id, "%lld", (long long)old.id);
        pd_audit_system(&a, "cli", "user.password_reset", "user", id, old.node_id, NULL);
        return db->ops->audit_insert(db, &a);
    }
    snprintf(id, sizeof id, "%lld", (long long)t->user.id);
    pd_audit_system(&a, "cli", "user.create", "user", id, n.id, NULL);
    return db->ops->audit_insert(db, &a);
}

enum pd_admin_result pd_admin_user_add(pd_store *st, const char *cmd, const char *username,
                                       const char *display_name, const char *role,
                                       const char *node_code, const char *password,
                                       const char *phone, bool reset_existing)
{
    struct user_tx t = {.node_code = node_code, .reset_existing = reset_existing};
    if (!pd_username_valid(username)) {
        fprintf(stderr, "parceldesk %s: --username: 2-64 of a-z, 0-9, '.', '_' and '-'\n", cmd);
        return PD_ADMIN_INVALID;
    }
    if (!pd_role_parse(role, &t.user.role) || !pd_role_is_human(t.user.role)) {
        fprintf(stderr, "parceldesk %s: --role: unknown staff role \"%s\" (one of:", cmd, role);
        for (int r = 0; r < PD_ROLE__COUNT; r++)
            if (pd_role_is_human((enum pd_role)r))
                fprintf(stderr, " %s", pd_role_name((enum pd_role)r));
        fputs(")\n", stderr);
        return PD_ADMIN_INVALID;
    }
    if (!pd_password_acceptable(password)) {
        fprintf(stderr,
                "parceldesk %s: password: at least 8 characters with a letter and a "
                "digit\n",
                cmd);
        return PD_ADMIN_INVALID;
    }
    if (!display_name || !*display_name)
        display_name = username;
    if (!pd_utf8_valid(display_name, strlen(display_name)) ||
        pd_utf8_chars(display_name, strlen(display_name)) > 64) {
        fprintf(stderr, "parceldesk %s: --display-name: 1-64 characters of UTF-8\n", cmd);
        return PD_ADMIN_INVALID;
    }
    snprintf(t.user.username, sizeof t.user.username, "%s", username);
    snprintf(t.user.display_name, sizeof t.user.display_name, "%s", display_name);
    snprintf(t.user.phone, sizeof t.user.phone, "%s", phone ? phone : "");
    t.user.active = true;
    t.user.created_ms = t.user.password_changed_ms = pd_now_ms();
    if (!pd_password_hash(password, t.user.password_hash)) {
        fprintf(stderr, "parceldesk %s: out of memory hashing the password\n", cmd);
        return PD_ADMIN_FAILED;
    }
    pd_qs qs = pd_tx_run(st, "cli: add user", false, user_tx, &t);
    if (t.no_node) {
        fprintf(stderr, "parceldesk %s: --node: no node with code %s\n", cmd, node_code);
        return PD_ADMIN_FAILED;
    }
    if (qs < 0 && qs != PD_QS_ABORT) {
        fprintf(stderr, "parceldesk %s: database error while adding user %s\n", cmd, username);
        return PD_ADMIN_FAILED;
    }
    if (t.dup && !t.reset)
        return PD_ADMIN_EXISTS;
    return PD_ADMIN_OK;
}
