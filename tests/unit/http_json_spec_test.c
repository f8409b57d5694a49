/*
 * The declarative JSON decoder (src/http/json_spec.c): every kind, every
 * error code with its field path and detail, error precedence (specs in
 * order, unknown fields last), null handling, character (not byte)
 * lengths for Chinese and emoji, nested and prefixed paths, and the
 * request-side wrapper pd_json_parse().
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <microhttpd.h>

#include "http/json_spec.h"
#include "http/req.h"

static pd_arena arena;

static int setup(void **state)
{
    pd_arena_init(&arena, 0);
    return 0;
}

static int teardown(void **state)
{
    pd_arena_free(&arena);
    return 0;
}

static json_t *doc(const char *text)
{
    json_error_t je;
    json_t *j = json_loads(text, JSON_REJECT_DUPLICATES, &je);
    if (!j)
        fail_msg("bad test JSON: %s (%s)", text, je.text);
    return j;
}

/* Decode text against spec; on failure check code, field and (if non-NULL) detail. */
static void expect_fail(const char *text, const struct pd_spec *spec, const char *prefix,
                        pd_err code, const char *field, const char *detail)
{
    json_t *j = doc(text);
    struct pd_json_error err;
    bool ok = pd_json_decode(j, spec, &arena, prefix, &err);
    json_decref(j);
    if (ok)
        fail_msg("%s: expected %s at %s, decoded fine", text, pd_err_code(code), field);
    assert_string_equal(pd_err_code(err.code), pd_err_code(code));
    assert_string_equal(err.field, field);
    if (detail)
        assert_string_equal(err.detail, detail);
}

static bool is_digits(const char *s)
{
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return false;
    return true;
}

static const char *const services[] = {"standard", "express", "cold_chain", "freight", NULL};

static void decodes_every_kind(void **state)
{
    const char *name = NULL, *phone = NULL;
    int64_t qty = -1, at = 0;
    bool fragile = false;
    int service = -1;
    const json_t *extra = NULL;
    bool qty_present = false, note_present = true;
    const char *note = "unchanged";
    struct pd_spec spec[] = {
        pd_spec_str("recipient.name", &name, PD_REQ, 1, 4),
        pd_spec_str_fmt("recipient.phone", &phone, PD_REQ, 11, 11, is_digits),
        pd_spec_int("goods.quantity", &qty, PD_OPT, 1, 9999),
        pd_spec_bool("goods.fragile", &fragile, PD_OPT),
        pd_spec_enum("service", &service, PD_REQ, services),
        pd_spec_time("pickup_at", &at, PD_REQ),
        pd_spec_json("extra", &extra, PD_OPT),
        pd_spec_str("note", &note, PD_OPT, 0, 0),
        pd_spec_end(),
    };
    spec[2].present = &qty_present;
    spec[7].present = &note_present;
    json_t *j = doc("{\"recipient\":{\"name\":\"李四\",\"phone\":\"13900139000\"},"
                    "\"goods\":{\"quantity\":3,\"fragile\":true},\"service\":\"cold_chain\","
                    "\"pickup_at\":\"2026-11-23T10:00:00+08:00\","
                    "\"extra\":{\"anything\":[1,{\"deep\":null}]},\"note\":null}");
    struct pd_json_error err;
    assert_true(pd_json_decode(j, spec, &arena, NULL, &err));
    assert_string_equal(name, "李四");
    /* Strings are copies in the arena, not pointers into the document. */
    assert_ptr_not_equal(
        name, json_string_value(json_object_get(json_object_get(j, "recipient"), "name")));
    assert_string_equal(phone, "13900139000");
    assert_int_equal(qty, 3);
    assert_true(qty_present);
    assert_true(fragile);
    assert_int_equal(service, 2);
    assert_int_equal(at, INT64_C(1795399200000)); /* 2026-11-23T02:00:00Z */
    assert_ptr_equal(extra, json_object_get(j, "extra"));
    /* null is absent for an optional field: value kept, present false. */
    assert_string_equal(note, "unchanged");
    assert_false(note_present);
    json_decref(j);
}

static void optional_absent_keeps_value(void **state)
{
    int64_t qty = 77;
    bool present = true;
    struct pd_spec spec[] = {pd_spec_int("goods.quantity", &qty, PD_OPT, 1, 10), pd_spec_end()};
    spec[0].present = &present;
    struct pd_json_error err;
    json_t *j = doc("{}");
    assert_true(pd_json_decode(j, spec, &arena, NULL, &err));
    assert_int_equal(qty, 77);
    assert_false(present);
    json_decref(j);
    /* A null parent object also means absent. */
    j = doc("{\"goods\":null}");
    present = true;
    assert_true(pd_json_decode(j, spec, &arena, NULL, &err));
    assert_false(present);
    json_decref(j);
}

