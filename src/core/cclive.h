/*
 * The call centre now (issue 6, the wallboard; docs/kpi-definitions.md,
 * "Now"): a fold over the queue_log lines of the last 24 hours, in time
 * order, and a clock, into what GET /api/v1/callcenter/live answers —
 * the calls waiting in each queue and how long the oldest has waited, each
 * agent's state and since when, and today's figures (the China day of
 * `now`, computed by the statistics fold of ccstats.h so that the
 * wallboard's service level is the indicators page's).
 *
 * What the log can tell. Asterisk writes a line when something has
 * happened, so "now" is the state those lines leave behind:
 *  - a queue entry (callid, queue) is waiting from its ENTERQUEUE until its
 *    CONNECT or exit line (ABANDON, EXIT*, WITHDRAW, COMPLETE*, a transfer,
 *    or a new ENTERQUEUE of the same pair); only entries whose ENTERQUEUE
 *    is among the lines read count, so a call whose exit line was lost
 *    stops counting after 24 hours;
 *  - an agent is talking from a CONNECT until the COMPLETE* or transfer of
 *    that call; ringing while rung for a call that is still waiting:
 *    RINGNOANSWER ends one ring attempt (Asterisk rings again while the
 *    caller waits), so the agent rings from the start of the first attempt
 *    (the line's time less its milliseconds) until the call is answered by
 *    anyone or leaves, or the agent's ring is cancelled (RINGCANCELED);
 *  - paused (with the reason) or wrap_up (a wrap-up reason) from PAUSE or
 *    PAUSEALL until UNPAUSE, UNPAUSEALL or a logoff;
 *  - logged in from a login or a membership (ADDMEMBER) until the logoff or
 *    the last REMOVEMEMBER; an agent seen on a call, rung or pausing without
 *    a login among the lines read logged in before them (Asterisk rings and
 *    pauses members only).
 * Precedence when several hold: talking, then paused or wrap_up, then
 * ringing, then available. "since" is when the agent entered the state it is
 * in (null when that lies before the lines read).
 *
 * Ownership: pd_cclive_new allocates, pd_cclive_free releases (NULL is a
 * no-op); strings in params are borrowed and must outlive the object; lines
 * are borrowed for the call of pd_cclive_add.
 * Thread safety: none.
 */
#ifndef PD_CORE_CCLIVE_H
#define PD_CORE_CCLIVE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/queuelog.h"
#include "util/buf.h"

#define PD_CCLIVE_WINDOW_MS (24LL * 3600 * 1000) /* the lines "now" is read from */

enum pd_cc_agent_state {
    PD_CCA_LOGGED_OUT,
    PD_CCA_AVAILABLE,
    PD_CCA_RINGING,
    PD_CCA_TALKING,
    PD_CCA_PAUSED,
    PD_CCA_WRAP_UP,
    PD_CCA__COUNT
};

/** "logged_out", "available", "ringing", "talking", "paused", "wrap_up". */
const char *pd_cc_agent_state_name(enum pd_cc_agent_state st);

struct pd_cclive_params {
    int64_t now_ms;
    const char *queue;   /* one queue, or NULL for all */
    int service_level_s; /* today's threshold; 0: PD_CC_SERVICE_LEVEL_S */
    /* Pause reasons that mean wrap-up (NULL: pd_ccstats_default_wrapup). */
    const char *const *wrapup_reasons;
    int offset_min; /* the day of "today" and the times written (480: China) */
};

typedef struct pd_cclive pd_cclive;

/** A new fold (params copied, strings borrowed). @return NULL when out of memory. */
pd_cclive *pd_cclive_new(const struct pd_cclive_params *p);
void pd_cclive_free(pd_cclive *l);

/** The lines to stream, in time order: [*from, *to) = [now − 24 h, now + 1 ms). */
void pd_cclive_window(const pd_cclive *l, int64_t *from_ms, int64_t *to_ms);

/**
 * Fold one line (borrowed for the call). Lines outside the window are
 * ignored. @return 0, or -1 when out of memory.
 */
int pd_cclive_add(pd_cclive *l, const struct pd_ql_line *line);

/** One agent as pd_cclive_agents reports it (strings valid during the callback). */
struct pd_cclive_agent {
    const char *name;
    enum pd_cc_agent_state state;
    int64_t since_ms;   /* -1: before the lines read */
    const char *reason; /* pause reason ("" none), paused and wrap_up only */
    const char *queue;  /* the call's queue (talking, ringing), else NULL */
    const char *callid; /* the call's id (talking, ringing), else NULL */
};

/**
 * Each agent in scope (aliases merged, see ccstats.h), by name:
 * cb(cls, agent). @return the callback's first non-zero value, or 0.
 */
int pd_cclive_agents(pd_cclive *l, int (*cb)(void *cls, const struct pd_cclive_agent *a),
                     void *cls);

/**
 * Write the live object
 *   {"now", "waiting", "longest_wait_s", "oldest_enter",
 *    "queues":{NAME:{"waiting","longest_wait_s","oldest_enter","today":{…}}},
 *    "today":{"from","to",…}, "agents":{NAME:{"state","since","for_s",
 *    "reason","queue","callid"}}, "states":{STATE:n}, "parameters":{…},
 *    "source":{"lines","unknown_verbs"}}
 * into @p out (appended). Ends the fold. @return false when out of memory.
 */
bool pd_cclive_json(pd_cclive *l, pd_buf *out);

#endif
