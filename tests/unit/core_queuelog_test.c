/* Unit tests of src/core/queuelog.c: the verb table against the issue's
 * list, the pipe and CSV parsers field by field (with and without the
 * ENTERQUEUE position, RFC 4180 quoting, database date-times with and
 * without offsets, a header that reorders columns), CSV and pipe giving the
 * same canonical line and hash, the reader cutting the same records whatever
 * the chunk boundaries, and the importer: identical lines numbered 1, 2, …,
 * a re-import finding every row a duplicate, malformed lines reported with
 * their line numbers while the rest is imported, unknown verbs kept. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/queuelog.h"

#define S(lit) lit, sizeof(lit) - 1

static bool eq(struct pd_ql_str s, const char *lit)
{
    return s.n == strlen(lit) && memcmp(s.p, lit, s.n) == 0;
}

/* ---- verbs -------------------------------------------------------------------- */

static void verbs_of_the_issue(void **state)
{
    (void)state;
    /* Every verb issue 6 names, with the class the fold needs. */
    static const struct {
        const char *name;
        enum pd_ql_class cls;
    } want[] = {
        {"ENTERQUEUE", PD_QLC_ENTER},
        {"CONNECT", PD_QLC_CONNECT},
        {"COMPLETECALLER", PD_QLC_COMPLETE},
        {"COMPLETEAGENT", PD_QLC_COMPLETE},
        {"ABANDON", PD_QLC_ABANDON},
        {"EXITWITHTIMEOUT", PD_QLC_TIMEOUT},
        {"EXITEMPTY", PD_QLC_TIMEOUT},
        {"EXITWITHKEY", PD_QLC_TIMEOUT},
        {"WITHDRAW", PD_QLC_WITHDRAW},
        {"RINGNOANSWER", PD_QLC_RING},
        {"RINGCANCELED", PD_QLC_RING},
        {"TRANSFER", PD_QLC_TRANSFER},
        {"BLINDTRANSFER", PD_QLC_TRANSFER},
        {"ATTENDEDTRANSFER", PD_QLC_TRANSFER},
        {"ADDMEMBER", PD_QLC_MEMBER_ADD},
        {"REMOVEMEMBER", PD_QLC_MEMBER_REMOVE},
        {"PAUSE", PD_QLC_PAUSE},
        {"UNPAUSE", PD_QLC_UNPAUSE},
        {"PAUSEALL", PD_QLC_PAUSE_ALL},
        {"UNPAUSEALL", PD_QLC_UNPAUSE_ALL},
        {"AGENTLOGIN", PD_QLC_LOGIN},
        {"AGENTLOGOFF", PD_QLC_LOGOFF},
        {"AGENTCALLBACKLOGIN", PD_QLC_LOGIN},
        {"AGENTCALLBACKLOGOFF", PD_QLC_LOGOFF},
        {"QUEUESTART", PD_QLC_SYSTEM},
        {"CONFIGRELOAD", PD_QLC_SYSTEM},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        enum pd_ql_verb v = pd_ql_verb_find(want[i].name, strlen(want[i].name));
        assert_int_not_equal(v, PD_QL_UNKNOWN);
        assert_string_equal(pd_ql_verb_info(v)->name, want[i].name);
        assert_int_equal(pd_ql_verb_info(v)->cls, want[i].cls);
    }
    assert_int_equal(pd_ql_verb_find(S("OUTDIAL")), PD_QL_UNKNOWN);
    assert_int_equal(pd_ql_verb_find(S("connect")), PD_QL_UNKNOWN); /* Asterisk writes upper case */
    assert_int_equal(pd_ql_verb_find(S("CONNECTX")), PD_QL_UNKNOWN);
    assert_null(pd_ql_verb_info(PD_QL_UNKNOWN)->name);
    /* The data layouts Asterisk documents: where hold, wait and talk sit. */
    const struct pd_ql_verb_info *c = pd_ql_verb_info(PD_QL_CONNECT);
    assert_int_equal(c->hold, 1);
    assert_int_equal(c->ring, 3);
    assert_int_equal(c->ring_ms, 0);
    assert_int_equal(pd_ql_verb_info(PD_QL_COMPLETECALLER)->talk, 2);
    assert_int_equal(pd_ql_verb_info(PD_QL_ATTENDEDTRANSFER)->hold, 3);
    assert_int_equal(pd_ql_verb_info(PD_QL_ATTENDEDTRANSFER)->talk, 4);
    assert_int_equal(pd_ql_verb_info(PD_QL_BLINDTRANSFER)->talk, 4);
    assert_int_equal(pd_ql_verb_info(PD_QL_ABANDON)->wait, 3);
    assert_int_equal(pd_ql_verb_info(PD_QL_EXITWITHKEY)->wait, 4);
    assert_int_equal(pd_ql_verb_info(PD_QL_WITHDRAW)->wait, 3);
    assert_int_equal(pd_ql_verb_info(PD_QL_RINGNOANSWER)->ring_ms, 1);
    assert_int_equal(pd_ql_verb_info(PD_QL_RINGCANCELED)->ring_ms, 1);
    assert_int_equal(pd_ql_verb_info(PD_QL_AGENTCALLBACKLOGOFF)->login, 2);
    assert_int_equal(pd_ql_verb_info(PD_QL_ENTERQUEUE)->pos, 3);
}

