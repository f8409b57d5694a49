/*
 * Contract tests of the organisation aggregate: nodes and their materialised
 * paths, users (with the joined node code and path), user listing with
 * filters and keyset pagination, the seeded permission matrix, and text that
 * must come back byte for byte whatever it contains.
 */
#include "contract.h"

#include <stdio.h>
#include <string.h>

/* ---- nodes -------------------------------------------------------------------- */

struct collect_nodes {
    int n;
    struct pd_node v[64];
};

static int collect_node(void *cls, const struct pd_node *n)
{
    struct collect_nodes *c = cls;
    if (c->n < 64)
        c->v[c->n] = *n;
    c->n++;
    return 0;
}

static pd_qs list_nodes(pd_db *db, const char *prefix, struct collect_nodes *c)
{
    memset(c, 0, sizeof *c);
    return db->ops->node_list(db, prefix, collect_node, c);
}

static void assert_node_equal(const struct pd_node *a, const struct pd_node *b)
{
    assert_int_equal(a->id, b->id);
    assert_string_equal(a->code, b->code);
    assert_string_equal(a->name, b->name);
    assert_int_equal(a->type, b->type);
    assert_int_equal(a->parent_id, b->parent_id);
    assert_string_equal(a->path, b->path);
    assert_string_equal(a->region, b->region);
    assert_int_equal(a->utc_offset_min, b->utc_offset_min);
    assert_int_equal(a->active, b->active);
    assert_int_equal(a->created_ms, b->created_ms);
}

static void test_node_paths(void **state)
{
    /* A database of its own, so the ids are known: 1 for the root, 2..25
     * for its children. Ids 2 and 20..25 make paths where one id is a
     * prefix of another ("/1/2/" and "/1/20/"), the classic subtree bug. */
    pd_store *st = ct_open_fresh_migrated();
    pd_db *db = ct_begin(st);
    struct pd_node root, kids[24], grandchild;
    ct_node(db, "HQ", PD_NODE_HEAD_OFFICE, 0, &root);
    assert_int_equal(root.id, 1);
    assert_string_equal(root.path, "/1/");
    assert_int_equal(root.parent_id, 0);
    for (int i = 0; i < 24; i++) {
        char code[16];
        snprintf(code, sizeof code, "BR%02d", i);
        ct_node(db, code, PD_NODE_BRANCH_L1, root.id, &kids[i]);
        char want[32];
        snprintf(want, sizeof want, "/1/%lld/", (long long)kids[i].id);
        assert_string_equal(kids[i].path, want);
    }
    assert_int_equal(kids[0].id, 2);
    assert_int_equal(kids[18].id, 20);
    ct_node(db, "OUT", PD_NODE_OUTLET, kids[0].id, &grandchild);
    assert_string_equal(grandchild.path, "/1/2/26/");

    struct collect_nodes c;
    assert_int_equal(list_nodes(db, "/1/2/", &c), 2);
    assert_int_equal(c.n, 2);
    assert_string_equal(c.v[0].path, "/1/2/");
    assert_string_equal(c.v[1].path, "/1/2/26/");
    assert_int_equal(list_nodes(db, "/1/20/", &c), 1);
    assert_string_equal(c.v[0].code, "BR18");
    assert_int_equal(list_nodes(db, "/1/", &c), 26);
    assert_int_equal(list_nodes(db, "/", &c), 26);
    /* Ordered by path, byte for byte. */
    for (int i = 1; i < c.n; i++)
        assert_true(strcmp(c.v[i - 1].path, c.v[i].path) < 0);
    assert_node_equal(&c.v[0], &root);
    assert_int_equal(list_nodes(db, "/9/", &c), 0);

    int64_t deps = -1;
    assert_int_equal(db->ops->node_dependents(db, root.id, &deps), PD_QS_ONE);
    assert_int_equal(deps, 24);
    assert_int_equal(db->ops->node_dependents(db, kids[0].id, &deps), PD_QS_ONE);
    assert_int_equal(deps, 1);
    ct_user(db, "np-user", "某人", PD_ROLE_AGENT, kids[0].id, NULL);
    assert_int_equal(db->ops->node_dependents(db, kids[0].id, &deps), PD_QS_ONE);
    assert_int_equal(deps, 2);
    assert_int_equal(db->ops->node_dependents(db, grandchild.id, &deps), PD_QS_ONE);
    assert_int_equal(deps, 0);
    ct_commit(db);
    pd_store_close(st);
}