static void missing_and_null_required(void **state)
{
    const char *s;
    struct pd_spec spec[] = {pd_spec_str("sender.name", &s, PD_REQ, 1, 10), pd_spec_end()};
    expect_fail("{}", spec, NULL, PD_E_JSON_MISSING, "sender.name", "");
    expect_fail("{\"sender\":{}}", spec, NULL, PD_E_JSON_MISSING, "sender.name", "");
    expect_fail("{\"sender\":{\"name\":null}}", spec, NULL, PD_E_JSON_MISSING, "sender.name", "");
    expect_fail("{\"sender\":null}", spec, NULL, PD_E_JSON_MISSING, "sender.name", "");
}

static void wrong_types_name_expected_type(void **state)
{
    const char *s;
    int64_t i;
    bool b;
    int e;
    int64_t t;
    struct pd_spec str[] = {pd_spec_str("a", &s, PD_REQ, 0, 0), pd_spec_end()};
    struct pd_spec in[] = {pd_spec_int("a", &i, PD_REQ, 0, 10), pd_spec_end()};
    struct pd_spec bo[] = {pd_spec_bool("a", &b, PD_REQ), pd_spec_end()};
    struct pd_spec en[] = {pd_spec_enum("a", &e, PD_REQ, services), pd_spec_end()};
    struct pd_spec ti[] = {pd_spec_time("a", &t, PD_REQ), pd_spec_end()};
    expect_fail("{\"a\":5}", str, NULL, PD_E_JSON_TYPE, "a", "expected a string");
    expect_fail("{\"a\":\"5\"}", in, NULL, PD_E_JSON_TYPE, "a", "expected an integer");
    expect_fail("{\"a\":1.0}", in, NULL, PD_E_JSON_TYPE, "a", "expected an integer");
    expect_fail("{\"a\":1}", bo, NULL, PD_E_JSON_TYPE, "a", "expected true or false");
    expect_fail("{\"a\":1}", en, NULL, PD_E_JSON_TYPE, "a", "expected a string");
    expect_fail("{\"a\":{}}", ti, NULL, PD_E_JSON_TYPE, "a", "expected an RFC 3339 time string");
}

static void parent_not_an_object(void **state)
{
    const char *s;
    struct pd_spec spec[] = {pd_spec_str("sender.address.line", &s, PD_OPT, 0, 0), pd_spec_end()};
    expect_fail("{\"sender\":\"张三\"}", spec, NULL, PD_E_JSON_TYPE, "sender",
                "expected an object");
    expect_fail("{\"sender\":{\"address\":[1]}}", spec, NULL, PD_E_JSON_TYPE, "sender.address",
                "expected an object");
}

static void unknown_fields_with_full_path(void **state)
{
    const char *s;
    const json_t *meta;
    struct pd_spec spec[] = {
        pd_spec_str("sender.name", &s, PD_REQ, 1, 10),
        pd_spec_json("meta", &meta, PD_OPT),
        pd_spec_end(),
    };
    expect_fail("{\"sender\":{\"name\":\"a\",\"nickname\":\"b\"}}", spec, NULL,
                PD_E_JSON_UNKNOWN_FIELD, "sender.nickname", "");
    expect_fail("{\"sender\":{\"name\":\"a\"},\"recipent\":{}}", spec, NULL,
                PD_E_JSON_UNKNOWN_FIELD, "recipent", "");
    /* A dotted key is not the nested member it looks like. */
    expect_fail("{\"sender\":{\"name\":\"a\"},\"sender.name\":\"x\"}", spec, NULL,
                PD_E_JSON_UNKNOWN_FIELD, "sender.name", "");
    /* Anything under a pd_spec_json field is the handler's business. */
    json_t *j = doc("{\"sender\":{\"name\":\"a\"},\"meta\":{\"x\":{\"y\":1}}}");
    struct pd_json_error err;
    assert_true(pd_json_decode(j, spec, &arena, NULL, &err));
    json_decref(j);
}

static void first_failing_spec_wins_and_unknown_last(void **state)
{
    const char *a, *b;
    struct pd_spec spec[] = {
        pd_spec_str("a", &a, PD_REQ, 1, 3),
        pd_spec_str("b", &b, PD_REQ, 1, 3),
        pd_spec_end(),
    };
    /* Document order is b, a, but spec order decides. */
    expect_fail("{\"b\":5,\"a\":\"toolong\"}", spec, NULL, PD_E_JSON_TOO_LONG, "a", NULL);
    expect_fail("{\"zzz\":1,\"a\":\"ok\"}", spec, NULL, PD_E_JSON_MISSING, "b", NULL);
    expect_fail("{\"zzz\":1,\"a\":\"ok\",\"b\":\"ok\"}", spec, NULL, PD_E_JSON_UNKNOWN_FIELD, "zzz",
                NULL);
}

