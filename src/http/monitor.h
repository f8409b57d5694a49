/*
 * The stale-parcel job (DOMAIN.md §4–§6; docs/tracking.md "The stale-parcel
 * job"): every monitor.interval_s, a thread of `parceldesk serve` looks for
 * open waybills that have gone too long without an event (the limit per
 * service of core/problem.h) and for waybills past the totally-delayed
 * limit (彻底延误), and for each:
 *   - records the fact as an event the tracking builder already
 *     understands — an `exception` scan from device PD-MONITOR with reason
 *     no_update (→ status no_update, Kuaidi100 2/202, AfterShip
 *     Exception_005) or delayed (→ exception, "快件延误") — and rebuilds the
 *     waybill's tracking, which queues the webhook/SMS notices of the new
 *     status (http/notify.h); a later real scan supersedes it by event time;
 *   - opens a problem parcel of type no_update or delayed (store.h
 *     "problem parcels"), at most one open per type and waybill.
 * Then it opens a problem parcel for every exception scan stored since
 * its last round (the service desk's "automatically from an exception
 * scan", docs/service-desk-problems.md): the type the scan's reason names
 * (core/problem.h pd_problem_type_for_scan_reason), at the scan's node
 * (else the order's), once per scan and at most one open per type and
 * waybill. It reads the scans through a cursor kept in the database
 * (job_cursors), in the order they were stored, leaving alone scans
 * stored in the last PD_MONITOR_SETTLE_MS (a batch still committing may
 * yet add older ones); the scan path itself is not touched.
 * It also counts the return receipts overdue (not back with the sender
 * monitor.receipt_days after delivery) for the log.
 *
 * Idempotent: the job's scan has the device sequence
 * pd_problem_device_seq(serial, events), so the same situation written twice
 * (a second run, two servers) is stored once, and the problem's open-once
 * rule is the table's. `parceldesk monitor run` does one round from the
 * command line (operators, cron, tests).
 *
 * Ownership: pd_monitor_start allocates the worker, pd_monitor_stop joins
 * and frees it (NULL is a no-op). pd_monitor_round uses app->store and the
 * caller's thread. @p rebuild is a function, never NULL.
 */
#ifndef PD_HTTP_MONITOR_H
#define PD_HTTP_MONITOR_H

#include <stdbool.h>
#include <stdint.h>

#include "store/store.h"

struct pd_app;

/* Exception scans stored less than this long ago wait for the next round:
 * a scan batch's transaction stamps received_ms before it commits, and
 * one still committing could add scans behind the cursor. */
#define PD_MONITOR_SETTLE_MS 60000
/* The name of the exception-scan cursor in job_cursors. */
#define PD_MONITOR_EXC_CURSOR "problems.exception_scans"

/**
 * Rebuilds the tracking row of one waybill inside the caller's transaction:
 * pd_tracking_rebuild (http/api/tracking_build.h). The caller hands it in
 * because the tracking builder lives in the API layer above this one.
 */
typedef pd_qs (*pd_monitor_rebuild_fn)(struct pd_app *app, pd_db *db, const char *waybill_no);

/** What one round did. */
struct pd_monitor_report {
    int no_update;            /* waybills newly marked "no update for too long" */
    int delayed;              /* waybills newly marked totally delayed */
    int problems_opened;      /* problem parcels opened (every type, exceptions included) */
    int exceptions;           /* of those, opened from exception scans */
    int64_t receipts_overdue; /* return receipts overdue now */
};

/**
 * One round of the job at @p now_ms (pd_now_ms() normally; `monitor run
 * --now` for operators and tests): totally delayed waybills first (their
 * new event makes them no longer quiet), then quiet ones, then the
 * exception scans stored before now_ms - PD_MONITOR_SETTLE_MS, then the
 * overdue receipts. Each page of at most monitor.batch waybills is one transaction.
 * @param[out] out what was done (filled also on failure, up to it).
 * @param[out] err reason on failure (256 bytes).
 * @return false when a transaction failed (logged); the next round retries.
 */
bool pd_monitor_round(struct pd_app *app, pd_monitor_rebuild_fn rebuild, int64_t now_ms,
                      struct pd_monitor_report *out, char err[256]);

struct pd_monitor;

/**
 * Start the job's thread when app->cfg.monitor_worker is on: its first
 * round runs one interval after start (a restart is not an occasion to
 * flag anything), then every monitor.interval_s. Call after pd_app_init
 * and pd_notify_start (its rebuilds queue notices through app->notify).
 * @param[out] err reason on failure (256 bytes).
 * @return the worker (free with pd_monitor_stop); with the worker off, a
 *         valid handle that does nothing; NULL on failure.
 */
struct pd_monitor *pd_monitor_start(struct pd_app *app, pd_monitor_rebuild_fn rebuild,
                                    char err[256]);

/** Wake the thread, let a round in progress finish its page, join, free. NULL is a no-op. */
void pd_monitor_stop(struct pd_monitor *m);

#endif