/* ---- pipe ------------------------------------------------------------------------ */

static void pipe_lines(void **state)
{
    (void)state;
    struct pd_ql_line l;
    char err[PD_QL_ERR_MAX];
    /* ENTERQUEUE with the position (Asterisk 12+) … */
    assert_true(pd_ql_parse_pipe(S("1543602677|1543602660.197|IT|NONE|ENTERQUEUE||1703822xxxx|1"),
                                 &l, err));
    assert_int_equal(l.at_ms, 1543602677000LL);
    assert_true(eq(l.callid, "1543602660.197"));
    assert_true(eq(l.queue, "IT"));
    assert_true(eq(l.agent, "NONE"));
    assert_int_equal(l.verb, PD_QL_ENTERQUEUE);
    assert_int_equal(l.ndata, 3);
    assert_true(eq(l.data[0], ""));
    assert_true(eq(l.data[1], "1703822xxxx"));
    int64_t v;
    assert_true(pd_ql_field_int(&l, 3, &v));
    assert_int_equal(v, 1);
    /* … and without (older versions): the position is absent, not zero. */
    assert_true(pd_ql_parse_pipe(S("1543602677|1.2|IT|NONE|ENTERQUEUE||1703822xxxx"), &l, err));
    assert_int_equal(l.ndata, 2);
    assert_false(pd_ql_field_int(&l, 3, &v));
    /* No data at all, and a trailing empty field. */
    assert_true(pd_ql_parse_pipe(S("1543527289|NONE|NONE|NONE|QUEUESTART|"), &l, err));
    assert_int_equal(l.verb, PD_QL_QUEUESTART);
    assert_int_equal(l.ndata, 0);
    assert_true(pd_ql_parse_pipe(S("1543527289|NONE|NONE|NONE|QUEUESTART"), &l, err));
    assert_int_equal(l.ndata, 0);
    /* A fractional epoch keeps milliseconds. */
    assert_true(pd_ql_parse_pipe(S("1543602677.25|x|IT|SIP/1|RINGNOANSWER|10000"), &l, err));
    assert_int_equal(l.at_ms, 1543602677250LL);
    /* More than five data fields: the fifth keeps the rest, as Asterisk's realtime writer does. */
    assert_true(pd_ql_parse_pipe(S("1|c|q|a|CUSTOM|1|2|3|4|5|6|7"), &l, err));
    assert_int_equal(l.ndata, 5);
    assert_true(eq(l.data[4], "5|6|7"));
    assert_int_equal(l.verb, PD_QL_UNKNOWN);
    char joined[64];
    pd_ql_data_join(&l, joined);
    assert_string_equal(joined, "1|2|3|4|5|6|7");
    assert_int_equal(pd_ql_data_len(&l), strlen("1|2|3|4|5|6|7"));
}

