/* Unit tests of src/core/cclive.c: the call centre now, from hand-made
 * queue logs and a pinned clock — a call waiting and the longest wait, a
 * call answered (talking, then available after its completion), agents
 * paused with a reason and in wrap-up, logged off, rung (RINGNOANSWER is
 * the end of one attempt: ringing from the attempt's start while the call
 * waits; RINGCANCELED and the call's answer by someone else end it), a call
 * whose exit never came entered more than 24 hours ago (not waiting), a
 * call answered before the window (talking, the agent inferred logged in),
 * a member interface merged into the agent it logs in as, the queue
 * filter, today's figures equal to the statistics of the day — and two
 * instants of the real 2018 log, worked out by hand from its lines. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cclive.h"
#include "core/ccstats.h"

/* 2026-11-23 15:00:00 +08:00 */
#define NOW_S  1795417200LL
#define NOW_MS (NOW_S * 1000)

/* Fold @p log (pipe form, one line per '\n') at @p now_ms; return the object. */
static json_t *live(const char *log, int64_t now_ms, const char *queue)
{
    struct pd_cclive_params p = {.now_ms = now_ms, .queue = queue, .offset_min = 480};
    pd_cclive *l = pd_cclive_new(&p);
    assert_non_null(l);
    int64_t from, to;
    pd_cclive_window(l, &from, &to);
    assert_int_equal(from, now_ms - 24LL * 3600 * 1000);
    assert_int_equal(to, now_ms + 1);
    const char *q = log, *end = log + strlen(log);
    while (q < end) {
        const char *nl = memchr(q, '\n', (size_t)(end - q));
        size_t n = nl ? (size_t)(nl - q) : (size_t)(end - q);
        if (n) {
            struct pd_ql_line line;
            char err[PD_QL_ERR_MAX];
            if (!pd_ql_parse_pipe(q, n, &line, err))
                fail_msg("bad test line: %.*s: %s", (int)n, q, err);
            assert_int_equal(pd_cclive_add(l, &line), 0);
        }
        q += n + 1;
    }
    pd_buf b = PD_BUF_INIT;
    assert_true(pd_cclive_json(l, &b));
    pd_cclive_free(l);
    json_error_t je;
    json_t *j = json_loadb(b.data, b.len, 0, &je);
    if (!j)
        fail_msg("not JSON: %s: %s", je.text, b.data);
    pd_buf_free(&b);
    return j;
}

static json_t *at(json_t *o, const char *path)
{
    char buf[160];
    snprintf(buf, sizeof buf, "%s", path);
    json_t *cur = o;
    for (char *tok = strtok(buf, "."); tok && cur; tok = strtok(NULL, "."))
        cur = json_object_get(cur, tok);
    if (!cur)
        fail_msg("%s is missing", path);
    return cur;
}

static void expect_int(json_t *o, const char *path, long long want)
{
    json_t *v = at(o, path);
    if (!json_is_integer(v) || json_integer_value(v) != want)
        fail_msg("%s: want %lld, have %s", path, want, json_dumps(v, JSON_ENCODE_ANY));
}

static void expect_str(json_t *o, const char *path, const char *want)
{
    json_t *v = at(o, path);
    if (!want) {
        if (!json_is_null(v))
            fail_msg("%s: want null, have %s", path, json_dumps(v, JSON_ENCODE_ANY));
        return;
    }
    if (!json_is_string(v) || strcmp(json_string_value(v), want))
        fail_msg("%s: want \"%s\", have %s", path, want, json_dumps(v, JSON_ENCODE_ANY));
}

static void expect_null(json_t *o, const char *path)
{
    if (!json_is_null(at(o, path)))
        fail_msg("%s is not null", path);
}

/* An agent's state and since (China time text, NULL for null). */
static void expect_agent(json_t *o, const char *name, const char *state, const char *since)
{
    char path[128];
    snprintf(path, sizeof path, "agents.%s", name);
    json_t *a = at(o, path);
    expect_str(a, "state", state);
    expect_str(a, "since", since);
}

