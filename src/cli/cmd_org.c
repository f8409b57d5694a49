/*
 * Organisation commands: `user add`, `node add`, `node list` and
 * `seed-demo` (the demo network of DOMAIN.md §1 with one user per staff
 * role, for `make run` and the test suites).
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/org_admin.h"
#include "http/audit.h"
#include "store/tx.h"
#include "util/crypto.h"

static int result_status(enum pd_admin_result r)
{
    switch (r) {
    case PD_ADMIN_OK:
        return PD_EXIT_OK;
    case PD_ADMIN_INVALID:
        return PD_EXIT_USAGE;
    default:
        return PD_EXIT_FAIL;
    }
}

/* Read one line (the password) from stdin without the newline. */
static bool read_password(char *out, size_t n)
{
    if (!fgets(out, (int)n, stdin))
        return false;
    out[strcspn(out, "\r\n")] = '\0';
    return true;
}

int pd_cmd_user(int argc, char **argv)
{
    static const char *const flags[] = {"username", "role", "node", "display-name", "phone", NULL};
    if (argc < 1 || strcmp(argv[0], "add") != 0) {
        fprintf(stderr, "parceldesk user: usage: parceldesk user add --db URL --username U "
                        "--role ROLE --node CODE (password on stdin)\n");
        return PD_EXIT_USAGE;
    }
    struct pd_cli c;
    int rc = pd_cli_parse(&c, "user add", argc - 1, argv + 1, flags, NULL);
    if (rc)
        return rc;
    const char *username = pd_cli_need(&c, "username");
    const char *role = pd_cli_need(&c, "role");
    const char *node = pd_cli_need(&c, "node");
    if (!username || !role || !node)
        return PD_EXIT_USAGE;
    char password[260];
    if (!read_password(password, sizeof password)) {
        fprintf(stderr, "parceldesk user add: expected the password on standard input\n");
        return PD_EXIT_USAGE;
    }
    pd_store *st = pd_cli_open_migrated(&c);
    if (!st)
        return PD_EXIT_FAIL;
    enum pd_admin_result r =
        pd_admin_user_add(st, "user add", username, pd_cli_flag(&c, "display-name"), role, node,
                          password, pd_cli_flag(&c, "phone"), false);
    pd_store_close(st);
    if (r == PD_ADMIN_EXISTS) {
        fprintf(stderr, "parceldesk user add: user %s already exists\n", username);
        return PD_EXIT_FAIL;
    }
    if (r == PD_ADMIN_OK)
        printf("user %s added\n", username);
    return result_status(r);
}

static int print_node(void *cls, const struct pd_node *n)
{
    (void)cls;
    int depth = 0;
    for (const char *p = n->path; *p; p++)
        depth += *p == '/';
    printf("%*s%-12s %-16s %s%s\n", (depth - 2) * 2, "", n->code, pd_node_type_name(n->type),
           n->name, n->active ? "" : " (inactive)");
    return 0;
}

static pd_qs list_all(pd_db *db, void *cls)
{
    return db->ops->node_list(db, "/", print_node, cls);
}

int pd_cmd_node(int argc, char **argv)
{
    static const char *const flags[] = {"code", "name", "type", "parent", NULL};
    if (argc < 1 || (strcmp(argv[0], "add") != 0 && strcmp(argv[0], "list") != 0)) {
        fprintf(stderr, "parceldesk node: usage: parceldesk node add --db URL --code C --name N "
                        "--type T [--parent CODE] | node list --db URL\n");
        return PD_EXIT_USAGE;
    }
    bool add = !strcmp(argv[0], "add");
    struct pd_cli c;
    int rc = pd_cli_parse(&c, add ? "node add" : "node list", argc - 1, argv + 1,
                          add ? flags : NULL, NULL);
    if (rc)
        return rc;
    const char *code = NULL, *name = NULL, *type = NULL;
    if (add) {
        code = pd_cli_need(&c, "code");
        name = pd_cli_need(&c, "name");
        type = pd_cli_need(&c, "type");
        if (!code || !name || !type)
            return PD_EXIT_USAGE;
    }
    pd_store *st = pd_cli_open_migrated(&c);
    if (!st)
        return PD_EXIT_FAIL;
    int status;
    if (add) {
        enum pd_admin_result r =
            pd_admin_node_add(st, "node add", code, name, type, pd_cli_flag(&c, "parent"));
        if (r == PD_ADMIN_EXISTS)
            fprintf(stderr, "parceldesk node add: node %s already exists\n", code);
        else if (r == PD_ADMIN_OK)
            printf("node %s added\n", code);
        status = r == PD_ADMIN_EXISTS ? PD_EXIT_FAIL : result_status(r);
    } else {
        status =
            pd_tx_run(st, "cli: list nodes", true, list_all, NULL) < 0 ? PD_EXIT_FAIL : PD_EXIT_OK;
    }
    pd_store_close(st);
    return status;
}