static void test_node_crud(void **state)
{
    pd_db *db = ct_begin(ct_store);
    struct pd_node hq, br, got;
    ct_node(db, "NC-HQ-", PD_NODE_HEAD_OFFICE, 0, &hq);
    /* Defaults when no locale is given: China, UTC+8. */
    assert_string_equal(hq.region, "CN");
    assert_int_equal(hq.utc_offset_min, 480);
    assert_true(hq.created_ms > 0);

    memset(&br, 0, sizeof br);
    snprintf(br.code, sizeof br.code, "NC-BR-%d", ct_seq());
    snprintf(br.name, sizeof br.name, "乌鲁木齐分公司");
    br.type = PD_NODE_BRANCH_L1;
    br.parent_id = hq.id;
    snprintf(br.region, sizeof br.region, "CN-XJ");
    br.utc_offset_min = 360;
    br.active = false;
    bool dup = true;
    assert_int_equal(db->ops->node_insert(db, &br, &dup), PD_QS_ONE);
    assert_false(dup);
    char want[PD_PATH_MAX + 32];
    snprintf(want, sizeof want, "%s%lld/", hq.path, (long long)br.id);
    assert_string_equal(br.path, want);

    assert_int_equal(db->ops->node_get(db, br.id, &got), PD_QS_ONE);
    assert_node_equal(&got, &br);
    assert_int_equal(got.parent_id, hq.id);
    assert_int_equal(got.utc_offset_min, 360);
    assert_false(got.active);
    assert_int_equal(db->ops->node_get_by_code(db, br.code, &got), PD_QS_ONE);
    assert_node_equal(&got, &br);
    assert_int_equal(db->ops->node_get(db, 987654321, &got), PD_QS_NONE);
    assert_int_equal(db->ops->node_get_by_code(db, "NO-SUCH-CODE", &got), PD_QS_NONE);

    /* Update changes name, active, region, offset — nothing else. */
    struct pd_node upd = br;
    snprintf(upd.name, sizeof upd.name, "新疆分公司");
    upd.active = true;
    snprintf(upd.region, sizeof upd.region, "CN");
    upd.utc_offset_min = 480;
    snprintf(upd.code, sizeof upd.code, "IGNORED");
    snprintf(upd.path, sizeof upd.path, "/ignored/");
    upd.type = PD_NODE_OUTLET;
    assert_int_equal(db->ops->node_update(db, &upd), PD_QS_ONE);
    assert_int_equal(db->ops->node_get(db, br.id, &got), PD_QS_ONE);
    assert_string_equal(got.name, "新疆分公司");
    assert_true(got.active);
    assert_string_equal(got.region, "CN");
    assert_int_equal(got.utc_offset_min, 480);
    assert_string_equal(got.code, br.code);
    assert_string_equal(got.path, br.path);
    assert_int_equal(got.type, PD_NODE_BRANCH_L1);
    upd.id = 987654321;
    assert_int_equal(db->ops->node_update(db, &upd), PD_QS_NONE);
    ct_commit(db);
}

static void test_node_duplicate_code(void **state)
{
    pd_db *db = ct_begin(ct_store);
    struct pd_node a, b, c, got;
    ct_node(db, "DUP-", PD_NODE_HEAD_OFFICE, 0, &a);
    memset(&b, 0, sizeof b);
    snprintf(b.code, sizeof b.code, "%s", a.code);
    snprintf(b.name, sizeof b.name, "second");
    b.type = PD_NODE_HEAD_OFFICE;
    bool dup = false;
    assert_int_equal(db->ops->node_insert(db, &b, &dup), PD_QS_NONE);
    assert_true(dup);
    /* The transaction is still usable after the duplicate. */
    ct_node(db, "DUP-", PD_NODE_HEAD_OFFICE, 0, &c);
    ct_commit(db);

    db = ct_begin(ct_store);
    assert_int_equal(db->ops->node_get_by_code(db, a.code, &got), PD_QS_ONE);
    assert_int_equal(got.id, a.id);
    assert_string_equal(got.name, a.name);
    assert_int_equal(db->ops->node_get_by_code(db, c.code, &got), PD_QS_ONE);
    ct_commit(db);
}

