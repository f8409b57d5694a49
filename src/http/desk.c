/*
 * The service desk's process-wide state (the business calendar, the public
 * complaint pages' limiters) and the one place where a stored clock row is
 * turned into a deadline or a state (desk.h). The arithmetic is
 * core/timelimits.c's; this file only maps rows to its arguments and back:
 * waiting periods to pauses, a held clock to zeros, a stopped clock to
 * "met at its stop time".
 */
#include "http/desk.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "http/ratelimit.h"
#include "util/log.h"

#define HOUR_MS 3600000LL

struct pd_desk *pd_desk_new(const struct pd_config *cfg, char err[256])
{
    struct pd_desk *d = calloc(1, sizeof *d);
    if (!d || !(d->calendar = pd_calendar_new())) {
        free(d);
        snprintf(err, 256, "desk: out of memory");
        return NULL;
    }
    char dir[600], detail[PD_CALENDAR_DETAIL_MAX];
    snprintf(dir, sizeof dir, "%s/calendar", cfg->data_dir);
    struct stat sb;
    pd_err e;
    if (stat(dir, &sb) == 0 && S_ISDIR(sb.st_mode)) {
        e = pd_calendar_load_dir(d->calendar, dir, detail);
        snprintf(d->calendar_source, sizeof d->calendar_source, "%.63s", dir);
    } else {
        e = pd_calendar_load_shipped(d->calendar, detail);
        snprintf(d->calendar_source, sizeof d->calendar_source, "shipped");
    }
    if (e == PD_OK && !pd_calendar_has_region(d->calendar, "CN")) {
        e = PD_E_CALENDAR_REGION_UNKNOWN;
        snprintf(detail, sizeof detail, "no calendar of region CN in %s", d->calendar_source);
    }
    if (e != PD_OK) {
        snprintf(err, 256, "business calendar (%.40s): %.190s", d->calendar_source, detail);
        pd_desk_free(d);
        return NULL;
    }
    d->complaint_limit = pd_ratelimit_new(PD_COMPLAINTS_PER_HOUR, HOUR_MS, 65536);
    d->miss_limit = pd_ratelimit_new(PD_COMPLAINT_MISSES_PER_HR, HOUR_MS, 65536);
    d->guess_limit = pd_ratelimit_new(PD_COMPLAINT_GUESSES_PER_HR, HOUR_MS, 65536);
    if (!d->complaint_limit || !d->miss_limit || !d->guess_limit) {
        snprintf(err, 256, "desk: out of memory");
        pd_desk_free(d);
        return NULL;
    }
    char years[64];
    pd_info("service desk: business calendar %s (CN: %s)", d->calendar_source,
            pd_calendar_years_text(d->calendar, "CN", years, sizeof years));
    return d;
}

void pd_desk_free(struct pd_desk *d)
{
    if (!d)
        return;
    pd_calendar_free(d->calendar);
    pd_ratelimit_free(d->complaint_limit);
    pd_ratelimit_free(d->miss_limit);
    pd_ratelimit_free(d->guess_limit);
    free(d);
}

void pd_desk_cal_node(const char *region, int utc_offset_min, struct pd_calendar_node *out)
{
    pd_calendar_node_default(out);
    if (region && region[0])
        snprintf(out->region, sizeof out->region, "%s", region);
    out->utc_offset_min = utc_offset_min;
}

struct pauses_ctx {
    struct pd_calendar_pause *out;
    size_t n;
    int64_t open_from;
};

static int on_pause(void *cls, const struct pd_ticket_pause *p)
{
    struct pauses_ctx *x = cls;
    if (!p->to_ms)
        x->open_from = p->from_ms;
    if (x->n == PD_DESK_PAUSES_MAX)
        return 0; /* listed by start: the oldest count, and an open one is always last */
    x->out[x->n].from_ms = p->from_ms;
    x->out[x->n].to_ms = p->to_ms ? p->to_ms : PD_CALENDAR_OPEN;
    x->n++;
    return 0;
}

pd_qs pd_desk_pauses(pd_db *db, int64_t ticket_id, struct pd_calendar_pause *out, size_t *n,
                     int64_t *open_from_ms)
{
    struct pauses_ctx x = {.out = out};
    pd_qs qs = db->ops->ticket_pause_list(db, ticket_id, on_pause, &x);
    *n = x.n;
    if (open_from_ms)
        *open_from_ms = x.open_from;
    return qs;
}

