/*
 * The clock job (clockwork.h): one round lists the running clocks with an
 * escalation to make, page by page, asks core/ticket.h what each calls for
 * and writes it — all of one page in one transaction.
 *
 * Invariants:
 *   1. A clock's state is recomputed from its row and its ticket's waiting
 *      periods (http/desk.h), never taken from the listing's stored
 *      numbers: the listing only narrows the search.
 *   2. Each (clock, level) is written at most once: the table's unique key
 *      decides, so a second run or a second server adds nothing, and the
 *      clock's `escalated` level only grows.
 *   3. Listings are keyset-paged by (warn_ms, id) and every page commits on
 *      its own: a failure costs that page (retried next round), never the
 *      round's earlier work.
 */
#include "http/clockwork.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/ticket.h"
#include "http/app.h"
#include "http/desk.h"
#include "store/tx.h"
#include "util/log.h"
#include "util/timeutil.h"

#define PAGE            50
#define PAGES_PER_ROUND 10000 /* a bound, not a budget */

struct page {
    struct pd_app *app;
    int64_t now;
    int64_t after_warn, after_id;
    struct pd_ticket_clock_due c[PAGE];
    int n;
    struct pd_clockwork_report r; /* of the last try of the transaction */
};

static int on_due(void *cls, const struct pd_ticket_clock_due *d)
{
    struct page *p = cls;
    if (p->n >= PAGE)
        return PD_QS_HARD; /* the listing's limit is the capacity: cannot happen */
    p->c[p->n++] = *d;
    return 0;
}

/* The first id of a node path ("/1/4/9/" → 1): the network's root. */
static int64_t root_of(const char *path)
{
    return path && path[0] == '/' ? strtoll(path + 1, NULL, 10) : 0;
}

static const char *audience_name(enum pd_timelimit_notify who)
{
    return who == PD_TL_NOTIFY_RESPONSIBLE  ? "responsible"
           : who == PD_TL_NOTIFY_SUPERVISOR ? "supervisor"
                                            : "head_office";
}

/* Whom @p who means for ticket @p d: a person (*user) or a node's supervisors (*node). */
static pd_qs resolve(pd_db *db, const struct pd_ticket_clock_due *d, enum pd_timelimit_notify *who,
                     int64_t *user, int64_t *node)
{
    *user = *node = 0;
    if (*who == PD_TL_NOTIFY_RESPONSIBLE) {
        *user = d->responsible_id ? d->responsible_id : d->owner_id;
        if (*user)
            return PD_QS_ONE;
        *who = PD_TL_NOTIFY_SUPERVISOR; /* nobody holds it yet: its supervisors must know */
    }
    if (*who == PD_TL_NOTIFY_SUPERVISOR) {
        pd_qs qs = db->ops->ticket_supervisor_node(db, d->node_path, node);
        if (qs != PD_QS_NONE)
            return qs;
        *who = PD_TL_NOTIFY_HEAD_OFFICE; /* no supervisor anywhere above: head office */
    }
    *node = root_of(d->node_path);
    return *node > 0 ? PD_QS_ONE : PD_QS_HARD;
}

/* Recompute one clock (invariant 1) and write what it calls for. */
static pd_qs escalate(struct page *p, pd_db *db, const struct pd_ticket_clock_due *d)
{
    const struct pd_timelimit *rule = pd_timelimit_find(d->c.rule);
    if (!rule) {
        pd_warn("clocks: clock %lld of %s has unknown rule '%s'; left alone", (long long)d->c.id,
                d->ticket_no, d->c.rule);
        return PD_QS_NONE;
    }
    struct pd_calendar_pause pauses[PD_DESK_PAUSES_MAX];
    size_t np = 0;
    pd_qs qs = pd_desk_pauses(db, d->c.ticket_id, pauses, &np, NULL);
    if (qs < 0)
        return qs;
    struct pd_calendar_node node;
    pd_desk_cal_node(d->node_region, d->node_utc_offset_min, &node);
    struct pd_clock_view v;
    char detail[PD_CALENDAR_DETAIL_MAX];
    pd_err e = pd_desk_clock_view(p->app->desk, &node, &d->c, pauses, np, p->now, &v, detail);
    if (e != PD_OK) {
        pd_warn("clocks: %s %s: %s; left alone", d->ticket_no, d->c.rule, detail);
        return PD_QS_NONE;
    }
    p->r.checked++;
    struct pd_escalation_plan plan;
    pd_ticket_escalation_plan(rule, v.state, (enum pd_escalation_level)d->c.escalated, d->major,
                              &plan);
    for (int i = 0; i < plan.n; i++) {
        enum pd_timelimit_notify who = plan.s[i].audience;
        struct pd_ticket_escalation esc = {.clock_id = d->c.id, .ticket_id = d->c.ticket_id};
        if ((qs = resolve(db, d, &who, &esc.user_id, &esc.node_id)) < 0)
            return qs;
        snprintf(esc.level, sizeof esc.level, "%s", plan.s[i].level);
        snprintf(esc.audience, sizeof esc.audience, "%s", audience_name(who));
        esc.at_ms = p->now;
        esc.due_ms = v.due_ms;
        bool inserted = false;
        if ((qs = db->ops->ticket_escalation_insert(db, &esc, &inserted)) < 0)
            return qs;
        if (!inserted)
            continue; /* invariant 2: someone else said it */
        char due[PD_RFC3339_MAX], text[256], json[320];
        pd_time_format(v.due_ms, node.utc_offset_min, due);
        snprintf(text, sizeof text, "%s：%s（时限 %s）",
                 !strcmp(esc.level, "warn") ? "即将超时" : "已超时", rule->zh, due);
        snprintf(json, sizeof json,
                 "{\"rule\":\"%s\",\"level\":\"%s\",\"audience\":\"%s\",\"due\":\"%s\"}", rule->id,
                 esc.level, esc.audience, due);
        struct pd_ticket_event ev = {
            .ticket_id = d->c.ticket_id, .at_ms = p->now, .text = text, .detail = json};
        snprintf(ev.kind, sizeof ev.kind, "escalation");
        if ((qs = db->ops->ticket_event_insert(db, &ev)) < 0)
            return qs;
        if (!strcmp(esc.level, "warn"))
            p->r.warned++;
        else if (!strcmp(esc.level, "due"))
            p->r.due++;
        else
            p->r.head_office++;
    }
    if (plan.reached > (enum pd_escalation_level)d->c.escalated) {
        struct pd_ticket_clock c = d->c;
        c.escalated = (int)plan.reached;
        if ((qs = db->ops->ticket_clock_update(db, &c)) < 0)
            return qs;
    }
    return PD_QS_ONE;
}

