/*
 * The time-limit table (timelimits.def) and the two questions the ticket
 * module asks of a clock row: when is it due, and what state is it in now.
 * Deadlines come from core/calendar.c; this file only decides which pauses
 * count (pausable rules, pauses up to now or to the moment the step was
 * done) and orders the states as timelimits.h draws them. It is not the
 * clocks' storage or their escalation messages: those belong to tickets.
 */
#include "core/timelimits.h"

#include <stdio.h>
#include <string.h>

static const struct pd_timelimit rules[PD_TL__COUNT] = {
#define PD_TIMELIMIT(sym_, id_, zh_, en_, unit, amount, from_, pausable_, warn, warn_to_, due_to_, \
                     basis_)                                                                       \
    [PD_TL_##sym_] = {.sym = PD_TL_##sym_,                                                         \
                      .id = id_,                                                                   \
                      .zh = zh_,                                                                   \
                      .en = en_,                                                                   \
                      .limit = {PD_CAL_##unit, amount},                                            \
                      .from = PD_TL_FROM_##from_,                                                  \
                      .pausable = pausable_,                                                       \
                      .warn_pct = warn,                                                            \
                      .warn_to = PD_TL_NOTIFY_##warn_to_,                                          \
                      .due_to = PD_TL_NOTIFY_##due_to_,                                            \
                      .basis = basis_},
#include "core/timelimits.def"
#undef PD_TIMELIMIT
};

size_t pd_timelimit_count(void)
{
    return PD_TL__COUNT;
}

const struct pd_timelimit *pd_timelimit_get(enum pd_timelimit_id sym)
{
    return (unsigned)sym < PD_TL__COUNT ? &rules[sym] : NULL;
}

const struct pd_timelimit *pd_timelimit_find(const char *id)
{
    for (size_t i = 0; id && i < PD_TL__COUNT; i++)
        if (!strcmp(rules[i].id, id))
            return &rules[i];
    return NULL;
}

pd_err pd_timelimit_due(const struct pd_timelimit *rule, int64_t start_ms,
                        const struct pd_calendar_pause *pauses, size_t npauses,
                        const pd_calendar *cal, const struct pd_calendar_node *node,
                        struct pd_calendar_due *out, char *detail)
{
    if (!rule->pausable)
        npauses = 0;
    return pd_calendar_due(cal, node, rule->limit, start_ms, npauses ? pauses : NULL, npauses,
                           rule->warn_pct * 10, out, detail);
}

pd_err pd_timelimit_classify(const struct pd_timelimit *rule, int64_t start_ms,
                             const struct pd_calendar_pause *pauses, size_t npauses,
                             int64_t met_at_ms, int64_t now_ms, const pd_calendar *cal,
                             const struct pd_calendar_node *node, struct pd_clock_view *out,
                             char *detail)
{
    /* Pauses count up to the moment that matters: when the step was done, or now. */
    int64_t until = met_at_ms ? met_at_ms : now_ms;
    struct pd_calendar_pause cut[PD_CALENDAR_PAUSES_MAX];
    size_t n = 0;
    bool paused_now = false;
    if (rule->pausable) {
        if (npauses > PD_CALENDAR_PAUSES_MAX) {
            snprintf(detail, PD_CALENDAR_DETAIL_MAX, "pauses: at most %d, not %zu",
                     PD_CALENDAR_PAUSES_MAX, npauses);
            return PD_E_CALENDAR_PAUSE_INVALID;
        }
        for (size_t i = 0; i < npauses; i++) {
            struct pd_calendar_pause p = pauses[i];
            if (p.to_ms <= p.from_ms) {
                snprintf(detail, PD_CALENDAR_DETAIL_MAX, "pauses[%zu]: ends before it starts", i);
                return PD_E_CALENDAR_PAUSE_INVALID;
            }
            if (p.from_ms >= until)
                continue;
            if (p.to_ms > until) {
                p.to_ms = until;
                paused_now = !met_at_ms;
            }
            if (p.to_ms > p.from_ms)
                cut[n++] = p;
        }
    }
    struct pd_calendar_due due;
    pd_err e = pd_calendar_due(cal, node, rule->limit, start_ms, n ? cut : NULL, n,
                               rule->warn_pct * 10, &due, detail);
    if (e != PD_OK)
        return e;
    memset(out, 0, sizeof *out);
    out->due_ms = due.due_ms;
    out->warn_ms = due.warn_ms;
    out->base_due_ms = due.base_due_ms;
    out->notify = PD_TL_NOTIFY_NONE;
    if (met_at_ms) {
        out->state = PD_CLOCK_MET;
        out->late = !pd_calendar_in_time(due.due_ms, met_at_ms);
    } else if (!pd_calendar_in_time(due.due_ms, now_ms)) {
        out->state = PD_CLOCK_OVERDUE;
        out->late = true;
        out->notify = rule->due_to;
    } else if (paused_now) {
        out->state = PD_CLOCK_PAUSED;
    } else if (now_ms >= due.warn_ms) {
        out->state = PD_CLOCK_DUE_SOON;
        out->notify = rule->warn_to;
    } else {
        out->state = PD_CLOCK_RUNNING;
    }
    return PD_OK;
}

const char *pd_clock_state_name(enum pd_clock_state st)
{
    static const char *const names[PD_CLOCK__COUNT] = {"running", "due_soon", "overdue", "paused",
                                                       "met"};
    return (unsigned)st < PD_CLOCK__COUNT ? names[st] : "?";
}

const char *pd_timelimit_from_name(enum pd_timelimit_from from)
{
    static const char *const names[PD_TL_FROM__COUNT] = {"ticket_opened", "incident",
                                                         "written_claim", "period", "appeal"};
    return (unsigned)from < PD_TL_FROM__COUNT ? names[from] : "?";
}

const char *pd_timelimit_notify_name(enum pd_timelimit_notify who)
{
    static const char *const names[] = {"none", "responsible", "supervisor", "head_office"};
    return (unsigned)who < sizeof names / sizeof names[0] ? names[who] : "?";
}
