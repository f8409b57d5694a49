/*
 * The stale-parcel job (monitor.h): one round lists the waybills past the
 * totally-delayed limit, then the quiet ones, page by page, and marks each
 * with the job's exception scan, a tracking rebuild (which queues the
 * notices of the new status) and a problem parcel — all of one page in one
 * transaction. The thread of `parceldesk serve` runs a round every
 * monitor.interval_s; `parceldesk monitor run` runs one.
 *
 * Invariants:
 *   1. A waybill is marked only through scan_insert + pd_tracking_rebuild:
 *      the status the public sees comes from an event, as every status
 *      does, and a later real scan supersedes it by event time.
 *   2. The job's scan for one situation (waybill, number of events) has one
 *      device sequence (core/problem.h), so it is stored once however often
 *      or on however many servers the job runs; the problem is opened once
 *      by the table's rule.
 *   3. Listings are keyset-paged and every page commits on its own: a
 *      failure costs that page (retried next round), never the round's
 *      earlier work, and rows the job leaves alone never hide later ones.
 *   4. A waybill already marked no_update (or reported lost) is not marked
 *      again while it stays quiet; "delayed" is marked once per waybill
 *      ever (a problem of that type, open or closed, remembers it).
 *   5. An exception scan opens at most one problem (the scan's key is the
 *      problem's source_scan, a unique index), never one while a problem
 *      of its type is open for the waybill, and none for the job's own
 *      scans (device PD-MONITOR). The exception-scan cursor moves in the
 *      transaction of the page it covers, so a failed page is read again.
 */
#include "http/monitor.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/problem.h"
#include "core/scan.h"
#include "core/status.h"
#include "core/waybill_no.h"
#include "http/app.h"
#include "http/ingest.h"
#include "store/tx.h"
#include "util/log.h"
#include "util/timeutil.h"

#define HOUR_MS         3600000LL
#define DAY_MS          86400000LL
#define PAGES_PER_ROUND 10000 /* a bound, not a budget: 10000 pages is 500,000 waybills at 50 */

/* One page of one listing, and what marking it did. */
struct page {
    struct pd_app *app;
    pd_monitor_rebuild_fn rebuild;
    int64_t now;
    enum pd_problem_type kind;
    struct pd_quiet_filter qf;
    struct pd_delayed_filter df;
    struct pd_monitor_candidate *c; /* monitor.batch of them */
    int cap, n;
    int marked, opened; /* of the last try of the transaction */
};

static int on_candidate(void *cls, const struct pd_monitor_candidate *m)
{
    struct page *p = cls;
    if (p->n >= p->cap)
        return PD_QS_HARD; /* the listing's limit is the capacity: cannot happen */
    p->c[p->n++] = *m;
    return 0;
}

/* Whether the candidate still qualifies: the same rules as the listing's
 * SQL, in core terms, so that a listing bug cannot mark a busy parcel. */
static bool qualifies(const struct page *p, const struct pd_monitor_candidate *m)
{
    const struct pd_config *cfg = &p->app->cfg;
    if (p->kind == PD_PROBLEM_DELAYED)
        return pd_problem_totally_delayed(m->promised_ms, m->origin_division, m->dest_division,
                                          cfg->monitor_delayed_same_city_h * HOUR_MS,
                                          cfg->monitor_delayed_other_h * HOUR_MS, p->now);
    int64_t limit = pd_problem_quiet_limit_ms(m->service, cfg->monitor_quiet_h * HOUR_MS);
    return p->now - m->quiet_since_ms > limit && m->status != PD_ST_NO_UPDATE &&
           m->status != PD_ST_LOST;
}

