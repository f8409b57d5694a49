/* Unit tests of src/core: the error registry, organisation rules, masking. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/errors.h"
#include "core/org.h"
#include "core/privacy.h"

static void error_registry(void **state)
{
    (void)state;
    for (int e = 1; e < PD_E__COUNT; e++) {
        const char *code = pd_err_code((pd_err)e);
        /* "area.reason", lower case, unique, a real HTTP error status, both messages */
        assert_non_null(strchr(code, '.'));
        for (const char *p = code; *p; p++)
            assert_true((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '.' ||
                        *p == '_');
        assert_int_equal(pd_err_from_code(code), e);
        assert_true(pd_err_status((pd_err)e) >= 400 && pd_err_status((pd_err)e) < 600);
        assert_true(strlen(pd_err_message((pd_err)e, "zh")) > 0);
        assert_true(strlen(pd_err_message((pd_err)e, "en")) > 0);
        assert_string_not_equal(pd_err_message((pd_err)e, "zh"), pd_err_message((pd_err)e, "en"));
    }
    assert_int_equal(pd_err_status(PD_E_AUTH_FORBIDDEN), 403);
    assert_int_equal(pd_err_status(PD_E_BODY_TOO_LARGE), 413);
    assert_string_equal(pd_err_code(PD_E_JSON_UNKNOWN_FIELD), "json.unknown_field");
    assert_string_equal(pd_err_message(PD_E_AUTH_BAD_CREDENTIALS, "zh"), "用户名或密码错误");
    assert_int_equal(pd_err_from_code("no.such_code"), PD_OK);
    assert_string_equal(pd_err_code((pd_err)9999), "internal.error");
}

static void node_tree_rules(void **state)
{
    (void)state;
    assert_true(pd_node_parent_ok(PD_NODE_HEAD_OFFICE, PD_NODE_BRANCH_L1));
    assert_true(pd_node_parent_ok(PD_NODE_BRANCH_L1, PD_NODE_BRANCH_L3));
    assert_true(pd_node_parent_ok(PD_NODE_BRANCH_L3, PD_NODE_OUTLET));
    assert_true(pd_node_parent_ok(PD_NODE_BRANCH_L1, PD_NODE_SORTING_CENTRE));
    assert_false(pd_node_parent_ok(PD_NODE_OUTLET, PD_NODE_OUTLET));
    assert_false(pd_node_parent_ok(PD_NODE_HEAD_OFFICE, PD_NODE_OUTLET));
    assert_false(pd_node_parent_ok(PD_NODE_BRANCH_L1, PD_NODE_HEAD_OFFICE));
    assert_false(pd_node_parent_ok(PD_NODE_BRANCH_L3, PD_NODE_BRANCH_L1));
    assert_false(pd_node_parent_ok(PD_NODE_SORTING_CENTRE, PD_NODE_OUTLET));
    enum pd_node_type t;
    assert_true(pd_node_type_parse("sorting_centre", &t));
    assert_int_equal(t, PD_NODE_SORTING_CENTRE);
    assert_false(pd_node_type_parse("warehouse", &t));
    assert_false(pd_node_type_parse(NULL, &t));
    assert_string_equal(pd_node_type_zh(PD_NODE_HEAD_OFFICE), "总公司");
}

static void roles_and_scope(void **state)
{
    (void)state;
    enum pd_role r;
    assert_true(pd_role_parse("admin", &r));
    assert_true(pd_role_is_human(r));
    assert_true(pd_role_parse("scanner", &r));
    assert_false(pd_role_is_human(r));
    assert_false(pd_role_parse("king", &r));
    enum pd_perm p;
    assert_true(pd_perm_parse("users.manage", &p));
    assert_int_equal(p, PD_PERM_USERS_MANAGE);
    struct pd_perm_matrix m = {{0}};
    m.bits[PD_ROLE_AGENT] = (uint64_t)1 << PD_PERM_ORDERS_CREATE;
    assert_true(pd_perm_has(&m, PD_ROLE_AGENT, PD_PERM_ORDERS_CREATE));
    assert_false(pd_perm_has(&m, PD_ROLE_AGENT, PD_PERM_USERS_MANAGE));
    /* scope: own node and below; siblings whose ids share a prefix are not below */
    assert_true(pd_scope_contains("/1/", "/1/4/9/"));
    assert_true(pd_scope_contains("/1/4/", "/1/4/"));
    assert_false(pd_scope_contains("/1/4/", "/1/"));
    assert_false(pd_scope_contains("/1/4/", "/1/45/"));
    assert_false(pd_scope_contains("", "/1/"));
    assert_false(pd_scope_contains(NULL, "/1/"));
}

static void names_and_passwords(void **state)
{
    (void)state;
    assert_true(pd_node_code_valid("GD-SZ"));
    assert_true(pd_node_code_valid("SZ-NS01"));
    assert_false(pd_node_code_valid("gd"));
    assert_false(pd_node_code_valid("-GD"));
    assert_false(pd_node_code_valid("G"));
    assert_false(pd_node_code_valid("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456"));
    assert_true(pd_username_valid("zhang.san_01"));
    assert_false(pd_username_valid("Zhang"));
    assert_false(pd_username_valid("a b"));
    assert_false(pd_username_valid("张三"));
    assert_true(pd_password_acceptable("Demo2026pass"));
    assert_false(pd_password_acceptable("short1"));
    assert_false(pd_password_acceptable("lettersonly"));
    assert_false(pd_password_acceptable("1234567890"));
}

static void masking(void **state)
{
    (void)state;
    char out[32];
    assert_string_equal(pd_mask_phone("13800138000", out, sizeof out), "138****8000");
    assert_string_equal(pd_mask_phone("0755-86001234", out, sizeof out), "075*-****1234");
    assert_string_equal(pd_mask_phone("95543", out, sizeof out), "***43");
    assert_string_equal(pd_mask_phone("", out, sizeof out), "");
    assert_string_equal(pd_mask_name("张三", out, sizeof out), "张*");
    assert_string_equal(pd_mask_name("欧阳娜娜娜", out, sizeof out), "欧***");
    assert_string_equal(pd_mask_name("Li", out, sizeof out), "L*");
    assert_string_equal(pd_mask_name("", out, sizeof out), "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(error_registry),  cmocka_unit_test(node_tree_rules),
        cmocka_unit_test(roles_and_scope), cmocka_unit_test(names_and_passwords),
        cmocka_unit_test(masking),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