static pd_qs page_tx(pd_db *db, void *cls)
{
    struct page *p = cls;
    p->n = 0;
    memset(&p->r, 0, sizeof p->r);
    pd_qs qs = db->ops->ticket_clock_due(db, p->now, p->after_warn, p->after_id, PAGE, on_due, p);
    for (int i = 0; qs >= 0 && i < p->n; i++)
        qs = escalate(p, db, &p->c[i]);
    return qs < 0 ? qs : PD_QS_ONE;
}

bool pd_clockwork_round(struct pd_app *app, int64_t now_ms, struct pd_clockwork_report *out,
                        char err[256])
{
    memset(out, 0, sizeof *out);
    err[0] = '\0';
    struct page *p = calloc(1, sizeof *p);
    if (!p) {
        snprintf(err, 256, "clocks: out of memory");
        return false;
    }
    p->app = app;
    p->now = now_ms;
    p->after_warn = INT64_MIN;
    bool ok = true;
    for (int round = 0; round < PAGES_PER_ROUND; round++) {
        pd_qs qs = pd_tx_run(app->store, "clocks: escalate", false, page_tx, p);
        if (qs < 0) {
            snprintf(err, 256, "clocks: a page of clocks failed (%s)",
                     qs == PD_QS_SOFT ? "busy" : "database error");
            ok = false;
            break;
        }
        out->checked += p->r.checked;
        out->warned += p->r.warned;
        out->due += p->r.due;
        out->head_office += p->r.head_office;
        if (p->n < PAGE)
            break;
        /* Invariant 3: the next page starts after the last row listed. */
        p->after_warn = p->c[p->n - 1].c.warn_ms;
        p->after_id = p->c[p->n - 1].c.id;
    }
    free(p);
    if (out->warned || out->due || out->head_office)
        pd_info("clocks: %d due soon, %d overdue, %d reported to head office", out->warned,
                out->due, out->head_office);
    return ok;
}

/* ---- the thread ------------------------------------------------------------------ */

struct pd_clockwork {
    struct pd_app *app;
    pthread_t thread;
    bool running;
    pthread_mutex_t mu; /* with cv: the thread's sleep */
    pthread_cond_t cv;
    atomic_bool stopping;
};

/* Sleep @p ms unless stopped; @return false when stopping. */
static bool nap(struct pd_clockwork *w, int64_t ms)
{
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    long ns = until.tv_nsec + (long)(ms % 1000) * 1000000L;
    until.tv_sec += (time_t)(ms / 1000) + ns / 1000000000L;
    until.tv_nsec = ns % 1000000000L;
    pthread_mutex_lock(&w->mu);
    while (!atomic_load(&w->stopping))
        if (pthread_cond_timedwait(&w->cv, &w->mu, &until) == ETIMEDOUT)
            break;
    pthread_mutex_unlock(&w->mu);
    return !atomic_load(&w->stopping);
}

static void *worker_main(void *arg)
{
    struct pd_clockwork *w = arg;
    int64_t every = (int64_t)w->app->cfg.tickets_clock_interval_s * 1000;
    pd_info("clocks: escalation job every %d s", w->app->cfg.tickets_clock_interval_s);
    do {
        struct pd_clockwork_report r;
        char err[256];
        if (!pd_clockwork_round(w->app, pd_now_ms(), &r, err))
            pd_warn("%s; the next round tries again", err);
    } while (nap(w, every));
    pd_info("clocks: stopped");
    return NULL;
}

struct pd_clockwork *pd_clockwork_start(struct pd_app *app, char err[256])
{
    struct pd_clockwork *w = calloc(1, sizeof *w);
    if (!w) {
        snprintf(err, 256, "clocks: out of memory");
        return NULL;
    }
    w->app = app;
    pthread_mutex_init(&w->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&w->cv, &ca);
    pthread_condattr_destroy(&ca);
    atomic_init(&w->stopping, false);
    if (!app->cfg.tickets_clock_worker) {
        pd_info("clocks: off (tickets.clock_worker = false); `parceldesk clocks run` does a round");
        return w;
    }
    int e = pthread_create(&w->thread, NULL, worker_main, w);
    if (e != 0) {
        snprintf(err, 256, "clocks: cannot start the thread: %s", strerror(e));
        pd_clockwork_stop(w);
        return NULL;
    }
    w->running = true;
    return w;
}

void pd_clockwork_stop(struct pd_clockwork *w)
{
    if (!w)
        return;
    if (w->running) {
        pthread_mutex_lock(&w->mu);
        atomic_store(&w->stopping, true);
        pthread_cond_broadcast(&w->cv);
        pthread_mutex_unlock(&w->mu);
        pthread_join(w->thread, NULL);
    }
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cv);
    free(w);
}
