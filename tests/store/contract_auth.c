/*
 * Contract tests of the credentials aggregate: sessions (insert, look-up by
 * token hash joined with the user and the user's node, touch, delete, delete
 * all of a user, purge by expiry) and API keys (insert, look-up by hash and
 * id, listing by subtree, revoke, touch).
 */
#include "contract.h"

#include <stdio.h>
#include <string.h>

static void hash_of(const char *tag, int n, char out[65])
{
    /* 64 hex digits, distinct per (tag, n), like a SHA-256 in hex. */
    snprintf(out, 65, "%.8s%0*d", tag, 64 - (int)strnlen(tag, 8), n);
    for (int i = 0; i < 64; i++)
        if (!((out[i] >= '0' && out[i] <= '9') || (out[i] >= 'a' && out[i] <= 'f')))
            out[i] = 'a' + (out[i] % 6);
}

static void session_new(pd_db *db, int64_t user, const char *tag, int n, int64_t expires,
                        struct pd_session *s)
{
    memset(s, 0, sizeof *s);
    hash_of(tag, n, s->token_hash);
    s->user_id = user;
    s->created_ms = 1800000000000;
    s->last_seen_ms = 1800000000000;
    s->expires_ms = expires;
    snprintf(s->ip, sizeof s->ip, "2001:db8::%d", n);
    snprintf(s->user_agent, sizeof s->user_agent, "Mozilla/5.0 (测试; \"quoted\") %d", n);
    assert_int_equal(db->ops->session_insert(db, s), PD_QS_ONE);
    assert_true(s->id > 0);
}

static void test_sessions(void **state)
{
    pd_db *db = ct_begin(ct_store);
    struct pd_node hq, out;
    ct_node(db, "SE-HQ-", PD_NODE_HEAD_OFFICE, 0, &hq);
    ct_node(db, "SE-OU-", PD_NODE_OUTLET, hq.id, &out);
    int k = ct_seq();
    char name[64];
    struct pd_user u1, u2;
    snprintf(name, sizeof name, "se%d-one", k);
    ct_user(db, name, "会话用户", PD_ROLE_DISPATCHER, out.id, &u1);
    snprintf(name, sizeof name, "se%d-two", k);
    ct_user(db, name, "另一位", PD_ROLE_AGENT, hq.id, &u2);

    struct pd_session s1, s2, s3, got;
    struct pd_user gu;
    session_new(db, u1.id, "s1", k, 1800003600000, &s1);
    session_new(db, u1.id, "s2", k, 1800003600000, &s2);
    session_new(db, u2.id, "s3", k, 1800003600000, &s3);
    assert_true(s1.id != s2.id && s2.id != s3.id);

    assert_int_equal(db->ops->session_get(db, s1.token_hash, &got, &gu), PD_QS_ONE);
    assert_int_equal(got.id, s1.id);
    assert_string_equal(got.token_hash, s1.token_hash);
    assert_int_equal(got.user_id, u1.id);
    assert_int_equal(got.created_ms, s1.created_ms);
    assert_int_equal(got.expires_ms, s1.expires_ms);
    assert_int_equal(got.last_seen_ms, s1.last_seen_ms);
    assert_string_equal(got.ip, s1.ip);
    assert_string_equal(got.user_agent, s1.user_agent);
    /* The joined user, with its node. */
    assert_int_equal(gu.id, u1.id);
    assert_string_equal(gu.username, u1.username);
    assert_string_equal(gu.display_name, "会话用户");
    assert_int_equal(gu.role, PD_ROLE_DISPATCHER);
    assert_int_equal(gu.node_id, out.id);
    assert_string_equal(gu.node_code, out.code);
    assert_string_equal(gu.node_path, out.path);
    assert_true(gu.active);
    char unknown[65];
    hash_of("zz", k, unknown);
    assert_int_equal(db->ops->session_get(db, unknown, &got, &gu), PD_QS_NONE);

    /* A disabled user's session is still found: the caller decides. */
    struct pd_user off = u2;
    off.active = false;
    assert_int_equal(db->ops->user_update(db, &off), PD_QS_ONE);
    assert_int_equal(db->ops->session_get(db, s3.token_hash, &got, &gu), PD_QS_ONE);
    assert_false(gu.active);

    assert_int_equal(db->ops->session_touch(db, s1.id, 1800000100000, 1800007200000), PD_QS_ONE);
    assert_int_equal(db->ops->session_get(db, s1.token_hash, &got, &gu), PD_QS_ONE);
    assert_int_equal(got.last_seen_ms, 1800000100000);
    assert_int_equal(got.expires_ms, 1800007200000);
    assert_int_equal(got.created_ms, s1.created_ms);
    assert_int_equal(db->ops->session_touch(db, 987654321, 1, 2), PD_QS_NONE);

    /* Every session of u1 goes; u2's stays. */
    assert_int_equal(db->ops->session_delete_user(db, u1.id), 2);
    assert_int_equal(db->ops->session_get(db, s1.token_hash, &got, &gu), PD_QS_NONE);
    assert_int_equal(db->ops->session_get(db, s2.token_hash, &got, &gu), PD_QS_NONE);
    assert_int_equal(db->ops->session_get(db, s3.token_hash, &got, &gu), PD_QS_ONE);
    assert_int_equal(db->ops->session_delete_user(db, u1.id), PD_QS_NONE);
    assert_int_equal(db->ops->session_delete(db, s3.token_hash), PD_QS_ONE);
    assert_int_equal(db->ops->session_delete(db, s3.token_hash), PD_QS_NONE);

    /* Purge: expired at or before "now"; the rest stays. These expiry times
     * are far in the past, so no other test's sessions are affected. */
    struct pd_session e1, e2, live;
    session_new(db, u1.id, "e1", k, 1000, &e1);
    session_new(db, u1.id, "e2", k, 2000, &e2);
    session_new(db, u1.id, "lv", k, 1900000000000, &live);
    assert_int_equal(db->ops->session_purge_expired(db, 1500), 1);
    assert_int_equal(db->ops->session_get(db, e1.token_hash, &got, &gu), PD_QS_NONE);
    assert_int_equal(db->ops->session_get(db, e2.token_hash, &got, &gu), PD_QS_ONE);
    assert_int_equal(db->ops->session_purge_expired(db, 2000), 1);
    assert_int_equal(db->ops->session_get(db, e2.token_hash, &got, &gu), PD_QS_NONE);
    assert_int_equal(db->ops->session_purge_expired(db, 2000), 0);
    assert_int_equal(db->ops->session_get(db, live.token_hash, &got, &gu), PD_QS_ONE);

    /* created_ms 0 means "now". */
    struct pd_session fresh = {0};
    hash_of("fr", k, fresh.token_hash);
    fresh.user_id = u1.id;
    fresh.expires_ms = 4000000000000;
    assert_int_equal(db->ops->session_insert(db, &fresh), PD_QS_ONE);
    assert_true(fresh.created_ms > 1600000000000);
    assert_int_equal(db->ops->session_get(db, fresh.token_hash, &got, &gu), PD_QS_ONE);
    assert_int_equal(got.created_ms, fresh.created_ms);
    ct_commit(db);
}

