/*
 * The tables of ticket.def turned into arrays and the small decisions the
 * ticket handlers and the clock job ask of them: is a status move allowed,
 * which clock an action starts or meets, may a closed ticket reopen, what
 * does a late clock call for. It holds no ticket and keeps no clock: rows
 * are the store's, deadlines core/timelimits.c's.
 */
#include "core/ticket.h"

#include <stdio.h>
#include <string.h>

#define TERM(sym, name_, zh_, en_) {.name = name_, .zh = zh_, .en = en_},

const struct pd_ticket_term pd_ticket_kinds[PD_TKIND__COUNT] = {
#define PD_TICKET_KIND(sym, name, zh, en) TERM(sym, name, zh, en)
#include "core/ticket.def"
#undef PD_TICKET_KIND
};
const char *const pd_ticket_kind_names[] = {
#define PD_TICKET_KIND(sym, name, zh, en) name,
#include "core/ticket.def"
#undef PD_TICKET_KIND
    NULL};

const struct pd_ticket_term pd_ticket_statuses[PD_TST__COUNT] = {
#define PD_TICKET_STATUS(sym, name, zh, en) TERM(sym, name, zh, en)
#include "core/ticket.def"
#undef PD_TICKET_STATUS
};
const char *const pd_ticket_status_names[] = {
#define PD_TICKET_STATUS(sym, name, zh, en) name,
#include "core/ticket.def"
#undef PD_TICKET_STATUS
    NULL};

const struct pd_ticket_term pd_ticket_categories[PD_TCAT__COUNT] = {
#define PD_TICKET_CATEGORY(sym, name, zh, en, group) TERM(sym, name, zh, en)
#include "core/ticket.def"
#undef PD_TICKET_CATEGORY
};
const char *const pd_ticket_category_names[] = {
#define PD_TICKET_CATEGORY(sym, name, zh, en, group) name,
#include "core/ticket.def"
#undef PD_TICKET_CATEGORY
    NULL};
const char *const pd_ticket_category_groups[PD_TCAT__COUNT] = {
#define PD_TICKET_CATEGORY(sym, name, zh, en, group) #group,
#include "core/ticket.def"
#undef PD_TICKET_CATEGORY
};

const struct pd_ticket_term pd_ticket_priorities[PD_TPRI__COUNT] = {
#define PD_TICKET_PRIORITY(sym, name, zh, en) TERM(sym, name, zh, en)
#include "core/ticket.def"
#undef PD_TICKET_PRIORITY
};
const char *const pd_ticket_priority_names[] = {
#define PD_TICKET_PRIORITY(sym, name, zh, en) name,
#include "core/ticket.def"
#undef PD_TICKET_PRIORITY
    NULL};

const struct pd_ticket_term pd_ticket_depts[PD_TDEPT__COUNT] = {
#define PD_TICKET_DEPT(sym, name, zh, en) TERM(sym, name, zh, en)
#include "core/ticket.def"
#undef PD_TICKET_DEPT
};
const char *const pd_ticket_dept_names[] = {
#define PD_TICKET_DEPT(sym, name, zh, en) name,
#include "core/ticket.def"
#undef PD_TICKET_DEPT
    NULL};

const struct pd_ticket_term pd_ticket_channels[PD_TCH__COUNT] = {
#define PD_TICKET_CHANNEL(sym, name, zh, en) TERM(sym, name, zh, en)
#include "core/ticket.def"
#undef PD_TICKET_CHANNEL
};
const char *const pd_ticket_channel_names[] = {
#define PD_TICKET_CHANNEL(sym, name, zh, en) name,
#include "core/ticket.def"
#undef PD_TICKET_CHANNEL
    NULL};

const struct pd_ticket_term pd_ticket_evaluations[PD_TEVAL__COUNT] = {
#define PD_TICKET_EVALUATION(sym, name, zh, en) TERM(sym, name, zh, en)
#include "core/ticket.def"
#undef PD_TICKET_EVALUATION
};
const char *const pd_ticket_evaluation_names[] = {
#define PD_TICKET_EVALUATION(sym, name, zh, en) name,
#include "core/ticket.def"
#undef PD_TICKET_EVALUATION
    NULL};

int pd_ticket_name_find(const char *const *names, const char *s)
{
    for (int i = 0; s && names[i]; i++)
        if (!strcmp(names[i], s))
            return i;
    return -1;
}

/* ---- the status machine -------------------------------------------------------- */

static const struct {
    enum pd_ticket_status from, to;
} moves[] = {
#define PD_TICKET_MOVE(from_, to_) {PD_TST_##from_, PD_TST_##to_},
#include "core/ticket.def"
#undef PD_TICKET_MOVE
};

