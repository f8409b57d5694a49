/* Unit tests of src/core/ccstats.c: the indicators on the real 2018 log of a
 * production queue (figures worked out independently with awk, see
 * real_log), and on a hand-made log that exercises every verb class and the
 * edge cases of issue 6: an ENTERQUEUE with and without the position,
 * same-second lines in file order, a call in two queues (two entries), a
 * call without exit (unfinished), EXITWITHKEY without its wait field, calls
 * entering before `from` or after `to`, a call entering before `to` and
 * answered after it, wrap-up and break pauses, a logoff whose login came
 * before the lines read, member interfaces that log in as agents, the queue
 * and agent filters, the service-level threshold, own-record figures merged
 * and null where a denominator is zero, and the CSV form. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ccstats.h"

/* Fold @p log (pipe form, one line per '\n') and return the object. */
static json_t *fold(const char *log, size_t len, const struct pd_ccstats_params *p,
                    const struct pd_ccstats_own *own, pd_ccstats **keep)
{
    pd_ccstats *s = pd_ccstats_new(p);
    assert_non_null(s);
    const char *q = log, *end = log + len;
    while (q < end) {
        const char *nl = memchr(q, '\n', (size_t)(end - q));
        size_t n = nl ? (size_t)(nl - q) : (size_t)(end - q);
        if (n) {
            struct pd_ql_line l;
            char err[PD_QL_ERR_MAX];
            if (!pd_ql_parse_pipe(q, n, &l, err))
                fail_msg("bad test line: %.*s: %s", (int)n, q, err);
            assert_true(pd_ccstats_add(s, &l) >= 0);
        }
        q += n + 1;
    }
    pd_buf b = PD_BUF_INIT;
    assert_true(pd_ccstats_json(s, own, &b));
    json_error_t je;
    json_t *j = json_loadb(b.data, b.len, 0, &je);
    if (!j)
        fail_msg("not JSON: %s: %s", je.text, b.data);
    pd_buf_free(&b);
    if (keep)
        *keep = s;
    else
        pd_ccstats_free(s);
    return j;
}

static double num(json_t *o, const char *path)
{
    /* "queues.IT.offered" with '.' separators; names here contain no '.' */
    char buf[128];
    snprintf(buf, sizeof buf, "%s", path);
    json_t *cur = o;
    for (char *tok = strtok(buf, "."); tok; tok = strtok(NULL, "."))
        cur = json_object_get(cur, tok);
    if (!json_is_number(cur))
        fail_msg("%s is not a number", path);
    return json_number_value(cur);
}

static bool is_null(json_t *o, const char *path)
{
    char buf[128];
    snprintf(buf, sizeof buf, "%s", path);
    json_t *cur = o;
    for (char *tok = strtok(buf, "."); tok; tok = strtok(NULL, "."))
        cur = json_object_get(cur, tok);
    return json_is_null(cur);
}

#define NUM(j, path, want) assert_true(fabs(num(j, path) - (want)) < 1e-9)

/* ---- the real log ------------------------------------------------------------------- */

static char *read_real_log(size_t *len)
{
    char path[1024];
    const char *dir = getenv("PD_SHARED_DIR");
    if (dir) {
        snprintf(path, sizeof path, "%s/data/asterisk/queue_log-2018-it-queue", dir);
    } else {
        /* tests/unit/<this file> → ../../../shared (the checkout sits beside shared/) */
        snprintf(path, sizeof path, "%s", __FILE__);
        char *slash = strrchr(path, '/');
        assert_non_null(slash);
        snprintf(slash, sizeof path - (size_t)(slash - path),
                 "/../../../shared/data/asterisk/queue_log-2018-it-queue");
    }
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s (set PD_SHARED_DIR)", path);
    static char buf[1 << 17];
    *len = fread(buf, 1, sizeof buf, f);
    fclose(f);
    return buf;
}

