/*
 * What the service desk (issue 5 part A) keeps for the life of the process,
 * and the clock arithmetic its handlers and the clock job share:
 *
 *   - the business calendar every clock is counted on (core/calendar.h),
 *     loaded once: the .tsv files of <data_dir>/calendar when that directory exists (an
 *     operator's newer year), else the calendars compiled into the binary;
 *   - the per-address limits of the public complaint pages;
 *   - turning a stored clock row (struct pd_ticket_clock) and its ticket's
 *     waiting periods into deadlines and states through core/timelimits.h.
 *
 * A clock row stores the deadline as last computed; these functions are the
 * only place that computes it, so the API, the ticket view and the clock job
 * agree to the second.
 *
 * Ownership: pd_desk_new allocates, pd_desk_free frees (NULL is a no-op);
 * the calendar is immutable once loaded and shared by every thread.
 */
#ifndef PD_HTTP_DESK_H
#define PD_HTTP_DESK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/calendar.h"
#include "core/timelimits.h"
#include "store/store.h"
#include "util/config.h"

/* Public complaint pages: limits per client address (docs/service-desk.md). */
#define PD_COMPLAINTS_PER_HOUR      5  /* complaints filed through the public form */
#define PD_COMPLAINT_MISSES_PER_HR  20 /* status look-ups of unknown numbers or wrong digits */
#define PD_COMPLAINT_GUESSES_PER_HR 5  /* wrong last-4 digits for one ticket */

struct pd_ratelimit;

struct pd_desk {
    pd_calendar *calendar;
    char calendar_source[64];             /* "shipped" or the directory, for the log */
    struct pd_ratelimit *complaint_limit; /* per address: complaints filed */
    struct pd_ratelimit *miss_limit;      /* per address: failed status look-ups */
    struct pd_ratelimit *guess_limit;     /* per address and ticket: wrong last-4 */
};

/**
 * Load the calendar and make the limiters.
 * @param[out] err reason on failure (256 bytes): a broken calendar file names the file and line.
 * @return the desk (free with pd_desk_free) or NULL.
 */
struct pd_desk *pd_desk_new(const struct pd_config *cfg, char err[256]);

/** Free @p d and what it holds. NULL is a no-op. */
void pd_desk_free(struct pd_desk *d);

/** The calendar settings of a node from its stored region and UTC offset. */
void pd_desk_cal_node(const char *region, int utc_offset_min, struct pd_calendar_node *out);

#define PD_DESK_PAUSES_MAX 64 /* waiting periods one ticket may have (more: the oldest count) */

/**
 * The waiting periods of ticket @p ticket_id as calendar pauses (an open one
 * ends at PD_CALENDAR_OPEN), in the caller's transaction.
 * @param[out] out room for PD_DESK_PAUSES_MAX.
 * @param[out] n how many.
 * @param[out] open_from_ms start of the open period, 0 when none (may be NULL).
 */
pd_qs pd_desk_pauses(pd_db *db, int64_t ticket_id, struct pd_calendar_pause *out, size_t *n,
                     int64_t *open_from_ms);

/**
 * A new running clock of @p rule for ticket @p ticket_id started at
 * @p start_ms, its deadline computed with the ticket's pauses (when the
 * rule is pausable) into @p out (caller's memory; every field set).
 * @return PD_OK or a calendar error with @p detail (PD_CALENDAR_DETAIL_MAX).
 */
pd_err pd_desk_clock_start(const struct pd_desk *d, const struct pd_calendar_node *node,
                           const struct pd_timelimit *rule, int64_t ticket_id, int64_t start_ms,
                           const struct pd_calendar_pause *pauses, size_t npauses,
                           struct pd_ticket_clock *out, char *detail);

/**
 * Recompute due_ms, warn_ms, base_due_ms and held of running clock @p c
 * from @p pauses (after a waiting period opened or ended). A held clock
 * stores 0 for due_ms and warn_ms.
 * @return PD_OK, PD_E_TIMELIMIT_UNKNOWN for a rule id no longer in
 *         timelimits.def, or a calendar error.
 */
pd_err pd_desk_clock_recompute(const struct pd_desk *d, const struct pd_calendar_node *node,
                               struct pd_ticket_clock *c, const struct pd_calendar_pause *pauses,
                               size_t npauses, char *detail);

/**
 * End running clock @p c at @p at_ms as @p state ("met": the step was done;
 * "stopped": the ticket closed first): state, met_ms and late (pauses
 * counted up to @p at_ms).
 */
pd_err pd_desk_clock_finish(const struct pd_desk *d, const struct pd_calendar_node *node,
                            struct pd_ticket_clock *c, const char *state, int64_t at_ms,
                            const struct pd_calendar_pause *pauses, size_t npauses, char *detail);

/**
 * The state of clock @p c at @p now_ms (pd_timelimit_classify) into @p out;
 * a stopped clock reads as met at its stop time.
 */
pd_err pd_desk_clock_view(const struct pd_desk *d, const struct pd_calendar_node *node,
                          const struct pd_ticket_clock *c, const struct pd_calendar_pause *pauses,
                          size_t npauses, int64_t now_ms, struct pd_clock_view *out, char *detail);

#endif
