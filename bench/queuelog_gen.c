/*
 * The queue-log benchmark's two tools (bench/queuelog.sh):
 *   queuelog_gen gen N SEED   writes N lines of a realistic Asterisk
 *                             queue_log (pipe form) to standard output: a
 *                             month of 100 agents in 4 queues, logging in and
 *                             out, pausing for wrap-up and breaks, calls that
 *                             ring agents, are answered and completed or
 *                             transferred, abandon or time out;
 *   queuelog_gen parse FILE   reads FILE into memory and prints the parse
 *                             rate in lines/s (parse + canonical hash, as the
 *                             import does) beside a raw pass that only finds
 *                             the line ends, measured in the same run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/queuelog.h"

#define AGENTS      100
#define MONTH_START 1793462400LL /* 2026-11-01T00:00:00+08:00 */

static unsigned long long rng = 88172645463325252ULL;

static unsigned rnd(unsigned n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (unsigned)(rng % n);
}

static int gen(long n)
{
    static const char *const queues[] = {"sales", "support", "complaints", "vip"};
    static const char *const breaks[] = {"lunch", "break", "training"};
    long written = 0;
    long long t = MONTH_START;
    long call = 0;
    int logged[AGENTS] = {0};
    while (written < n) {
        /* about one call every 2.6 s over the month (1M lines ≈ 30 days) */
        t += 1 + rnd(4);
        int a = (int)rnd(AGENTS);
        if (!logged[a]) {
            printf("%lld|%lld.%d|NONE|Agent/%d|AGENTLOGIN|SIP/%d\n", t, t, a, 1000 + a, 1000 + a);
            logged[a] = 1;
            written++;
        } else if (rnd(400) == 0) {
            printf("%lld|NONE|NONE|Agent/%d|AGENTLOGOFF|SIP/%d|%u\n", t, 1000 + a, 1000 + a,
                   3600 + rnd(20000));
            logged[a] = 0;
            written++;
            continue;
        }
        const char *q = queues[rnd(4)];
        long long id = t * 10 + (call++ % 10);
        printf("%lld|%lld.%ld|%s|NONE|ENTERQUEUE||1380013%04u|%u\n", t, id / 10, call, q,
               rnd(10000), 1 + rnd(5));
        written++;
        unsigned hold = rnd(60);
        for (unsigned r = 0; r < rnd(3); r++, written++)
            printf("%lld|%lld.%ld|%s|Agent/%d|RINGNOANSWER|%u\n", t + 5 * (r + 1), id / 10, call, q,
                   1000 + (int)rnd(AGENTS), 5000 + rnd(10000));
        unsigned fate = rnd(100);
        if (fate < 85) {
            unsigned talk = 30 + rnd(400);
            printf("%lld|%lld.%ld|%s|Agent/%d|CONNECT|%u|%lld.%ld|%u\n", t + hold, id / 10, call, q,
                   1000 + a, hold, t, call + 1, 1 + rnd(10));
            if (fate < 80)
                printf("%lld|%lld.%ld|%s|Agent/%d|%s|%u|%u|1\n", t + hold + talk, id / 10, call, q,
                       1000 + a, rnd(2) ? "COMPLETECALLER" : "COMPLETEAGENT", hold, talk);
            else
                printf("%lld|%lld.%ld|%s|Agent/%d|BLINDTRANSFER|2000|default|%u|%u|1\n",
                       t + hold + talk, id / 10, call, q, 1000 + a, hold, talk);
            printf("%lld|NONE|%s|Agent/%d|PAUSE|%s\n", t + hold + talk, q, 1000 + a,
                   rnd(10) ? "wrapup" : breaks[rnd(3)]);
            printf("%lld|NONE|%s|Agent/%d|UNPAUSE|\n", t + hold + talk + 10 + rnd(60), q, 1000 + a);
            written += 4;
        } else if (fate < 97) {
            printf("%lld|%lld.%ld|%s|NONE|ABANDON|1|1|%u\n", t + hold, id / 10, call, q, hold);
            written++;
        } else {
            printf("%lld|%lld.%ld|%s|NONE|EXITWITHTIMEOUT|1|1|300\n", t + 300, id / 10, call, q);
            written++;
        }
    }
    return 0;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int parse(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        return 1;
    }
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)size + 1);
    if (!buf || fread(buf, 1, (size_t)size, f) != (size_t)size) {
        fprintf(stderr, "cannot read %s\n", path);
        return 1;
    }
    fclose(f);
    /* baseline: find the line ends only */
    double t0 = now_s();
    long raw = 0;
    for (const char *p = buf, *end = buf + size; p < end; raw++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        p = nl ? nl + 1 : end;
    }
    double t_raw = now_s() - t0;
    t0 = now_s();
    long lines = 0, bad = 0;
    unsigned long long mix = 0;
    for (const char *p = buf, *end = buf + size; p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = (size_t)((nl ? nl : end) - p);
        struct pd_ql_line l;
        char err[PD_QL_ERR_MAX];
        if (pd_ql_parse_pipe(p, n, &l, err))
            mix ^= pd_ql_line_hash(&l);
        else
            bad++;
        lines++;
        p = nl ? nl + 1 : end;
    }
    double t_parse = now_s() - t0;
    printf("parse_lines=%ld malformed=%ld parse_s=%.3f parse_rate=%.0f raw_s=%.3f raw_rate=%.0f "
           "check=%llx\n",
           lines, bad, t_parse, lines / t_parse, t_raw, raw / t_raw, mix & 0xff);
    free(buf);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 4 && !strcmp(argv[1], "gen")) {
        rng ^= strtoull(argv[3], NULL, 10) * 2654435761ULL;
        return gen(atol(argv[2]));
    }
    if (argc == 3 && !strcmp(argv[1], "parse"))
        return parse(argv[2]);
    fprintf(stderr, "usage: queuelog_gen gen N SEED | queuelog_gen parse FILE\n");
    return 2;
}