static void lengths_count_characters(void **state)
{
    const char *s = NULL;
    struct pd_spec spec[] = {pd_spec_str("name", &s, PD_REQ, 2, 4), pd_spec_end()};
    struct pd_json_error err;
    /* 4 Chinese characters = 12 bytes: exactly the maximum, accepted. */
    json_t *j = doc("{\"name\":\"广东深圳\"}");
    assert_true(pd_json_decode(j, spec, &arena, NULL, &err));
    assert_string_equal(s, "广东深圳");
    json_decref(j);
    expect_fail("{\"name\":\"广东省深圳\"}", spec, NULL, PD_E_JSON_TOO_LONG, "name",
                "at most 4 characters");
    /* Emoji outside the BMP (4 bytes, one character; \ud83d\ude00 in JSON). */
    j = doc("{\"name\":\"\\ud83d\\ude00\\ud83d\\ude00\\ud83d\\ude00\\ud83d\\ude00\"}");
    assert_true(pd_json_decode(j, spec, &arena, NULL, &err));
    assert_int_equal(strlen(s), 16);
    json_decref(j);
    expect_fail("{\"name\":\"😀😀😀😀😀\"}", spec, NULL, PD_E_JSON_TOO_LONG, "name",
                "at most 4 characters");
    expect_fail("{\"name\":\"张\"}", spec, NULL, PD_E_JSON_TOO_SHORT, "name",
                "at least 2 characters");
    expect_fail("{\"name\":\"\"}", spec, NULL, PD_E_JSON_TOO_SHORT, "name",
                "at least 2 characters");
}

static void invalid_utf8_in_a_built_document(void **state)
{
    const char *s;
    struct pd_spec spec[] = {pd_spec_str("name", &s, PD_REQ, 0, 0), pd_spec_end()};
    json_t *j = json_object();
    /* jansson validates what it parses, but a document built in code need not be valid. */
    json_object_set_new(j, "name", json_stringn_nocheck("\xe5\xbc", 2));
    struct pd_json_error err;
    assert_false(pd_json_decode(j, spec, &arena, NULL, &err));
    assert_int_equal(err.code, PD_E_JSON_UTF8);
    assert_string_equal(err.field, "name");
    json_decref(j);
}

static void format_check(void **state)
{
    const char *p;
    struct pd_spec spec[] = {pd_spec_str_fmt("phone", &p, PD_REQ, 1, 20, is_digits), pd_spec_end()};
    expect_fail("{\"phone\":\"138-0013\"}", spec, NULL, PD_E_JSON_FORMAT, "phone", "");
}

static void integer_range(void **state)
{
    int64_t q = 0;
    struct pd_spec spec[] = {pd_spec_int("q", &q, PD_REQ, 1, 9999), pd_spec_end()};
    struct pd_json_error err;
    expect_fail("{\"q\":0}", spec, NULL, PD_E_JSON_RANGE, "q", "between 1 and 9999");
    expect_fail("{\"q\":10000}", spec, NULL, PD_E_JSON_RANGE, "q", "between 1 and 9999");
    json_t *j = doc("{\"q\":9999}");
    assert_true(pd_json_decode(j, spec, &arena, NULL, &err));
    assert_int_equal(q, 9999);
    json_decref(j);
}

static void enum_lists_allowed_values(void **state)
{
    int e;
    struct pd_spec spec[] = {pd_spec_enum("service", &e, PD_REQ, services), pd_spec_end()};
    expect_fail("{\"service\":\"Express\"}", spec, NULL, PD_E_JSON_ENUM, "service",
                "one of: standard, express, cold_chain, freight");

    static const char *const many[] = {"value_number_01",
                                       "value_number_02",
                                       "value_number_03",
                                       "value_number_04",
                                       "value_number_05",
                                       "value_number_06",
                                       "value_number_07",
                                       "value_number_08",
                                       "value_number_09",
                                       "value_number_10",
                                       "value_number_11",
                                       "value_number_12",
                                       NULL};
    struct pd_spec spec2[] = {pd_spec_enum("k", &e, PD_REQ, many), pd_spec_end()};
    json_t *j = doc("{\"k\":\"nope\"}");
    struct pd_json_error err;
    assert_false(pd_json_decode(j, spec2, &arena, NULL, &err));
    json_decref(j);
    assert_int_equal(err.code, PD_E_JSON_ENUM);
    size_t n = strlen(err.detail);
    assert_true(n < sizeof err.detail);
    /* Truncated after a whole value, marked with an ellipsis. */
    assert_string_equal(err.detail + n - strlen("…"), "…");
    assert_non_null(strstr(err.detail, "value_number_01, "));
    assert_null(strstr(err.detail, "value_number_12"));
}

