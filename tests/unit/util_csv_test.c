/* Unit tests of src/util/csv.c: RFC 4180 records, line and row numbers,
 * limits, UTF-8 and GB18030 text (with characters split between reads),
 * encoding detection and going back to a saved position. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/csv.h"

/* Every record as "line:field|field|…\n" (the line the record starts on). */
static char *dump_all(pd_csv *c, struct pd_csv_error *err, int *rc)
{
    pd_buf b = PD_BUF_INIT;
    pd_buf_puts(&b, "");
    while ((*rc = pd_csv_next(c, err)) == 1) {
        pd_buf_printf(&b, "%ld:", pd_csv_line(c));
        for (size_t i = 0; i < pd_csv_nfields(c); i++)
            pd_buf_printf(&b, "%s%s", i ? "|" : "", pd_csv_field(c, i, NULL));
        pd_buf_putc(&b, '\n');
    }
    return pd_buf_steal(&b, NULL);
}

/* Parse @p text (len bytes) from memory and, with every chunk size from 1
 * to 9 and the default, from a FILE; all must agree with @p want. */
static void expect_records(const char *text, size_t len, enum pd_csv_encoding enc, const char *want)
{
    struct pd_csv_opts o = {.encoding = enc};
    struct pd_csv_error err = {0};
    int rc;
    pd_csv *c = pd_csv_open_mem(text, len, &o, &err);
    assert_non_null(c);
    char *got = dump_all(c, &err, &rc);
    assert_int_equal(rc, 0);
    assert_string_equal(got, want);
    free(got);
    pd_csv_free(c);
    for (size_t chunk = 0; chunk <= 9; chunk++) {
        FILE *f = fmemopen((void *)text, len, "r");
        assert_non_null(f);
        o.chunk = chunk;
        c = pd_csv_open_file(f, &o, &err);
        assert_non_null(c);
        got = dump_all(c, &err, &rc);
        assert_int_equal(rc, 0);
        assert_string_equal(got, want);
        free(got);
        pd_csv_free(c);
        fclose(f);
    }
}

#define EXPECT(text, enc, want) expect_records((text), sizeof(text) - 1, (enc), (want))

static void quoting_and_line_ends(void **state)
{
    (void)state;
    /* commas, doubled quotes and line breaks inside quotes; a record with a
     * break inside starts on its first line and the next one two lines on */
    EXPECT("a,b,c\n\"x,1\",\"say \"\"hi\"\"\",\"two\nlines\"\nlast,,\n", PD_CSV_UTF8,
           "1:a|b|c\n2:x,1|say \"hi\"|two\nlines\n4:last||\n");
    /* CRLF, no newline at the end, empty cells, an empty quoted field */
    EXPECT("h1,h2\r\n,\r\n\"\",x\r\ny,\"\"", PD_CSV_UTF8, "1:h1|h2\n2:|\n3:|x\n4:y|\n");
    /* a CRLF inside quotes stays in the value and counts as one line */
    EXPECT("\"a\r\nb\",c\r\nd,e\r\n", PD_CSV_UTF8, "1:a\r\nb|c\n3:d|e\n");
    /* old Mac CR line ends; an empty line is a record of one empty field */
    EXPECT("a,b\rc,d\r\re\r", PD_CSV_UTF8, "1:a|b\n2:c|d\n3:\n4:e\n");
    EXPECT("a\n\nb\n", PD_CSV_UTF8, "1:a\n2:\n3:b\n");
    /* what Excel also accepts: a stray quote inside an unquoted field, text
     * after a closing quote */
    EXPECT("ab\"c,\"de\"f\n", PD_CSV_UTF8, "1:ab\"c|def\n");
    /* nothing at all, or only a line break */
    EXPECT("", PD_CSV_UTF8, "");
    EXPECT("\n", PD_CSV_UTF8, "1:\n");
}

