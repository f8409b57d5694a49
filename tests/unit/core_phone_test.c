/* Unit tests of src/core/phone.c: phone numbers in the forms people type. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/phone.h"

static void ok(const char *in, const char *want, enum pd_phone_kind want_kind)
{
    char out[PD_PHONE_MAX];
    enum pd_phone_kind kind = PD_PHONE_NONE;
    pd_err e = pd_phone_normalise(in, out, sizeof out, &kind);
    if (e != PD_OK)
        fail_msg("\"%s\" refused", in);
    assert_string_equal(out, want);
    assert_int_equal(kind, want_kind);
}

static void refused(const char *in)
{
    char out[PD_PHONE_MAX] = "junk";
    enum pd_phone_kind kind = PD_PHONE_MOBILE;
    if (pd_phone_normalise(in, out, sizeof out, &kind) != PD_E_PHONE_INVALID)
        fail_msg("\"%s\" accepted as \"%s\"", in ? in : "(null)", out);
    assert_string_equal(out, "");
    assert_int_equal(kind, PD_PHONE_NONE);
}

static void mobiles(void **state)
{
    (void)state;
    ok("13800138000", "13800138000", PD_PHONE_MOBILE);
    ok("138 0013 8000", "13800138000", PD_PHONE_MOBILE);
    ok("138-0013-8000", "13800138000", PD_PHONE_MOBILE);
    ok(" 13800138000 ", "13800138000", PD_PHONE_MOBILE);
    ok("+86 138 0013 8000", "13800138000", PD_PHONE_MOBILE);
    ok("+8613800138000", "13800138000", PD_PHONE_MOBILE);
    ok("0086 13800138000", "13800138000", PD_PHONE_MOBILE);
    ok("86 13800138000", "13800138000", PD_PHONE_MOBILE);
    ok("8613800138000", "13800138000", PD_PHONE_MOBILE);
    ok("(+86) 139-0013-9000", "13900139000", PD_PHONE_MOBILE);
    ok("\u3000１３９００１３９０００", "13900139000", PD_PHONE_MOBILE); /* full-width */
    ok("19912345678", "19912345678", PD_PHONE_MOBILE);
    ok("16612345678", "16612345678", PD_PHONE_MOBILE);
}

static void landlines(void **state)
{
    (void)state;
    ok("0755-86001234", "0755-86001234", PD_PHONE_LANDLINE);
    ok("075586001234", "0755-86001234", PD_PHONE_LANDLINE);
    ok("0755 8600 1234", "0755-86001234", PD_PHONE_LANDLINE);
    ok("(0755)86001234", "0755-86001234", PD_PHONE_LANDLINE);
    ok("（0755）86001234", "0755-86001234", PD_PHONE_LANDLINE);
    ok("01062345678", "010-62345678", PD_PHONE_LANDLINE);
    ok("021-6234567", "021-6234567", PD_PHONE_LANDLINE); /* 7-digit local number */
    ok("0571-8888888", "0571-8888888", PD_PHONE_LANDLINE);
    ok("0755-86001234-123", "0755-86001234-123", PD_PHONE_LANDLINE);
    ok("0755-86001234转123", "0755-86001234-123", PD_PHONE_LANDLINE);
    ok("0755 86001234 转 8001", "0755-86001234-8001", PD_PHONE_LANDLINE);
    ok("010-62345678-1", "010-62345678-1", PD_PHONE_LANDLINE);
    ok("+86 755 86001234", "0755-86001234", PD_PHONE_LANDLINE);
    ok("0086-10-62345678", "010-62345678", PD_PHONE_LANDLINE);
    ok("0755－86001234", "0755-86001234", PD_PHONE_LANDLINE); /* full-width dash */
}

static void refusals(void **state)
{
    (void)state;
    refused(NULL);
    refused("");
    refused("   ");
    refused("1380013800");   /* 10 digits */
    refused("138001380001"); /* 12 digits */
    refused("12345678901");  /* 1[0-2] prefix */
    refused("10086123456");
    refused("11012345678");
    refused("1380013800a");
    refused("tel:13800138000");
    refused("138.0013.8000");
    refused("+1 13800138000"); /* not +86 */
    refused("+86 0755 86001234");
    refused("13800138000转12"); /* mobiles have no extension */
    refused("86001234");        /* landline without area code */
    refused("0755-123456");     /* local number too short */
    refused("0755-123456789");  /* too long */
    refused("0755-06001234");   /* local numbers start with 2-9 */
    refused("010-12345678");
    refused("00755-86001234");
    refused("0755-86001234转");
    refused("0755-86001234转1234567"); /* extension too long */
    refused("0755-86001234-12a");
    refused("95338");
    refused("400-820-1234");
    refused("1380013800013800138000138001380001380001380001380000");
    refused("138 0013 8000+");
}

static void small_buffer(void **state)
{
    (void)state;
    char out[8];
    assert_int_equal(pd_phone_normalise("13800138000", out, sizeof out, NULL), PD_E_PHONE_INVALID);
    assert_string_equal(out, "");
    char big[PD_PHONE_MAX];
    assert_int_equal(pd_phone_normalise("13800138000", big, sizeof big, NULL), PD_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(mobiles),
        cmocka_unit_test(landlines),
        cmocka_unit_test(refusals),
        cmocka_unit_test(small_buffer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