static void pipe_malformed(void **state)
{
    (void)state;
    struct pd_ql_line l;
    char err[PD_QL_ERR_MAX];
    assert_false(pd_ql_parse_pipe(S("1543602677|x|IT|NONE"), &l, err));
    assert_non_null(strstr(err, "at least 5"));
    assert_false(pd_ql_parse_pipe(S("15436O2677|x|IT|NONE|CONNECT|1"), &l, err));
    assert_string_equal(strncmp(err, "time:", 5) == 0 ? "time" : err, "time");
    assert_false(pd_ql_parse_pipe(S("|x|IT|NONE|CONNECT|1"), &l, err));
    assert_int_equal(strncmp(err, "time:", 5), 0);
    assert_false(pd_ql_parse_pipe(S("1543602677|x|IT|NONE||1"), &l, err));
    assert_string_equal(err, "event: empty");
    assert_false(pd_ql_parse_pipe(S("1543602677|x|IT|\xff\xfe|CONNECT|1"), &l, err));
    assert_non_null(strstr(err, "UTF-8"));
    char longq[400];
    memset(longq, 'Q', sizeof longq);
    char line[512];
    int n = snprintf(line, sizeof line, "1|x|%.*s|a|CONNECT|1", 300, longq);
    assert_false(pd_ql_parse_pipe(line, (size_t)n, &l, err));
    assert_int_equal(strncmp(err, "queue:", 6), 0);
}

/* ---- CSV -------------------------------------------------------------------------- */

static void csv_lines(void **state)
{
    (void)state;
    struct pd_ql_csv_cols c;
    pd_ql_csv_cols_default(&c);
    struct pd_ql_line l;
    char err[PD_QL_ERR_MAX];
    /* The database's local time (China by default): 18:31:17+08 is 10:31:17Z. */
    char a[] = "2018-11-30 18:31:17,1543602660.197,IT,NONE,ENTERQUEUE,,1703822xxxx,1,,";
    assert_true(pd_ql_parse_csv(a, strlen(a), &c, 480, &l, err));
    assert_int_equal(l.at_ms, 1543573877000LL);
    assert_int_equal(l.verb, PD_QL_ENTERQUEUE);
    assert_int_equal(l.ndata, 3);
    /* Fractions (PostgreSQL's timestamp) and explicit offsets. */
    char b[] = "2012-07-03 15:27:23.896208+02,1341343640.4,NONE,Agent/3001,AGENTCALLBACKLOGIN,"
               "1002@pcm-dev,,,,";
    assert_true(pd_ql_parse_csv(b, strlen(b), &c, 480, &l, err));
    assert_int_equal(l.at_ms, 1341322043896LL);
    char z[] = "2012-07-03T13:27:23.896Z,1,NONE,Agent/3001,UNPAUSEALL,,,,,";
    assert_true(pd_ql_parse_csv(z, strlen(z), &c, 480, &l, err));
    assert_int_equal(l.at_ms, 1341322043896LL);
    /* Epoch seconds in the time column. */
    char e[] = "1543602677,x,IT,NONE,ABANDON,1,1,191";
    assert_true(pd_ql_parse_csv(e, strlen(e), &c, 480, &l, err));
    assert_int_equal(l.at_ms, 1543602677000LL);
    /* RFC 4180: quotes, doubled quotes, commas inside a cell. */
    char q[] = "1543602677,\"x\",IT,NONE,ENTERQUEUE,,\"\"\"Li, Lei\"\" <138>\",2";
    assert_true(pd_ql_parse_csv(q, strlen(q), &c, 480, &l, err));
    assert_true(eq(l.callid, "x"));
    assert_true(eq(l.data[1], "\"Li, Lei\" <138>"));
    assert_true(eq(l.data[2], "2"));
    /* Malformed: a bad date names the time field; an unclosed quote its column. */
    char bad1[] = "2018-02-30 10:00:00,x,IT,NONE,CONNECT,1,,";
    assert_false(pd_ql_parse_csv(bad1, strlen(bad1), &c, 480, &l, err));
    assert_int_equal(strncmp(err, "time:", 5), 0);
    char bad2[] = "1543602677,\"x,IT,NONE,CONNECT";
    assert_false(pd_ql_parse_csv(bad2, strlen(bad2), &c, 480, &l, err));
    assert_string_equal(err, "column 2: quote not closed");
    char bad3[] = "1543602677,x,IT";
    assert_false(pd_ql_parse_csv(bad3, strlen(bad3), &c, 480, &l, err));
    assert_non_null(strstr(err, "at least"));
    char bad4[] = "1543602677,x,IT,NONE,CONNECT,1,2,3,4,5,6";
    assert_false(pd_ql_parse_csv(bad4, strlen(bad4), &c, 480, &l, err));
    assert_non_null(strstr(err, "11 cells"));
}

