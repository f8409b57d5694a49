/*
 * The call-centre indicators that come from ParcelDesk's own records rather
 * than from the telephone system's queue log (issue 6 item 2, last group):
 * QA monitoring scores (监听分值), attendance (出勤率), scheduled time for the
 * actual work rate (实际工作率), agent turnover (座席人员流动率), cost per call
 * (平均单呼成本) and the handbook standards judged per agent (waybill
 * accuracy). The statistics endpoint and `parceldesk report callcenter`
 * compute the queue-log indicators themselves (core/queuelog.h) and merge
 * these in, keyed by the agent name as the queue log writes it (the roster,
 * table cc_agents, maps that name to a ParcelDesk user).
 *
 * Ownership: pd__cc_own_load fills a caller-provided struct whose agents
 * array it allocates; pd__cc_own_free releases it (also after a failed
 * load, and on a zeroed struct). Definitions of every figure:
 * docs/kpi-definitions.md, section "From ParcelDesk's own records".
 */
#ifndef PD_HTTP_API_CC_OWN_H
#define PD_HTTP_API_CC_OWN_H

#include <stdbool.h>
#include <stdint.h>

#include "store/store.h"

struct pd_cc_own_agent {
    char agent[64];    /* the queue-log agent name ("Agent/1001", "SIP/201", …) */
    int64_t user_id;   /* the ParcelDesk user it maps to, 0 when unmapped */
    char username[64]; /* "" when unmapped */
    /* QA (监听分值): mean of the weighted form scores (0–100) filled in the
     * period; qa_forms = how many. */
    int qa_forms;
    double qa_score;
    /* Attendance (出勤率): shifts attended ÷ shifts scheduled in the period. */
    int shifts_scheduled, shifts_attended;
    int64_t scheduled_s; /* scheduled shift seconds: the actual work rate's denominator */
    /* Waybill accuracy (100 % standard): orders this agent's user entered
     * in the period and how many of them were corrected afterwards. */
    int waybills_entered, waybills_corrected;
};

struct pd_cc_own {
    struct pd_cc_own_agent *agents; /* owned; one per agent of the roster in scope */
    int n_agents;
    /* Turnover (流动率): leavers in the period ÷ mean headcount of its first
     * and last day. */
    int headcount_start, headcount_end, leavers;
    /* Cost entries whose period overlaps [from, to), prorated by overlap. */
    bool has_cost;
    int64_t cost_fen;
};

/**
 * Load the own-record figures for [@p from_ms, @p to_ms) (UTC epoch ms).
 * @p queue and @p agent (either may be NULL = all) narrow the roster the
 * same way the statistics request does. Reads only (run it inside a
 * read-only transaction of the caller's, on @p db).
 * @return PD_QS_ONE on success, < 0 on a database failure (out is freed).
 */
pd_qs pd__cc_own_load(pd_db *db, int64_t from_ms, int64_t to_ms, const char *queue,
                      const char *agent, struct pd_cc_own *out);

/** Release what pd__cc_own_load allocated. Safe on a zeroed struct. */
void pd__cc_own_free(struct pd_cc_own *o);

/** The entry for @p agent, or NULL. */
const struct pd_cc_own_agent *pd__cc_own_find(const struct pd_cc_own *o, const char *agent);

#endif
