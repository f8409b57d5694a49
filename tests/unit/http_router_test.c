/*
 * Route table matching (src/http/router.c): literal segments beat {param}
 * segments, parameters are percent-decoded into the arena, bad escapes do
 * not match, {*rest} takes the remainder, 404 vs 405 and the Allow list.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "http/router.h"

static int h_me(struct pd_req *rq)
{
    return 1;
}
static int h_user(struct pd_req *rq)
{
    return 2;
}
static int h_patch_user(struct pd_req *rq)
{
    return 3;
}
static int h_other(struct pd_req *rq)
{
    return 4;
}

static const struct pd_route routes[] = {
    {PD_GET, "/api/v1/users/{id}", PD_ROUTE_AUTH, 0, h_user},
    {PD_GET, "/api/v1/users/me", PD_ROUTE_AUTH, 0, h_me},
    {PD_PATCH, "/api/v1/users/{id}", PD_ROUTE_AUTH, PD_ROUTE_JSON, h_patch_user},
    {PD_POST, "/api/v1/users", PD_ROUTE_AUTH, PD_ROUTE_JSON, h_other},
    {PD_GET, "/api/v1/users", PD_ROUTE_AUTH, 0, h_other},
    {PD_GET, "/api/v1/nodes/{code}/users/{uid}", PD_ROUTE_AUTH, 0, h_other},
    {PD_GET, "/files/{*rest}", PD_ROUTE_PUBLIC, 0, h_other},
    {PD_DELETE, "/files/{*rest}", PD_ROUTE_PUBLIC, 0, h_other},
    {PD_GET, "/healthz", PD_ROUTE_PUBLIC, 0, h_other},
    {PD_GET, "/", PD_ROUTE_PUBLIC, 0, h_other},
};

struct fx {
    struct pd_router *r;
    pd_arena arena;
};

static int setup(void **state)
{
    static struct fx f;
    f.r = pd_router_new(routes, sizeof routes / sizeof routes[0]);
    if (!f.r)
        return -1;
    pd_arena_init(&f.arena, 0);
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    pd_router_free(f->r);
    pd_arena_free(&f->arena);
    return 0;
}

static enum pd_route_match match(struct fx *f, enum pd_method m, const char *path,
                                 const struct pd_route **rt, const char *args[PD_MAX_ARGS],
                                 int *nargs)
{
    return pd_router_match(f->r, m, path, rt, args, nargs, &f->arena);
}

static void literal_beats_param(void **state)
{
    struct fx *f = *state;
    const struct pd_route *rt;
    const char *args[PD_MAX_ARGS];
    int n;
    assert_int_equal(match(f, PD_GET, "/api/v1/users/me", &rt, args, &n), PD_MATCH_OK);
    assert_ptr_equal(rt->handler, h_me);
    assert_int_equal(n, 0);

    assert_int_equal(match(f, PD_GET, "/api/v1/users/42", &rt, args, &n), PD_MATCH_OK);
    assert_ptr_equal(rt->handler, h_user);
    assert_int_equal(n, 1);
    assert_string_equal(args[0], "42");
}

static void param_branch_when_literal_lacks_method(void **state)
{
    struct fx *f = *state;
    const struct pd_route *rt;
    const char *args[PD_MAX_ARGS];
    int n;
    /* "me" has only GET as a literal; PATCH must fall back to {id}. */
    assert_int_equal(match(f, PD_PATCH, "/api/v1/users/me", &rt, args, &n), PD_MATCH_OK);
    assert_ptr_equal(rt->handler, h_patch_user);
    assert_string_equal(args[0], "me");
}

static void params_decoded_in_order(void **state)
{
    struct fx *f = *state;
    const struct pd_route *rt;
    const char *args[PD_MAX_ARGS];
    int n;
    assert_int_equal(match(f, PD_GET, "/api/v1/nodes/GD%2DSZ/users/%E5%BC%A0%20", &rt, args, &n),
                     PD_MATCH_OK);
    assert_int_equal(n, 2);
    assert_string_equal(args[0], "GD-SZ");
    assert_string_equal(args[1], "张 ");
}

static void bad_escapes_do_not_match(void **state)
{
    struct fx *f = *state;
    const struct pd_route *rt;
    const char *args[PD_MAX_ARGS];
    int n;
    assert_int_equal(match(f, PD_GET, "/api/v1/users/a%00b", &rt, args, &n), PD_MATCH_NO_PATH);
    assert_int_equal(match(f, PD_GET, "/api/v1/users/a%zz", &rt, args, &n), PD_MATCH_NO_PATH);
    assert_int_equal(match(f, PD_GET, "/api/v1/users/a%4", &rt, args, &n), PD_MATCH_NO_PATH);
    assert_int_equal(match(f, PD_GET, "/api/v1/users/%", &rt, args, &n), PD_MATCH_NO_PATH);
    assert_null(rt);
}