bool pd_ticket_move_allowed(enum pd_ticket_status from, enum pd_ticket_status to)
{
    for (size_t i = 0; i < sizeof moves / sizeof moves[0]; i++)
        if (moves[i].from == from && moves[i].to == to)
            return true;
    return false;
}

bool pd_ticket_status_open(enum pd_ticket_status st)
{
    return (unsigned)st < PD_TST__COUNT && st != PD_TST_CLOSED;
}

/* ---- actions and their clocks --------------------------------------------------- */

/* The action table names rules by their timelimits.def symbol, or NONE. */
enum { PD_TL_NONE = -1 };

static const struct pd_ticket_action_def actions[PD_TACT__COUNT] = {
#define PD_TICKET_ACTION(sym_, name_, zh_, en_, start_, meet_, flag_)                              \
    [PD_TACT_##                                                                                    \
        sym_] = {PD_TACT_##sym_, name_, zh_, en_, PD_TL_##start_, PD_TL_##meet_, PD_TAF_##flag_},
#include "core/ticket.def"
#undef PD_TICKET_ACTION
};

const char *const pd_ticket_action_names[] = {
#define PD_TICKET_ACTION(sym, name, zh, en, start, meet, flag) name,
#include "core/ticket.def"
#undef PD_TICKET_ACTION
    NULL};

const struct pd_ticket_action_def *pd_ticket_action_get(enum pd_ticket_action a)
{
    return (unsigned)a < PD_TACT__COUNT ? &actions[a] : NULL;
}

const struct pd_ticket_action_def *pd_ticket_action_find(const char *name)
{
    for (size_t i = 0; name && i < PD_TACT__COUNT; i++)
        if (!strcmp(actions[i].name, name))
            return &actions[i];
    return NULL;
}

const struct pd_timelimit *pd_ticket_action_starts(const struct pd_ticket_action_def *a,
                                                   bool investigated)
{
    if (!a)
        return NULL;
    if (a->flag == PD_TAF_CLAIM)
        return pd_timelimit_get(investigated ? PD_TL_NEGOTIATION_LETTER : PD_TL_APOLOGY_LETTER);
    return a->start >= 0 ? pd_timelimit_get((enum pd_timelimit_id)a->start) : NULL;
}

size_t pd_ticket_opening_rules(enum pd_ticket_kind kind, const struct pd_timelimit *out[4])
{
    if (kind != PD_TKIND_COMPLAINT)
        return 0;
    out[0] = pd_timelimit_get(PD_TL_INVESTIGATION);
    out[1] = pd_timelimit_get(PD_TL_REGULATORY_REPLY);
    return 2;
}

const struct pd_timelimit *pd_ticket_move_meets(enum pd_ticket_status to)
{
    return to == PD_TST_RESOLVED ? pd_timelimit_get(PD_TL_REGULATORY_REPLY) : NULL;
}

/* ---- reopen, numbers, scores ----------------------------------------------------- */

bool pd_ticket_reopen_allowed(int64_t closed_ms, int64_t now_ms, int days)
{
    return days > 0 && closed_ms > 0 && now_ms - closed_ms < (int64_t)days * PD_TICKET_DAY_MS;
}

bool pd_ticket_no_valid(const char *s)
{
    if (!s || s[0] != 'T' || s[1] != 'S')
        return false;
    size_t n = 0;
    for (const char *p = s + 2; *p; p++, n++)
        if (*p < '0' || *p > '9')
            return false;
    return n >= 12 && n <= 16;
}

void pd_ticket_no_format(char out[PD_TICKET_NO_MAX], const char *day, int64_t serial)
{
    snprintf(out, PD_TICKET_NO_MAX, "TS%.8s%04lld", day, (long long)serial);
}

bool pd_ticket_score_valid(int64_t score)
{
    return score >= 1 && score <= 5;
}

/* ---- escalation ------------------------------------------------------------------- */

void pd_ticket_escalation_plan(const struct pd_timelimit *rule, enum pd_clock_state st,
                               enum pd_escalation_level done, bool major,
                               struct pd_escalation_plan *out)
{
    memset(out, 0, sizeof *out);
    out->reached = done;
    if (!rule)
        return;
    if (st == PD_CLOCK_DUE_SOON && done < PD_ESC_WARNED) {
        out->s[out->n++] = (struct pd_escalation_step){"warn", rule->warn_to};
        out->reached = PD_ESC_WARNED;
    } else if (st == PD_CLOCK_OVERDUE && done < PD_ESC_DUE) {
        out->s[out->n++] = (struct pd_escalation_step){"due", rule->due_to};
        if (major && rule->due_to != PD_TL_NOTIFY_HEAD_OFFICE)
            out->s[out->n++] = (struct pd_escalation_step){"head_office", PD_TL_NOTIFY_HEAD_OFFICE};
        out->reached = PD_ESC_DUE;
    }
}