static void bom_and_detection(void **state)
{
    (void)state;
    /* a UTF-8 BOM is skipped and decides AUTO */
    EXPECT("\xEF\xBB\xBF寄件人,重量(kg)\n张三,1.5\n", PD_CSV_AUTO,
           "1:寄件人|重量(kg)\n2:张三|1.5\n");
    struct pd_csv_error err = {0};
    const char utf8[] = "寄件人\n张三\n";
    pd_csv *c = pd_csv_open_mem(utf8, sizeof utf8 - 1, NULL, &err);
    assert_int_equal(pd_csv_encoding(c), PD_CSV_UTF8);
    pd_csv_free(c);
    /* 寄件人 / 张三 in GB18030 is not UTF-8: AUTO takes GB18030 */
    const char gb[] = "\xbc\xc4\xbc\xfe\xc8\xcb\n\xd5\xc5\xc8\xfd\n";
    c = pd_csv_open_mem(gb, sizeof gb - 1, NULL, &err);
    assert_int_equal(pd_csv_encoding(c), PD_CSV_GB18030);
    assert_int_equal(pd_csv_next(c, &err), 1);
    assert_string_equal(pd_csv_field(c, 0, NULL), "寄件人");
    pd_csv_free(c);
    /* ASCII is UTF-8 */
    c = pd_csv_open_mem("a,b\n", 4, NULL, &err);
    assert_int_equal(pd_csv_encoding(c), PD_CSV_UTF8);
    pd_csv_free(c);
    /* the GB18030 BOM is skipped too */
    EXPECT("\x84\x31\x95\x33\xd5\xc5\xc8\xfd,x\n", PD_CSV_AUTO, "1:张三|x\n");
    /* a UTF-8 BOM said to be GB18030 is refused at once */
    memset(&err, 0, sizeof err);
    const char bom[] = "\xEF\xBB\xBF"
                       "a\n";
    struct pd_csv_opts o = {.encoding = PD_CSV_GB18030};
    assert_null(pd_csv_open_mem(bom, sizeof bom - 1, &o, &err));
    assert_int_equal(err.kind, PD_CSV_E_ENCODING);
    assert_non_null(strstr(err.msg, "byte-order mark"));
    /* only the first 64 KiB decide: GB18030 bytes after them leave UTF-8 chosen
     * and are reported when their record is read */
    size_t n = PD_CSV_DETECT_BYTES + 100;
    char *big = malloc(n);
    memset(big, 'a', n);
    for (size_t i = 80; i < n; i += 81)
        big[i] = '\n';
    memcpy(big + PD_CSV_DETECT_BYTES + 10, "\xd5\xc5", 2);
    c = pd_csv_open_mem(big, n, NULL, &err);
    assert_int_equal(pd_csv_encoding(c), PD_CSV_UTF8);
    int rc;
    while ((rc = pd_csv_next(c, &err)) == 1)
        ;
    assert_int_equal(rc, -1);
    assert_int_equal(err.kind, PD_CSV_E_ENCODING);
    assert_int_equal(err.line, (long)((PD_CSV_DETECT_BYTES + 10) / 81 + 1));
    pd_csv_free(c);
    /* a UTF-8 character cut by the 64 KiB boundary does not make it GB18030 */
    memset(big, 'a', n);
    memcpy(big + PD_CSV_DETECT_BYTES - 1, "张", 3);
    c = pd_csv_open_mem(big, n, NULL, &err);
    assert_int_equal(pd_csv_encoding(c), PD_CSV_UTF8);
    pd_csv_free(c);
    free(big);

    enum pd_csv_encoding e;
    assert_true(pd_csv_encoding_parse("UTF-8", &e) && e == PD_CSV_UTF8);
    assert_true(pd_csv_encoding_parse("gbk", &e) && e == PD_CSV_GB18030);
    assert_true(pd_csv_encoding_parse("auto", &e) && e == PD_CSV_AUTO);
    assert_false(pd_csv_encoding_parse("latin1", &e));
    assert_false(pd_csv_encoding_parse(NULL, &e));
    assert_string_equal(pd_csv_encoding_name(PD_CSV_GB18030), "gb18030");
}

static void gb18030_across_reads(void **state)
{
    (void)state;
    /* 张三 (2-byte characters), 㐀 and 𠀀 (4-byte ones, whose bytes include
     * ASCII digits), € — read with chunks of 1..9 bytes, so every character
     * is split between two reads somewhere */
    EXPECT("\xd5\xc5\xc8\xfd,\"\x81\x39\xee\x39\x95\x32\x82\x36\",\xa2\xe3\r\n"
           "\"\xc8\xfd\n\xd5\xc5\",9\r\n",
           PD_CSV_GB18030, "1:张三|㐀𠀀|€\n2:三\n张|9\n");
    /* a byte that is no GB18030: the error names its line */
    struct pd_csv_opts o = {.encoding = PD_CSV_GB18030};
    struct pd_csv_error err = {0};
    const char bad[] = "a,b\n\"x\ny\",\xd5\xff\n";
    pd_csv *c = pd_csv_open_mem(bad, sizeof bad - 1, &o, &err);
    assert_int_equal(pd_csv_next(c, &err), 1);
    assert_int_equal(pd_csv_next(c, &err), -1);
    assert_int_equal(err.kind, PD_CSV_E_ENCODING);
    assert_int_equal(err.line, 3);
    assert_int_equal(err.row, 2);
    assert_non_null(strstr(err.msg, "line 3"));
    assert_non_null(strstr(err.msg, "GB18030"));
    pd_csv_free(c);
}

