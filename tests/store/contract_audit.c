/*
 * Contract tests of the audit log: entries come back newest first with every
 * field as written; each filter (subtree incl. node-0 entries, actor,
 * action, object, time range, keyset) and their combination; and the log
 * refuses UPDATE and DELETE even from raw SQL.
 */
#include "contract.h"

#include <stdio.h>
#include <string.h>

struct entry {
    struct pd_audit a;
    char detail[256];
    bool has_detail;
};

struct collect_audit {
    int n;
    struct entry v[16];
    int stop_after;
};

static int collect_entry(void *cls, const struct pd_audit *a)
{
    struct collect_audit *c = cls;
    if (c->n < 16) {
        c->v[c->n].a = *a;
        c->v[c->n].has_detail = a->detail != NULL;
        snprintf(c->v[c->n].detail, sizeof c->v[c->n].detail, "%s", a->detail ? a->detail : "");
        c->v[c->n].a.detail = NULL; /* borrowed: valid only during the call */
    }
    c->n++;
    return c->stop_after && c->n >= c->stop_after ? PD_QS_HARD : 0;
}

/* The audit fixture: its own database, so every entry is known. */
static pd_store *st;
static struct pd_node hq, a, a1, b;
static struct pd_audit e[6];
static const char *const details[6] = {
    NULL,
    "{\"username\":\"li.si\",\"role\":\"agent\",\"名字\":\"李四\"}",
    "{\"fields\":[\"phone\",\"address\"],\"reason\":\"客户来电 'urgent'\"}",
    "{\"waybill\":\"SF1234567890\"}",
    NULL,
    "{\"note\":\"back\\\\slash \\\"q\\\" 😀\"}",
};

static void add(pd_db *db, int i, enum pd_actor_kind kind, int64_t actor, const char *actor_name,
                const char *action, const char *otype, const char *oid, int64_t node, int64_t at)
{
    struct pd_audit *x = &e[i];
    memset(x, 0, sizeof *x);
    x->at_ms = at;
    x->actor_kind = kind;
    x->actor_id = actor;
    snprintf(x->actor_name, sizeof x->actor_name, "%s", actor_name);
    snprintf(x->action, sizeof x->action, "%s", action);
    snprintf(x->object_type, sizeof x->object_type, "%s", otype);
    snprintf(x->object_id, sizeof x->object_id, "%s", oid);
    x->node_id = node;
    snprintf(x->ip, sizeof x->ip, "192.0.2.%d", i);
    snprintf(x->request_id, sizeof x->request_id, "req-%d-abcdef", i);
    x->detail = details[i];
    assert_int_equal(db->ops->audit_insert(db, x), PD_QS_ONE);
    assert_true(x->id > 0);
    assert_true(i == 0 || x->id > e[i - 1].id);
}

static int audit_setup(void **state)
{
    st = ct_open_fresh_migrated();
    pd_db *db = ct_begin(st);
    ct_node(db, "AU-HQ", PD_NODE_HEAD_OFFICE, 0, &hq);
    ct_node(db, "AU-A", PD_NODE_BRANCH_L1, hq.id, &a);
    ct_node(db, "AU-A1", PD_NODE_OUTLET, a.id, &a1);
    ct_node(db, "AU-B", PD_NODE_BRANCH_L1, hq.id, &b);
    add(db, 0, PD_ACTOR_SYSTEM, 0, "system", "system.start", "system", "", 0, 1000);
    add(db, 1, PD_ACTOR_USER, 11, "管理员", "user.create", "user", "u1", a.id, 2000);
    add(db, 2, PD_ACTOR_USER, 12, "李四", "user.read_personal", "user", "u1", a1.id, 3000);
    add(db, 3, PD_ACTOR_APIKEY, 13, "pdk_12345678", "scan.upload", "waybill", "SF1234567890", b.id,
        4000);
    add(db, 4, PD_ACTOR_PUBLIC, 0, "", "tracking.query", "waybill", "SF1234567890", a1.id, 5000);
    add(db, 5, PD_ACTOR_USER, 12, "李四", "user.update", "user", "u2", hq.id, 5000);
    ct_commit(db);
    return 0;
}

static int audit_teardown(void **state)
{
    ct_cleanup(state);
    pd_store_close(st);
    st = NULL;
    return 0;
}