static void csv_header(void **state)
{
    (void)state;
    struct pd_ql_csv_cols c;
    char err[PD_QL_ERR_MAX];
    char h[] = "id,time,callid,queuename,agent,event,data\r";
    assert_true(pd_ql_csv_header(h, strlen(h) - 1, &c, err));
    assert_int_equal(c.time, 1);
    assert_int_equal(c.event, 5);
    assert_int_equal(c.data_joined, 6);
    struct pd_ql_line l;
    char row[] = "7,1543602753,1543602660.197,IT,Agent/1127,CONNECT,76|1543602746.232|6";
    assert_true(pd_ql_parse_csv(row, strlen(row), &c, 480, &l, err));
    assert_int_equal(l.ndata, 3);
    assert_true(eq(l.data[1], "1543602746.232"));
    /* Reordered, quoted names. */
    char h2[] = "\"time\",\"event\",\"agent\",\"queuename\",\"callid\",\"data1\",\"data2\"";
    assert_true(pd_ql_csv_header(h2, strlen(h2), &c, err));
    char row2[] = "1543602753,CONNECT,Agent/1127,IT,x,76,y";
    assert_true(pd_ql_parse_csv(row2, strlen(row2), &c, 480, &l, err));
    assert_true(eq(l.agent, "Agent/1127"));
    assert_true(eq(l.queue, "IT"));
    assert_int_equal(l.verb, PD_QL_CONNECT);
    /* Not a header, and an unusable one. */
    char d[] = "1543602753,x,IT,NONE,CONNECT";
    assert_false(pd_ql_csv_header(d, strlen(d), &c, err));
    assert_string_equal(err, "");
    assert_string_equal(d, "1543602753,x,IT,NONE,CONNECT"); /* untouched */
    char h3[] = "time,callid,queuename,event";
    assert_false(pd_ql_csv_header(h3, strlen(h3), &c, err));
    assert_string_equal(err, "header: no column \"agent\"");
}

/* The same event in both forms is the same canonical line. */
static void csv_equals_pipe(void **state)
{
    (void)state;
    struct pd_ql_csv_cols c;
    pd_ql_csv_cols_default(&c);
    static const char *const pipe[] = {
        "1543602677|1543602660.197|IT|NONE|ENTERQUEUE||1703822xxxx|1",
        "1543602753|1543602660.197|IT|Agent/1127|CONNECT|76|1543602746.232|6",
        "1543603600|1543602660.197|IT|Agent/1127|COMPLETECALLER|76|847|1",
        "1543527289|NONE|NONE|NONE|QUEUESTART|",
        "1543601975|1543601975.170|NONE|Agent/1127|OUTDIAL|881142|||0|0",
    };
    static const char *const csv[] = {
        "2018-12-01 02:31:17,1543602660.197,IT,NONE,ENTERQUEUE,,1703822xxxx,1,,",
        "2018-11-30 18:32:33Z,1543602660.197,IT,Agent/1127,CONNECT,76,1543602746.232,6,,",
        "1543603600,\"1543602660.197\",IT,Agent/1127,COMPLETECALLER,76,847,1,,",
        "2018-11-30 05:34:49,NONE,NONE,NONE,QUEUESTART,,,,,",
        "2018-12-01 02:19:35,1543601975.170,NONE,Agent/1127,OUTDIAL,881142,,,0,0",
    };
    for (int i = 0; i < 5; i++) {
        struct pd_ql_line a, b;
        char err[PD_QL_ERR_MAX];
        assert_true(pd_ql_parse_pipe(pipe[i], strlen(pipe[i]), &a, err));
        char buf[256];
        snprintf(buf, sizeof buf, "%s", csv[i]);
        assert_true(pd_ql_parse_csv(buf, strlen(buf), &c, 480, &b, err));
        assert_int_equal(a.at_ms, b.at_ms);
        assert_int_equal(a.verb, b.verb);
        assert_int_equal(a.ndata, b.ndata);
        char ja[128], jb[128];
        pd_ql_data_join(&a, ja);
        pd_ql_data_join(&b, jb);
        assert_string_equal(ja, jb);
        assert_true(pd_ql_line_hash(&a) == pd_ql_line_hash(&b));
    }
    /* and a different line hashes differently (one byte of data, one ms) */
    struct pd_ql_line a, b;
    char err[PD_QL_ERR_MAX];
    assert_true(pd_ql_parse_pipe(S("1|c|q|a|CONNECT|76|x|6"), &a, err));
    assert_true(pd_ql_parse_pipe(S("1|c|q|a|CONNECT|77|x|6"), &b, err));
    assert_true(pd_ql_line_hash(&a) != pd_ql_line_hash(&b));
    assert_true(pd_ql_parse_pipe(S("1.001|c|q|a|CONNECT|76|x|6"), &b, err));
    assert_true(pd_ql_line_hash(&a) != pd_ql_line_hash(&b));
    /* fields do not run together: "ab|c" vs "a|bc" */
    assert_true(pd_ql_parse_pipe(S("1|ab|c|a|X"), &a, err));
    assert_true(pd_ql_parse_pipe(S("1|a|bc|a|X"), &b, err));
    assert_true(pd_ql_line_hash(&a) != pd_ql_line_hash(&b));
}