/* ---- seed-demo ---------------------------------------------------------- */

static const struct demo_node {
    const char *code, *name, *type, *parent;
} demo_nodes[] = {
    {"HQ", "总公司", "head_office", NULL},
    {"GD", "广东省分公司", "branch_l1", "HQ"},
    {"SH", "上海市分公司", "branch_l1", "HQ"},
    {"GD-SZ", "深圳市分公司", "branch_l3", "GD"},
    {"GZ-TH01", "广州天河营业部", "outlet", "GD"},
    {"GZ-HUB", "广州分拨中心", "sorting_centre", "GD"},
    {"SZ-NS01", "深圳南山营业部", "outlet", "GD-SZ"},
    {"SZ-FT01", "深圳福田营业部", "outlet", "GD-SZ"},
    {"SH-PD01", "上海浦东营业部", "outlet", "SH"},
    {"SH-HUB", "上海分拨中心", "sorting_centre", "SH"},
};

static const struct demo_user {
    const char *role, *node, *display_name, *phone;
} demo_users[] = {
    {"admin", "HQ", "系统管理员", "13800000001"},
    {"legal", "HQ", "周律师", "13800000002"},
    {"analyst", "HQ", "吴分析", "13800000003"},
    {"supervisor", "GD", "王主管", "13800000004"},
    {"manager", "GD", "李经理", "13800000005"},
    {"complaint_handler", "GD", "陈投诉", "13800000006"},
    {"claims_handler", "GD", "赵理赔", "13800000007"},
    {"account_manager", "GD", "孙客户经理", "13800000008"},
    {"agent", "GD-SZ", "张晓明", "13800000009"},
    {"inquiry_clerk", "GD-SZ", "刘查询", "13800000010"},
    {"dispatcher", "GD-SZ", "黄调度", "13800000011"},
    {"resident_agent", "SZ-NS01", "何驻站", "13800000012"},
    {"courier", "SZ-NS01", "林快递", "13800000013"},
};

/* Demo service areas: which divisions each demo node serves (node_areas). */
static const struct demo_area {
    const char *node, *division;
} demo_areas[] = {
    {"GD", "44"},          {"GD-SZ", "4403"}, {"SZ-NS01", "440305"}, {"SZ-FT01", "440304"},
    {"GZ-TH01", "440106"}, {"SH", "31"},      {"SH-PD01", "310115"},
};

static pd_qs seed_areas_tx(pd_db *db, void *cls)
{
    (void)cls;
    for (size_t i = 0; i < sizeof demo_areas / sizeof demo_areas[0]; i++) {
        struct pd_node n;
        pd_qs qs = db->ops->node_get_by_code(db, demo_areas[i].node, &n);
        if (qs <= 0)
            return qs < 0 ? qs : PD_QS_HARD;
        const char *div[1] = {demo_areas[i].division};
        if ((qs = db->ops->node_areas_set(db, n.id, div, 1)) < 0)
            return qs;
    }
    return PD_QS_ONE;
}

/* Demo customer accounts: a monthly e-commerce shop with a contract (so the
 * console shows contract pricing) and a walk-in style account. */
static const struct demo_customer {
    const char *code, *name, *phone, *node;
    bool monthly;
    const char *contract;
} demo_customers[] = {
    {"SZ-SHOP01", "深圳优品电商有限公司", "0755-86001234", "GD-SZ", true,
     "{\"contract_no\":\"HT-2026-001\",\"freight_discount_bp\":1500}"},
    {"SH-TRADE01", "上海浦江贸易有限公司", "021-58881234", "SH", false, NULL},
};

struct seed_customer_ctx {
    const struct demo_customer *c;
    int added;
};