/* A log line at now − @p ago seconds. */
static void add(char *log, size_t cap, long long ago, const char *rest)
{
    size_t n = strlen(log);
    snprintf(log + n, cap - n, "%lld|%s\n", NOW_S - ago, rest);
}

/* ---- waiting calls ------------------------------------------------------------------- */

static void waiting_and_longest_wait(void **state)
{
    char log[4096] = "";
    add(log, sizeof log, 25 * 3600, "old|sales|NONE|ENTERQUEUE||13800000000|1"); /* never left */
    add(log, sizeof log, 600, "c1|sales|NONE|ENTERQUEUE||13800000001|1");
    add(log, sizeof log, 590, "c1|sales|Agent/1|CONNECT|10|c1b|2");
    add(log, sizeof log, 300, "c2|sales|NONE|ENTERQUEUE||13800000002|1");
    add(log, sizeof log, 200, "c2|sales|NONE|ABANDON|1|1|100");
    add(log, sizeof log, 95, "c3|sales|NONE|ENTERQUEUE||13800000003"); /* no position */
    add(log, sizeof log, 60, "c4|vip|NONE|ENTERQUEUE||13800000004|1");
    add(log, sizeof log, 50, "c5|vip|NONE|ENTERQUEUE||13800000005|2");
    add(log, sizeof log, 40, "c5|vip|NONE|WITHDRAW|1|2|10|x");
    add(log, sizeof log, 30, "c6|vip|NONE|ENTERQUEUE||13800000006|1");
    add(log, sizeof log, 20, "c6|vip|NONE|EXITWITHTIMEOUT|1|1|10");
    add(log, sizeof log, 10, "c7|vip|NONE|ENTERQUEUE||13800000007|1");
    add(log, sizeof log, 5, "c7|vip|NONE|ENTERQUEUE||13800000007|1"); /* again: one entry waits */
    json_t *j = live(log, NOW_MS, NULL);
    expect_str(j, "now", "2026-11-23T15:00:00+08:00");
    expect_int(j, "waiting", 3); /* c3, c4, c7 — not "old", more than 24 h ago */
    expect_int(j, "longest_wait_s", 95);
    expect_str(j, "oldest_enter", "2026-11-23T14:58:25+08:00");
    expect_int(j, "queues.sales.waiting", 1);
    expect_int(j, "queues.sales.longest_wait_s", 95);
    expect_int(j, "queues.vip.waiting", 2);
    expect_int(j, "queues.vip.longest_wait_s", 60);
    /* Today's figures are the statistics' (c7 entered twice: two offered). */
    expect_int(j, "today.offered", 8);
    expect_int(j, "today.answered", 1);
    expect_int(j, "today.abandoned", 1);
    expect_int(j, "today.timed_out", 1);
    expect_int(j, "queues.vip.today.offered", 5);
    expect_str(j, "today.from", "2026-11-23T00:00:00+08:00");
    expect_str(j, "today.to", "2026-11-24T00:00:00+08:00");
    expect_int(j, "parameters.window_s", 86400);
    expect_str(j, "parameters.window_from", "2026-11-22T15:00:00+08:00");
    json_decref(j);

    /* One queue. */
    j = live(log, NOW_MS, "vip");
    expect_int(j, "waiting", 2);
    expect_int(j, "longest_wait_s", 60);
    assert_null(json_object_get(at(j, "queues"), "sales"));
    expect_int(j, "today.offered", 5);
    assert_null(json_object_get(at(j, "agents"), "Agent/1")); /* only seen in sales */
    json_decref(j);

    /* Nothing waiting: the longest wait is null, not 0. */
    j = live("", NOW_MS, NULL);
    expect_int(j, "waiting", 0);
    expect_null(j, "longest_wait_s");
    expect_null(j, "today.service_level");
    json_decref(j);
}

/* ---- agents -------------------------------------------------------------------------- */