/* ---- reader ---------------------------------------------------------------------- */

struct collect {
    char out[2048];
    size_t n;
};

static int collect_cb(void *cls, int64_t line, char *rec, size_t n)
{
    struct collect *c = cls;
    c->n += (size_t)snprintf(c->out + c->n, sizeof c->out - c->n, "%lld:%.*s;", (long long)line,
                             (int)n, rec);
    return 0;
}

static void reader_any_chunking(void **state)
{
    (void)state;
    static const char in_pipe[] = "1|a|q|x|A|1\r\n2|b|q|x|B\n\n3|c|q|x|C|\"q";
    static const char want_pipe[] = "1:1|a|q|x|A|1;2:2|b|q|x|B;3:;4:3|c|q|x|C|\"q;";
    static const char in_csv[] = "1,a,q,x,A,\"two\nlines\"\r\n2,b,q,x,B\r3,c,q,x,C\r\n";
    static const char want_csv[] = "1:1,a,q,x,A,\"two\nlines\";3:2,b,q,x,B;4:3,c,q,x,C;";
    for (int form = 0; form < 2; form++) {
        const char *in = form ? in_csv : in_pipe;
        const char *want = form ? want_csv : want_pipe;
        size_t len = strlen(in);
        for (size_t cut1 = 0; cut1 <= len; cut1++)
            for (size_t cut2 = cut1; cut2 <= len; cut2++) {
                struct pd_ql_reader r;
                pd_ql_reader_init(&r, form == 1);
                struct collect c = {{0}, 0};
                assert_int_equal(pd_ql_reader_feed(&r, in, cut1, collect_cb, &c), 0);
                assert_int_equal(pd_ql_reader_feed(&r, in + cut1, cut2 - cut1, collect_cb, &c), 0);
                assert_int_equal(pd_ql_reader_feed(&r, in + cut2, len - cut2, collect_cb, &c), 0);
                assert_int_equal(pd_ql_reader_finish(&r, collect_cb, &c), 0);
                assert_string_equal(c.out, want);
                pd_ql_reader_free(&r);
            }
    }
    assert_int_equal(pd_ql_sniff(S("1543602677|x|IT")), PD_QL_PIPE);
    assert_int_equal(pd_ql_sniff(S("1543602677.5|x|IT")), PD_QL_PIPE);
    assert_int_equal(pd_ql_sniff(S("2018-11-30 10:00:00,x")), PD_QL_CSV);
    assert_int_equal(pd_ql_sniff(S("time,callid")), PD_QL_CSV);
    assert_int_equal(pd_ql_sniff(S("1543602677,x,IT")), PD_QL_CSV);
}

/* ---- importer --------------------------------------------------------------------- */

/* A fake store: keeps (at_ms, hash, occurrence) like the unique key of
 * migration 010, and the rows' text for checks. */
struct fake_store {
    struct {
        int64_t at;
        uint64_t h;
        int occ;
        int64_t line;
        char event[32];
        char data[64];
    } rows[64];
    int n;
    int flushes;
};