static void time_format(void **state)
{
    int64_t t;
    struct pd_spec spec[] = {pd_spec_time("at", &t, PD_REQ), pd_spec_end()};
    expect_fail("{\"at\":\"2026-11-23 10:00\"}", spec, NULL, PD_E_JSON_FORMAT, "at", NULL);
    expect_fail("{\"at\":\"2026-02-30T10:00:00+08:00\"}", spec, NULL, PD_E_JSON_FORMAT, "at", NULL);
    expect_fail("{\"at\":\"2026-11-23T10:00:00\"}", spec, NULL, PD_E_JSON_FORMAT, "at", NULL);
}

static void prefix_for_array_elements(void **state)
{
    const char *name;
    int64_t qty;
    struct pd_spec spec[] = {
        pd_spec_str("name", &name, PD_REQ, 1, 8),
        pd_spec_int("size.qty", &qty, PD_REQ, 1, 5),
        pd_spec_end(),
    };
    expect_fail("{\"size\":{\"qty\":1}}", spec, "items[3]", PD_E_JSON_MISSING, "items[3].name",
                NULL);
    expect_fail("{\"name\":\"x\",\"size\":{\"qty\":9}}", spec, "items[3]", PD_E_JSON_RANGE,
                "items[3].size.qty", NULL);
    expect_fail("{\"name\":\"x\",\"size\":{\"qty\":1,\"unit\":\"g\"}}", spec, "items[3]",
                PD_E_JSON_UNKNOWN_FIELD, "items[3].size.unit", NULL);
    expect_fail("{\"name\":\"x\",\"size\":7}", spec, "items[3]", PD_E_JSON_TYPE, "items[3].size",
                NULL);
    json_t *arr = json_array();
    struct pd_json_error err;
    assert_false(pd_json_decode(arr, spec, &arena, "items[0]", &err));
    assert_int_equal(err.code, PD_E_JSON_NOT_OBJECT);
    assert_string_equal(err.field, "items[0]");
    json_decref(arr);
}

static void parse_queues_the_error_reply(void **state)
{
    const char *name;
    struct pd_spec spec[] = {pd_spec_str("name", &name, PD_REQ, 1, 2), pd_spec_end()};
    struct pd_req rq;
    memset(&rq, 0, sizeof rq);
    pd_arena_init(&rq.arena, 0);
    rq.lang = "zh";
    rq.json = doc("{\"name\":\"张三丰\"}");
    assert_int_equal(pd_json_parse(&rq, spec), PD_JSON_REPLIED);
    assert_non_null(rq.resp);
    assert_int_equal(rq.status, 400);
    assert_string_equal(rq.err_code, "json.too_long");
    json_decref(rq.json);
    pd_arena_free(&rq.arena);
    /* The response object is libmicrohttpd's; nothing else to check without a connection. */
    MHD_destroy_response(rq.resp);

    memset(&rq, 0, sizeof rq);
    pd_arena_init(&rq.arena, 0);
    rq.lang = "en";
    rq.json = doc("{\"name\":\"张三\"}");
    assert_int_equal(pd_json_parse(&rq, spec), PD_JSON_OK);
    assert_string_equal(name, "张三");
    assert_null(rq.resp);
    json_decref(rq.json);

    /* No parsed body (route without PD_ROUTE_JSON): a bug, answered 500. */
    rq.json = NULL;
    assert_int_equal(pd_json_parse(&rq, spec), PD_JSON_REPLIED);
    assert_int_equal(rq.status, 500);
    MHD_destroy_response(rq.resp);
    pd_arena_free(&rq.arena);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(decodes_every_kind),
        cmocka_unit_test(optional_absent_keeps_value),
        cmocka_unit_test(missing_and_null_required),
        cmocka_unit_test(wrong_types_name_expected_type),
        cmocka_unit_test(parent_not_an_object),
        cmocka_unit_test(unknown_fields_with_full_path),
        cmocka_unit_test(first_failing_spec_wins_and_unknown_last),
        cmocka_unit_test(lengths_count_characters),
        cmocka_unit_test(invalid_utf8_in_a_built_document),
        cmocka_unit_test(format_check),
        cmocka_unit_test(integer_range),
        cmocka_unit_test(enum_lists_allowed_values),
        cmocka_unit_test(time_format),
        cmocka_unit_test(prefix_for_array_elements),
        cmocka_unit_test(parse_queues_the_error_reply),
    };
    return cmocka_run_group_tests_name("http_json_spec", tests, setup, teardown);
}