/* ---- users ---------------------------------------------------------------------- */

static void assert_user_equal(const struct pd_user *a, const struct pd_user *b)
{
    assert_int_equal(a->id, b->id);
    assert_string_equal(a->username, b->username);
    assert_string_equal(a->display_name, b->display_name);
    assert_string_equal(a->phone, b->phone);
    assert_int_equal(a->role, b->role);
    assert_int_equal(a->node_id, b->node_id);
    assert_string_equal(a->password_hash, b->password_hash);
    assert_int_equal(a->active, b->active);
    assert_int_equal(a->failed_logins, b->failed_logins);
    assert_int_equal(a->locked_until_ms, b->locked_until_ms);
    assert_int_equal(a->password_changed_ms, b->password_changed_ms);
    assert_int_equal(a->created_ms, b->created_ms);
}

static void test_user_crud(void **state)
{
    pd_db *db = ct_begin(ct_store);
    struct pd_node hq, br, out;
    ct_node(db, "UC-HQ-", PD_NODE_HEAD_OFFICE, 0, &hq);
    ct_node(db, "UC-BR-", PD_NODE_BRANCH_L1, hq.id, &br);
    ct_node(db, "UC-OU-", PD_NODE_OUTLET, br.id, &out);

    struct pd_user u = {0}, got;
    snprintf(u.username, sizeof u.username, "uc.agent-%d", ct_seq());
    snprintf(u.display_name, sizeof u.display_name, "王小明");
    snprintf(u.phone, sizeof u.phone, "+86 139 0000 0000");
    snprintf(u.password_hash, sizeof u.password_hash, "$argon2id$v=19$m=65536,t=2,p=1$abc$def");
    u.role = PD_ROLE_AGENT;
    u.node_id = out.id;
    u.active = true;
    u.password_changed_ms = 1700000000000;
    bool dup = true;
    assert_int_equal(db->ops->user_insert(db, &u, &dup), PD_QS_ONE);
    assert_false(dup);
    assert_true(u.id > 0);
    assert_true(u.created_ms > 0);

    assert_int_equal(db->ops->user_get(db, u.id, &got), PD_QS_ONE);
    assert_user_equal(&got, &u);
    assert_string_equal(got.node_code, out.code);
    assert_string_equal(got.node_path, out.path);
    assert_int_equal(got.failed_logins, 0);
    assert_int_equal(got.locked_until_ms, 0);
    assert_int_equal(db->ops->user_get_by_name(db, u.username, &got), PD_QS_ONE);
    assert_user_equal(&got, &u);
    assert_string_equal(got.node_path, out.path);
    assert_int_equal(db->ops->user_get(db, 987654321, &got), PD_QS_NONE);
    assert_int_equal(db->ops->user_get_by_name(db, "nobody-here", &got), PD_QS_NONE);

    /* Duplicate user name: a flag, not an error; the transaction goes on. */
    struct pd_user twin = u;
    twin.id = 0;
    snprintf(twin.display_name, sizeof twin.display_name, "冒名顶替");
    dup = false;
    assert_int_equal(db->ops->user_insert(db, &twin, &dup), PD_QS_NONE);
    assert_true(dup);
    struct pd_user other;
    char name[64];
    snprintf(name, sizeof name, "uc.other-%d", ct_seq());
    ct_user(db, name, "另一个", PD_ROLE_COURIER, br.id, &other);
    assert_int_equal(db->ops->user_get_by_name(db, u.username, &got), PD_QS_ONE);
    assert_string_equal(got.display_name, "王小明");

    /* Update: display_name, phone, role, node, active. */
    struct pd_user upd = u;
    snprintf(upd.display_name, sizeof upd.display_name, "王大明");
    snprintf(upd.phone, sizeof upd.phone, "13911112222");
    upd.role = PD_ROLE_SUPERVISOR;
    upd.node_id = br.id;
    upd.active = false;
    snprintf(upd.username, sizeof upd.username, "ignored");
    snprintf(upd.password_hash, sizeof upd.password_hash, "ignored");
    assert_int_equal(db->ops->user_update(db, &upd), PD_QS_ONE);
    assert_int_equal(db->ops->user_get(db, u.id, &got), PD_QS_ONE);
    assert_string_equal(got.display_name, "王大明");
    assert_string_equal(got.phone, "13911112222");
    assert_int_equal(got.role, PD_ROLE_SUPERVISOR);
    assert_int_equal(got.node_id, br.id);
    assert_string_equal(got.node_code, br.code);
    assert_string_equal(got.node_path, br.path);
    assert_false(got.active);
    assert_string_equal(got.username, u.username);
    assert_string_equal(got.password_hash, u.password_hash);
    upd.id = 987654321;
    assert_int_equal(db->ops->user_update(db, &upd), PD_QS_NONE);

    /* Password and login state. */
    assert_int_equal(db->ops->user_set_password(db, u.id, "$argon2id$new", 1800000000123),
                     PD_QS_ONE);
    assert_int_equal(db->ops->user_set_login_state(db, u.id, 4, 1800000900000), PD_QS_ONE);
    assert_int_equal(db->ops->user_get(db, u.id, &got), PD_QS_ONE);
    assert_string_equal(got.password_hash, "$argon2id$new");
    assert_int_equal(got.password_changed_ms, 1800000000123);
    assert_int_equal(got.failed_logins, 4);
    assert_int_equal(got.locked_until_ms, 1800000900000);
    assert_int_equal(db->ops->user_set_login_state(db, u.id, 0, 0), PD_QS_ONE);
    assert_int_equal(db->ops->user_get(db, u.id, &got), PD_QS_ONE);
    assert_int_equal(got.failed_logins, 0);
    assert_int_equal(got.locked_until_ms, 0);
    assert_int_equal(db->ops->user_set_password(db, 987654321, "x", 1), PD_QS_NONE);
    assert_int_equal(db->ops->user_set_login_state(db, 987654321, 1, 1), PD_QS_NONE);
    /* The other user was not touched by any of this. */
    assert_int_equal(db->ops->user_get(db, other.id, &got), PD_QS_ONE);
    assert_user_equal(&got, &other);
    ct_commit(db);
}