static int fake_flush(void *cls, const struct pd_ql_row *rows, int n, bool *dup)
{
    struct fake_store *f = cls;
    f->flushes++;
    for (int i = 0; i < n; i++) {
        dup[i] = false;
        for (int k = 0; k < f->n; k++)
            if (f->rows[k].at == rows[i].at_ms && f->rows[k].h == rows[i].hash &&
                f->rows[k].occ == rows[i].occurrence)
                dup[i] = true;
        if (dup[i])
            continue;
        assert_true(f->n < 64);
        f->rows[f->n].at = rows[i].at_ms;
        f->rows[f->n].h = rows[i].hash;
        f->rows[f->n].occ = rows[i].occurrence;
        f->rows[f->n].line = rows[i].line_no;
        snprintf(f->rows[f->n].event, 32, "%.*s", (int)rows[i].event.n, rows[i].event.p);
        snprintf(f->rows[f->n].data, 64, "%s", rows[i].data.p); /* NUL-terminated too */
        f->n++;
    }
    return 0;
}

static const char sample[] =
    "1543602677|c1|IT|NONE|ENTERQUEUE||138|1\n"
    "1543602687|c1|IT|Agent/1|RINGNOANSWER|10000\n"
    "1543602687|c1|IT|Agent/1|RINGNOANSWER|10000\n" /* genuinely repeated: both kept */
    "not a line\n"
    "1543602690|c1|IT|Agent/2|CONNECT|13|c9|3\n"
    "1543602700|c1|IT|Agent/2|MYEVENT|hello\n"
    "\n"
    "1543602790|c1|IT|Agent/2|COMPLETECALLER|13|100|1";

static void import_pipe(void **state)
{
    (void)state;
    struct fake_store f = {0};
    struct pd_ql_import *im = pd_ql_import_new(PD_QL_AUTO, 480, fake_flush, &f);
    assert_non_null(im);
    /* fed in small pieces, as a live feed arrives */
    for (size_t i = 0; i < sizeof sample - 1; i += 7)
        assert_int_equal(pd_ql_import_feed(im, sample + i,
                                           sizeof sample - 1 - i < 7 ? sizeof sample - 1 - i : 7),
                         0);
    assert_int_equal(pd_ql_import_finish(im), 0);
    const struct pd_ql_report *r = pd_ql_import_report(im);
    assert_int_equal(r->format, PD_QL_PIPE);
    assert_int_equal(r->lines, 7); /* the blank line is not a line of the log */
    assert_int_equal(r->imported, 6);
    assert_int_equal(r->duplicates, 0);
    assert_int_equal(r->malformed, 1);
    assert_int_equal(r->unknown_verbs, 1);
    assert_int_equal(r->nbad, 1);
    assert_int_equal(r->bad[0].line, 4);
    assert_non_null(strstr(r->bad[0].error, "at least 5"));
    assert_int_equal(f.n, 6);
    assert_int_equal(f.rows[1].occ, 1);
    assert_int_equal(f.rows[2].occ, 2);
    assert_true(f.rows[1].h == f.rows[2].h);
    assert_string_equal(f.rows[4].event, "MYEVENT"); /* the unknown verb is kept */
    assert_string_equal(f.rows[5].data, "13|100|1");
    assert_int_equal(f.rows[5].line, 8);
    pd_ql_import_free(im);

    /* Importing the same input again adds nothing. */
    im = pd_ql_import_new(PD_QL_PIPE, 480, fake_flush, &f);
    assert_int_equal(pd_ql_import_feed(im, sample, sizeof sample - 1), 0);
    assert_int_equal(pd_ql_import_finish(im), 0);
    r = pd_ql_import_report(im);
    assert_int_equal(r->imported, 0);
    assert_int_equal(r->duplicates, 6);
    assert_int_equal(f.n, 6);
    pd_ql_import_free(im);

    /* A later file with the repeated line three times adds only the third. */
    static const char more[] = "1543602687|c1|IT|Agent/1|RINGNOANSWER|10000\n"
                               "1543602687|c1|IT|Agent/1|RINGNOANSWER|10000\n"
                               "1543602687|c1|IT|Agent/1|RINGNOANSWER|10000\n";
    im = pd_ql_import_new(PD_QL_AUTO, 480, fake_flush, &f);
    assert_int_equal(pd_ql_import_feed(im, more, sizeof more - 1), 0);
    assert_int_equal(pd_ql_import_finish(im), 0);
    assert_int_equal(pd_ql_import_report(im)->imported, 1);
    assert_int_equal(pd_ql_import_report(im)->duplicates, 2);
    assert_int_equal(f.rows[6].occ, 3);
    pd_ql_import_free(im);
}