static void agent_states(void **state)
{
    char log[8192] = "";
    /* A: answers c1 and is still talking. */
    add(log, sizeof log, 7200, "NONE|NONE|Agent/A|AGENTLOGIN|SIP/a");
    add(log, sizeof log, 120, "c1|q|NONE|ENTERQUEUE||138|1");
    add(log, sizeof log, 110, "c1|q|Agent/A|CONNECT|10|c1b|3");
    /* B: answered c0 and completed it: available since the completion. */
    add(log, sizeof log, 7100, "NONE|NONE|Agent/B|AGENTLOGIN|SIP/b");
    add(log, sizeof log, 900, "c0|q|NONE|ENTERQUEUE||139|1");
    add(log, sizeof log, 890, "c0|q|Agent/B|CONNECT|10|c0b|3");
    add(log, sizeof log, 800, "c0|q|Agent/B|COMPLETECALLER|10|90|1");
    /* C: paused for lunch. */
    add(log, sizeof log, 7000, "NONE|NONE|Agent/C|AGENTLOGIN|SIP/c");
    add(log, sizeof log, 1800, "NONE|NONE|Agent/C|PAUSEALL|lunch");
    /* D: logged off. */
    add(log, sizeof log, 6900, "NONE|NONE|Agent/D|AGENTLOGIN|SIP/d");
    add(log, sizeof log, 3600, "NONE|NONE|Agent/D|AGENTLOGOFF|SIP/d|3300");
    /* E: wrap-up after a call, per queue. */
    add(log, sizeof log, 6800, "NONE|q|Agent/E|ADDMEMBER|");
    add(log, sizeof log, 500, "c8|q|NONE|ENTERQUEUE||140|1");
    add(log, sizeof log, 495, "c8|q|Agent/E|CONNECT|5|c8b|2");
    add(log, sizeof log, 100, "c8|q|Agent/E|COMPLETEAGENT|5|395|1");
    add(log, sizeof log, 100, "NONE|q|Agent/E|PAUSE|Wrap-Up");
    /* F: paused, unpaused: available since the unpause. */
    add(log, sizeof log, 6700, "NONE|NONE|Agent/F|AGENTLOGIN|SIP/f");
    add(log, sizeof log, 1000, "NONE|NONE|Agent/F|PAUSEALL|meeting");
    add(log, sizeof log, 400, "NONE|NONE|Agent/F|UNPAUSEALL|");
    /* G: no login among the lines (logged in before them), seen completing
     * a call whose CONNECT is older than the window: available. */
    add(log, sizeof log, 3000, "old|q|Agent/G|COMPLETECALLER|5|99999|1");
    /* H: removed from its only queue: logged out. */
    add(log, sizeof log, 6600, "NONE|q|SIP/h|ADDMEMBER|");
    add(log, sizeof log, 300, "NONE|q|SIP/h|REMOVEMEMBER|");
    json_t *j = live(log, NOW_MS, NULL);
    expect_agent(j, "Agent/A", "talking", "2026-11-23T14:58:10+08:00");
    expect_int(j, "agents.Agent/A.for_s", 110);
    expect_str(j, "agents.Agent/A.callid", "c1");
    expect_str(j, "agents.Agent/A.queue", "q");
    expect_null(j, "agents.Agent/A.reason");
    expect_agent(j, "Agent/B", "available", "2026-11-23T14:46:40+08:00");
    expect_agent(j, "Agent/C", "paused", "2026-11-23T14:30:00+08:00");
    expect_str(j, "agents.Agent/C.reason", "lunch");
    expect_agent(j, "Agent/D", "logged_out", "2026-11-23T14:00:00+08:00");
    expect_agent(j, "Agent/E", "wrap_up", "2026-11-23T14:58:20+08:00");
    expect_str(j, "agents.Agent/E.reason", "Wrap-Up");
    expect_agent(j, "Agent/F", "available", "2026-11-23T14:53:20+08:00");
    expect_agent(j, "Agent/G", "available", "2026-11-23T14:10:00+08:00");
    expect_agent(j, "SIP/h", "logged_out", "2026-11-23T14:55:00+08:00");
    expect_int(j, "states.talking", 1);
    expect_int(j, "states.available", 3);
    expect_int(j, "states.paused", 1);
    expect_int(j, "states.wrap_up", 1);
    expect_int(j, "states.logged_out", 2);
    expect_int(j, "states.ringing", 0);
    json_decref(j);

    /* A call answered before the window and never completed: talking,
     * since an unknown time; a pause while talking keeps it talking. */
    log[0] = '\0';
    add(log, sizeof log, 60, "NONE|NONE|Agent/T|PAUSEALL|lunch");
    add(log, sizeof log, 90000, "x|q|NONE|ENTERQUEUE||1|1"); /* 25 h ago: not read */
    j = live(log, NOW_MS, NULL);
    expect_agent(j, "Agent/T", "paused", "2026-11-23T14:59:00+08:00");
    json_decref(j);
    log[0] = '\0';
    add(log, sizeof log, 3000, "x|q|Agent/T|CONNECT|5|xb|2");
    add(log, sizeof log, 60, "NONE|NONE|Agent/T|PAUSEALL|lunch");
    j = live(log, NOW_MS, NULL);
    expect_agent(j, "Agent/T", "talking", "2026-11-23T14:10:00+08:00");
    expect_int(j, "waiting", 0); /* its ENTERQUEUE is not among the lines */
    json_decref(j);
}