struct collect_users {
    int n;
    struct pd_user v[32];
    int stop_after; /* 0: never */
};

static int collect_user(void *cls, const struct pd_user *u)
{
    struct collect_users *c = cls;
    if (c->n < 32)
        c->v[c->n] = *u;
    c->n++;
    return c->stop_after && c->n >= c->stop_after ? PD_QS_ABORT : 0;
}

static pd_qs list_users(pd_db *db, const char *path, int role, const char *q, int64_t after,
                        int limit, struct collect_users *c)
{
    memset(c, 0, sizeof *c);
    struct pd_user_filter f = {
        .node_path = path, .role = role, .q = q, .after_id = after, .limit = limit};
    return db->ops->user_list(db, &f, collect_user, c);
}

static void test_user_list(void **state)
{
    pd_db *db = ct_begin(ct_store);
    struct pd_node hq, a, a1, a2, b;
    ct_node(db, "UL-HQ-", PD_NODE_HEAD_OFFICE, 0, &hq);
    ct_node(db, "UL-A-", PD_NODE_BRANCH_L1, hq.id, &a);
    ct_node(db, "UL-A1-", PD_NODE_OUTLET, a.id, &a1);
    ct_node(db, "UL-A2-", PD_NODE_OUTLET, a.id, &a2);
    ct_node(db, "UL-B-", PD_NODE_BRANCH_L1, hq.id, &b);
    int s = ct_seq();
    static const struct {
        const char *user, *display;
        enum pd_role role;
        int node; /* 0 a1, 1 a2, 2 b */
    } people[] = {
        {"zhang", "张三", PD_ROLE_AGENT, 0},        {"li", "李四", PD_ROLE_AGENT, 0},
        {"sale", "50%_off sale", PD_ROLE_AGENT, 0}, {"under", "a_b", PD_ROLE_AGENT, 0},
        {"pct", "50%x", PD_ROLE_COURIER, 0},        {"wang", "王五 ABC", PD_ROLE_COURIER, 1},
        {"zhao", "赵六", PD_ROLE_AGENT, 1},         {"qian", "钱七", PD_ROLE_AGENT, 1},
        {"out1", "外人 abc", PD_ROLE_AGENT, 2},     {"out2", "50%_off 外", PD_ROLE_AGENT, 2},
    };
    int64_t nodes[3] = {a1.id, a2.id, b.id};
    int64_t ids[10];
    for (int i = 0; i < 10; i++) {
        char name[64];
        snprintf(name, sizeof name, "ul%d-%s", s, people[i].user);
        struct pd_user u;
        ids[i] = ct_user(db, name, people[i].display, people[i].role, nodes[people[i].node], &u);
    }
    struct collect_users c;
    /* Subtree of A: the 8 users of A1 and A2, in id order; not B's. */
    assert_int_equal(list_users(db, a.path, -1, NULL, 0, 0, &c), 8);
    for (int i = 0; i < 8; i++)
        assert_int_equal(c.v[i].id, ids[i]);
    assert_string_equal(c.v[0].node_code, a1.code);
    assert_string_equal(c.v[5].node_path, a2.path);
    assert_int_equal(list_users(db, a2.path, -1, NULL, 0, 0, &c), 3);
    assert_int_equal(list_users(db, hq.path, -1, NULL, 0, 0, &c), 10);
    assert_int_equal(list_users(db, a.path, PD_ROLE_COURIER, NULL, 0, 0, &c), 2);
    assert_int_equal(c.v[0].id, ids[4]);
    assert_int_equal(c.v[1].id, ids[5]);
    assert_int_equal(list_users(db, a.path, PD_ROLE_ADMIN, NULL, 0, 0, &c), 0);

    /* Keyset pagination: pages of 3 give back the same 8, in order. */
    int64_t after = 0;
    int seen = 0;
    for (int page = 0; page < 10; page++) {
        pd_qs qs = list_users(db, a.path, -1, NULL, after, 3, &c);
        assert_true(qs >= 0 && qs <= 3);
        if (qs == 0)
            break;
        for (int i = 0; i < c.n; i++)
            assert_int_equal(c.v[i].id, ids[seen + i]);
        seen += c.n;
        after = c.v[c.n - 1].id;
    }
    assert_int_equal(seen, 8);

    /* Search is literal: '%' and '_' are characters, not wildcards. */
    assert_int_equal(list_users(db, a.path, -1, "%", 0, 0, &c), 2); /* 50%_off, 50%x */
    assert_int_equal(list_users(db, a.path, -1, "%_", 0, 0, &c), 1);
    assert_int_equal(c.v[0].id, ids[2]);
    assert_int_equal(list_users(db, a.path, -1, "_", 0, 0, &c), 2); /* 50%_off, a_b */
    assert_int_equal(list_users(db, hq.path, -1, "50%_off", 0, 0, &c), 2);
    /* Chinese, and ASCII case-insensitively; user names match too. */
    assert_int_equal(list_users(db, a.path, -1, "张", 0, 0, &c), 1);
    assert_int_equal(c.v[0].id, ids[0]);
    assert_int_equal(list_users(db, hq.path, -1, "abc", 0, 0, &c), 2);
    assert_int_equal(list_users(db, hq.path, -1, "ZHAO", 0, 0, &c), 1);
    assert_int_equal(c.v[0].id, ids[6]);
    assert_int_equal(list_users(db, a.path, PD_ROLE_AGENT, "50%", 0, 0, &c), 1);
    assert_int_equal(list_users(db, a.path, -1, "", 0, 0, &c), 8); /* empty: no filter */
    assert_int_equal(list_users(db, a.path, -1, "'; DROP TABLE users; --", 0, 0, &c), 0);

    /* A callback that says stop stops the listing, and its value is the result. */
    memset(&c, 0, sizeof c);
    c.stop_after = 2;
    struct pd_user_filter f = {.node_path = a.path, .role = -1};
    assert_int_equal(db->ops->user_list(db, &f, collect_user, &c), PD_QS_ABORT);
    assert_int_equal(c.n, 2);
    ct_commit(db);
}

