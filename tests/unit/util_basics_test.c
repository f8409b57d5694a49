/* Unit tests of src/util: arena, buffer and JSON escaping, UTF-8, time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "util/arena.h"
#include "util/buf.h"
#include "util/timeutil.h"
#include "util/url.h"
#include "util/utf8.h"

static void arena_limits_and_reset(void **state)
{
    (void)state;
    pd_arena a;
    pd_arena_init(&a, 64 * 1024);
    char *s = pd_arena_strdup(&a, "张三 ' \" \\");
    assert_string_equal(s, "张三 ' \" \\");
    assert_null(pd_arena_strdup(&a, NULL));
    void *big = pd_arena_alloc(&a, 40 * 1024);
    assert_non_null(big);
    assert_false(a.overflowed);
    assert_null(pd_arena_alloc(&a, 40 * 1024)); /* over the 64 KiB limit */
    assert_true(a.overflowed);
    pd_arena_reset(&a);
    assert_false(a.overflowed);
    assert_int_equal(a.total, 0);
    char *p = pd_arena_printf(&a, "%s-%d", "运单", 42);
    assert_string_equal(p, "运单-42");
    /* alignment for any type */
    for (int i = 1; i < 40; i++)
        assert_int_equal((uintptr_t)pd_arena_alloc(&a, (size_t)i) % 16, 0);
    pd_arena_free(&a);
    pd_arena_free(&a); /* twice is safe */
}

static void buf_json_escaping(void **state)
{
    (void)state;
    pd_buf b = PD_BUF_INIT;
    const char raw[] = "a\"b\\c\n\t\x01 张三📦";
    pd_buf_json_str(&b, raw, strlen(raw));
    assert_string_equal(b.data, "\"a\\\"b\\\\c\\n\\t\\u0001 张三📦\"");
    pd_buf_reset(&b);
    pd_buf_json_cstr(&b, NULL);
    assert_string_equal(b.data, "null");
    pd_buf_reset(&b);
    pd_buf_i64(&b, INT64_MIN);
    pd_buf_putc(&b, ' ');
    pd_buf_i64(&b, 0);
    pd_buf_putc(&b, ' ');
    pd_buf_i64(&b, 1234567890123LL);
    assert_string_equal(b.data, "-9223372036854775808 0 1234567890123");
    size_t n;
    char *d = pd_buf_steal(&b, &n);
    assert_int_equal(n, strlen(d));
    assert_null(b.data);
    free(d);
    pd_buf_free(&b);
}

/* The escaping as JSON spells it, one byte at a time: what the eight-bytes-
 * at-once scan of pd_buf_json_chars must agree with. */
static void json_ref(char *out, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    char *o = out;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            *o++ = '\\';
            *o++ = (char)c;
        } else if (c == '\n' || c == '\r' || c == '\t') {
            *o++ = '\\';
            *o++ = c == '\n' ? 'n' : c == '\r' ? 'r' : 't';
        } else if (c < 0x20) {
            memcpy(o, "\\u00", 4);
            o[4] = hex[c >> 4];
            o[5] = hex[c & 15];
            o += 6;
        } else {
            *o++ = (char)c;
        }
    }
    *o = '\0';
}

/* Every byte that needs escaping, at every place in strings longer and
 * shorter than eight bytes, among ASCII and UTF-8 bytes (which never count,
 * however they combine), and beside each other. */
