/*
 * Service-desk tickets (客服工单, DOMAIN.md §7): their vocabularies, the
 * status machine, the actions that start and meet the handbook's clocks,
 * the reopen window and the escalation plan of a clock — the rules, as data
 * (ticket.def) and small pure functions. Storage is the store's (tickets,
 * ticket_clocks, …, migration 012); deadlines are core/timelimits.h's.
 *
 * Invariants (docs/service-desk.md; tests/unit/core_ticket_test.c cites them):
 *   1. A ticket's status changes only along a PD_TICKET_MOVE row, or from
 *      closed to investigating by the reopen rule; nothing moves back to new.
 *   2. A closed ticket reopens only while pd_ticket_reopen_allowed() says so
 *      (closed less than the configured number of days ago); later, the
 *      customer's return is a new ticket linked to the old one.
 *   3. A clock is started at most once per ticket and rule, only by opening
 *      a complaint or by an action whose START names the rule, and met only
 *      by an action whose MEET names it (or, for the regulatory reply, by the
 *      move to resolved).
 *   4. Each escalation level of a clock happens at most once, in order
 *      warn < due; a clock first seen overdue skips warn (nobody is warned
 *      about what is already late).
 *   5. The first-contact owner (首问责任人) is set once and never moved by a
 *      transfer; the responsible person and department are what transfers change.
 *
 *            ┌────────────── move (any open status but new) ──────────────┐
 *     new ──►│ investigating ⇄ waiting_customer ⇄ proposed ⇄ … → resolved │──► closed
 *            └────────────────────────────────────────────────────────────┘      │
 *                ▲                           reopen (within the window) ─────────┘
 *
 * Pure: no I/O, no allocation; strings returned are static.
 */
#ifndef PD_CORE_TICKET_H
#define PD_CORE_TICKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/timelimits.h"

enum pd_ticket_kind {
#define PD_TICKET_KIND(sym, name, zh, en) PD_TKIND_##sym,
#include "core/ticket.def"
#undef PD_TICKET_KIND
    PD_TKIND__COUNT
};

enum pd_ticket_status {
#define PD_TICKET_STATUS(sym, name, zh, en) PD_TST_##sym,
#include "core/ticket.def"
#undef PD_TICKET_STATUS
    PD_TST__COUNT
};

enum pd_ticket_category {
#define PD_TICKET_CATEGORY(sym, name, zh, en, group) PD_TCAT_##sym,
#include "core/ticket.def"
#undef PD_TICKET_CATEGORY
    PD_TCAT__COUNT
};

enum pd_ticket_priority {
#define PD_TICKET_PRIORITY(sym, name, zh, en) PD_TPRI_##sym,
#include "core/ticket.def"
#undef PD_TICKET_PRIORITY
    PD_TPRI__COUNT
};

enum pd_ticket_dept {
#define PD_TICKET_DEPT(sym, name, zh, en) PD_TDEPT_##sym,
#include "core/ticket.def"
#undef PD_TICKET_DEPT
    PD_TDEPT__COUNT
};

enum pd_ticket_channel {
#define PD_TICKET_CHANNEL(sym, name, zh, en) PD_TCH_##sym,
#include "core/ticket.def"
#undef PD_TICKET_CHANNEL
    PD_TCH__COUNT
};

enum pd_ticket_action {
#define PD_TICKET_ACTION(sym, name, zh, en, start, meet, flag) PD_TACT_##sym,
#include "core/ticket.def"
#undef PD_TICKET_ACTION
    PD_TACT__COUNT
};

enum pd_ticket_evaluation {
#define PD_TICKET_EVALUATION(sym, name, zh, en) PD_TEVAL_##sym,
#include "core/ticket.def"
#undef PD_TICKET_EVALUATION
    PD_TEVAL__COUNT
};

/* One entry of a vocabulary: the stored name and what people read. */
struct pd_ticket_term {
    const char *name;
    const char *zh;
    const char *en;
};

/* Each vocabulary as terms (index = enum value) and as a NULL-terminated
 * list of names (for pd_spec_enum and pd_ticket_name_find). Static. */
extern const struct pd_ticket_term pd_ticket_kinds[PD_TKIND__COUNT];
extern const char *const pd_ticket_kind_names[];
extern const struct pd_ticket_term pd_ticket_statuses[PD_TST__COUNT];
extern const char *const pd_ticket_status_names[];
extern const struct pd_ticket_term pd_ticket_categories[PD_TCAT__COUNT];
extern const char *const pd_ticket_category_names[];
/* The regulator's category (DOMAIN.md §11) each category is counted under. */
extern const char *const pd_ticket_category_groups[PD_TCAT__COUNT];
extern const struct pd_ticket_term pd_ticket_priorities[PD_TPRI__COUNT];
extern const char *const pd_ticket_priority_names[];
extern const struct pd_ticket_term pd_ticket_depts[PD_TDEPT__COUNT];
extern const char *const pd_ticket_dept_names[];
extern const struct pd_ticket_term pd_ticket_channels[PD_TCH__COUNT];
extern const char *const pd_ticket_channel_names[];
extern const struct pd_ticket_term pd_ticket_evaluations[PD_TEVAL__COUNT];
extern const char *const pd_ticket_evaluation_names[];