static void ringing(void **state)
{
    char log[4096] = "";
    add(log, sizeof log, 7200, "NONE|NONE|Agent/R|AGENTLOGIN|SIP/r");
    add(log, sizeof log, 7200, "NONE|NONE|Agent/S|AGENTLOGIN|SIP/s");
    add(log, sizeof log, 7200, "NONE|NONE|Agent/U|AGENTLOGIN|SIP/u");
    add(log, sizeof log, 40, "c1|q|NONE|ENTERQUEUE||138|1");
    /* R was rung 10 s and did not answer; Asterisk rings again while c1 waits. */
    add(log, sizeof log, 28, "c1|q|Agent/R|RINGNOANSWER|10000");
    /* S was rung and the ring cancelled. */
    add(log, sizeof log, 25, "c1|q|Agent/S|RINGNOANSWER|8000");
    add(log, sizeof log, 20, "c1|q|Agent/S|RINGCANCELED|3000");
    json_t *j = live(log, NOW_MS, NULL);
    expect_agent(j, "Agent/R", "ringing", "2026-11-23T14:59:22+08:00"); /* 28 + 10 s ago */
    expect_str(j, "agents.Agent/R.callid", "c1");
    expect_agent(j, "Agent/S", "available", "2026-11-23T14:59:40+08:00");
    expect_agent(j, "Agent/U", "available", "2026-11-23T13:00:00+08:00");
    expect_int(j, "states.ringing", 1);
    expect_int(j, "waiting", 1);
    json_decref(j);

    /* Rung again: still ringing since the first attempt. Then U answers:
     * R is released at the CONNECT. */
    add(log, sizeof log, 12, "c1|q|Agent/R|RINGNOANSWER|10000");
    j = live(log, NOW_MS, NULL);
    expect_agent(j, "Agent/R", "ringing", "2026-11-23T14:59:22+08:00");
    json_decref(j);
    add(log, sizeof log, 5, "c1|q|Agent/U|CONNECT|35|c1b|4");
    j = live(log, NOW_MS, NULL);
    expect_agent(j, "Agent/R", "available", "2026-11-23T14:59:55+08:00");
    expect_agent(j, "Agent/U", "talking", "2026-11-23T14:59:55+08:00");
    expect_int(j, "waiting", 0);
    /* A ring for a call no longer waiting is no ring now. */
    add(log, sizeof log, 3, "c1|q|Agent/S|RINGNOANSWER|2000");
    json_decref(j);
    j = live(log, NOW_MS, NULL);
    expect_agent(j, "Agent/S", "available", "2026-11-23T14:59:40+08:00");
    json_decref(j);

    /* Autopause after an unanswered ring: paused wins over ringing. */
    log[0] = '\0';
    add(log, sizeof log, 7200, "NONE|NONE|Agent/R|AGENTLOGIN|SIP/r");
    add(log, sizeof log, 40, "c2|q|NONE|ENTERQUEUE||138|1");
    add(log, sizeof log, 25, "c2|q|Agent/R|RINGNOANSWER|15000");
    add(log, sizeof log, 25, "NONE|q|Agent/R|PAUSE|Auto-Pause");
    j = live(log, NOW_MS, NULL);
    expect_agent(j, "Agent/R", "paused", "2026-11-23T14:59:35+08:00");
    expect_str(j, "agents.Agent/R.reason", "Auto-Pause");
    json_decref(j);
}

