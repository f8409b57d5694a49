/*
 * The pure parts of notifications (src/http/notify.c): which status change
 * is which event kind and which subscriptions take it; the back-off (base
 * doubled per failure, capped, spread ±20 %); and the subscription URL
 * check — schemes, credentials, fragments, and every spelling of a
 * loopback, private or link-local address that must be refused while
 * notify.allow_private is off (invariant 4 of notify.c), with public ones
 * let through.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "http/notify.h"
#include "util/config.h"

static void kinds_of_statuses(void **state)
{
    assert_int_equal(pd_notify_kind_of(PD_ST_DELIVERED), PD_NOTIFY_DELIVERED);
    assert_int_equal(pd_notify_kind_of(PD_ST_DELIVERED_PROXY), PD_NOTIFY_DELIVERED);
    assert_int_equal(pd_notify_kind_of(PD_ST_DELIVERED_LOCKER), PD_NOTIFY_DELIVERED);
    assert_int_equal(pd_notify_kind_of(PD_ST_ATTEMPT_FAILED), PD_NOTIFY_FAILED_ATTEMPT);
    assert_int_equal(pd_notify_kind_of(PD_ST_UNREACHABLE), PD_NOTIFY_FAILED_ATTEMPT);
    assert_int_equal(pd_notify_kind_of(PD_ST_NO_UPDATE), PD_NOTIFY_DELAYED);
    assert_int_equal(pd_notify_kind_of(PD_ST_REFUSED), PD_NOTIFY_EXCEPTION);
    assert_int_equal(pd_notify_kind_of(PD_ST_LOST), PD_NOTIFY_EXCEPTION);
    assert_int_equal(pd_notify_kind_of(PD_ST_RETURNING), PD_NOTIFY_RETURNED);
    assert_int_equal(pd_notify_kind_of(PD_ST_RETURNED), PD_NOTIFY_RETURNED);
    assert_int_equal(pd_notify_kind_of(PD_ST_PICKED_UP), PD_NOTIFY_STATUS_CHANGED);
    assert_int_equal(pd_notify_kind_of(PD_ST_INFO_RECEIVED), PD_NOTIFY_STATUS_CHANGED);
    assert_int_equal(pd_notify_kind_of(PD_ST_CANCELLED), PD_NOTIFY_STATUS_CHANGED);

    enum pd_notify_kind k;
    for (int i = 0; i < PD_NOTIFY__COUNT; i++) {
        assert_true(pd_notify_kind_parse(pd_notify_kind_names[i], &k));
        assert_int_equal(k, i);
        assert_string_equal(pd_notify_kind_name(k), pd_notify_kind_names[i]);
    }
    assert_null(pd_notify_kind_names[PD_NOTIFY__COUNT]);
    assert_false(pd_notify_kind_parse("Delivered", &k));
    assert_false(pd_notify_kind_parse("", &k));
    assert_null(pd_notify_kind_name(PD_NOTIFY__COUNT));
}

static void kinds_match(void **state)
{
    uint32_t all = PD_NOTIFY_BIT(PD_NOTIFY_STATUS_CHANGED);
    uint32_t some = PD_NOTIFY_BIT(PD_NOTIFY_DELIVERED) | PD_NOTIFY_BIT(PD_NOTIFY_EXCEPTION);
    for (int i = 0; i < PD_NOTIFY__COUNT; i++)
        assert_true(pd_notify_kinds_match(all, (enum pd_notify_kind)i));
    assert_true(pd_notify_kinds_match(some, PD_NOTIFY_DELIVERED));
    assert_true(pd_notify_kinds_match(some, PD_NOTIFY_EXCEPTION));
    assert_false(pd_notify_kinds_match(some, PD_NOTIFY_FAILED_ATTEMPT));
    /* A plain change is not "delivered": only status_changed takes it. */
    assert_false(pd_notify_kinds_match(some, PD_NOTIFY_STATUS_CHANGED));
}

static void backoff_doubles_caps_and_spreads(void **state)
{
    struct pd_config c;
    pd_config_defaults(&c);
    assert_int_equal(c.notify_backoff_base_ms, 30000);
    assert_int_equal(c.notify_backoff_max_ms, 3600000);
    assert_int_equal(c.notify_max_attempts, 8);
    /* rnd = 2^31 is the middle of the spread: exactly the nominal wait. */
    const uint32_t mid = 1u << 31;
    assert_int_equal(pd_notify_backoff_ms(&c, 1, mid), 30000);
    assert_int_equal(pd_notify_backoff_ms(&c, 2, mid), 60000);
    assert_int_equal(pd_notify_backoff_ms(&c, 3, mid), 120000);
    assert_int_equal(pd_notify_backoff_ms(&c, 7, mid), 1920000);
    assert_int_equal(pd_notify_backoff_ms(&c, 8, mid), 3600000);  /* capped */
    assert_int_equal(pd_notify_backoff_ms(&c, 40, mid), 3600000); /* no overflow */
    /* ±20 %: the ends of the random range. */
    assert_int_equal(pd_notify_backoff_ms(&c, 1, 0), 24000);
    int64_t hi = pd_notify_backoff_ms(&c, 1, UINT32_MAX);
    assert_true(hi > 35990 && hi < 36000);
    assert_int_equal(pd_notify_backoff_ms(&c, 8, 0), 2880000);
}