/* The job's scan, the rebuild and the problem for one waybill (invariant 1). */
static pd_qs mark(struct page *p, pd_db *db, const struct pd_monitor_candidate *m)
{
    uint64_t serial = 0;
    int64_t seq =
        pd_waybill_no_parse(m->waybill_no, &serial) ? pd_problem_device_seq(serial, m->events) : -1;
    if (seq < 0) {
        pd_warn("monitor: %s cannot be marked (number or %d events out of range)", m->waybill_no,
                m->events);
        return PD_QS_NONE;
    }
    struct pd_scan_row r;
    memset(&r, 0, sizeof r);
    snprintf(r.waybill_no, sizeof r.waybill_no, "%s", m->waybill_no);
    r.type = PD_SCAN_EXCEPTION;
    r.at_ms = p->now;
    snprintf(r.operator_, sizeof r.operator_, "stale-parcel job");
    snprintf(r.device_id, sizeof r.device_id, "%s", PD_MONITOR_DEVICE);
    r.device_seq = seq;
    snprintf(r.reason, sizeof r.reason, "%s",
             pd_scan_reason_names[p->kind == PD_PROBLEM_DELAYED ? PD_REASON_DELAYED
                                                                : PD_REASON_NO_UPDATE]);
    r.received_ms = pd_now_ms();
    bool dup = false;
    pd_qs qs = db->ops->scan_insert(db, &r, 1, &dup);
    if (qs < 0)
        return qs;
    if ((qs = p->rebuild(p->app, db, m->waybill_no)) < 0)
        return qs;

    struct pd_problem pr;
    memset(&pr, 0, sizeof pr);
    snprintf(pr.waybill_no, sizeof pr.waybill_no, "%s", m->waybill_no);
    snprintf(pr.type, sizeof pr.type, "%s", pd_problem_type_names[p->kind]);
    pr.source = PD_PROBLEM_SOURCE_AUTO;
    pr.node_id = m->node_id;
    pr.opened_ms = p->now;
    if (p->kind == PD_PROBLEM_DELAYED)
        snprintf(pr.reason, sizeof pr.reason, "承诺送达后 %lld 小时仍未签收 (%s)",
                 (long long)((p->now - m->promised_ms) / HOUR_MS),
                 pd_problem_same_city(m->origin_division, m->dest_division) ? "同城" : "异地");
    else
        snprintf(pr.reason, sizeof pr.reason, "%lld 小时无更新 (%s)",
                 (long long)((p->now - m->quiet_since_ms) / HOUR_MS),
                 m->service[0] ? m->service : "standard");
    bool opened = false;
    if ((qs = db->ops->problem_open(db, &pr, &opened)) < 0)
        return qs;
    if (!dup)
        p->marked++;
    if (opened)
        p->opened++;
    return PD_QS_ONE;
}

static pd_qs page_tx(pd_db *db, void *cls)
{
    struct page *p = cls;
    p->n = p->marked = p->opened = 0;
    pd_qs qs = p->kind == PD_PROBLEM_DELAYED ? db->ops->monitor_delayed(db, &p->df, on_candidate, p)
                                             : db->ops->monitor_quiet(db, &p->qf, on_candidate, p);
    for (int i = 0; qs >= 0 && i < p->n; i++)
        if (qualifies(p, &p->c[i]))
            qs = mark(p, db, &p->c[i]);
    return qs < 0 ? qs : PD_QS_ONE;
}