static void buf_json_escaping_each_position(void **state)
{
    (void)state;
    const unsigned char specials[] = {'"', '\\', '\n', '\r', '\t', 0x01, 0x1f, 0x00};
    const char *fills[] = {"abcdefghijklmnopqrstuvwxyz0123456789",
                           "张三李四王五赵六钱七孙八周九吴十郑十一",
                           " !#$%&'()*+,-./:;<=>?@[]^_`{|}~\x7f"
                           "AB"}; /* at least 33 bytes each */
    char s[64], want[512];
    pd_buf b = PD_BUF_INIT;
    for (size_t f = 0; f < sizeof fills / sizeof fills[0]; f++) {
        for (size_t len = 1; len <= 33; len++) {
            for (size_t pos = 0; pos < len; pos++) {
                for (size_t k = 0; k < sizeof specials; k++) {
                    memcpy(s, fills[f], len);
                    s[pos] = (char)specials[k];
                    if (pos + 3 < len)
                        s[pos + 3] = (char)specials[(k + 1) % sizeof specials];
                    pd_buf_reset(&b);
                    pd_buf_json_chars(&b, s, len);
                    json_ref(want, s, len);
                    assert_int_equal(b.len, strlen(want));
                    assert_memory_equal(b.data, want, b.len);
                }
            }
            /* and with nothing to escape */
            pd_buf_reset(&b);
            pd_buf_json_chars(&b, fills[f], len);
            json_ref(want, fills[f], len);
            assert_memory_equal(b.data, want, strlen(want) + 1);
        }
    }
    pd_buf_free(&b);
}

/* Literals and the inline append, across growth from an empty buffer. */
static void buf_literals_and_growth(void **state)
{
    (void)state;
    pd_buf b = PD_BUF_INIT;
    pd_buf_lit(&b, "");
    assert_int_equal(b.len, 0);
    size_t want = 0;
    for (int i = 0; i < 1000; i++) {
        pd_buf_lit(&b, "{\"at\":");
        pd_buf_append(&b, "快件", 6);
        want += 6 + 6;
    }
    assert_false(b.oom);
    assert_int_equal(b.len, want);
    assert_int_equal(strlen(b.data), want); /* NUL-terminated throughout */
    assert_memory_equal(b.data + want - 12, "{\"at\":快件", 12);
    pd_buf_free(&b);
}