/*
 * The expected figures were worked out from the file itself, not from this
 * code, with:
 *   awk -F'|' '$5=="ENTERQUEUE"{off++} $5=="CONNECT"{ans++; hold+=$6; w+=$6;
 *     if($6>lg)lg=$6; if($6<=20)sl++} $5=="ABANDON"{ab++; aw+=$8; w+=$8; …}
 *     $5~/^EXIT/{to++; w+=$8; …} $5~/^COMPLETE/{t++; ts+=$7}
 *     $5~/TRANSFER$/{t++; ts+=$9} END{…}' queue_log-2018-it-queue
 * giving offered 108, answered 93, abandoned 12, timed out 1 (finished 106,
 * unfinished 2: the last line enters and never leaves, one more waits out the
 * file), hold sum 3599 s, wait sum 5040 s, longest 300 s, abandon waits
 * 1141 s, 39 answered within 20 s, 91 talks summing 23913 s; and per agent
 * (AGENTCALLBACKLOGIN to AGENTCALLBACKLOGOFF, still logged in at the end
 * counted to `to`; Agent/1128 gets one second more than the login lines
 * give, 59535 s, because its member interface was added at 1543828334, one
 * second before its AGENTCALLBACKLOGIN line; CONNECT, COMPLETE* and the transfers, RINGNOANSWER by
 * agent). Every CONNECT has its ENTERQUEUE in the file (checked with awk too).
 */
static void real_log(void **state)
{
    (void)state;
    size_t len;
    char *log = read_real_log(&len);
    struct pd_ccstats_params p = {.from_ms = 1543527289000LL, /* the first line */
                                  .to_ms = 1543942852000LL,   /* one second after the last */
                                  .now_ms = 1795392000000LL,
                                  .offset_min = 480};
    json_t *j = fold(log, len, &p, NULL, NULL);
    NUM(j, "queues.IT.offered", 108);
    NUM(j, "queues.IT.answered", 93);
    NUM(j, "queues.IT.abandoned", 12);
    NUM(j, "queues.IT.timed_out", 1);
    NUM(j, "queues.IT.finished", 106);
    NUM(j, "queues.IT.unfinished", 2);
    NUM(j, "queues.IT.asa_s", 38.7);       /* 3599 / 93 = 38.698… */
    NUM(j, "queues.IT.avg_wait_s", 47.55); /* 5040 / 106 = 47.547… */
    NUM(j, "queues.IT.longest_wait_s", 300);
    NUM(j, "queues.IT.avg_abandon_s", 95.08);           /* 1141 / 12 */
    NUM(j, "queues.IT.abandon_rate", 0.1132);           /* 12 / 106 */
    NUM(j, "queues.IT.service_level", 0.3679);          /* 39 / 106 */
    NUM(j, "queues.IT.service_level_answered", 0.4194); /* 39 / 93 */
    NUM(j, "queues.IT.avg_talk_s", 262.78);             /* 23913 / 91 */
    NUM(j, "queues.IT.talk_s", 23913);
    NUM(j, "centre.offered", 108);
    NUM(j, "source.lines", 1000);
    NUM(j, "source.unknown_verbs", 257); /* OUTDIAL 128, OUTANSWER 77, OUTCANCEL 24, … */
    static const struct {
        const char *agent;
        double logged, answered, talk, rna;
    } want[] = {
        {"Agent/1109", 137907, 17, 5524, 64}, {"Agent/1126", 62140, 13, 3887, 50},
        {"Agent/1127", 59405, 18, 3842, 58},  {"Agent/1128", 59535, 13, 2110, 25},
        {"Agent/1141", 58369, 22, 5358, 110}, {"Agent/1144", 78677, 10, 3192, 53},
    };
    json_t *agents = json_object_get(j, "agents");
    /* The Local/…@callback-agent member interfaces log in as these agents. */
    assert_int_equal(json_object_size(agents), 6);
    for (size_t i = 0; i < 6; i++) {
        json_t *a = json_object_get(agents, want[i].agent);
        assert_non_null(a);
        NUM(a, "logged_in_s", want[i].logged);
        NUM(a, "answered", want[i].answered);
        NUM(a, "talk_s", want[i].talk);
        NUM(a, "ring_no_answer", want[i].rna);
        NUM(a, "acw_s", 0); /* the log has no pauses */
        double occ = round(want[i].talk / want[i].logged * 10000) / 10000;
        NUM(a, "occupancy", occ);
        assert_true(json_is_null(json_object_get(a, "actual_work_rate")));
    }
    assert_false(json_is_true(json_object_get(json_object_get(j, "parameters"), "own_records")));
    json_decref(j);
}

/*
 * Day and hour buckets of the real log. Per China day of the ENTERQUEUE
 * (awk: strftime("%Y-%m-%d", $1 + 8 * 3600) of the ENTERQUEUE lines, and of
 * the CONNECT lines of those entries, hold ≤ 20 s): offered 13, 19, 64, 12
 * on 1, 3, 4 and 5 December, answered 13, 15, 59, 6, within 20 s 7, 6, 21, 5.
 */