/* Every page of one listing; adds to @p out. */
static bool listing(struct pd_app *app, pd_monitor_rebuild_fn rebuild, int64_t now,
                    enum pd_problem_type kind, struct pd_monitor_report *out, char err[256])
{
    const struct pd_config *cfg = &app->cfg;
    struct page p = {
        .app = app, .rebuild = rebuild, .now = now, .kind = kind, .cap = cfg->monitor_batch};
    if (!(p.c = calloc((size_t)p.cap, sizeof *p.c))) {
        snprintf(err, 256, "monitor: out of memory");
        return false;
    }
    int64_t lookback = now - cfg->monitor_lookback_days * DAY_MS;
    if (kind == PD_PROBLEM_DELAYED) {
        p.df = (struct pd_delayed_filter){
            .promised_after_ms = lookback,
            .same_city_before_ms = now - cfg->monitor_delayed_same_city_h * HOUR_MS,
            .other_before_ms = now - cfg->monitor_delayed_other_h * HOUR_MS,
            .type = pd_problem_type_names[PD_PROBLEM_DELAYED],
            .limit = p.cap,
        };
    } else {
        int64_t base = cfg->monitor_quiet_h * HOUR_MS;
        p.qf = (struct pd_quiet_filter){
            .default_since_ms = now - base,
            .after_created_ms = lookback,
            .skip_status = {PD_ST_NO_UPDATE, PD_ST_LOST},
            .limit = p.cap,
        };
        for (int i = 0; i < PD_MONITOR_SERVICES && pd_problem_quiet_services[i]; i++) {
            p.qf.service[i] = pd_problem_quiet_services[i];
            p.qf.since_ms[i] = now - pd_problem_quiet_limit_ms(pd_problem_quiet_services[i], base);
        }
    }
    bool ok = true;
    for (int round = 0; round < PAGES_PER_ROUND; round++) {
        pd_qs qs = pd_tx_run(app->store,
                             kind == PD_PROBLEM_DELAYED ? "monitor: delayed" : "monitor: no update",
                             false, page_tx, &p);
        if (qs < 0) {
            snprintf(err, 256, "monitor: a page of %s waybills failed (%s)",
                     pd_problem_type_names[kind], qs == PD_QS_SOFT ? "busy" : "database error");
            ok = false;
            break;
        }
        if (kind == PD_PROBLEM_DELAYED)
            out->delayed += p.marked;
        else
            out->no_update += p.marked;
        out->problems_opened += p.opened;
        if (p.n < p.cap)
            break;
        /* Invariant 3: the next page starts after the last row listed. */
        const struct pd_monitor_candidate *last = &p.c[p.n - 1];
        if (kind == PD_PROBLEM_DELAYED) {
            p.df.after_promised_ms = last->promised_ms;
            p.df.after_id = last->key_id;
        } else {
            p.qf.after_quiet_ms = last->quiet_since_ms;
            p.qf.after_serial = last->key_id;
        }
    }
    free(p.c);
    return ok;
}

/* ---- problems from exception scans (invariant 5) ------------------------------------- */

struct exc_page {
    int64_t now;
    int64_t lookback; /* where a first round starts */
    int cap;
    struct pd_exception_scan *s;
    int n;
    int opened, skipped; /* of the last try of the transaction */
};

static int on_exception(void *cls, const struct pd_exception_scan *e)
{
    struct exc_page *p = cls;
    if (p->n >= p->cap)
        return PD_QS_HARD; /* the listing's limit is the capacity: cannot happen */
    p->s[p->n++] = *e;
    return 0;
}