/* The CSV export of the same lines is the same rows (so it is a duplicate). */
static void import_csv_same_rows(void **state)
{
    (void)state;
    struct fake_store f = {0};
    static const char pipe[] = "1543602677|c1|IT|NONE|ENTERQUEUE||138|1\n"
                               "1543602690|c1|IT|Agent/2|CONNECT|13|c9|3\n";
    static const char csv[] = "time,callid,queuename,agent,event,data1,data2,data3,data4,data5\r\n"
                              "2018-12-01 02:31:17,c1,IT,NONE,ENTERQUEUE,,138,1,,\r\n"
                              "2018-12-01 02:31:30,c1,IT,Agent/2,CONNECT,13,c9,3,,\r\n"
                              "2018-12-01 02:31:31,c1,IT,Agent/2,CONNECT,\"13\r\n";
    struct pd_ql_import *im = pd_ql_import_new(PD_QL_PIPE, 480, fake_flush, &f);
    assert_int_equal(pd_ql_import_feed(im, pipe, sizeof pipe - 1), 0);
    assert_int_equal(pd_ql_import_finish(im), 0);
    pd_ql_import_free(im);
    assert_int_equal(f.n, 2);
    im = pd_ql_import_new(PD_QL_AUTO, 480, fake_flush, &f);
    assert_int_equal(pd_ql_import_feed(im, csv, sizeof csv - 1), 0);
    assert_int_equal(pd_ql_import_finish(im), 0);
    const struct pd_ql_report *r = pd_ql_import_report(im);
    assert_int_equal(r->format, PD_QL_CSV);
    assert_int_equal(r->lines, 3);
    assert_int_equal(r->duplicates, 2);
    assert_int_equal(r->imported, 0);
    assert_int_equal(r->malformed, 1);
    assert_int_equal(r->bad[0].line, 4);
    assert_non_null(strstr(r->bad[0].error, "quote not closed"));
    pd_ql_import_free(im);
}

/* A line longer than PD_QL_LINE_MAX is reported by number without being
 * buffered whole; the lines after it keep their numbers and are imported. */
static void import_line_too_long(void **state)
{
    (void)state;
    static const char *const head[2] = {
        "1543602677|c1|IT|NONE|ENTERQUEUE||138|1\n1543602680|c1|IT|NONE|X|",
        "time,callid,queuename,agent,event,data1\n"
        "1543602677,c1,IT,NONE,ENTERQUEUE,\"a\nb\"\n1543602680,c1,IT,NONE,X,\""};
    static const char *const tail[2] = {"\n1543602690|c1|IT|Agent/2|CONNECT|13|c9|3\n",
                                        "\n1543602690,c1,IT,Agent/2,CONNECT,13\n"};
    for (int form = 0; form < 2; form++) {
        size_t big = 3 * PD_QL_LINE_MAX, n = 0;
        char *in = malloc(big + 512);
        assert_non_null(in);
        n += (size_t)sprintf(in + n, "%s", head[form]);
        memset(in + n, 'x', big);
        n += big;
        n += (size_t)sprintf(in + n, "%s", tail[form]);
        struct fake_store f = {0};
        struct pd_ql_import *im =
            pd_ql_import_new(form ? PD_QL_CSV : PD_QL_PIPE, 480, fake_flush, &f);
        assert_non_null(im);
        for (size_t i = 0; i < n; i += 1000)
            assert_int_equal(pd_ql_import_feed(im, in + i, n - i < 1000 ? n - i : 1000), 0);
        assert_int_equal(pd_ql_import_finish(im), 0);
        const struct pd_ql_report *r = pd_ql_import_report(im);
        assert_int_equal(r->lines, 3);
        assert_int_equal(r->imported, 2);
        assert_int_equal(r->malformed, 1);
        assert_int_equal(r->nbad, 1);
        /* pipe: the long line is line 2; CSV: the header, a record of two lines, then line 4 */
        assert_int_equal(r->bad[0].line, form ? 4 : 2);
        assert_string_equal(r->bad[0].error, "line: longer than 65536 bytes");
        assert_int_equal(f.n, 2);
        assert_string_equal(f.rows[1].event, "CONNECT");
        assert_int_equal(f.rows[1].line, form ? 5 : 3);
        pd_ql_import_free(im);
        free(in);
    }
}