static void real_log_buckets(void **state)
{
    (void)state;
    size_t len;
    char *log = read_real_log(&len);
    struct pd_ccstats_params p = {.from_ms = 1543527289000LL,
                                  .to_ms = 1543942852000LL,
                                  .now_ms = 1795392000000LL,
                                  .offset_min = 480,
                                  .bucket = PD_CCB_DAY};
    assert_int_equal(pd_ccstats_bucket_count(p.from_ms, p.to_ms, PD_CCB_DAY, 480), 6);
    assert_null(pd_ccstats_bucket_check(p.from_ms, p.to_ms, PD_CCB_DAY, 480));
    assert_null(pd_ccstats_bucket_check(p.from_ms, p.to_ms, PD_CCB_HOUR, 480));
    json_t *j = fold(log, len, &p, NULL, NULL);
    json_t *b = json_object_get(j, "buckets");
    assert_int_equal(json_array_size(b), 6);
    static const int offered[] = {0, 13, 0, 19, 64, 12}, answered[] = {0, 13, 0, 15, 59, 6},
                     met[] = {0, 7, 0, 6, 21, 5};
    static const char *const from[] = {"2018-11-30T05:34:49+08:00", "2018-12-01T00:00:00+08:00",
                                       "2018-12-02T00:00:00+08:00", "2018-12-03T00:00:00+08:00",
                                       "2018-12-04T00:00:00+08:00", "2018-12-05T00:00:00+08:00"};
    for (size_t i = 0; i < 6; i++) {
        json_t *x = json_array_get(b, i);
        assert_string_equal(json_string_value(json_object_get(x, "from")), from[i]);
        assert_string_equal(json_string_value(json_object_get(x, "to")),
                            i < 5 ? from[i + 1] : "2018-12-05T01:00:52+08:00");
        NUM(x, "offered", offered[i]);
        NUM(x, "answered", answered[i]);
        if (offered[i] == 0) {
            assert_true(is_null(x, "service_level_answered"));
        } else {
            NUM(x, "service_level_answered", round(met[i] * 10000.0 / answered[i]) / 10000);
        }
    }
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(j, "parameters"), "bucket")), "day");
    json_decref(j);

    /* Hour buckets sum to the period; the first and last are clipped. */
    p.bucket = PD_CCB_HOUR;
    pd_ccstats *s = NULL;
    j = fold(log, len, &p, NULL, &s);
    b = json_object_get(j, "buckets");
    assert_int_equal(json_array_size(b),
                     pd_ccstats_bucket_count(p.from_ms, p.to_ms, PD_CCB_HOUR, 480));
    assert_int_equal(json_array_size(b), 117); /* 19 on the 30th, 4 × 24, 2 on the 5th */
    double sum_off = 0, sum_ans = 0, sum_talk = 0;
    for (size_t i = 0; i < json_array_size(b); i++) {
        sum_off += num(json_array_get(b, i), "offered");
        sum_ans += num(json_array_get(b, i), "answered");
        sum_talk += num(json_array_get(b, i), "talk_s");
    }
    assert_true(sum_off == 108 && sum_ans == 93 && sum_talk == 23913);
    assert_string_equal(json_string_value(json_object_get(json_array_get(b, 1), "from")),
                        "2018-11-30T06:00:00+08:00");
    /* The CSV: a header and one row per bucket. */
    pd_buf csv = PD_BUF_INIT;
    assert_true(pd_ccstats_buckets_csv(s, &csv));
    assert_true(strncmp(csv.data, "from,to,offered,answered,", 25) == 0);
    int rows = 0;
    for (const char *c = csv.data; (c = strstr(c, "\r\n")); c += 2)
        rows++;
    assert_int_equal(rows, 1 + 117);
    assert_non_null(strstr(csv.data, "\r\n2018-12-04T09:00:00+08:00,2018-12-04T10:00:00+08:00,"));
    pd_buf_free(&csv);
    pd_ccstats_free(s);
    json_decref(j);

    /* Limits: hour buckets for a week at most, day buckets 62 at most. */
    int64_t d = 86400000LL, from0 = 1795363200000LL; /* 2026-11-23 00:00 +08:00 */
    assert_null(pd_ccstats_bucket_check(from0, from0 + 7 * d, PD_CCB_HOUR, 480));
    assert_non_null(pd_ccstats_bucket_check(from0, from0 + 7 * d + 1, PD_CCB_HOUR, 480));
    assert_null(pd_ccstats_bucket_check(from0, from0 + 62 * d, PD_CCB_DAY, 480));
    assert_non_null(pd_ccstats_bucket_check(from0, from0 + 62 * d + 1, PD_CCB_DAY, 480));
    assert_int_equal(pd_ccstats_bucket_count(from0, from0 + 62 * d, PD_CCB_DAY, 480), 62);
    assert_int_equal(pd_ccstats_bucket_count(from0 + 1, from0 + d + 1, PD_CCB_DAY, 480), 2);
    assert_int_equal(pd_ccstats_bucket_count(from0, from0 + d, PD_CCB_NONE, 480), 0);
}