static void member_interface_is_the_agent(void **state)
{
    char log[4096] = "";
    add(log, sizeof log, 3600, "1543598985.25|IT|Local/1127@callback-agent|ADDMEMBER|");
    add(log, sizeof log, 3600,
        "1543598985.25|NONE|Agent/1127|AGENTCALLBACKLOGIN|hint:1127@default");
    add(log, sizeof log, 100, "c1|IT|NONE|ENTERQUEUE||138|1");
    add(log, sizeof log, 90, "c1|IT|Agent/1127|CONNECT|10|c1b|3");
    json_t *j = live(log, NOW_MS, "IT");
    assert_int_equal(json_object_size(at(j, "agents")), 1);
    expect_agent(j, "Agent/1127", "talking", "2026-11-23T14:58:30+08:00");
    json_decref(j);
    /* REMOVEMEMBER then the logoff: logged out. */
    add(log, sizeof log, 10, "c1|IT|Agent/1127|COMPLETECALLER|10|80|1");
    add(log, sizeof log, 5, "1543625961.49|IT|Local/1127@callback-agent|REMOVEMEMBER|");
    add(log, sizeof log, 5,
        "1543625961.49|NONE|Agent/1127|AGENTCALLBACKLOGOFF|hint:1127@default|3595");
    j = live(log, NOW_MS, NULL);
    assert_int_equal(json_object_size(at(j, "agents")), 1);
    expect_agent(j, "Agent/1127", "logged_out", "2026-11-23T14:59:55+08:00");
    json_decref(j);
}