/* ---- permission matrix ----------------------------------------------------------- */

struct perm_seen {
    struct pd_perm_matrix m;
    int rows;
    int bad;
};

static int collect_perm(void *cls, const char *role, const char *perm)
{
    struct perm_seen *p = cls;
    enum pd_role r;
    enum pd_perm pm;
    p->rows++;
    if (!pd_role_parse(role, &r) || !pd_perm_parse(perm, &pm)) {
        fprintf(stderr, "unknown row (%s, %s)\n", role, perm);
        p->bad++;
        return 0;
    }
    p->m.bits[r] |= (uint64_t)1 << pm;
    return 0;
}

#define P(x) ((uint64_t)1 << PD_PERM_##x)

static void test_permission_matrix(void **state)
{
    /* The default matrix, restated independently of the migration. */
    const uint64_t human = P(ME) | P(NODES_READ) | P(TRACKING_READ);
    uint64_t want[PD_ROLE__COUNT] = {0};
    want[PD_ROLE_AGENT] = human | P(ORDERS_CREATE) | P(ORDERS_READ) | P(QUOTES) | P(TICKETS_READ) |
                          P(TICKETS_WRITE) | P(PERSONAL_DATA_READ);
    want[PD_ROLE_INQUIRY] = human | P(ORDERS_READ) | P(QUOTES) | P(TICKETS_READ) |
                            P(TICKETS_WRITE) | P(PERSONAL_DATA_READ);
    want[PD_ROLE_COMPLAINT_HANDLER] =
        human | P(ORDERS_READ) | P(TICKETS_READ) | P(TICKETS_WRITE) | P(PERSONAL_DATA_READ);
    want[PD_ROLE_CLAIMS_HANDLER] =
        human | P(ORDERS_READ) | P(TICKETS_READ) | P(CLAIMS) | P(PERSONAL_DATA_READ);
    want[PD_ROLE_DISPATCHER] =
        human | P(ORDERS_READ) | P(DISPATCH) | P(PERSONAL_DATA_READ) | P(TRIPS_MANAGE);
    want[PD_ROLE_ACCOUNT_MANAGER] =
        human | P(ORDERS_READ) | P(QUOTES) | P(CUSTOMERS) | P(TICKETS_READ) | P(REPORTS);
    want[PD_ROLE_RESIDENT_AGENT] =
        human | P(ORDERS_CREATE) | P(ORDERS_READ) | P(QUOTES) | P(PERSONAL_DATA_READ);
    want[PD_ROLE_LEGAL] =
        human | P(ORDERS_READ) | P(TICKETS_READ) | P(CLAIMS) | P(PERSONAL_DATA_READ);
    want[PD_ROLE_ANALYST] = human | P(ORDERS_READ) | P(REPORTS) | P(CALLCENTER);
    want[PD_ROLE_SUPERVISOR] =
        human | P(USERS_READ) | P(AUDIT_READ) | P(ORDERS_CREATE) | P(ORDERS_READ) |
        P(ORDERS_REVIEW) | P(QUOTES) | P(DISPATCH) | P(TICKETS_READ) | P(TICKETS_WRITE) |
        P(CLAIMS) | P(CUSTOMERS) | P(CALLCENTER) | P(REPORTS) | P(PERSONAL_DATA_READ) |
        P(GOODS_MANAGE) | P(CALLCENTER_MANAGE) | P(CALLCENTER_QA) | P(CALLCENTER_IMPORT) |
        P(TICKETS_SUPERVISE) | P(KB_EDIT) | P(TRIPS_MANAGE);
    want[PD_ROLE_MANAGER] = human | P(USERS_READ) | P(USERS_MANAGE) | P(AUDIT_READ) |
                            P(ORDERS_READ) | P(ORDERS_REVIEW) | P(QUOTES) | P(DISPATCH) |
                            P(TICKETS_READ) | P(TICKETS_WRITE) | P(CLAIMS) | P(CUSTOMERS) |
                            P(CALLCENTER) | P(REPORTS) | P(PERSONAL_DATA_READ) | P(GOODS_MANAGE) |
                            P(CALLCENTER_MANAGE) | P(CALLCENTER_IMPORT) | P(TICKETS_SUPERVISE) |
                            P(KB_EDIT) | P(TRIPS_MANAGE);
    want[PD_ROLE_COURIER] = human | P(ORDERS_READ) | P(DISPATCH) | P(SCANS_WRITE);
    want[PD_ROLE_ADMIN] = ((uint64_t)1 << PD_PERM__COUNT) - 1;
    want[PD_ROLE_SCANNER] = P(SCANS_WRITE);
    want[PD_ROLE_CUSTOMER_SYSTEM] =
        P(ORDERS_CREATE) | P(ORDERS_READ) | P(QUOTES) | P(TRACKING_READ);

    /* A database of its own: the shared one is edited by nobody, but a
     * matrix test should not depend on that. */
    pd_store *st = ct_open_fresh_migrated();
    pd_db *db = ct_begin(st);
    struct perm_seen p = {0};
    pd_qs qs = db->ops->perm_list(db, collect_perm, &p);
    assert_int_equal(qs, p.rows);
    assert_int_equal(p.bad, 0);
    int total = 0;
    for (int r = 0; r < PD_ROLE__COUNT; r++) {
        if (p.m.bits[r] != want[r])
            fail_msg("role %s: have %#llx, want %#llx", pd_role_name(r),
                     (unsigned long long)p.m.bits[r], (unsigned long long)want[r]);
        total += __builtin_popcountll(want[r]);
    }
    assert_int_equal(p.rows, total);
    assert_true(pd_perm_has(&p.m, PD_ROLE_ADMIN, PD_PERM_AUDIT_READ));
    assert_true(pd_perm_has(&p.m, PD_ROLE_COURIER, PD_PERM_SCANS_WRITE));
    assert_false(pd_perm_has(&p.m, PD_ROLE_AGENT, PD_PERM_USERS_MANAGE));

    /* Grant and revoke; each is idempotent and says whether it changed a row. */
    assert_int_equal(db->ops->perm_set(db, "agent", "users.manage", true), PD_QS_ONE);
    assert_int_equal(db->ops->perm_set(db, "agent", "users.manage", true), PD_QS_NONE);
    memset(&p, 0, sizeof p);
    db->ops->perm_list(db, collect_perm, &p);
    assert_true(pd_perm_has(&p.m, PD_ROLE_AGENT, PD_PERM_USERS_MANAGE));
    assert_int_equal(p.rows, total + 1);
    assert_int_equal(db->ops->perm_set(db, "agent", "users.manage", false), PD_QS_ONE);
    assert_int_equal(db->ops->perm_set(db, "agent", "users.manage", false), PD_QS_NONE);
    assert_int_equal(db->ops->perm_set(db, "courier", "scans.write", false), PD_QS_ONE);
    memset(&p, 0, sizeof p);
    db->ops->perm_list(db, collect_perm, &p);
    assert_false(pd_perm_has(&p.m, PD_ROLE_AGENT, PD_PERM_USERS_MANAGE));
    assert_false(pd_perm_has(&p.m, PD_ROLE_COURIER, PD_PERM_SCANS_WRITE));
    assert_int_equal(p.rows, total - 1);
    /* Names outside org.def are refused. */
    assert_int_equal(db->ops->perm_set(db, "agent", "no.such.perm", true), PD_QS_HARD);
    assert_int_equal(db->ops->perm_set(db, "janitor", "me", true), PD_QS_HARD);
    ct_commit(db);
    pd_store_close(st);
}

