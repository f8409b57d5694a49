/*
 * `parceldesk clocks run --db URL [--now RFC3339]`: one round of the
 * service desk's clock job (http/clockwork.h) from the command line — for
 * operators (a cron line when the servers run with tickets.clock_worker
 * off) and for tests, which pass --now to judge the clocks at a chosen
 * time. Prints what it did as one JSON object:
 *   {"checked":N,"warned":N,"due":N,"head_office":N,"at":RFC3339}
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "http/app.h"
#include "http/clockwork.h"
#include "util/timeutil.h"

static const char help[] =
    "usage: parceldesk clocks run --db URL [--now RFC3339]\n"
    "\n"
    "One round of the ticket clock job: every running clock that has reached its\n"
    "warning point is escalated to the responsible person, every overdue one to the\n"
    "supervisors of its node (and head office for major incidents), once per clock\n"
    "and level. --now judges the clocks at that time instead of the clock. Prints a\n"
    "JSON summary.\n";

int pd_cmd_clocks(int argc, char **argv)
{
    if (argc < 1 || !strcmp(argv[0], "--help") || !strcmp(argv[0], "-h")) {
        fputs(help, argc < 1 ? stderr : stdout);
        return argc < 1 ? PD_EXIT_USAGE : PD_EXIT_OK;
    }
    if (strcmp(argv[0], "run") != 0) {
        fprintf(stderr, "parceldesk clocks: unknown subcommand \"%s\"\n\n%s", argv[0], help);
        return PD_EXIT_USAGE;
    }
    static const char *const flags[] = {"now", NULL};
    struct pd_cli c;
    int rc = pd_cli_parse(&c, "clocks run", argc - 1, argv + 1, flags, NULL);
    if (rc)
        return rc;
    if (c.npos) {
        fprintf(stderr, "parceldesk clocks run: unexpected argument \"%s\"\n", c.pos[0]);
        return PD_EXIT_USAGE;
    }
    int64_t now = pd_now_ms();
    const char *nv = pd_cli_flag(&c, "now");
    if (nv && !pd_time_parse(nv, &now)) {
        fprintf(stderr,
                "parceldesk clocks run: --now must be RFC 3339 with an offset, e.g. "
                "2026-11-23T10:00:00+08:00 (got \"%s\")\n",
                nv);
        return PD_EXIT_USAGE;
    }
    pd_store *st = pd_cli_open_migrated(&c);
    if (!st)
        return PD_EXIT_FAIL;
    static struct pd_app app; /* large (caches) */
    char err[256];
    snprintf(c.cfg.access_log, sizeof c.cfg.access_log, "off");
    if (!pd_app_init(&app, &c.cfg, st, err)) {
        fprintf(stderr, "parceldesk clocks run: %s\n", err);
        pd_store_close(st);
        return PD_EXIT_FAIL;
    }
    int status = PD_EXIT_FAIL;
    struct pd_clockwork_report r;
    if (!pd_clockwork_round(&app, now, &r, err)) {
        fprintf(stderr, "parceldesk clocks run: %s\n", err);
    } else {
        char at[PD_RFC3339_MAX];
        printf("{\"checked\":%d,\"warned\":%d,\"due\":%d,\"head_office\":%d,\"at\":\"%s\"}\n",
               r.checked, r.warned, r.due, r.head_office,
               pd_time_format(now, PD_CST_OFFSET_MIN, at));
        status = PD_EXIT_OK;
    }
    pd_app_free(&app);
    pd_store_close(st);
    return status;
}