static void invalid_utf8_names_its_line(void **state)
{
    (void)state;
    struct pd_csv_opts o = {.encoding = PD_CSV_UTF8};
    struct pd_csv_error err = {0};
    /* the bad byte is on line 5: record 2 spans lines 2 and 3, record 3 lines 4 and 5 */
    const char text[] = "name,remarks\n张三,\"two\nlines\"\n李四,\"ok\nbad \xd5\xc5\"\n";
    for (size_t chunk = 0; chunk < 4; chunk++) {
        FILE *f = fmemopen((void *)text, sizeof text - 1, "r");
        o.chunk = chunk;
        pd_csv *c = pd_csv_open_file(f, &o, &err);
        assert_non_null(c);
        assert_int_equal(pd_csv_next(c, &err), 1);
        assert_int_equal(pd_csv_next(c, &err), 1);
        assert_int_equal(pd_csv_next(c, &err), -1);
        assert_int_equal(err.kind, PD_CSV_E_ENCODING);
        assert_int_equal(err.line, 5);
        assert_int_equal(err.row, 3);
        assert_string_equal(err.msg, "line 5: not valid UTF-8 (byte 0xd5)");
        /* the error sticks */
        assert_int_equal(pd_csv_next(c, &err), -1);
        pd_csv_free(c);
        fclose(f);
    }
    /* overlong forms, surrogates and NUL bytes are not text either */
    static const char overlong[] = "a\n\xc0\xaf\n", surrogate[] = "a\n\xed\xa0\x80\n",
                      nul[] = "a\nx\0y\n";
    const char *bad[] = {overlong, surrogate, nul};
    const size_t len[] = {sizeof overlong - 1, sizeof surrogate - 1, sizeof nul - 1};
    for (int i = 0; i < 3; i++) {
        pd_csv *c = pd_csv_open_mem(bad[i], len[i], &o, &err);
        assert_int_equal(pd_csv_next(c, &err), 1);
        assert_int_equal(pd_csv_next(c, &err), -1);
        assert_int_equal(err.kind, PD_CSV_E_ENCODING);
        assert_int_equal(err.line, 2);
        pd_csv_free(c);
    }
}

static void limits_and_open_quotes(void **state)
{
    (void)state;
    struct pd_csv_error err = {0};
    /* a record of 70 KiB on line 3 is refused naming line 3; one of 60 KiB is fine */
    size_t n = 70 * 1024;
    char *big = malloc(n + 32);
    strcpy(big, "a,b\nc,d\n");
    memset(big + 8, 'x', n);
    strcpy(big + 8 + n, "\ne,f\n");
    pd_csv *c = pd_csv_open_mem(big, strlen(big), NULL, &err);
    assert_int_equal(pd_csv_next(c, &err), 1);
    assert_int_equal(pd_csv_next(c, &err), 1);
    assert_int_equal(pd_csv_next(c, &err), -1);
    assert_int_equal(err.kind, PD_CSV_E_TOO_LONG);
    assert_int_equal(err.line, 3);
    assert_non_null(strstr(err.msg, "line 3"));
    pd_csv_free(c);
    big[8 + 60 * 1024] = '\n';
    c = pd_csv_open_mem(big, strlen(big), NULL, &err);
    assert_int_equal(pd_csv_next(c, &err), 1);
    assert_int_equal(pd_csv_next(c, &err), 1);
    assert_int_equal(pd_csv_next(c, &err), 1);
    assert_int_equal(strlen(pd_csv_field(c, 0, NULL)), 60 * 1024);
    pd_csv_free(c);
    free(big);

    /* the limit is an option; exactly at it is fine */
    struct pd_csv_opts o = {.max_record = 8};
    c = pd_csv_open_mem("1234567\n123456789\n", 18, &o, &err);
    assert_int_equal(pd_csv_next(c, &err), 1);
    assert_int_equal(pd_csv_next(c, &err), -1);
    assert_int_equal(err.kind, PD_CSV_E_TOO_LONG);
    assert_int_equal(err.line, 2);
    pd_csv_free(c);

    /* a quote left open to the end of the file: the error names where it began */
    const char open[] = "a,b\nc,\"d\ne\nf\n";
    c = pd_csv_open_mem(open, sizeof open - 1, NULL, &err);
    assert_int_equal(pd_csv_next(c, &err), 1);
    assert_int_equal(pd_csv_next(c, &err), -1);
    assert_int_equal(err.kind, PD_CSV_E_QUOTE);
    assert_int_equal(err.line, 2);
    pd_csv_free(c);
}