static void empty_segments_and_trailing_slash(void **state)
{
    struct fx *f = *state;
    const struct pd_route *rt;
    const char *args[PD_MAX_ARGS];
    int n;
    /* An empty segment is not a parameter value. */
    assert_int_equal(match(f, PD_GET, "/api/v1/users//", &rt, args, &n), PD_MATCH_NO_PATH);
    assert_int_equal(match(f, PD_GET, "/api/v1/users/me/", &rt, args, &n), PD_MATCH_NO_PATH);
    assert_int_equal(match(f, PD_GET, "/healthz/", &rt, args, &n), PD_MATCH_NO_PATH);
    assert_int_equal(match(f, PD_GET, "/", &rt, args, &n), PD_MATCH_OK);
    assert_int_equal(match(f, PD_GET, "", &rt, args, &n), PD_MATCH_NO_PATH);
}

static void rest_takes_remainder(void **state)
{
    struct fx *f = *state;
    const struct pd_route *rt;
    const char *args[PD_MAX_ARGS];
    int n;
    assert_int_equal(match(f, PD_GET, "/files/a/b%20c.txt", &rt, args, &n), PD_MATCH_OK);
    assert_int_equal(n, 1);
    assert_string_equal(args[0], "a/b c.txt");
    assert_int_equal(match(f, PD_GET, "/files/", &rt, args, &n), PD_MATCH_OK);
    assert_string_equal(args[0], "");
    assert_int_equal(match(f, PD_GET, "/files", &rt, args, &n), PD_MATCH_NO_PATH);
}

static void head_uses_get(void **state)
{
    struct fx *f = *state;
    const struct pd_route *rt;
    const char *args[PD_MAX_ARGS];
    int n;
    assert_int_equal(match(f, PD_HEAD, "/healthz", &rt, args, &n), PD_MATCH_OK);
    assert_int_equal(rt->method, PD_GET);
}

static void not_found_vs_method_not_allowed(void **state)
{
    struct fx *f = *state;
    const struct pd_route *rt;
    const char *args[PD_MAX_ARGS];
    int n;
    assert_int_equal(match(f, PD_DELETE, "/api/v1/users", &rt, args, &n), PD_MATCH_NO_METHOD);
    assert_int_equal(match(f, PD_POST, "/healthz", &rt, args, &n), PD_MATCH_NO_METHOD);
    assert_int_equal(match(f, PD_METHOD_OTHER, "/healthz", &rt, args, &n), PD_MATCH_NO_METHOD);
    assert_int_equal(match(f, PD_GET, "/api/v2/users", &rt, args, &n), PD_MATCH_NO_PATH);
    assert_int_equal(match(f, PD_GET, "/api/v1/users/1/extra", &rt, args, &n), PD_MATCH_NO_PATH);
}

static void allowed_lists_every_matching_pattern(void **state)
{
    struct fx *f = *state;
    char out[64];
    /* Literal GET and the {id} PATCH both match "/api/v1/users/me". */
    pd_router_allowed(f->r, "/api/v1/users/me", out, sizeof out);
    assert_string_equal(out, "GET, PATCH, HEAD");
    pd_router_allowed(f->r, "/api/v1/users", out, sizeof out);
    assert_string_equal(out, "GET, POST, HEAD");
    pd_router_allowed(f->r, "/files/x", out, sizeof out);
    assert_string_equal(out, "GET, DELETE, HEAD");
    pd_router_allowed(f->r, "/nothing", out, sizeof out);
    assert_string_equal(out, "");
    /* Truncation keeps whole method names. */
    pd_router_allowed(f->r, "/files/x", out, 12);
    assert_string_equal(out, "GET, DELETE");
}

static void invalid_patterns_refused(void **state)
{
    static const struct pd_route bad1[] = {{PD_GET, "/a/{*rest}/b", PD_ROUTE_PUBLIC, 0, h_other}};
    static const struct pd_route bad2[] = {{PD_GET, "no-slash", PD_ROUTE_PUBLIC, 0, h_other}};
    static const struct pd_route bad3[] = {
        {PD_GET, "/{a}/{b}/{c}/{d}/{e}/{f}/{g}", PD_ROUTE_PUBLIC, 0, h_other}};
    static const struct pd_route bad4[] = {{PD_GET, "/a{b}", PD_ROUTE_PUBLIC, 0, h_other}};
    assert_null(pd_router_new(bad1, 1));
    assert_null(pd_router_new(bad2, 1));
    assert_null(pd_router_new(bad3, 1));
    assert_null(pd_router_new(bad4, 1));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(literal_beats_param),
        cmocka_unit_test(param_branch_when_literal_lacks_method),
        cmocka_unit_test(params_decoded_in_order),
        cmocka_unit_test(bad_escapes_do_not_match),
        cmocka_unit_test(empty_segments_and_trailing_slash),
        cmocka_unit_test(rest_takes_remainder),
        cmocka_unit_test(head_uses_get),
        cmocka_unit_test(not_found_vs_method_not_allowed),
        cmocka_unit_test(allowed_lists_every_matching_pattern),
        cmocka_unit_test(invalid_patterns_refused),
    };
    return cmocka_run_group_tests_name("http_router", tests, setup, teardown);
}