/* List with @p f and check the result is exactly entries @p want (newest first). */
static void expect(struct pd_audit_filter f, const int *want, int nwant)
{
    pd_db *db = ct_begin(st);
    struct collect_audit c = {0};
    pd_qs qs = db->ops->audit_list(db, &f, collect_entry, &c);
    ct_commit(db);
    assert_int_equal(qs, nwant);
    assert_int_equal(c.n, nwant);
    for (int i = 0; i < nwant; i++)
        if (c.v[i].a.id != e[want[i]].id)
            fail_msg("position %d: entry id %lld, want e%d (id %lld)", i, (long long)c.v[i].a.id,
                     want[i], (long long)e[want[i]].id);
}

#define EXPECT(filter, ...)                                                                        \
    do {                                                                                           \
        static const int w_[] = {__VA_ARGS__};                                                     \
        expect(filter, w_, (int)(sizeof w_ / sizeof *w_));                                         \
    } while (0)

static void test_audit_fields_newest_first(void **state)
{
    pd_db *db = ct_begin(st);
    struct collect_audit c = {0};
    struct pd_audit_filter f = {0};
    assert_int_equal(db->ops->audit_list(db, &f, collect_entry, &c), 6);
    ct_commit(db);
    for (int i = 0; i < 6; i++) {
        const struct pd_audit *got = &c.v[i].a, *w = &e[5 - i];
        assert_int_equal(got->id, w->id);
        assert_int_equal(got->at_ms, w->at_ms);
        assert_int_equal(got->actor_kind, w->actor_kind);
        assert_int_equal(got->actor_id, w->actor_id);
        assert_string_equal(got->actor_name, w->actor_name);
        assert_string_equal(got->action, w->action);
        assert_string_equal(got->object_type, w->object_type);
        assert_string_equal(got->object_id, w->object_id);
        assert_int_equal(got->node_id, w->node_id);
        assert_string_equal(got->ip, w->ip);
        assert_string_equal(got->request_id, w->request_id);
        /* detail: NULL stays NULL, JSON comes back byte for byte */
        assert_int_equal(c.v[i].has_detail, details[5 - i] != NULL);
        if (details[5 - i])
            assert_string_equal(c.v[i].detail, details[5 - i]);
    }
}

static void test_audit_filters(void **state)
{
    /* Subtree: entries of the subtree's nodes plus node-0 entries. */
    EXPECT(((struct pd_audit_filter){.node_path = a.path}), 4, 2, 1, 0);
    EXPECT(((struct pd_audit_filter){.node_path = a1.path}), 4, 2, 0);
    EXPECT(((struct pd_audit_filter){.node_path = b.path}), 3, 0);
    EXPECT(((struct pd_audit_filter){.node_path = hq.path}), 5, 4, 3, 2, 1, 0);
    EXPECT(((struct pd_audit_filter){.node_path = "/"}), 5, 4, 3, 2, 1, 0);
    EXPECT(((struct pd_audit_filter){.actor_id = 12}), 5, 2);
    EXPECT(((struct pd_audit_filter){.action = "user.create"}), 1);
    EXPECT(((struct pd_audit_filter){.object_type = "waybill"}), 4, 3);
    EXPECT(((struct pd_audit_filter){.object_type = "user", .object_id = "u1"}), 2, 1);
    EXPECT(((struct pd_audit_filter){.object_id = "SF1234567890"}), 4, 3);
    /* [from, to) */
    EXPECT(((struct pd_audit_filter){.from_ms = 3000}), 5, 4, 3, 2);
    EXPECT(((struct pd_audit_filter){.to_ms = 3000}), 1, 0);
    EXPECT(((struct pd_audit_filter){.from_ms = 2000, .to_ms = 4000}), 2, 1);
    EXPECT(((struct pd_audit_filter){.before_id = e[3].id}), 2, 1, 0);
    EXPECT(((struct pd_audit_filter){.limit = 2}), 5, 4);
    /* Combined. */
    EXPECT(((struct pd_audit_filter){.node_path = a.path, .actor_id = 12}), 2);
    EXPECT(((struct pd_audit_filter){
               .node_path = b.path, .object_type = "waybill", .from_ms = 4000, .to_ms = 4001}),
           3);
    expect((struct pd_audit_filter){.node_path = a.path, .action = "scan.upload"}, NULL, 0);
    /* Empty strings do not filter. */
    EXPECT(((struct pd_audit_filter){
               .node_path = "", .action = "", .object_type = "", .object_id = ""}),
           5, 4, 3, 2, 1, 0);
    /* No match at all. */
    expect((struct pd_audit_filter){.action = "user.create%"}, NULL, 0);
    expect((struct pd_audit_filter){.action = "'; DELETE FROM audit_log; --"}, NULL, 0);
}