static pd_qs exc_page_tx(pd_db *db, void *cls)
{
    struct exc_page *p = cls;
    p->n = p->opened = p->skipped = 0;
    struct pd_job_cursor cur;
    pd_qs qs = db->ops->job_cursor_get(db, PD_MONITOR_EXC_CURSOR, &cur);
    if (qs < 0)
        return qs;
    if (qs == PD_QS_NONE)
        cur = (struct pd_job_cursor){.at_ms = p->lookback};
    struct pd_exception_scan_filter f = {
        .skip_device = PD_MONITOR_DEVICE,
        .before_ms = p->now - PD_MONITOR_SETTLE_MS,
        .after_ms = cur.at_ms,
        .after_device = cur.key_text,
        .after_seq = cur.key_seq,
        .limit = p->cap,
    };
    if ((qs = db->ops->problem_exception_scans(db, &f, on_exception, p)) < 0)
        return qs;
    for (int i = 0; i < p->n; i++) {
        const struct pd_exception_scan *e = &p->s[i];
        if (e->node_id <= 0) { /* no known node and no order: nobody to act */
            p->skipped++;
            continue;
        }
        struct pd_problem pr;
        memset(&pr, 0, sizeof pr);
        snprintf(pr.waybill_no, sizeof pr.waybill_no, "%s", e->waybill_no);
        snprintf(pr.type, sizeof pr.type, "%s",
                 pd_problem_type_names[pd_problem_type_for_scan_reason(e->reason)]);
        pr.source = PD_PROBLEM_SOURCE_AUTO;
        pr.node_id = e->node_id;
        pr.opened_ms = p->now;
        snprintf(pr.reason, sizeof pr.reason, "异常扫描：%.300s（%s%s）", e->reason,
                 e->node_code[0] ? e->node_code : "设备 ", e->node_code[0] ? "" : e->device_id);
        bool opened = false;
        if ((qs = db->ops->problem_open_scan(db, &pr, e->device_id, e->device_seq, &opened)) < 0)
            return qs;
        if (opened) {
            p->opened++;
            if ((qs = db->ops->problem_touch(db, pr.id, NULL, NULL, p->now)) < 0)
                return qs;
        }
    }
    if (p->n > 0) {
        const struct pd_exception_scan *last = &p->s[p->n - 1];
        struct pd_job_cursor next = {.at_ms = last->received_ms, .key_seq = last->device_seq};
        snprintf(next.key_text, sizeof next.key_text, "%s", last->device_id);
        if ((qs = db->ops->job_cursor_put(db, PD_MONITOR_EXC_CURSOR, &next)) < 0)
            return qs;
    }
    return PD_QS_ONE;
}

/* Every page of exception scans since the cursor; adds to @p out. */
static bool exception_scans(struct pd_app *app, int64_t now, struct pd_monitor_report *out,
                            char err[256])
{
    struct exc_page p = {.now = now,
                         .lookback = now - app->cfg.monitor_lookback_days * DAY_MS,
                         .cap = app->cfg.monitor_batch};
    if (!(p.s = calloc((size_t)p.cap, sizeof *p.s))) {
        snprintf(err, 256, "monitor: out of memory");
        return false;
    }
    bool ok = true;
    for (int round = 0; round < PAGES_PER_ROUND; round++) {
        pd_qs qs = pd_tx_run(app->store, "monitor: exception scans", false, exc_page_tx, &p);
        if (qs < 0) {
            snprintf(err, 256, "monitor: a page of exception scans failed (%s)",
                     qs == PD_QS_SOFT ? "busy" : "database error");
            ok = false;
            break;
        }
        out->problems_opened += p.opened;
        out->exceptions += p.opened;
        if (p.skipped)
            pd_info("monitor: %d exception scans name no known node and no order; skipped",
                    p.skipped);
        if (p.n < p.cap)
            break;
    }
    free(p.s);
    return ok;
}

struct overdue_tx {
    int64_t before;
    int64_t count;
};

static pd_qs overdue_tx(pd_db *db, void *cls)
{
    struct overdue_tx *t = cls;
    return db->ops->receipt_overdue_count(db, t->before, &t->count);
}