struct seen_records {
    char out[256];
    size_t n;
};

static int seen_cb(void *cls, int64_t line, char *rec, size_t n)
{
    struct seen_records *c = cls;
    c->n += (size_t)snprintf(c->out + c->n, sizeof c->out - c->n, "%lld:%.*s;", (long long)line,
                             rec ? (int)n : 10, rec ? rec : "(too long)");
    return 0;
}

/* The reader alone: the callback sees NULL once, and the buffer never holds the long record. */
static void reader_record_limit(void **state)
{
    (void)state;
    struct pd_ql_reader rd;
    pd_ql_reader_init(&rd, false);
    rd.max_record = 10;
    struct seen_records c = {{0}, 0};
    assert_int_equal(pd_ql_reader_feed(&rd, "abc\n0123456789ABCDEF", 20, seen_cb, &c), 0);
    assert_int_equal(rd.len, 0);
    assert_int_equal(pd_ql_reader_feed(&rd, "GHIJKLMNOPQRSTUVWXYZ", 20, seen_cb, &c), 0);
    assert_int_equal(rd.len, 0);
    assert_int_equal(pd_ql_reader_feed(&rd, "GHI\nxyz\nlast", 12, seen_cb, &c), 0);
    assert_int_equal(pd_ql_reader_finish(&rd, seen_cb, &c), 0);
    assert_string_equal(c.out, "1:abc;2:(too long);3:xyz;4:last;");
    pd_ql_reader_free(&rd);
}

/* Occurrence counts older than the horizon are dropped when the table fills:
 * a repeated line next to its twin is numbered 2, one that comes back after
 * the input has moved on by hours is numbered 1 again (a duplicate). */
static int count_flush(void *cls, const struct pd_ql_row *rows, int n, bool *dup)
{
    int *occ2 = cls;
    for (int i = 0; i < n; i++) {
        dup[i] = false;
        occ2[rows[i].occurrence > 1]++;
    }
    return 0;
}

static void import_occurrence_horizon(void **state)
{
    (void)state;
    int occ[2] = {0, 0}; /* rows numbered 1, rows numbered 2 or more */
    struct pd_ql_import *im = pd_ql_import_new(PD_QL_PIPE, 480, count_flush, occ);
    assert_non_null(im);
    char line[128];
    /* the first line twice, then 100,000 distinct lines a tenth of a second apart */
    for (int k = 0; k < 2; k++) {
        int n = snprintf(line, sizeof line, "1800000000|first|Q|NONE|ENTERQUEUE||1|1\n");
        assert_int_equal(pd_ql_import_feed(im, line, (size_t)n), 0);
    }
    for (int i = 0; i < 100000; i++) {
        int n = snprintf(line, sizeof line, "%d.%d|c%d|Q|NONE|ENTERQUEUE||1|1\n",
                         1800000000 + i / 10, i % 10, i);
        assert_int_equal(pd_ql_import_feed(im, line, (size_t)n), 0);
    }
    int n = snprintf(line, sizeof line, "1800000000|first|Q|NONE|ENTERQUEUE||1|1\n");
    assert_int_equal(pd_ql_import_feed(im, line, (size_t)n), 0);
    assert_int_equal(pd_ql_import_finish(im), 0);
    assert_int_equal(pd_ql_import_report(im)->lines, 100003);
    assert_int_equal(occ[1], 1); /* only the adjacent twin */
    assert_int_equal(occ[0], 100002);
    pd_ql_import_free(im);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(verbs_of_the_issue),   cmocka_unit_test(pipe_lines),
        cmocka_unit_test(pipe_malformed),       cmocka_unit_test(csv_lines),
        cmocka_unit_test(csv_header),           cmocka_unit_test(csv_equals_pipe),
        cmocka_unit_test(reader_any_chunking),  cmocka_unit_test(import_pipe),
        cmocka_unit_test(import_csv_same_rows), cmocka_unit_test(import_line_too_long),
        cmocka_unit_test(reader_record_limit),  cmocka_unit_test(import_occurrence_horizon),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
