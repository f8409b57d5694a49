/*
 * Unit tests of core/kb.c: splitting a query into terms (white space incl.
 * the ideographic space, duplicates, limits), which terms are too short for
 * the trigram index, and the snippet — placed around the first hit, terms
 * marked, HTML escaped, cut at character boundaries and never leaving a
 * <mark> open.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/kb.h"

static void terms(void **state)
{
    (void)state;
    struct pd_kb_terms t;
    assert_int_equal(pd_kb_terms_parse("  禁寄物品　锂电池 ", &t), PD_KB_QUERY_OK);
    assert_int_equal(t.n, 2);
    assert_string_equal(t.term[0], "禁寄物品");
    assert_int_equal(t.chars[0], 4);
    assert_string_equal(t.term[1], "锂电池");
    assert_false(pd_kb_term_short(&t, 1)); /* three characters: indexed */

    assert_int_equal(pd_kb_terms_parse("运费", &t), PD_KB_QUERY_OK);
    assert_true(pd_kb_term_short(&t, 0));
    assert_int_equal(pd_kb_terms_parse("Fee fee FEE 费", &t), PD_KB_QUERY_OK);
    assert_int_equal(t.n, 2); /* ASCII case folded for duplicates */
    assert_true(pd_kb_term_short(&t, 1));
    assert_false(pd_kb_term_short(&t, 2)); /* out of range */

    assert_int_equal(pd_kb_terms_parse("   ", &t), PD_KB_QUERY_EMPTY);
    assert_int_equal(pd_kb_terms_parse(NULL, &t), PD_KB_QUERY_EMPTY);
    assert_int_equal(pd_kb_terms_parse("a b c d e f g h i", &t), PD_KB_QUERY_TOO_MANY);
    assert_int_equal(pd_kb_terms_parse("a a a a a a a a a", &t), PD_KB_QUERY_OK);
    char longterm[40];
    memset(longterm, 'x', 33);
    longterm[33] = '\0';
    assert_int_equal(pd_kb_terms_parse(longterm, &t), PD_KB_QUERY_TERM_LONG);
    longterm[32] = '\0';
    assert_int_equal(pd_kb_terms_parse(longterm, &t), PD_KB_QUERY_OK);
    char huge[300];
    memset(huge, 'y', 101);
    huge[101] = '\0';
    assert_int_equal(pd_kb_terms_parse(huge, &t), PD_KB_QUERY_TOO_LONG);
    assert_int_equal(pd_kb_terms_parse("\xff\xfe", &t), PD_KB_QUERY_UTF8);
}

static void snippet(void **state)
{
    (void)state;
    struct pd_kb_terms t;
    char out[512];
    assert_int_equal(pd_kb_terms_parse("锂电池", &t), PD_KB_QUERY_OK);
    const char *body = "一二三四五六七八九十一二三四五六七八九十。含锂电池的物品须单独申报，"
                       "锂电池不得超过 100Wh。";
    pd_kb_snippet(body, &t, 20, out, sizeof out);
    /* starts five characters (a quarter of 20) before the hit; 20 characters
     * in all; cuts marked */
    assert_string_equal(out,
                        "…八九十。含<mark>锂电池</mark>的物品须单独申报，<mark>锂电池</mark>…");

    /* HTML in the text is escaped; white space runs become one blank */
    assert_int_equal(pd_kb_terms_parse("fee", &t), PD_KB_QUERY_OK);
    pd_kb_snippet("<b>FEE</b>\n\n & 'x'", &t, 40, out, sizeof out);
    assert_string_equal(out, "&lt;b&gt;<mark>FEE</mark>&lt;/b&gt; &amp; &#39;x&#39;");

    /* no hit: the beginning */
    pd_kb_snippet("abcdefghij", &t, 4, out, sizeof out);
    assert_string_equal(out, "abcd…");
    pd_kb_snippet(NULL, &t, 4, out, sizeof out);
    assert_string_equal(out, "");

    /* the longest term wins where two start at the same place */
    assert_int_equal(pd_kb_terms_parse("保价 保价费", &t), PD_KB_QUERY_OK);
    pd_kb_snippet("按保价费率收取", &t, 20, out, sizeof out);
    assert_string_equal(out, "按<mark>保价费</mark>率收取");
}

/* A short buffer never cuts a character or leaves a <mark> open. */
static void snippet_small_buffer(void **state)
{
    (void)state;
    struct pd_kb_terms t;
    assert_int_equal(pd_kb_terms_parse("锂电池", &t), PD_KB_QUERY_OK);
    for (size_t cap = 1; cap < 64; cap++) {
        char out[64];
        memset(out, 'Z', sizeof out);
        size_t n = pd_kb_snippet("含锂电池的物品", &t, 20, out, cap);
        assert_true(n < cap);
        assert_int_equal(strlen(out), n);
        const char *open = strstr(out, "<mark>");
        if (open)
            assert_non_null(strstr(open, "</mark>"));
        /* the text ends at a character boundary: no trailing continuation byte
         * without its lead */
        if (n > 0) {
            size_t i = n - 1;
            while (i > 0 && ((unsigned char)out[i] & 0xC0) == 0x80)
                i--;
            unsigned char lead = (unsigned char)out[i];
            size_t want = lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
            assert_int_equal(n - i, want);
        }
    }
}

static void categories(void **state)
{
    (void)state;
    assert_string_equal(pd_kb_category_names[PD_KB_CAT_RATES], "rates");
    assert_string_equal(pd_kb_category_zh(PD_KB_CAT_PROHIBITED_GOODS), "禁寄限寄物品");
    assert_string_equal(pd_kb_category_zh(PD_KB_CAT__COUNT), "");
    assert_null(pd_kb_category_names[PD_KB_CAT__COUNT]);
    assert_string_equal(pd_kb_status_names[PD_KB_PUBLISHED], "published");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(terms),
        cmocka_unit_test(snippet),
        cmocka_unit_test(snippet_small_buffer),
        cmocka_unit_test(categories),
    };
    return cmocka_run_group_tests_name("core/kb.c", tests, NULL, NULL);
}