/* ---- text round trip ------------------------------------------------------------ */

static const char *const nasty[] = {
    "张三丰",
    "emoji 😀📦🚚 and 𠀋𡈽 (four-byte CJK)",
    "quote ' double \" backtick ` semicolon ;",
    "'; DROP TABLE users; --",
    "Robert'); DELETE FROM nodes WHERE ('1'='1",
    "back\\slash \\\\ \\n \\x00 \\'",
    "50% off_sale [a-z]* ^$ .?+ {1}",
    "tab\there\nnewline\r\ncrlf",
    "\xc2\xa0non-breaking\xe2\x80\x8bzero-width\xef\xbb\xbf BOM",
    "日本語 한국어 العربية עברית Ελληνικά",
    "$1 $2 ?1 ? :name @p %s %d",
    "",
};

static void test_text_round_trip(void **state)
{
    pd_db *db = ct_begin(ct_store);
    struct pd_node hq;
    ct_node(db, "TXT-", PD_NODE_HEAD_OFFICE, 0, &hq);
    int s = ct_seq();
    for (size_t i = 0; i < sizeof nasty / sizeof *nasty; i++) {
        struct pd_node n = {0}, gn;
        snprintf(n.code, sizeof n.code, "TXT-%d-%zu", s, i);
        snprintf(n.name, sizeof n.name, "%s", nasty[i]);
        snprintf(n.region, sizeof n.region, "C'N\"%%_");
        n.utc_offset_min = 480;
        n.type = PD_NODE_BRANCH_L1;
        n.parent_id = hq.id;
        bool dup;
        assert_int_equal(db->ops->node_insert(db, &n, &dup), PD_QS_ONE);
        assert_int_equal(db->ops->node_get(db, n.id, &gn), PD_QS_ONE);
        assert_memory_equal(gn.name, nasty[i], strlen(nasty[i]) + 1);
        assert_string_equal(gn.region, n.region);

        struct pd_user u = {0}, gu;
        snprintf(u.username, sizeof u.username, "txt%d-%zu", s, i);
        snprintf(u.display_name, sizeof u.display_name, "%s", nasty[i]);
        snprintf(u.phone, sizeof u.phone, "+86 '\"%%_\\ 号码");
        snprintf(u.password_hash, sizeof u.password_hash, "%s", nasty[i]);
        u.role = PD_ROLE_AGENT;
        u.node_id = n.id;
        u.active = true;
        assert_int_equal(db->ops->user_insert(db, &u, &dup), PD_QS_ONE);
        assert_int_equal(db->ops->user_get(db, u.id, &gu), PD_QS_ONE);
        assert_memory_equal(gu.display_name, nasty[i], strlen(nasty[i]) + 1);
        assert_string_equal(gu.phone, u.phone);
        assert_string_equal(gu.password_hash, nasty[i]);
        assert_string_equal(gu.node_code, n.code);

        /* Searching for the exact text finds exactly this user. */
        if (nasty[i][0]) {
            struct collect_users c;
            assert_true(list_users(db, n.path, -1, nasty[i], 0, 0, &c) == 1);
            assert_int_equal(c.v[0].id, u.id);
        }
    }
    /* The users table survived its name being typed into every field. */
    struct pd_user any;
    char name[64];
    snprintf(name, sizeof name, "txt%d-3", s);
    assert_int_equal(db->ops->user_get_by_name(db, name, &any), PD_QS_ONE);
    assert_string_equal(any.display_name, "'; DROP TABLE users; --");
    ct_commit(db);
}