/* Today's figures are those of GET /callcenter/stats for the China day. */
static void today_is_the_statistics_of_the_day(void **state)
{
    char log[4096] = "";
    add(log, sizeof log, 16 * 3600, "y1|q|NONE|ENTERQUEUE||1|1"); /* yesterday 23:00 */
    add(log, sizeof log, 16 * 3600 - 30, "y1|q|Agent/A|CONNECT|30|b|1");
    add(log, sizeof log, 3600, "t1|q|NONE|ENTERQUEUE||1|1");
    add(log, sizeof log, 3590, "t1|q|Agent/A|CONNECT|10|b|1");
    add(log, sizeof log, 3000, "t1|q|Agent/A|COMPLETEAGENT|10|590|1");
    add(log, sizeof log, 2000, "t2|q|NONE|ENTERQUEUE||1|1");
    add(log, sizeof log, 1970, "t2|q|Agent/A|CONNECT|30|b|1");
    add(log, sizeof log, 1000, "t3|q|NONE|ENTERQUEUE||1|1");
    add(log, sizeof log, 900, "t3|q|NONE|ABANDON|1|1|100");
    json_t *j = live(log, NOW_MS, NULL);
    expect_int(j, "today.offered", 3);
    expect_int(j, "today.answered", 2);
    expect_int(j, "today.abandoned", 1);
    assert_true(json_real_value(at(j, "today.service_level")) > 0.3332 &&
                json_real_value(at(j, "today.service_level")) < 0.3334);
    expect_int(j, "parameters.service_level_s", 20);

    /* The same figures from the statistics fold of [today, tomorrow). */
    struct pd_ccstats_params sp = {.from_ms = NOW_MS - 15LL * 3600 * 1000,
                                   .to_ms = NOW_MS + 9LL * 3600 * 1000,
                                   .now_ms = NOW_MS,
                                   .offset_min = 480};
    pd_ccstats *s = pd_ccstats_new(&sp);
    assert_non_null(s);
    char copy[4096];
    snprintf(copy, sizeof copy, "%s", log);
    for (char *ln = strtok(copy, "\n"); ln; ln = strtok(NULL, "\n")) {
        struct pd_ql_line line;
        char err[PD_QL_ERR_MAX];
        assert_true(pd_ql_parse_pipe(ln, strlen(ln), &line, err));
        assert_true(pd_ccstats_add(s, &line) >= 0);
    }
    struct pd_ccv cells[64];
    pd_ccstats_queue_cells(s, NULL, cells);
    pd_buf b = PD_BUF_INIT;
    pd_ccstats_cells_json(&b, PD_CCT_QUEUES, cells);
    json_t *want = json_loads(b.data, 0, NULL);
    assert_non_null(want);
    const char *k;
    json_t *v;
    json_object_foreach(want, k, v)
    {
        if (!json_equal(v, json_object_get(at(j, "today"), k)))
            fail_msg("today.%s differs from the statistics", k);
    }
    json_decref(want);
    pd_buf_free(&b);
    pd_ccstats_free(s);
    json_decref(j);
}

/* ---- the real log ---------------------------------------------------------------------- */

static char *read_real_log(void)
{
    char path[1024];
    const char *dir = getenv("PD_SHARED_DIR");
    if (dir) {
        snprintf(path, sizeof path, "%s/data/asterisk/queue_log-2018-it-queue", dir);
    } else {
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
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

/*
 * Lines 13–20 of the file: c = 1543602660.197 enters IT at 1543602677
 * (02:31:17 on 1 December, China time); Agent/1141 rings 10 s unanswered at …687, Agent/1127
 * 9 s at …705, Agent/1141 again at …706, and so on until Agent/1127 answers
 * at …753 and completes at 1543603600. Seen at …710 and at …760. Both agents logged in through the
 * callback dialplan (lines 5–8), their member interfaces merged into them.
 */
static void real_log_instants(void **state)
{
    const char *log = read_real_log();
    json_t *j = live(log, 1543602710LL * 1000, NULL);
    expect_int(j, "waiting", 1);
    expect_int(j, "longest_wait_s", 33);
    expect_int(j, "queues.IT.waiting", 1);
    assert_int_equal(json_object_size(at(j, "agents")), 2);
    expect_agent(j, "Agent/1141", "ringing", "2018-12-01T02:31:17+08:00"); /* 687 − 10 s */
    expect_agent(j, "Agent/1127", "ringing", "2018-12-01T02:31:36+08:00"); /* 705 − 9 s */
    expect_str(j, "agents.Agent/1127.callid", "1543602660.197");
    json_decref(j);

    j = live(log, 1543602760LL * 1000, NULL);
    expect_int(j, "waiting", 0);
    expect_null(j, "longest_wait_s");
    expect_agent(j, "Agent/1127", "talking", "2018-12-01T02:32:33+08:00");
    expect_agent(j, "Agent/1141", "available", "2018-12-01T02:32:33+08:00");
    expect_int(j, "today.offered", 1);
    expect_int(j, "today.answered", 1);
    json_decref(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(waiting_and_longest_wait),
        cmocka_unit_test(agent_states),
        cmocka_unit_test(ringing),
        cmocka_unit_test(member_interface_is_the_agent),
        cmocka_unit_test(today_is_the_statistics_of_the_day),
        cmocka_unit_test(real_log_instants),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