/* Read records from @p c until @p upto rows, returning the first fields joined. */
static char *firsts(pd_csv *c, int count)
{
    pd_buf b = PD_BUF_INIT;
    pd_buf_puts(&b, "");
    struct pd_csv_error err;
    for (int i = 0; i < count && pd_csv_next(c, &err) == 1; i++)
        pd_buf_printf(&b, "%ld@%ld=%s;", pd_csv_row(c), pd_csv_line(c), pd_csv_field(c, 0, NULL));
    return pd_buf_steal(&b, NULL);
}

static void rewind_to_saved_position(void **state)
{
    (void)state;
    /* CRLF ends (the position after a CR must not turn the LF into a row),
     * a quoted line break, GB18030 text */
    const char text[] = "h\r\n\xd5\xc5,1\r\n\"a\r\nb\",2\r\nc,3\r\nd,4\r\n";
    for (int mem = 0; mem < 2; mem++)
        for (size_t chunk = 1; chunk <= 5; chunk += 2) {
            struct pd_csv_opts o = {.encoding = PD_CSV_GB18030, .chunk = chunk};
            struct pd_csv_error err = {0};
            FILE *f = NULL;
            pd_csv *c;
            if (mem) {
                c = pd_csv_open_mem(text, sizeof text - 1, &o, &err);
            } else {
                f = fmemopen((void *)text, sizeof text - 1, "r");
                c = pd_csv_open_file(f, &o, &err);
            }
            assert_non_null(c);
            struct pd_csv_pos start, mid;
            pd_csv_tell(c, &start);
            char *s = firsts(c, 2);
            assert_string_equal(s, "1@1=h;2@2=张;");
            free(s);
            pd_csv_tell(c, &mid);
            char *rest = firsts(c, 10);
            assert_string_equal(rest, "3@3=a\r\nb;4@5=c;5@6=d;");
            assert_true(pd_csv_seek(c, &mid, &err));
            char *again = firsts(c, 10);
            assert_string_equal(again, rest);
            free(again);
            free(rest);
            /* back to the very start, twice */
            for (int k = 0; k < 2; k++) {
                assert_true(pd_csv_seek(c, &start, &err));
                char *all = firsts(c, 10);
                assert_string_equal(all, "1@1=h;2@2=张;3@3=a\r\nb;4@5=c;5@6=d;");
                free(all);
            }
            pd_csv_free(c);
            if (f)
                fclose(f);
        }
    /* a seek also clears an error: rows before the bad one read again */
    struct pd_csv_error err = {0};
    struct pd_csv_opts o = {.encoding = PD_CSV_UTF8};
    pd_csv *c = pd_csv_open_mem("a\nb\n\xff\n", 6, &o, &err);
    struct pd_csv_pos p0;
    pd_csv_tell(c, &p0);
    char *s = firsts(c, 10);
    assert_string_equal(s, "1@1=a;2@2=b;");
    free(s);
    assert_true(pd_csv_seek(c, &p0, &err));
    assert_int_equal(pd_csv_next(c, &err), 1);
    assert_string_equal(pd_csv_field(c, 0, NULL), "a");
    /* missing fields read as empty */
    assert_string_equal(pd_csv_field(c, 5, NULL), "");
    pd_csv_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(quoting_and_line_ends),  cmocka_unit_test(bom_and_detection),
        cmocka_unit_test(gb18030_across_reads),   cmocka_unit_test(invalid_utf8_names_its_line),
        cmocka_unit_test(limits_and_open_quotes), cmocka_unit_test(rewind_to_saved_position),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
