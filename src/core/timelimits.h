/*
 * The service desk's clocks as data: each time limit of the handbook and of
 * the regulation is a row of timelimits.def (unit, amount, what starts it,
 * whether waiting for the customer stops it, when to warn and whom to tell),
 * and two functions turn a row into a deadline and into the state a clock is
 * in now. The ticket module stores clocks as rows (rule id, start, pauses,
 * met time) and calls these; nothing here keeps timers in memory.
 *
 * Clock states (pd_timelimit_classify), checked in this order:
 *
 *     met_at given ──────────────────────────────► MET   (late = met after due)
 *     now past the deadline ─────────────────────► OVERDUE
 *     a pause holds the clock now (pausable rule) ► PAUSED
 *     now at or past warn (warn_pct elapsed) ────► DUE_SOON
 *     otherwise ─────────────────────────────────► RUNNING
 *
 * A clock moves RUNNING → DUE_SOON → OVERDUE as time passes, to PAUSED and
 * back as the ticket waits for the customer and resumes (the deadline moves
 * by the counted time of the pause, calendar.h invariant 5), and to MET when
 * the step is done. Escalation: DUE_SOON tells the rule's warn_to, OVERDUE
 * its due_to (the ticket module adds head office for major tickets).
 *
 * Pure: no I/O, no clock (the caller passes now), no allocation.
 */
#ifndef PD_CORE_TIMELIMITS_H
#define PD_CORE_TIMELIMITS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/calendar.h"
#include "core/errors.h"

enum pd_timelimit_id {
#define PD_TIMELIMIT(sym, id, zh, en, unit, amount, from, pausable, warn, warn_to, due_to, basis)  \
    PD_TL_##sym,
#include "core/timelimits.def"
#undef PD_TIMELIMIT
    PD_TL__COUNT
};

/* What starts the clock; the ticket module supplies that instant. */
enum pd_timelimit_from {
    PD_TL_FROM_TICKET_OPENED, /* the ticket (complaint) was opened / received */
    PD_TL_FROM_INCIDENT,      /* the service incident happened (its recorded time) */
    PD_TL_FROM_WRITTEN_CLAIM, /* the customer's written claim was received */
    PD_TL_FROM_PERIOD,        /* any instant of the month being reported on */
    PD_TL_FROM_APPEAL,        /* the regulator forwarded the customer's appeal */
    PD_TL_FROM__COUNT
};

/* Who is told. */
enum pd_timelimit_notify {
    PD_TL_NOTIFY_NONE,
    PD_TL_NOTIFY_RESPONSIBLE, /* 责任人 */
    PD_TL_NOTIFY_SUPERVISOR,  /* 主管 */
    PD_TL_NOTIFY_HEAD_OFFICE, /* 总部 */
};

struct pd_timelimit {
    enum pd_timelimit_id sym;
    const char *id; /* stable, stored in clock rows: "apology_letter" */
    const char *zh;
    const char *en;
    struct pd_calendar_limit limit;
    enum pd_timelimit_from from;
    bool pausable;
    int warn_pct; /* 1–99 */
    enum pd_timelimit_notify warn_to, due_to;
    const char *basis; /* "handbook", the regulation's article, … */
};

enum pd_clock_state {
    PD_CLOCK_RUNNING,
    PD_CLOCK_DUE_SOON,
    PD_CLOCK_OVERDUE,
    PD_CLOCK_PAUSED,
    PD_CLOCK_MET,
    PD_CLOCK__COUNT
};

struct pd_clock_view {
    enum pd_clock_state state;
    int64_t due_ms;      /* the deadline (calendar.h invariant 4); while PAUSED, the deadline
                            if the clock resumed now */
    int64_t warn_ms;     /* when it becomes DUE_SOON */
    int64_t base_due_ms; /* the deadline without any pause */
    bool late;           /* OVERDUE, or MET after the deadline */
    enum pd_timelimit_notify notify; /* whom this state calls for (NONE when RUNNING,
                                        PAUSED or MET) */
};

/** Number of rules (PD_TL__COUNT). */
size_t pd_timelimit_count(void);

/** Rule by enum; NULL when out of range. Static storage, never freed. */
const struct pd_timelimit *pd_timelimit_get(enum pd_timelimit_id sym);

/** Rule by stable id ("apology_letter"); NULL when unknown. Static storage. */
const struct pd_timelimit *pd_timelimit_find(const char *id);

/**
 * The deadline of @p rule for a clock started at @p start_ms (what the
 * rule's `from` names), on @p cal for @p node (NULL: defaults). @p pauses
 * (may be NULL when @p npauses is 0) count only when the rule is pausable.
 * Fills @p out (warn_ms at the rule's warn_pct).
 * @return PD_OK or an error of pd_calendar_due, @p detail saying why.
 */
pd_err pd_timelimit_due(const struct pd_timelimit *rule, int64_t start_ms,
                        const struct pd_calendar_pause *pauses, size_t npauses,
                        const pd_calendar *cal, const struct pd_calendar_node *node,
                        struct pd_calendar_due *out, char *detail);

/**
 * The state of a clock at @p now_ms. Pauses that have not ended by now
 * (to_ms = PD_CALENDAR_OPEN or later than now) are taken to end now, and
 * pauses that begin after now are ignored, so a paused clock shows the
 * deadline it would have if it resumed now. @p met_at_ms: when the step was
 * done, 0 if not yet (pauses then count up to met_at_ms only).
 * @return PD_OK with @p out filled, or an error of pd_calendar_due.
 */
pd_err pd_timelimit_classify(const struct pd_timelimit *rule, int64_t start_ms,
                             const struct pd_calendar_pause *pauses, size_t npauses,
                             int64_t met_at_ms, int64_t now_ms, const pd_calendar *cal,
                             const struct pd_calendar_node *node, struct pd_clock_view *out,
                             char *detail);

/** "running", "due_soon", "overdue", "paused", "met"; "?" otherwise. */
const char *pd_clock_state_name(enum pd_clock_state st);

/** "ticket_opened", "incident", "written_claim", "period", "appeal"; "?" otherwise. */
const char *pd_timelimit_from_name(enum pd_timelimit_from from);

/** "none", "responsible", "supervisor", "head_office"; "?" otherwise. */
const char *pd_timelimit_notify_name(enum pd_timelimit_notify who);

#endif