/* ---- a hand-made log ---------------------------------------------------------------- */

#define T "1800000000"
/* Lines in time order; T+n seconds written out. Comments per call below. */
static const char hand[] =
    /* c0 enters before `from`: not counted, nor its answer */
    "1799999900|c0|Q1|NONE|ENTERQUEUE||111|1\n"
    "1799999950|c0|Q1|Agent/A|CONNECT|50|x|2\n"
    "1800000000|NONE|NONE|Agent/A|AGENTLOGIN|SIP/100\n"
    /* c1: enters and abandons in the same second, in file order */
    "1800000000|c1|Q1|NONE|ENTERQUEUE||138|1\n"
    "1800000000|c1|Q1|NONE|ABANDON|1|1|0\n"
    /* c2: no position; one ring unanswered (ms), one cancelled; answered after 10 s */
    "1800000010|c2|Q1|NONE|ENTERQUEUE||139\n"
    "1800000012|c2|Q1|Agent/A|RINGNOANSWER|2000\n"
    "1800000015|c2|Q1|Agent/A|RINGCANCELED|500\n"
    "1800000020|c2|Q1|Agent/A|CONNECT|10|y|3\n"
    "1800000050|c2|Q1|Agent/A|MYCUSTOM|x\n"
    "1800000080|c2|Q1|Agent/A|COMPLETEAGENT|10|60|1\n"
    "1800000080|NONE|Q1|Agent/A|PAUSE|Wrapup\n"
    /* c3: in two queues: leaves Q1 with a key (old layout, no wait field: 30 s by the
     * clock), then waits 30 s in Q2 and is answered there, then blind-transferred */
    "1800000100|c3|Q1|NONE|ENTERQUEUE||140|1\n"
    "1800000110|NONE|Q1|Agent/A|UNPAUSE|\n"
    "1800000120|MANAGER|Q2|Agent/B|ADDMEMBER|\n"
    "1800000130|c3|Q1|NONE|EXITWITHKEY|5|1\n"
    "1800000130|c3|Q2|NONE|ENTERQUEUE||140|1\n"
    "1800000160|c3|Q2|Agent/B|CONNECT|30|z|2\n"
    "1800000200|c4|Q1|NONE|ENTERQUEUE||141|1\n"
    "1800000205|c4|Q1|NONE|EXITWITHTIMEOUT|1|1|5\n"
    "1800000210|c5|Q1|NONE|ENTERQUEUE||142|1\n"
    "1800000217|c5|Q1|NONE|EXITEMPTY|1|1|7\n"
    "1800000220|c6|Q1|NONE|ENTERQUEUE||143|1\n"
    "1800000230|c6|Q1|NONE|WITHDRAW|1|1|10|api\n"
    "1800000260|c3|Q2|Agent/B|BLINDTRANSFER|200|ctx|30|100|1\n"
    "1800000260|NONE|NONE|Agent/B|PAUSEALL|ACW\n"
    "1800000300|NONE|NONE|Agent/B|UNPAUSEALL|\n"
    /* Local/7 is the member interface Agent/7 logs in with (same callid) */
    "1800000400|u1|Q1|Local/7@cb|ADDMEMBER|\n"
    "1800000400|u1|NONE|Agent/7|AGENTCALLBACKLOGIN|7@default\n"
    /* Agent/C logged in before anything we read: the logoff says 1000 s */
    "1800000500|NONE|NONE|Agent/C|AGENTCALLBACKLOGOFF|9@default|1000|\n"
    "1800001000|NONE|Q1|Agent/A|PAUSE|lunch\n"
    "1800001120|MANAGER|Q2|Agent/B|REMOVEMEMBER|\n"
    "1800001400|u2|Q1|Local/7@cb|REMOVEMEMBER|\n"
    "1800001400|u2|NONE|Agent/7|AGENTCALLBACKLOGOFF|7@default|1000|\n"
    "1800001600|NONE|Q1|Agent/A|UNPAUSE|\n"
    "1800002000|NONE|NONE|Agent/A|AGENTLOGOFF|SIP/100|2000\n"
    /* c8 never leaves; Agent/D is still logged in at `now` */
    "1800003000|c8|Q1|NONE|ENTERQUEUE||144|1\n"
    "1800003000|NONE|NONE|Agent/D|AGENTLOGIN|SIP/104\n"
    /* c7 enters before `to` and is answered and completed after it */
    "1800003590|c7|Q1|NONE|ENTERQUEUE||145|1\n"
    "1800003650|c9|Q1|NONE|ENTERQUEUE||146|1\n"
    "1800003660|c9|Q1|NONE|ABANDON|1|1|10\n"
    "1800003700|c7|Q1|Agent/A|CONNECT|110|w|2\n"
    "1800003800|c7|Q1|Agent/A|COMPLETECALLER|110|100|1\n";