static enum pd_notify_url check(const char *url, bool allow_private)
{
    char why[128];
    enum pd_notify_url r = pd_notify_url_check(url, allow_private, why);
    if (r != PD_NOTIFY_URL_OK)
        assert_true(why[0] != '\0'); /* every refusal says why */
    return r;
}

static void url_shapes(void **state)
{
    assert_int_equal(check("https://hooks.example.com/parceldesk", false), PD_NOTIFY_URL_OK);
    assert_int_equal(check("http://erp.example.cn:8443/a/b?c=1", false), PD_NOTIFY_URL_OK);
    assert_int_equal(check("HTTPS://Example.COM/x", false), PD_NOTIFY_URL_OK);
    assert_int_equal(check("http://8.8.8.8/h", false), PD_NOTIFY_URL_OK);
    assert_int_equal(check("http://[2001:4860:4860::8888]/h", false), PD_NOTIFY_URL_OK);
    assert_int_equal(check("", false), PD_NOTIFY_URL_INVALID);
    assert_int_equal(check("ftp://example.com/x", false), PD_NOTIFY_URL_INVALID);
    assert_int_equal(check("file:///etc/passwd", false), PD_NOTIFY_URL_INVALID);
    assert_int_equal(check("example.com/hook", false), PD_NOTIFY_URL_INVALID);
    assert_int_equal(check("https://user:pw@example.com/x", false), PD_NOTIFY_URL_INVALID);
    assert_int_equal(check("https://example.com/x#frag", false), PD_NOTIFY_URL_INVALID);
    assert_int_equal(check("https://example.com/a b", false), PD_NOTIFY_URL_INVALID);
    assert_int_equal(check("https://例子.中国/x", false), PD_NOTIFY_URL_INVALID);
    char longer[600];
    memset(longer, 'a', sizeof longer - 1);
    longer[sizeof longer - 1] = '\0';
    memcpy(longer, "https://example.com/", 20);
    assert_int_equal(check(longer, false), PD_NOTIFY_URL_INVALID);
}

static void url_private_addresses(void **state)
{
    static const char *const refused[] = {
        "http://127.0.0.1:8080/h",
        "http://127.8.9.10/h",
        "http://localhost/h",
        "http://LOCALHOST:9/h",
        "http://api.localhost/h",
        "http://0.0.0.0/h",
        "http://10.0.0.1/h",
        "http://172.16.5.4/h",
        "http://172.31.255.255/h",
        "http://192.168.1.1/h",
        "http://169.254.169.254/latest",
        "http://100.64.0.1/h",
        "http://224.0.0.1/h",
        "http://255.255.255.255/h",
        "http://[::1]/h",
        "http://[::]/h",
        "http://[::ffff:127.0.0.1]/h",
        "http://[::ffff:10.1.2.3]/h",
        "http://[fe80::1%25eth0]/h",
        "http://[fe80::1]/h",
        "http://[fc00::1]/h",
        "http://[fd12:3456::1]/h",
        "http://[64:ff9b::7f00:1]/h",
        "http://[2002:c0a8:0101::1]/h",
        "http://[ff02::1]/h",
        "http://[2001:db8::1]/h",
    };
    for (size_t i = 0; i < sizeof refused / sizeof *refused; i++) {
        enum pd_notify_url r = check(refused[i], false);
        if (r != PD_NOTIFY_URL_PRIVATE)
            fail_msg("%s: expected refused as private, got %d", refused[i], (int)r);
        /* The same URL is fine where private receivers are allowed. */
        assert_int_equal(check(refused[i], true), PD_NOTIFY_URL_OK);
    }
    /* Neighbours of the private blocks are public. */
    assert_int_equal(check("http://172.32.0.1/h", false), PD_NOTIFY_URL_OK);
    assert_int_equal(check("http://100.128.0.1/h", false), PD_NOTIFY_URL_OK);
    assert_int_equal(check("http://11.0.0.1/h", false), PD_NOTIFY_URL_OK);
    assert_int_equal(check("http://[::ffff:8.8.8.8]/h", false), PD_NOTIFY_URL_OK);
    assert_int_equal(check("http://notlocalhost.example/h", false), PD_NOTIFY_URL_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(kinds_of_statuses),
        cmocka_unit_test(kinds_match),
        cmocka_unit_test(backoff_doubles_caps_and_spreads),
        cmocka_unit_test(url_shapes),
        cmocka_unit_test(url_private_addresses),
    };
    return cmocka_run_group_tests_name("http/notify", tests, NULL, NULL);
}