struct collect_keys {
    int n;
    struct pd_apikey v[16];
};

static int collect_key(void *cls, const struct pd_apikey *k)
{
    struct collect_keys *c = cls;
    if (c->n < 16)
        c->v[c->n] = *k;
    c->n++;
    return 0;
}

static void key_new(pd_db *db, const char *name, enum pd_role role, int64_t node, int64_t by, int n,
                    struct pd_apikey *k)
{
    memset(k, 0, sizeof *k);
    snprintf(k->prefix, sizeof k->prefix, "pdk_%08d", n);
    hash_of("ky", n, k->key_hash);
    snprintf(k->name, sizeof k->name, "%s", name);
    k->role = role;
    k->node_id = node;
    k->created_by = by;
    k->created_ms = 1800000000000 + n;
    assert_int_equal(db->ops->apikey_insert(db, k), PD_QS_ONE);
    assert_true(k->id > 0);
}

static void test_apikeys(void **state)
{
    pd_db *db = ct_begin(ct_store);
    struct pd_node hq, a, a1, b;
    ct_node(db, "AK-HQ-", PD_NODE_HEAD_OFFICE, 0, &hq);
    ct_node(db, "AK-A-", PD_NODE_BRANCH_L1, hq.id, &a);
    ct_node(db, "AK-A1-", PD_NODE_SORTING_CENTRE, a.id, &a1);
    ct_node(db, "AK-B-", PD_NODE_BRANCH_L1, hq.id, &b);
    struct pd_user admin;
    char name[64];
    snprintf(name, sizeof name, "ak%d-admin", ct_seq());
    ct_user(db, name, "管理员", PD_ROLE_ADMIN, hq.id, &admin);

    struct pd_apikey k1, k2, k3, got;
    key_new(db, "扫描枪 1号", PD_ROLE_SCANNER, a.id, admin.id, ct_seq(), &k1);
    key_new(db, "分拨中心扫描", PD_ROLE_SCANNER, a1.id, 0, ct_seq(), &k2);
    key_new(db, "客户系统 \"ACME\"", PD_ROLE_CUSTOMER_SYSTEM, b.id, admin.id, ct_seq(), &k3);

    assert_int_equal(db->ops->apikey_get_by_hash(db, k1.key_hash, &got), PD_QS_ONE);
    assert_int_equal(got.id, k1.id);
    assert_string_equal(got.prefix, k1.prefix);
    assert_string_equal(got.key_hash, k1.key_hash);
    assert_string_equal(got.name, "扫描枪 1号");
    assert_int_equal(got.role, PD_ROLE_SCANNER);
    assert_int_equal(got.node_id, a.id);
    assert_string_equal(got.node_code, a.code);
    assert_string_equal(got.node_path, a.path);
    assert_int_equal(got.created_by, admin.id);
    assert_int_equal(got.created_ms, k1.created_ms);
    assert_int_equal(got.revoked_ms, 0);
    assert_int_equal(got.last_used_ms, 0);
    assert_int_equal(db->ops->apikey_get(db, k3.id, &got), PD_QS_ONE);
    assert_string_equal(got.name, "客户系统 \"ACME\"");
    assert_int_equal(got.role, PD_ROLE_CUSTOMER_SYSTEM);
    assert_string_equal(got.node_code, b.code);
    assert_int_equal(db->ops->apikey_get(db, 987654321, &got), PD_QS_NONE);
    char unknown[65];
    hash_of("no", 1, unknown);
    assert_int_equal(db->ops->apikey_get_by_hash(db, unknown, &got), PD_QS_NONE);

    struct collect_keys c = {0};
    assert_int_equal(db->ops->apikey_list(db, a.path, collect_key, &c), 2);
    assert_int_equal(c.v[0].id, k1.id);
    assert_int_equal(c.v[1].id, k2.id);
    assert_string_equal(c.v[1].node_path, a1.path);
    memset(&c, 0, sizeof c);
    assert_int_equal(db->ops->apikey_list(db, hq.path, collect_key, &c), 3);
    memset(&c, 0, sizeof c);
    assert_int_equal(db->ops->apikey_list(db, b.path, collect_key, &c), 1);
    assert_int_equal(c.v[0].id, k3.id);

    /* Revoke once; a second revoke keeps the first instant. */
    assert_int_equal(db->ops->apikey_revoke(db, k1.id, 1800000500000), PD_QS_ONE);
    assert_int_equal(db->ops->apikey_revoke(db, k1.id, 1800000600000), PD_QS_NONE);
    assert_int_equal(db->ops->apikey_get(db, k1.id, &got), PD_QS_ONE);
    assert_int_equal(got.revoked_ms, 1800000500000);
    /* A revoked key is still found by hash and listed: the caller decides. */
    assert_int_equal(db->ops->apikey_get_by_hash(db, k1.key_hash, &got), PD_QS_ONE);
    assert_int_equal(got.revoked_ms, 1800000500000);
    assert_int_equal(db->ops->apikey_revoke(db, 987654321, 1), PD_QS_NONE);

    assert_int_equal(db->ops->apikey_touch(db, k2.id, 1800000700000), PD_QS_ONE);
    assert_int_equal(db->ops->apikey_get(db, k2.id, &got), PD_QS_ONE);
    assert_int_equal(got.last_used_ms, 1800000700000);
    assert_int_equal(got.revoked_ms, 0);
    assert_int_equal(db->ops->apikey_touch(db, 987654321, 1), PD_QS_NONE);

    /* created_ms 0 means "now". */
    struct pd_apikey k4 = {0};
    snprintf(k4.prefix, sizeof k4.prefix, "pdk_now00000");
    hash_of("k4", ct_seq(), k4.key_hash);
    snprintf(k4.name, sizeof k4.name, "now");
    k4.role = PD_ROLE_SCANNER;
    k4.node_id = b.id;
    assert_int_equal(db->ops->apikey_insert(db, &k4), PD_QS_ONE);
    assert_true(k4.created_ms > 1600000000000);
    ct_commit(db);
}

const struct CMUnitTest ct_tests_auth[] = {
    cmocka_unit_test_teardown(test_sessions, ct_cleanup),
    cmocka_unit_test_teardown(test_apikeys, ct_cleanup),
};
const size_t ct_tests_auth_n = sizeof ct_tests_auth / sizeof *ct_tests_auth;
