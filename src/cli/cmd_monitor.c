/*
 * `parceldesk monitor run --db URL [--now RFC3339]`: one round of the
 * stale-parcel job (http/monitor.h) from the command line — for operators
 * (a cron line when the servers run with monitor.worker off) and for tests,
 * which pass --now to judge a database at a chosen time. The notices of the
 * statuses it changes are queued for a server to send (notify.worker is
 * off here). Prints what it did as one JSON object:
 *   {"no_update":N,"delayed":N,"problems_opened":N,"exceptions":N,"receipts_overdue":N,
 *    "at":RFC3339}
 * (exceptions: the problems of problems_opened that exception scans opened).
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "http/api/tracking_build.h"
#include "http/app.h"
#include "http/monitor.h"
#include "http/notify.h"
#include "util/timeutil.h"

static const char help[] =
    "usage: parceldesk monitor run --db URL [--now RFC3339]\n"
    "\n"
    "One round of the stale-parcel job: waybills with no event for too long\n"
    "(monitor.quiet_h, per service) get status no_update and a problem parcel;\n"
    "waybills past the totally-delayed limit (monitor.delayed_same_city_h,\n"
    "monitor.delayed_other_h) are marked delayed and get one too. --now judges\n"
    "the database at that time instead of the clock. Prints a JSON summary.\n";

int pd_cmd_monitor(int argc, char **argv)
{
    if (argc < 1 || !strcmp(argv[0], "--help") || !strcmp(argv[0], "-h")) {
        fputs(help, argc < 1 ? stderr : stdout);
        return argc < 1 ? PD_EXIT_USAGE : PD_EXIT_OK;
    }
    if (strcmp(argv[0], "run") != 0) {
        fprintf(stderr, "parceldesk monitor: unknown subcommand \"%s\"\n\n%s", argv[0], help);
        return PD_EXIT_USAGE;
    }
    static const char *const flags[] = {"now", NULL};
    struct pd_cli c;
    int rc = pd_cli_parse(&c, "monitor run", argc - 1, argv + 1, flags, NULL);
    if (rc)
        return rc;
    if (c.npos) {
        fprintf(stderr, "parceldesk monitor run: unexpected argument \"%s\"\n", c.pos[0]);
        return PD_EXIT_USAGE;
    }
    int64_t now = pd_now_ms();
    const char *nv = pd_cli_flag(&c, "now");
    if (nv && !pd_time_parse(nv, &now)) {
        fprintf(stderr,
                "parceldesk monitor run: --now must be RFC 3339 with an offset, e.g. "
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
    c.cfg.notify_worker = false; /* queue the notices; a server sends them */
    if (!pd_app_init(&app, &c.cfg, st, err)) {
        fprintf(stderr, "parceldesk monitor run: %s\n", err);
        pd_store_close(st);
        return PD_EXIT_FAIL;
    }
    int status = PD_EXIT_FAIL;
    if (!(app.notify = pd_notify_start(&app, NULL, err))) {
        fprintf(stderr, "parceldesk monitor run: %s\n", err);
    } else {
        struct pd_monitor_report r;
        if (!pd_monitor_round(&app, pd_tracking_rebuild, now, &r, err)) {
            fprintf(stderr, "parceldesk monitor run: %s\n", err);
        } else {
            char at[PD_RFC3339_MAX];
            printf("{\"no_update\":%d,\"delayed\":%d,\"problems_opened\":%d,"
                   "\"exceptions\":%d,\"receipts_overdue\":%lld,\"at\":\"%s\"}\n",
                   r.no_update, r.delayed, r.problems_opened, r.exceptions,
                   (long long)r.receipts_overdue, pd_time_format(now, PD_CST_OFFSET_MIN, at));
            status = PD_EXIT_OK;
        }
        pd_notify_stop(app.notify);
        app.notify = NULL;
    }
    pd_app_free(&app);
    pd_store_close(st);
    return status;
}
