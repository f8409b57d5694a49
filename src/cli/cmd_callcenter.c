/*
 * The call centre's telephone log on the command line (issue 6 part A):
 *   parceldesk import queue-log --db URL FILE [--format auto|pipe|csv]
 *   parceldesk report callcenter --db URL --from DATE --to DATE [--queue Q]
 *       [--agent A] [--service-level-s 20] [--bucket hour|day]
 *       [--format json|csv|xlsx] [--output FILE]
 * The engines are the API's (http/api/callcenter.c, cc_export.c): the same
 * importer and flush as the live feed, the same fold and file writers as
 * the statistics endpoint, so `--format json` prints the API's object byte
 * for byte and csv and xlsx are its downloads. This file is arguments,
 * files and exit statuses.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/ccstats.h"
#include "core/queuelog.h"
#include "http/api/api.h"
#include "util/timeutil.h"

#define EXIT_MALFORMED 3 /* some lines were refused; the others are imported */
#define READ_CHUNK     (1 << 20)

static const char import_help[] =
    "usage: parceldesk import queue-log --db URL FILE [--format auto|pipe|csv]\n"
    "\n"
    "Import an Asterisk queue_log: the native file (epoch|callid|queue|agent|EVENT|data…,\n"
    "--format pipe) or a CSV export of the realtime table (time,callid,queuename,agent,\n"
    "event,data1..data5, --format csv; a header line may reorder the columns; times\n"
    "without an offset are China time). auto (default) looks at the first line.\n"
    "Importing the same file again adds nothing; two identical lines in one file are\n"
    "both kept; unknown verbs are kept and counted.\n"
    "\n"
    "The report is JSON on standard output (format, lines, imported, duplicates,\n"
    "unknown_verbs, malformed_count, malformed [{line, error}]) with a summary on\n"
    "standard error. Exit status: 0 every line imported or already there; 3 some\n"
    "lines malformed (the rest imported); 1 failure; 2 bad arguments.\n";

static const char report_help[] =
    "usage: parceldesk report callcenter --db URL --from DATE --to DATE [--queue Q]\n"
    "                 [--agent A] [--service-level-s 20] [--bucket hour|day]\n"
    "                 [--format json|csv|xlsx] [--output FILE]\n"
    "\n"
    "The call-centre indicators of [from, to) (DATE: YYYY-MM-DD in China time, or\n"
    "RFC 3339; `to` is not included), as GET /api/v1/callcenter/stats gives them\n"
    "(docs/kpi-definitions.md). json: the API's object; csv: a header row, then the\n"
    "centre, one row per queue and one per agent; xlsx: a sheet per table and a\n"
    "parameters sheet. Written to FILE, or to standard output.\n"
    "--bucket hour|day adds the figures per China hour or day (\"buckets\" in json,\n"
    "a buckets sheet in xlsx); csv is then one row per bucket (from,to,offered,…).\n"
    "Hour buckets for periods of at most 7 days, day buckets at most 62.\n"
    "Exit status: 0 success, 1 failure, 2 bad arguments.\n";

