/*
 * The clock job of the service desk (docs/service-desk.md "Escalation"):
 * every tickets.clock_interval_s a thread of `parceldesk serve` looks at the
 * running clocks (rows of ticket_clocks, not timers: they survive any
 * restart) that have reached their warning point or their deadline and
 * escalates each once per level:
 *   - due soon (the rule's warn_pct of the counted time has run): "warn"
 *     to the rule's warn_to — the responsible person (责任人; else the
 *     first-contact owner; else the node's supervisors);
 *   - overdue: "due" to the rule's due_to — the supervisors of the ticket's
 *     node (the nearest node at or above it where someone holds
 *     tickets.supervise) or head office; and for a major ticket also
 *     "head_office" when due_to is not head office already.
 * An escalation is a row of ticket_escalations (unique per clock and level,
 * so two servers or a second run write it once), a line in the ticket's
 * history, and an entry in the inbox GET /api/v1/me/notifications.
 * `parceldesk clocks run [--now RFC3339]` runs one round.
 *
 * Ownership: pd_clockwork_start allocates the worker, pd_clockwork_stop
 * joins and frees it (NULL is a no-op). pd_clockwork_round uses app->store,
 * app->desk and the caller's thread.
 */
#ifndef PD_HTTP_CLOCKWORK_H
#define PD_HTTP_CLOCKWORK_H

#include <stdbool.h>
#include <stdint.h>

struct pd_app;

/** What one round did. */
struct pd_clockwork_report {
    int checked;     /* clocks looked at */
    int warned;      /* "warn" escalations written */
    int due;         /* "due" escalations written */
    int head_office; /* "head_office" escalations written (major tickets) */
};

/**
 * One round at @p now_ms (pd_now_ms() normally; `clocks run --now` for
 * operators and tests). Each page of clocks is one transaction.
 * @param[out] out what was done (filled also on failure, up to it).
 * @param[out] err reason on failure (256 bytes).
 * @return false when a transaction failed (logged); the next round retries.
 */
bool pd_clockwork_round(struct pd_app *app, int64_t now_ms, struct pd_clockwork_report *out,
                        char err[256]);

struct pd_clockwork;

/**
 * Start the job's thread when app->cfg.tickets_clock_worker is on: a round
 * at once (clocks that ran out while no server was up are escalated without
 * waiting), then every tickets.clock_interval_s.
 * @param[out] err reason on failure (256 bytes).
 * @return the worker (free with pd_clockwork_stop); with the worker off, a
 *         valid handle that does nothing; NULL on failure.
 */
struct pd_clockwork *pd_clockwork_start(struct pd_app *app, char err[256]);

/** Wake the thread, let a round in progress finish its page, join, free. NULL is a no-op. */
void pd_clockwork_stop(struct pd_clockwork *w);

#endif
