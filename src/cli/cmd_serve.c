/*
 * `parceldesk serve`: open the store (migrating first when configured),
 * start the HTTP server, print the address it listens on, and wait for
 * SIGTERM or SIGINT to stop gracefully. Signals are blocked before any
 * thread starts so that only this thread receives them, in sigwait().
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "http/api/api.h"
#include "http/api/tracking_build.h"
#include "http/app.h"
#include "http/clockwork.h"
#include "http/ingest.h"
#include "http/monitor.h"
#include "http/notify.h"
#include "http/server.h"
#include "store/migrate.h"
#include "util/log.h"

#define GRACE_MS 10000

int pd_cmd_serve(int argc, char **argv)
{
    struct pd_cli c;
    int rc = pd_cli_parse(&c, "serve", argc, argv, NULL, NULL);
    if (rc)
        return rc;
    if (c.npos) {
        fprintf(stderr, "parceldesk serve: unexpected argument \"%s\"\n", c.pos[0]);
        return PD_EXIT_USAGE;
    }

    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);

    if (c.cfg.migrate_on_start) {
        pd_store *st = pd_cli_open_store(&c);
        if (!st)
            return PD_EXIT_FAIL;
        char err[256];
        int from, to;
        bool ok = pd_store_migrate(st, &from, &to, err);
        pd_store_close(st);
        if (!ok) {
            fprintf(stderr, "parceldesk serve: migration failed: %s\n", err);
            return PD_EXIT_FAIL;
        }
        if (from != to)
            pd_info("migrated schema from version %d to %d", from, to);
    }
    pd_store *st = pd_cli_open_migrated(&c);
    if (!st)
        return PD_EXIT_FAIL;

    static struct pd_app app; /* large (caches); lives as long as the server */
    char err[256];
    if (!pd_app_init(&app, &c.cfg, st, err)) {
        fprintf(stderr, "parceldesk serve: %s\n", err);
        pd_store_close(st);
        return PD_EXIT_FAIL;
    }
    if (!(app.notify = pd_notify_start(&app, NULL, err))) {
        fprintf(stderr, "parceldesk serve: %s\n", err);
        pd_app_free(&app);
        pd_store_close(st);
        return PD_EXIT_FAIL;
    }
    /* SQLite: one scan writer, whose connection keeps the pages ingestion
     * touches, and which keeps the scan log and projects it. Its cache is
     * ten times a request thread's (160 MB by default): with four times
     * (64 MB) SQLite spilled dirty pages of a 32,768-event projection into
     * the WAL in the middle of the transaction, 14 % of the writer's time;
     * with ten, RssAnon ended bench/ingest.sh at 113–124 MB, under the
     * 256 MB target (docs/tracking.md, "The scan log"). On PostgreSQL,
     * batches run on the pool's connections side by side, straight into
     * scans. */
    if (!strcmp(pd_store_backend(st), "sqlite") &&
        !(app.ingest =
              pd_ingest_start(st, 10 * c.cfg.cache_kib, pd_api_scans_project, &app, err))) {
        fprintf(stderr, "parceldesk serve: %s\n", err);
        pd_notify_stop(app.notify);
        pd_app_free(&app);
        pd_store_close(st);
        return PD_EXIT_FAIL;
    }
    /* The stale-parcel job: its rebuilds queue notices through app.notify. */
    struct pd_monitor *monitor = pd_monitor_start(&app, pd_tracking_rebuild, err);
    if (!monitor) {
        fprintf(stderr, "parceldesk serve: %s\n", err);
        pd_ingest_stop(app.ingest);
        pd_notify_stop(app.notify);
        pd_app_free(&app);
        pd_store_close(st);
        return PD_EXIT_FAIL;
    }
    /* The ticket clock job (issue 5): escalates clocks that run out, rows not timers. */
    struct pd_clockwork *clockwork = pd_clockwork_start(&app, err);
    if (!clockwork) {
        fprintf(stderr, "parceldesk serve: %s\n", err);
        pd_monitor_stop(monitor);
        pd_ingest_stop(app.ingest);
        pd_notify_stop(app.notify);
        pd_app_free(&app);
        pd_store_close(st);
        return PD_EXIT_FAIL;
    }
    struct pd_server *srv = pd_server_start(&app, pd_api_routes, pd_api_nroutes, err);
    if (!srv) {
        fprintf(stderr, "parceldesk serve: %s\n", err);
        pd_clockwork_stop(clockwork);
        pd_monitor_stop(monitor);
        pd_ingest_stop(app.ingest);
        pd_notify_stop(app.notify);
        pd_app_free(&app);
        pd_store_close(st);
        return PD_EXIT_FAIL;
    }
    char host[128];
    snprintf(host, sizeof host, "%s", c.cfg.listen);
    char *colon = strrchr(host, ':');
    if (colon)
        *colon = '\0';
    printf("listening on http://%s:%u\n", host, (unsigned)pd_server_port(srv));
    fflush(stdout);
    pd_info("parceldesk %s serving %s database on %s:%u with %d threads", PD_VERSION,
            pd_store_backend(st), host, (unsigned)pd_server_port(srv), c.cfg.threads);

    int sig = 0;
    sigwait(&sigs, &sig);
    pd_info("received %s, finishing requests in flight", sig == SIGTERM ? "SIGTERM" : "SIGINT");
    pd_server_stop(srv, GRACE_MS);
    pd_clockwork_stop(clockwork);
    pd_monitor_stop(monitor);
    struct pd_ingest *ingest = app.ingest;
    app.ingest = NULL;
    pd_ingest_stop(ingest);
    struct pd_notify *notify = app.notify;
    app.notify = NULL;
    pd_notify_stop(notify);
    pd_app_free(&app);
    pd_store_close(st);
    pd_info("stopped");
    return PD_EXIT_OK;
}