static struct pd_ccstats_params hand_params(void)
{
    return (struct pd_ccstats_params){.from_ms = 1800000000000LL,
                                      .to_ms = 1800003600000LL,
                                      .now_ms = 1800003300000LL, /* agent time ends here */
                                      .offset_min = 480};
}

static void hand_queues(void **state)
{
    (void)state;
    struct pd_ccstats_params p = hand_params();
    json_t *j = fold(hand, sizeof hand - 1, &p, NULL, NULL);
    /* Q1: c1 abandoned (0 s), c2 answered (hold 10, talk 60), c3 key exit (30),
     * c4 timeout (5), c5 empty (7), c6 withdrawn, c7 answered (hold 110, talk 100), c8 open */
    NUM(j, "queues.Q1.offered", 8);
    NUM(j, "queues.Q1.answered", 2);
    NUM(j, "queues.Q1.abandoned", 1);
    NUM(j, "queues.Q1.timed_out", 3);
    NUM(j, "queues.Q1.finished", 6);
    NUM(j, "queues.Q1.unfinished", 2);
    NUM(j, "queues.Q1.withdrawn", 1);
    NUM(j, "queues.Q1.asa_s", 60);
    NUM(j, "queues.Q1.avg_wait_s", 27); /* (0+10+30+5+7+110)/6 */
    NUM(j, "queues.Q1.longest_wait_s", 110);
    NUM(j, "queues.Q1.avg_abandon_s", 0);
    NUM(j, "queues.Q1.abandon_rate", 0.1667);
    NUM(j, "queues.Q1.service_level", 0.1667);
    NUM(j, "queues.Q1.service_level_answered", 0.5);
    NUM(j, "queues.Q1.avg_talk_s", 80);
    /* Q2: c3's second entry */
    NUM(j, "queues.Q2.offered", 1);
    NUM(j, "queues.Q2.answered", 1);
    NUM(j, "queues.Q2.service_level", 0);
    NUM(j, "queues.Q2.avg_talk_s", 100);
    NUM(j, "queues.Q2.abandon_rate", 0);
    assert_true(is_null(j, "queues.Q2.avg_abandon_s")); /* no abandoned call: null, not 0 */
    NUM(j, "centre.offered", 9);
    NUM(j, "centre.finished", 7);
    NUM(j, "centre.asa_s", 50);
    NUM(j, "centre.avg_wait_s", 27.43); /* 192 / 7 */
    NUM(j, "centre.service_level", 0.1429);
    NUM(j, "source.unknown_verbs", 1);
    assert_true(is_null(j, "centre.turnover_rate"));
    assert_true(is_null(j, "centre.cost_per_call_fen"));
    json_t *par = json_object_get(j, "parameters");
    assert_string_equal(json_string_value(json_object_get(par, "from")),
                        "2027-01-15T16:00:00+08:00");
    assert_int_equal(json_integer_value(json_object_get(par, "service_level_s")), 20);
    assert_true(json_is_null(json_object_get(par, "queue")));
    json_decref(j);

    /* A 30 s threshold counts c3's answer in Q2. */
    p.service_level_s = 30;
    j = fold(hand, sizeof hand - 1, &p, NULL, NULL);
    NUM(j, "queues.Q2.service_level", 1);
    NUM(j, "queues.Q1.service_level", 0.1667);
    json_decref(j);
}