static void test_text_truncation_keeps_utf8(void **state)
{
    /* A stored value longer than its field comes back cut at a character
     * boundary: k ASCII letters and 100 three-byte characters into the name
     * field, k chosen so that the last byte that fits is the middle byte of
     * a character; the copy must stop before that character. */
    const size_t cap = sizeof((struct pd_node *)0)->name;
    const size_t k = (cap - 2) % 3;
    char big[512] = "aa";
    big[k] = '\0';
    for (int i = 0; i < 100; i++)
        strcat(big, "长");
    assert_true(strlen(big) >= cap);
    pd_db *db = ct_begin(ct_store);
    struct pd_node hq;
    ct_node(db, "TR-", PD_NODE_HEAD_OFFICE, 0, &hq);
    char sql[1024];
    snprintf(sql, sizeof sql, "UPDATE nodes SET name = '%s' WHERE id = %lld", big,
             (long long)hq.id);
    assert_true(db->ops->exec_script(db, sql) >= 0);
    struct pd_node got;
    assert_int_equal(db->ops->node_get(db, hq.id, &got), PD_QS_ONE);
    size_t n = strlen(got.name);
    assert_int_equal(n, cap - 2); /* the k letters and whole characters only */
    assert_int_equal((n - k) % 3, 0);
    assert_memory_equal(got.name, big, n);
    ct_rollback(db);
}

const struct CMUnitTest ct_tests_org[] = {
    cmocka_unit_test_teardown(test_node_paths, ct_cleanup),
    cmocka_unit_test_teardown(test_node_crud, ct_cleanup),
    cmocka_unit_test_teardown(test_node_duplicate_code, ct_cleanup),
    cmocka_unit_test_teardown(test_user_crud, ct_cleanup),
    cmocka_unit_test_teardown(test_user_list, ct_cleanup),
    cmocka_unit_test_teardown(test_permission_matrix, ct_cleanup),
    cmocka_unit_test_teardown(test_text_round_trip, ct_cleanup),
    cmocka_unit_test_teardown(test_text_truncation_keeps_utf8, ct_cleanup),
};
const size_t ct_tests_org_n = sizeof ct_tests_org / sizeof *ct_tests_org;