static bool wants_help(int argc, char **argv)
{
    for (int i = 0; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
            return true;
    return false;
}

/* ---- import queue-log ---------------------------------------------------------------- */

int pd_cmd_import_queue_log(int argc, char **argv)
{
    static const char *const flags[] = {"format", NULL};
    if (wants_help(argc, argv)) {
        fputs(import_help, stdout);
        return PD_EXIT_OK;
    }
    struct pd_cli c;
    int rc = pd_cli_parse(&c, "import queue-log", argc, argv, flags, NULL);
    if (rc)
        return rc;
    if (c.npos != 1) {
        fprintf(stderr, "parceldesk import queue-log: %s\n",
                c.npos ? "give exactly one FILE" : "FILE is required");
        return PD_EXIT_USAGE;
    }
    enum pd_ql_format fmt = PD_QL_AUTO;
    const char *f = pd_cli_flag(&c, "format");
    if (f && !pd_ql_format_parse(f, &fmt)) {
        fprintf(stderr, "parceldesk import queue-log: --format must be auto, pipe or csv\n");
        return PD_EXIT_USAGE;
    }
    const char *path = c.pos[0];
    FILE *in = fopen(path, "rb");
    if (!in) {
        fprintf(stderr, "parceldesk import queue-log: cannot open %s: %s\n", path, strerror(errno));
        return PD_EXIT_FAIL;
    }
    pd_store *st = pd_cli_open_migrated(&c);
    if (!st) {
        fclose(in);
        return PD_EXIT_FAIL;
    }
    int status = PD_EXIT_FAIL;
    char *buf = malloc(READ_CHUNK);
    struct pd_ql_import *im = pd_ql_import_new(fmt, PD_CST_OFFSET_MIN, pd__cc_import_flush, st);
    if (!buf || !im) {
        fprintf(stderr, "parceldesk import queue-log: out of memory\n");
        goto out;
    }
    int64_t t0 = pd_mono_us();
    size_t n;
    rc = 0;
    while (rc == 0 && (n = fread(buf, 1, READ_CHUNK, in)) > 0)
        rc = pd_ql_import_feed(im, buf, n);
    if (rc == 0 && ferror(in)) {
        fprintf(stderr, "parceldesk import queue-log: reading %s: %s\n", path, strerror(errno));
        goto out;
    }
    if (rc == 0)
        rc = pd_ql_import_finish(im);
    const struct pd_ql_report *r = pd_ql_import_report(im);
    if (rc != 0) {
        fprintf(stderr, "parceldesk import queue-log: %s: %s after %lld lines (%lld imported)\n",
                path, rc < 0 ? "out of memory" : "the database failed", (long long)r->lines,
                (long long)r->imported);
        goto out;
    }
    double secs = (double)(pd_mono_us() - t0) / 1e6;
    pd_buf b = PD_BUF_INIT;
    pd__cc_import_report_json(r, &b);
    if (b.data)
        puts(b.data);
    pd_buf_free(&b);
    fprintf(stderr,
            "parceldesk import queue-log: %s (%s): %lld lines, %lld imported, %lld duplicates, "
            "%lld unknown verbs, %lld malformed, %.2f s\n",
            path, pd_ql_format_name(r->format), (long long)r->lines, (long long)r->imported,
            (long long)r->duplicates, (long long)r->unknown_verbs, (long long)r->malformed, secs);
    for (int i = 0; i < r->nbad && i < 10; i++)
        fprintf(stderr, "  line %lld: %s\n", (long long)r->bad[i].line, r->bad[i].error);
    status = r->malformed ? EXIT_MALFORMED : PD_EXIT_OK;
out:
    pd_ql_import_free(im);
    free(buf);
    pd_store_close(st);
    fclose(in);
    return status;
}

/* ---- report callcenter ---------------------------------------------------------------- */

static bool parse_when(const char *s, int64_t *ms)
{
    return pd_time_parse(s, ms) || pd_date_parse(s, PD_CST_OFFSET_MIN, ms);
}

int pd_cmd_report(int argc, char **argv)
{
    static const char *const flags[] = {"from",   "to",     "queue",  "agent", "service-level-s",
                                        "format", "output", "bucket", NULL};
    if (wants_help(argc, argv)) {
        fputs(report_help, stdout);
        return PD_EXIT_OK;
    }
    if (argc < 1 || strcmp(argv[0], "callcenter") != 0) {
        fprintf(stderr, "parceldesk report: expected `report callcenter`\n\n%s", report_help);
        return PD_EXIT_USAGE;
    }
    struct pd_cli c;
    int rc = pd_cli_parse(&c, "report callcenter", argc - 1, argv + 1, flags, NULL);
    if (rc)
        return rc;
    if (c.npos) {
        fprintf(stderr, "parceldesk report callcenter: unexpected argument \"%s\"\n", c.pos[0]);
        return PD_EXIT_USAGE;
    }
    struct pd_ccstats_params p = {.now_ms = pd_now_ms(), .offset_min = PD_CST_OFFSET_MIN};
    const char *from = pd_cli_need(&c, "from"), *to = pd_cli_need(&c, "to");
    if (!from || !to)
        return PD_EXIT_USAGE;
    if (!parse_when(from, &p.from_ms) || !parse_when(to, &p.to_ms)) {
        fprintf(stderr, "parceldesk report callcenter: --%s must be YYYY-MM-DD or RFC 3339\n",
                !parse_when(from, &p.from_ms) ? "from" : "to");
        return PD_EXIT_USAGE;
    }
    if (p.to_ms <= p.from_ms) {
        fprintf(stderr, "parceldesk report callcenter: --to must be after --from\n");
        return PD_EXIT_USAGE;
    }
    p.queue = pd_cli_flag(&c, "queue");
    p.agent = pd_cli_flag(&c, "agent");
    const char *sl = pd_cli_flag(&c, "service-level-s");
    if (sl) {
        char *end;
        long v = strtol(sl, &end, 10);
        if (*end || v < 1 || v > PD_CC_SERVICE_LEVEL_MAX) {
            fprintf(stderr, "parceldesk report callcenter: --service-level-s must be 1..%d\n",
                    PD_CC_SERVICE_LEVEL_MAX);
            return PD_EXIT_USAGE;
        }
        p.service_level_s = (int)v;
    }
    const char *bucket = pd_cli_flag(&c, "bucket");
    if (bucket) {
        if (!pd_cc_bucket_parse(bucket, &p.bucket)) {
            fprintf(stderr, "parceldesk report callcenter: --bucket must be hour or day\n");
            return PD_EXIT_USAGE;
        }
        const char *why = pd_ccstats_bucket_check(p.from_ms, p.to_ms, p.bucket, p.offset_min);
        if (why) {
            fprintf(stderr, "parceldesk report callcenter: --bucket: %s\n", why);
            return PD_EXIT_USAGE;
        }
    }
    enum pd__cc_format fmt = PD__CC_JSON;
    const char *format = pd_cli_flag(&c, "format");
    if (format && !pd__cc_format_parse(format, &fmt)) {
        fprintf(stderr, "parceldesk report callcenter: --format must be json, csv or xlsx\n");
        return PD_EXIT_USAGE;
    }
    const char *output = pd_cli_flag(&c, "output");

    pd_store *st = pd_cli_open_migrated(&c);
    if (!st)
        return PD_EXIT_FAIL;
    int status = PD_EXIT_FAIL;
    struct pd__cc_own_view own;
    pd_ccstats *s = NULL;
    if (!pd__cc_own_figures(st, &p, &own)) {
        fprintf(stderr, "parceldesk report callcenter: the database failed (own records)\n");
        goto out;
    }
    s = pd__cc_stats_compute(st, &p);
    if (!s) {
        fprintf(stderr, "parceldesk report callcenter: the database failed\n");
        goto out;
    }
    pd_buf b = PD_BUF_INIT;
    bool ok = pd__cc_export(s, &own, fmt, &b);
    if (ok && fmt == PD__CC_JSON)
        pd_buf_putc(&b, '\n');
    FILE *out = ok ? (output ? fopen(output, "wb") : stdout) : NULL;
    if (!ok || !out) {
        fprintf(stderr, "parceldesk report callcenter: %s\n",
                !ok ? "out of memory or the workbook could not be written" : strerror(errno));
        pd_buf_free(&b);
        goto out;
    }
    ok = fwrite(b.data, 1, b.len, out) == b.len;
    ok &= output ? fclose(out) == 0 : fflush(out) == 0;
    pd_buf_free(&b);
    if (!ok) {
        fprintf(stderr, "parceldesk report callcenter: cannot write %s\n",
                output ? output : "standard output");
        goto out;
    }
    status = PD_EXIT_OK;
out:
    pd_ccstats_free(s);
    pd__cc_own_view_free(&own);
    pd_store_close(st);
    return status;
}