static void utf8_validation(void **state)
{
    (void)state;
    const char *good[] = {"", "abc", "张三", "📦🚚", "é", "\xEF\xBF\xBF", "\xF4\x8F\xBF\xBF"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        assert_true(pd_utf8_valid(good[i], strlen(good[i])));
    const char *bad[] = {
        "\xC3\x28",         /* bad continuation */
        "\xC0\xAF",         /* overlong '/' */
        "\xE0\x80\xAF",     /* overlong */
        "\xED\xA0\x80",     /* surrogate */
        "\xF4\x90\x80\x80", /* above U+10FFFF */
        "\xFF",             /* never valid */
        "\xE5\xBC",         /* truncated 张 */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_false(pd_utf8_valid(bad[i], strlen(bad[i])));
    assert_false(pd_utf8_valid("a\0b", 3)); /* NUL refused */
    assert_int_equal(pd_utf8_chars("张三abc📦", strlen("张三abc📦")), 6);
}

static void utf8_copy_cuts_on_boundaries(void **state)
{
    (void)state;
    char out[8];
    assert_string_equal(pd_utf8_copy(out, sizeof out, "张三李"),
                        "张三"); /* 9 bytes: 李 does not fit */
    assert_string_equal(pd_utf8_copy(out, sizeof out, "ab\xFF\xC3zc"), "ab?"
                                                                       "?zc");
    assert_string_equal(pd_utf8_copy(out, sizeof out, NULL), "");
    assert_string_equal(pd_utf8_copy(out, 4, "abcdef"), "abc");
    pd_utf8_copy(out, sizeof out, "📦📦"); /* 8 bytes: the second does not fit */
    assert_true(pd_utf8_valid(out, strlen(out)));
    assert_string_equal(out, "📦");
}

static void time_round_trip(void **state)
{
    (void)state;
    int64_t ms;
    char out[PD_RFC3339_MAX];
    assert_true(pd_time_parse("2026-11-23T10:00:00+08:00", &ms));
    assert_int_equal(ms, 1795399200000LL);
    assert_string_equal(pd_time_format(ms, 480, out), "2026-11-23T10:00:00+08:00");
    assert_string_equal(pd_time_format(ms, 0, out), "2026-11-23T02:00:00Z");
    assert_true(pd_time_parse("2026-11-23T02:00:00.123Z", &ms));
    assert_int_equal(ms, 1795399200123LL);
    assert_string_equal(pd_time_format(ms, 480, out), "2026-11-23T10:00:00.123+08:00");
    /* milliseconds keep their leading zeros */
    assert_string_equal(pd_time_format(1795399200007LL, 480, out), "2026-11-23T10:00:00.007+08:00");
    assert_string_equal(pd_time_format(1795399200050LL, 0, out), "2026-11-23T02:00:00.050Z");
    /* the China date differs from the UTC date before 08:00 */
    assert_true(pd_time_parse("2026-02-14T23:30:00Z", &ms));
    assert_string_equal(pd_time_format(ms, 480, out), "2026-02-15T07:30:00+08:00");
    assert_true(pd_time_parse("2024-02-29 12:00:00-05:30", &ms));
    assert_string_equal(pd_time_format(ms, -330, out), "2024-02-29T12:00:00-05:30");
    /* before the epoch */
    assert_true(pd_time_parse("1969-12-31T23:59:59Z", &ms));
    assert_int_equal(ms, -1000);
    assert_string_equal(pd_time_format(ms, 0, out), "1969-12-31T23:59:59Z");
    const char *bad[] = {"2026-11-23",
                         "2026-11-23T10:00:00",
                         "2026-02-30T10:00:00Z",
                         "2025-02-29T00:00:00Z",
                         "2026-13-01T00:00:00Z",
                         "2026-11-23T24:00:00Z",
                         "2026-11-23T10:00:00+8:00",
                         "2026-11-23T10:00:00Zjunk",
                         "",
                         "2026-11-23T10:00:00.Z"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_false(pd_time_parse(bad[i], &ms));
    assert_true(pd_date_parse("2026-10-01", 480, &ms));
    assert_string_equal(pd_time_format(ms, 480, out), "2026-10-01T00:00:00+08:00");
    assert_false(pd_date_parse("2026-10-32", 480, &ms));
}

static void civil_days(void **state)
{
    (void)state;
    assert_int_equal(pd_days_from_civil(1970, 1, 1), 0);
    assert_int_equal(pd_days_from_civil(2000, 3, 1), 11017);
    for (int64_t z = -800000; z < 800000; z += 997) {
        int y;
        unsigned m, d;
        pd_civil_from_days(z, &y, &m, &d);
        assert_int_equal(pd_days_from_civil(y, m, d), z);
    }
}

static void url_decoding(void **state)
{
    (void)state;
    pd_arena a;
    pd_arena_init(&a, 0);
    const char *in = "/p/%E5%BC%A0%20x%2Fy";
    assert_string_equal(pd_url_decode(&a, in, strlen(in)), "/p/张 x/y");
    assert_true(pd_url_escapes_ok(in, strlen(in)));
    const char *bad[] = {"%", "%4", "abc%zz", "%00", "x%0", "%G1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_false(pd_url_escapes_ok(bad[i], strlen(bad[i])));
        assert_null(pd_url_decode(&a, bad[i], strlen(bad[i])));
    }
    /* only the first n bytes count */
    assert_string_equal(pd_url_decode(&a, "ab%41cd", 5), "abA");
    assert_false(pd_url_escapes_ok("ab%41", 4));
    pd_arena_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(arena_limits_and_reset),
        cmocka_unit_test(buf_json_escaping),
        cmocka_unit_test(buf_json_escaping_each_position),
        cmocka_unit_test(buf_literals_and_growth),
        cmocka_unit_test(utf8_validation),
        cmocka_unit_test(time_round_trip),
        cmocka_unit_test(civil_days),
        cmocka_unit_test(url_decoding),
        cmocka_unit_test(utf8_copy_cuts_on_boundaries),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