static pd_qs seed_customer_tx(pd_db *db, void *cls)
{
    struct seed_customer_ctx *x = cls;
    struct pd_node n;
    pd_qs qs = db->ops->node_get_by_code(db, x->c->node, &n);
    if (qs <= 0)
        return qs < 0 ? qs : PD_QS_HARD;
    struct pd_customer cu = {
        .node_id = n.id, .monthly = x->c->monthly, .active = true, .contract = x->c->contract};
    snprintf(cu.code, sizeof cu.code, "%s", x->c->code);
    snprintf(cu.name, sizeof cu.name, "%s", x->c->name);
    snprintf(cu.phone, sizeof cu.phone, "%s", x->c->phone);
    bool dup = false;
    if ((qs = db->ops->customer_insert(db, &cu, &dup)) < 0 || dup)
        return qs;
    x->added++;
    struct pd_audit a;
    pd_audit_system(&a, "seed-demo", "customer.create", "customer", cu.code, n.id, cu.contract);
    return db->ops->audit_insert(db, &a);
}

static int seed_customers(pd_store *st)
{
    struct seed_customer_ctx x = {0};
    for (size_t i = 0; i < sizeof demo_customers / sizeof demo_customers[0]; i++) {
        x.c = &demo_customers[i];
        if (pd_tx_run(st, "seed customer", false, seed_customer_tx, &x) < 0) {
            fprintf(stderr, "parceldesk seed-demo: customer %s could not be stored\n", x.c->code);
            return PD_EXIT_FAIL;
        }
    }
    printf("demo customers: %d added, %zu in the demo set\n", x.added,
           sizeof demo_customers / sizeof demo_customers[0]);
    if (pd_tx_run(st, "seed areas", false, seed_areas_tx, NULL) < 0) {
        fprintf(stderr, "parceldesk seed-demo: service areas could not be stored\n");
        return PD_EXIT_FAIL;
    }
    printf("demo service areas: %zu\n", sizeof demo_areas / sizeof demo_areas[0]);
    return PD_EXIT_OK;
}

int pd_cmd_seed_demo(int argc, char **argv)
{
    static const char *const flags[] = {"password", NULL};
    struct pd_cli c;
    int rc = pd_cli_parse(&c, "seed-demo", argc, argv, flags, NULL);
    if (rc)
        return rc;
    const char *fixed = pd_cli_flag(&c, "password");
    if (fixed && !pd_password_acceptable(fixed)) {
        fprintf(stderr, "parceldesk seed-demo: --password: at least 8 characters with a letter "
                        "and a digit\n");
        return PD_EXIT_USAGE;
    }
    pd_store *st = pd_cli_open_migrated(&c);
    if (!st)
        return PD_EXIT_FAIL;
    int status = PD_EXIT_OK;
    int nodes_added = 0;
    for (size_t i = 0; i < sizeof demo_nodes / sizeof demo_nodes[0] && !status; i++) {
        const struct demo_node *n = &demo_nodes[i];
        enum pd_admin_result r =
            pd_admin_node_add(st, "seed-demo", n->code, n->name, n->type, n->parent);
        if (r == PD_ADMIN_OK)
            nodes_added++;
        else if (r != PD_ADMIN_EXISTS)
            status = PD_EXIT_FAIL;
    }
    printf("demo network: %d nodes added, %zu in the demo tree\n", nodes_added,
           sizeof demo_nodes / sizeof demo_nodes[0]);
    printf("%-18s %-10s %-14s %s\n", "user", "node", "password", "name");
    for (size_t i = 0; i < sizeof demo_users / sizeof demo_users[0] && !status; i++) {
        const struct demo_user *u = &demo_users[i];
        char generated[PD_TOKEN_BUF];
        const char *pw = fixed;
        if (!pw) {
            /* 12 random base64url characters plus a digit satisfy the policy. */
            pd_random_token(generated);
            generated[11] = '7';
            generated[12] = '\0';
            pw = generated;
        }
        enum pd_admin_result r = pd_admin_user_add(st, "seed-demo", u->role, u->display_name,
                                                   u->role, u->node, pw, u->phone, fixed != NULL);
        if (r == PD_ADMIN_OK)
            printf("%-18s %-10s %-14s %s\n", u->role, u->node,
                   fixed && !strcmp(pw, fixed) ? "(--password)" : pw, u->display_name);
        else if (r == PD_ADMIN_EXISTS)
            printf("%-18s %-10s %-14s %s\n", u->role, u->node, "(unchanged)", u->display_name);
        else
            status = PD_EXIT_FAIL;
    }
    if (!status)
        status = seed_customers(st);
    pd_store_close(st);
    return status;
}