/** Index of @p s in the NULL-terminated @p names, or -1 (also for NULL). */
int pd_ticket_name_find(const char *const *names, const char *s);

/** Whether a status move from @p from to @p to is a PD_TICKET_MOVE row (invariant 1). */
bool pd_ticket_move_allowed(enum pd_ticket_status from, enum pd_ticket_status to);

/** Whether @p st is an open status (anything but closed). */
bool pd_ticket_status_open(enum pd_ticket_status st);

enum pd_ticket_action_flag {
    PD_TAF_NONE,
    PD_TAF_INVESTIGATED, /* the incident is now basically investigated */
    PD_TAF_MAJOR,        /* a major or over-authority incident */
    PD_TAF_CLAIM,        /* a written claim: the letter's clock depends on the investigation */
};

struct pd_ticket_action_def {
    enum pd_ticket_action sym;
    const char *name;
    const char *zh;
    const char *en;
    int start; /* enum pd_timelimit_id of the rule it starts, or -1 */
    int meet;  /* enum pd_timelimit_id of the rule whose clock it meets, or -1 */
    enum pd_ticket_action_flag flag;
};

/** The action @p a; NULL when out of range. Static. */
const struct pd_ticket_action_def *pd_ticket_action_get(enum pd_ticket_action a);

/** The action named @p name; NULL when unknown. Static. */
const struct pd_ticket_action_def *pd_ticket_action_find(const char *name);

/** Names of every action, NULL-terminated (for messages and field specs). */
extern const char *const pd_ticket_action_names[];

/**
 * The rule action @p a starts on a ticket whose incident is @p investigated
 * (basically investigated): the action's START, except that a written
 * claim starts the apology letter before the investigation and the
 * negotiation letter after it. NULL when the action starts nothing.
 */
const struct pd_timelimit *pd_ticket_action_starts(const struct pd_ticket_action_def *a,
                                                   bool investigated);

/**
 * The rules whose clocks opening a ticket of @p kind starts: for a
 * complaint the initial investigation and the regulatory 7-day reply
 * (DOMAIN.md §7); nothing for the other kinds.
 * @param[out] out room for 4 rules.
 * @return how many were written.
 */
size_t pd_ticket_opening_rules(enum pd_ticket_kind kind, const struct pd_timelimit *out[4]);

/** The rule whose clock a move to @p to meets (resolved: the regulatory reply), or NULL. */
const struct pd_timelimit *pd_ticket_move_meets(enum pd_ticket_status to);

#define PD_TICKET_DAY_MS 86400000LL

/**
 * Invariant 2: a ticket closed at @p closed_ms may be reopened at @p now_ms
 * when fewer than @p days days (of 24 h) have passed. @p days 0 never allows it.
 */
bool pd_ticket_reopen_allowed(int64_t closed_ms, int64_t now_ms, int days);

/**
 * Whether @p s is a ticket number as pd_ticket_no_format writes it: "TS",
 * eight digits of the day (YYYYMMDD), then four to eight digits of the
 * day's serial.
 */
bool pd_ticket_no_valid(const char *s);

#define PD_TICKET_NO_MAX 24 /* buffer for a ticket number: "TS" + 8 + up to 8 digits + NUL */

/** "TS" + @p day (8 digits) + @p serial (at least four digits) into @p out. */
void pd_ticket_no_format(char out[PD_TICKET_NO_MAX], const char *day, int64_t serial);

/** A satisfaction score (回访满意度) is 1–5. */
bool pd_ticket_score_valid(int64_t score);

/* Escalation levels a clock has reached (stored as the clock's `escalated`). */
enum pd_escalation_level { PD_ESC_NONE = 0, PD_ESC_WARNED = 1, PD_ESC_DUE = 2 };

/* One escalation to write: its level name ("warn", "due", "head_office") and whom it tells. */
struct pd_escalation_step {
    const char *level;
    enum pd_timelimit_notify audience;
};

struct pd_escalation_plan {
    int n;                            /* 0 … 2 */
    struct pd_escalation_step s[2];   /* in order */
    enum pd_escalation_level reached; /* the clock's level after these */
};

/**
 * What a clock of @p rule in state @p st, having reached @p done, calls for
 * (invariant 4): due_soon → "warn" to the rule's warn_to; overdue → "due"
 * to its due_to, and for a @p major ticket also "head_office" when due_to
 * is not head office already. Nothing for other states or levels reached.
 */
void pd_ticket_escalation_plan(const struct pd_timelimit *rule, enum pd_clock_state st,
                               enum pd_escalation_level done, bool major,
                               struct pd_escalation_plan *out);

#endif