static void hand_agents(void **state)
{
    (void)state;
    struct pd_ccstats_params p = hand_params();
    json_t *j = fold(hand, sizeof hand - 1, &p, NULL, NULL);
    json_t *agents = json_object_get(j, "agents");
    assert_int_equal(json_object_size(agents), 5); /* A, B, C, D, 7 (not Local/7@cb) */
    assert_null(json_object_get(agents, "Local/7@cb"));
    /* A: logged in 2000 s, 600 of them on a lunch break; 30 s wrap-up is work */
    NUM(j, "agents.Agent/A.logged_in_s", 1400);
    NUM(j, "agents.Agent/A.paused_s", 600);
    NUM(j, "agents.Agent/A.acw_s", 30);
    NUM(j, "agents.Agent/A.answered", 2); /* c2 and c7, not c0 */
    NUM(j, "agents.Agent/A.talk_s", 160);
    NUM(j, "agents.Agent/A.ring_no_answer", 1);    /* RINGCANCELED is not one */
    NUM(j, "agents.Agent/A.occupancy", 0.1357);    /* (160+30)/1400 */
    NUM(j, "agents.Agent/A.calls_per_hour", 5.14); /* 2 / (1400/3600) */
    NUM(j, "agents.Agent/A.avg_handle_s", 95);
    assert_true(
        json_is_true(json_object_get(json_object_get(agents, "Agent/A"), "handling_time_pass")));
    /* B: member of Q2 for 1000 s, PAUSEALL "ACW" 40 s */
    NUM(j, "agents.Agent/B.logged_in_s", 1000);
    NUM(j, "agents.Agent/B.acw_s", 40);
    NUM(j, "agents.Agent/B.talk_s", 100);
    NUM(j, "agents.Agent/B.occupancy", 0.14);
    NUM(j, "agents.Agent/C.logged_in_s", 500);  /* from `from` to the logoff */
    NUM(j, "agents.Agent/D.logged_in_s", 300);  /* until `now` */
    NUM(j, "agents.Agent/7.logged_in_s", 1000); /* union of the member and login sessions */
    assert_true(is_null(j, "agents.Agent/C.occupancy") == false);
    NUM(j, "agents.Agent/C.occupancy", 0);
    assert_true(is_null(j, "agents.Agent/C.asa_s")); /* no answered call */
    json_decref(j);

    /* Queue filter: only Q2, and only the agent who worked it. */
    p.queue = "Q2";
    j = fold(hand, sizeof hand - 1, &p, NULL, NULL);
    assert_int_equal(json_object_size(json_object_get(j, "queues")), 1);
    NUM(j, "queues.Q2.offered", 1);
    agents = json_object_get(j, "agents");
    assert_int_equal(json_object_size(agents), 1);
    NUM(j, "agents.Agent/B.logged_in_s", 1000);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(j, "parameters"), "queue")), "Q2");
    json_decref(j);

    /* A queue with no call is answered with zeros and nulls. */
    p.queue = "Q9";
    j = fold(hand, sizeof hand - 1, &p, NULL, NULL);
    NUM(j, "queues.Q9.offered", 0);
    assert_true(is_null(j, "queues.Q9.abandon_rate"));
    assert_true(is_null(j, "queues.Q9.service_level"));
    json_decref(j);

    /* Agent filter: only that agent; the queues stay whole. */
    p.queue = NULL;
    p.agent = "Agent/A";
    j = fold(hand, sizeof hand - 1, &p, NULL, NULL);
    assert_int_equal(json_object_size(json_object_get(j, "agents")), 1);
    NUM(j, "agents.Agent/A.answered", 2);
    NUM(j, "queues.Q1.offered", 8);
    json_decref(j);
}