static void test_audit_keyset_pages(void **state)
{
    int64_t before = 0;
    int got = 0;
    for (int page = 0; page < 5; page++) {
        pd_db *db = ct_begin(st);
        struct collect_audit c = {0};
        struct pd_audit_filter f = {.node_path = a.path, .before_id = before, .limit = 2};
        pd_qs qs = db->ops->audit_list(db, &f, collect_entry, &c);
        ct_commit(db);
        assert_true(qs >= 0 && qs <= 2);
        if (qs == 0)
            break;
        static const int order[] = {4, 2, 1, 0};
        for (int i = 0; i < c.n; i++)
            assert_int_equal(c.v[i].a.id, e[order[got + i]].id);
        got += c.n;
        before = c.v[c.n - 1].a.id;
    }
    assert_int_equal(got, 4);

    /* A callback that stops the listing decides its result. */
    pd_db *db = ct_begin(st);
    struct collect_audit c = {.stop_after = 2};
    struct pd_audit_filter f = {0};
    assert_int_equal(db->ops->audit_list(db, &f, collect_entry, &c), PD_QS_HARD);
    assert_int_equal(c.n, 2);
    ct_commit(db);
}

static void test_audit_append_only(void **state)
{
    static const char *const attempts[] = {
        "UPDATE audit_log SET action = 'tampered'",
        "UPDATE audit_log SET detail = NULL WHERE id = 1",
        "DELETE FROM audit_log",
        "DELETE FROM audit_log WHERE id = 1",
    };
    for (size_t i = 0; i < sizeof attempts / sizeof *attempts; i++)
        if (ct_exec(st, attempts[i]) >= 0)
            fail_msg("audit_log accepted: %s", attempts[i]);
    if (ct_is_pg())
        assert_true(ct_exec(st, "TRUNCATE audit_log") < 0);
    /* Everything is still there, unchanged. */
    test_audit_fields_newest_first(state);
    /* And appending still works after the refusals. */
    pd_db *db = ct_begin(st);
    struct pd_audit x = {.actor_kind = PD_ACTOR_SYSTEM, .action = "audit.check"};
    assert_int_equal(db->ops->audit_insert(db, &x), PD_QS_ONE);
    assert_true(x.id > e[5].id);
    assert_true(x.at_ms > 0); /* 0 means now */
    ct_rollback(db);
}

static void test_audit_node_path_copied(void **state)
{
    /* The entry keeps the path its node had when it was written; an entry
     * naming a node that does not exist gets an empty path and so shows
     * only to unscoped readers. */
    pd_db *db = ct_begin(st);
    struct pd_audit x = {
        .actor_kind = PD_ACTOR_USER, .actor_id = 99, .action = "ghost.write", .node_id = 987654321};
    assert_int_equal(db->ops->audit_insert(db, &x), PD_QS_ONE);
    struct collect_audit c = {0};
    struct pd_audit_filter f = {.node_path = hq.path, .action = "ghost.write"};
    assert_int_equal(db->ops->audit_list(db, &f, collect_entry, &c), 0);
    f.node_path = NULL;
    assert_int_equal(db->ops->audit_list(db, &f, collect_entry, &c), 1);
    ct_rollback(db);
}

const struct CMUnitTest ct_tests_audit[] = {
    cmocka_unit_test_setup_teardown(test_audit_fields_newest_first, audit_setup, audit_teardown),
    cmocka_unit_test_setup_teardown(test_audit_filters, audit_setup, audit_teardown),
    cmocka_unit_test_setup_teardown(test_audit_keyset_pages, audit_setup, audit_teardown),
    cmocka_unit_test_setup_teardown(test_audit_append_only, audit_setup, audit_teardown),
    cmocka_unit_test_setup_teardown(test_audit_node_path_copied, audit_setup, audit_teardown),
};
const size_t ct_tests_audit_n = sizeof ct_tests_audit / sizeof *ct_tests_audit;