bool pd_monitor_round(struct pd_app *app, pd_monitor_rebuild_fn rebuild, int64_t now_ms,
                      struct pd_monitor_report *out, char err[256])
{
    memset(out, 0, sizeof *out);
    err[0] = '\0';
    /* Judge by every scan acknowledged so far, not by the projected part. */
    pd_ingest_settle_all(app->ingest);
    /* Totally delayed first: their new event makes them no longer quiet,
     * so one waybill is not marked twice in one round. */
    char later[256];
    bool ok = listing(app, rebuild, now_ms, PD_PROBLEM_DELAYED, out, err);
    ok = listing(app, rebuild, now_ms, PD_PROBLEM_NO_UPDATE, out, ok ? err : later) && ok;
    ok = exception_scans(app, now_ms, out, ok ? err : later) && ok;
    struct overdue_tx o = {.before = now_ms - app->cfg.monitor_receipt_days * DAY_MS};
    if (pd_tx_run(app->store, "monitor: overdue receipts", true, overdue_tx, &o) < 0) {
        if (ok)
            snprintf(err, 256, "monitor: cannot count overdue return receipts");
        ok = false;
    } else {
        out->receipts_overdue = o.count;
    }
    if (out->no_update || out->delayed || out->problems_opened)
        pd_info("monitor: %d waybills with no update, %d totally delayed; %d problem parcels "
                "opened (%d from exception scans); %lld return receipts overdue",
                out->no_update, out->delayed, out->problems_opened, out->exceptions,
                (long long)out->receipts_overdue);
    return ok;
}

/* ---- the thread ------------------------------------------------------------------ */

struct pd_monitor {
    struct pd_app *app;
    pd_monitor_rebuild_fn rebuild;
    pthread_t thread;
    bool running;
    pthread_mutex_t mu; /* with cv: the thread's sleep */
    pthread_cond_t cv;
    atomic_bool stopping;
};

/* Sleep @p ms unless stopped; @return false when stopping. */
static bool nap(struct pd_monitor *m, int64_t ms)
{
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    long ns = until.tv_nsec + (long)(ms % 1000) * 1000000L;
    until.tv_sec += (time_t)(ms / 1000) + ns / 1000000000L;
    until.tv_nsec = ns % 1000000000L;
    pthread_mutex_lock(&m->mu);
    while (!atomic_load(&m->stopping))
        if (pthread_cond_timedwait(&m->cv, &m->mu, &until) == ETIMEDOUT)
            break;
    pthread_mutex_unlock(&m->mu);
    return !atomic_load(&m->stopping);
}

static void *worker_main(void *arg)
{
    struct pd_monitor *m = arg;
    int64_t every = (int64_t)m->app->cfg.monitor_interval_s * 1000;
    pd_info("monitor: stale-parcel job every %d s (no update after %d h for standard service)",
            m->app->cfg.monitor_interval_s, m->app->cfg.monitor_quiet_h);
    while (nap(m, every)) {
        struct pd_monitor_report r;
        char err[256];
        if (!pd_monitor_round(m->app, m->rebuild, pd_now_ms(), &r, err))
            pd_warn("%s; the next round tries again", err);
    }
    pd_info("monitor: stopped");
    return NULL;
}

struct pd_monitor *pd_monitor_start(struct pd_app *app, pd_monitor_rebuild_fn rebuild,
                                    char err[256])
{
    struct pd_monitor *m = calloc(1, sizeof *m);
    if (!m) {
        snprintf(err, 256, "monitor: out of memory");
        return NULL;
    }
    m->app = app;
    m->rebuild = rebuild;
    pthread_mutex_init(&m->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&m->cv, &ca);
    pthread_condattr_destroy(&ca);
    atomic_init(&m->stopping, false);
    if (!app->cfg.monitor_worker) {
        pd_info("monitor: off (monitor.worker = false); `parceldesk monitor run` does a round");
        return m;
    }
    int e = pthread_create(&m->thread, NULL, worker_main, m);
    if (e != 0) {
        snprintf(err, 256, "monitor: cannot start the thread: %s", strerror(e));
        pd_monitor_stop(m);
        return NULL;
    }
    m->running = true;
    return m;
}

void pd_monitor_stop(struct pd_monitor *m)
{
    if (!m)
        return;
    if (m->running) {
        pthread_mutex_lock(&m->mu);
        atomic_store(&m->stopping, true);
        pthread_cond_broadcast(&m->cv);
        pthread_mutex_unlock(&m->mu);
        pthread_join(m->thread, NULL);
    }
    pthread_mutex_destroy(&m->mu);
    pthread_cond_destroy(&m->cv);
    free(m);
}