/* Figures from ParcelDesk's own records are merged by agent name. */
static void own_records(void **state)
{
    (void)state;
    struct pd_ccstats_params p = hand_params();
    struct pd_ccstats_own_agent oa[] = {
        {.agent = "Agent/A",
         .username = "zhang.san",
         .qa_forms = 2,
         .qa_score = 87.5,
         .shifts_scheduled = 4,
         .shifts_attended = 3,
         .scheduled_s = 2800,
         .waybills_entered = 10,
         .waybills_corrected = 1},
        {.agent = "Agent/Z", .username = "", .shifts_scheduled = 2, .scheduled_s = 3600},
    };
    struct pd_ccstats_own own = {.agents = oa,
                                 .n_agents = 2,
                                 .headcount_start = 10,
                                 .headcount_end = 8,
                                 .leavers = 2,
                                 .has_cost = true,
                                 .cost_fen = 100000};
    json_t *j = fold(hand, sizeof hand - 1, &p, &own, NULL);
    json_t *a = json_object_get(json_object_get(j, "agents"), "Agent/A");
    assert_string_equal(json_string_value(json_object_get(a, "user")), "zhang.san");
    NUM(a, "actual_work_rate", 0.5); /* 1400 / 2800 */
    NUM(a, "qa_score", 87.5);
    NUM(a, "attendance", 0.75);
    NUM(a, "waybill_accuracy", 0.9);
    assert_true(json_is_false(json_object_get(a, "waybill_accuracy_pass")));
    /* a roster agent with no line in the log still has a row */
    json_t *z = json_object_get(json_object_get(j, "agents"), "Agent/Z");
    assert_non_null(z);
    NUM(z, "actual_work_rate", 0);
    assert_true(json_is_null(json_object_get(z, "attendance")) == false);
    NUM(z, "attendance", 0);
    assert_true(json_is_null(json_object_get(z, "qa_score")));
    assert_true(json_is_null(json_object_get(z, "waybill_accuracy_pass")));
    NUM(j, "centre.turnover_rate", 0.2222);    /* 2 / ((10+8)/2) */
    NUM(j, "centre.cost_per_call_fen", 33333); /* 100000 fen / 3 answered */
    assert_true(json_is_true(json_object_get(json_object_get(j, "parameters"), "own_records")));
    json_decref(j);
}

static void csv_form(void **state)
{
    (void)state;
    struct pd_ccstats_params p = hand_params();
    pd_ccstats *s = NULL;
    json_decref(fold(hand, sizeof hand - 1, &p, NULL, &s));
    pd_buf b = PD_BUF_INIT;
    assert_true(pd_ccstats_csv(s, NULL, &b));
    assert_int_equal(strncmp(b.data, "table,name,offered,answered,abandoned,", 38), 0);
    assert_non_null(strstr(b.data, "\r\ncentre,,9,3,1,3,2,1,7,50,"));
    assert_non_null(strstr(b.data, "\r\nqueue,Q1,8,2,1,3,2,1,6,60,27,110,0,0.1667,"));
    assert_non_null(strstr(b.data, "\r\nagent,Agent/A,,2,,,,,,60,"));
    int rows = 0;
    for (char *q = b.data; (q = strstr(q, "\r\n")); q += 2)
        rows++;
    assert_int_equal(rows, 1 + 1 + 2 + 5); /* header, centre, 2 queues, 5 agents */
    pd_buf_free(&b);
    pd_ccstats_free(s);
}

/* Once every entry of the period has its outcome, lines past `to` are not needed. */
static void stops_when_done(void **state)
{
    (void)state;
    struct pd_ccstats_params p = {.from_ms = 1000000, .to_ms = 2000000, .now_ms = 2000000};
    pd_ccstats *s = pd_ccstats_new(&p);
    struct pd_ql_line l;
    char err[PD_QL_ERR_MAX];
    assert_true(pd_ql_parse_pipe("1500|c|Q|NONE|ENTERQUEUE||1", 27, &l, err));
    assert_int_equal(pd_ccstats_add(s, &l), 0);
    assert_true(pd_ql_parse_pipe("2100|c|Q|NONE|ABANDON|1|1|600", 29, &l, err));
    assert_int_equal(pd_ccstats_add(s, &l), 1);
    int64_t from, to;
    pd_ccstats_window(s, &from, &to);
    assert_int_equal(from, 1000000 - PD_CC_LOOKBACK_MS);
    assert_int_equal(to, 2000000 + PD_CC_TAIL_MS);
    pd_ccstats_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(real_log),         cmocka_unit_test(hand_queues),
        cmocka_unit_test(hand_agents),      cmocka_unit_test(own_records),
        cmocka_unit_test(csv_form),         cmocka_unit_test(stops_when_done),
        cmocka_unit_test(real_log_buckets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