/* Deadline fields of @p c from its rule and the pauses. */
static pd_err compute(const struct pd_desk *d, const struct pd_calendar_node *node,
                      const struct pd_timelimit *rule, struct pd_ticket_clock *c,
                      const struct pd_calendar_pause *pauses, size_t npauses, char *detail)
{
    struct pd_calendar_due due;
    pd_err e =
        pd_timelimit_due(rule, c->started_ms, pauses, npauses, d->calendar, node, &due, detail);
    if (e != PD_OK)
        return e;
    c->held = due.held;
    c->base_due_ms = due.base_due_ms;
    /* Held: no deadline until the customer answers; zeros keep the stored
     * numbers summable and out of every "due before" comparison. */
    c->due_ms = due.held ? 0 : due.due_ms;
    c->warn_ms = due.held || due.warn_ms == PD_CALENDAR_NEVER ? 0 : due.warn_ms;
    return PD_OK;
}

static const struct pd_timelimit *rule_of(const struct pd_ticket_clock *c, char *detail)
{
    const struct pd_timelimit *rule = pd_timelimit_find(c->rule);
    if (!rule)
        snprintf(detail, PD_CALENDAR_DETAIL_MAX, "clock %lld has unknown rule '%.32s'",
                 (long long)c->id, c->rule);
    return rule;
}

pd_err pd_desk_clock_start(const struct pd_desk *d, const struct pd_calendar_node *node,
                           const struct pd_timelimit *rule, int64_t ticket_id, int64_t start_ms,
                           const struct pd_calendar_pause *pauses, size_t npauses,
                           struct pd_ticket_clock *out, char *detail)
{
    memset(out, 0, sizeof *out);
    out->ticket_id = ticket_id;
    snprintf(out->rule, sizeof out->rule, "%s", rule->id);
    out->started_ms = start_ms;
    out->pausable = rule->pausable;
    snprintf(out->state, sizeof out->state, "running");
    return compute(d, node, rule, out, pauses, npauses, detail);
}

pd_err pd_desk_clock_recompute(const struct pd_desk *d, const struct pd_calendar_node *node,
                               struct pd_ticket_clock *c, const struct pd_calendar_pause *pauses,
                               size_t npauses, char *detail)
{
    const struct pd_timelimit *rule = rule_of(c, detail);
    if (!rule)
        return PD_E_TIMELIMIT_UNKNOWN;
    /* The clock keeps the pausability it started with, whatever the table says now. */
    struct pd_timelimit r = *rule;
    r.pausable = c->pausable;
    return compute(d, node, &r, c, pauses, npauses, detail);
}

pd_err pd_desk_clock_finish(const struct pd_desk *d, const struct pd_calendar_node *node,
                            struct pd_ticket_clock *c, const char *state, int64_t at_ms,
                            const struct pd_calendar_pause *pauses, size_t npauses, char *detail)
{
    const struct pd_timelimit *rule = rule_of(c, detail);
    if (!rule)
        return PD_E_TIMELIMIT_UNKNOWN;
    struct pd_timelimit r = *rule;
    r.pausable = c->pausable;
    struct pd_clock_view v;
    pd_err e = pd_timelimit_classify(&r, c->started_ms, pauses, npauses, at_ms, at_ms, d->calendar,
                                     node, &v, detail);
    if (e != PD_OK)
        return e;
    snprintf(c->state, sizeof c->state, "%s", state);
    c->met_ms = at_ms;
    c->late = v.late;
    c->held = false;
    c->due_ms = v.due_ms;
    c->warn_ms = v.warn_ms;
    c->base_due_ms = v.base_due_ms;
    return PD_OK;
}

pd_err pd_desk_clock_view(const struct pd_desk *d, const struct pd_calendar_node *node,
                          const struct pd_ticket_clock *c, const struct pd_calendar_pause *pauses,
                          size_t npauses, int64_t now_ms, struct pd_clock_view *out, char *detail)
{
    const struct pd_timelimit *rule = rule_of(c, detail);
    if (!rule)
        return PD_E_TIMELIMIT_UNKNOWN;
    struct pd_timelimit r = *rule;
    r.pausable = c->pausable;
    bool ended = strcmp(c->state, "running") != 0;
    return pd_timelimit_classify(&r, c->started_ms, pauses, npauses, ended ? c->met_ms : 0, now_ms,
                                 d->calendar, node, out, detail);
}
