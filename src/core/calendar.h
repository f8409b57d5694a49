/*
 * The business calendar (DOMAIN.md §7 "How limits are counted"; the rules,
 * the file format and worked examples are in docs/calendar.md): which local
 * dates are working days for a node — public holidays and make-up working
 * days (调休) from data files, one per region and year, over the node's
 * weekly pattern — and the deadline of a time limit counted on it, with the
 * clock stopped during pauses.
 *
 * Invariants (the tests cite them):
 *   1. A deadline is never computed on a day whose year is not loaded for
 *      the node's region: the event's local year, every day counted and the
 *      deadline's year must be loaded, else PD_E_CALENDAR_YEAR_UNKNOWN with
 *      the year in the detail. Nothing is guessed from weekends alone.
 *   2. Days are local dates at the node's UTC offset; the event's own date
 *      is day 0 and is never counted.
 *   3. A holiday row is a day off and a workday row a working day for every
 *      node of the region; other days follow the node's weekly pattern.
 *   4. due_ms is a whole second, the last one still in time: an action at
 *      t is in time while t < due_ms + 1000 (pd_calendar_in_time).
 *   5. Pauses only ever move a deadline later, by the counted time they
 *      cover; pauses outside the counted period change nothing.
 *
 * The arithmetic is pure (no I/O, no clock, no globals); only the loaders
 * read files. A pd_calendar is immutable once loaded and may then be shared
 * by any number of threads.
 */
#ifndef PD_CORE_CALENDAR_H
#define PD_CORE_CALENDAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/errors.h"

#define PD_CALENDAR_REGION_MAX 16        /* "CN", "CN-XJ": A–Z, 0–9 and '-', 2–15 bytes */
#define PD_CALENDAR_DETAIL_MAX 256       /* size of every detail[] buffer below */
#define PD_CALENDAR_PAUSES_MAX 256       /* pauses one clock may carry */
#define PD_CALENDAR_OPEN       INT64_MAX /* to_ms of a pause that has not ended */
#define PD_CALENDAR_NEVER      INT64_MAX /* due_ms while an open pause holds the clock */

/* How a limit is counted (names as in timelimits.def and the CLI). */
enum pd_calendar_unit {
    PD_CAL_WORKING_DAYS,   /* by the end of the Nth working day after day 0 */
    PD_CAL_CALENDAR_DAYS,  /* by the end of the Nth day after day 0 */
    PD_CAL_HOURS,          /* N clock hours after the event */
    PD_CAL_MONTHS,         /* by the end of the same date N months later, clamped */
    PD_CAL_MONTHLY_BY_DAY, /* by the end of day N of the month after the event's */
    PD_CAL__UNIT_COUNT
};

struct pd_calendar_limit {
    enum pd_calendar_unit unit;
    int amount; /* N (for MONTHLY_BY_DAY the day of the month, 1–31) */
};

/* Weekday bits of pd_calendar_node.workdays. */
#define PD_CAL_MON     (1u << 0)
#define PD_CAL_TUE     (1u << 1)
#define PD_CAL_WED     (1u << 2)
#define PD_CAL_THU     (1u << 3)
#define PD_CAL_FRI     (1u << 4)
#define PD_CAL_SAT     (1u << 5)
#define PD_CAL_SUN     (1u << 6)
#define PD_CAL_MON_FRI 0x1fu

/*
 * A node's own calendar settings, filled by the caller from the node's
 * record (nodes.region and nodes.utc_offset_min exist; the weekly pattern
 * and the working hours are defaults until nodes store them).
 */
struct pd_calendar_node {
    char region[PD_CALENDAR_REGION_MAX]; /* which files apply, default "CN" */
    unsigned workdays;                   /* PD_CAL_* bits, default PD_CAL_MON_FRI */
    int day_start_min;  /* working time starts, minutes after local midnight, default 0 */
    int day_end_min;    /* a working day ends, default 1440 (24:00) */
    int utc_offset_min; /* local time, default 480 (UTC+8) */
};

/* One interval during which the clock stood still (the ticket waited for
 * the customer). [from_ms, to_ms); to_ms = PD_CALENDAR_OPEN while it lasts. */
struct pd_calendar_pause {
    int64_t from_ms;
    int64_t to_ms;
};

struct pd_calendar_due {
    int64_t due_ms;          /* the deadline (invariant 4), or PD_CALENDAR_NEVER when held */
    int64_t base_due_ms;     /* the deadline had there been no pauses */
    int64_t warn_ms;         /* when warn_permille of the counted time has run; 0 if not asked,
                                PD_CALENDAR_NEVER when held before that point */
    int64_t counted_from_ms; /* start of the counted period (see docs/calendar.md) */
    bool held;               /* an open pause holds the clock before the deadline */
};

/* One calendar file as text (the shipped ones are compiled in). */
struct pd_calendar_file {
    const char *name; /* "CN-2026.tsv" */
    const char *text; /* not necessarily NUL-terminated at len */
    size_t len;
};

/* The shipped calendars, generated at build time from data/calendar by
 * cmake/embed_calendars.cmake; ends with a {NULL, NULL, 0} entry. */
extern const struct pd_calendar_file pd__calendar_shipped[];

typedef struct pd_calendar pd_calendar;

/** A new, empty calendar. Caller owns it (pd_calendar_free). NULL when out of memory. */
pd_calendar *pd_calendar_new(void);

/** Free @p cal and everything it holds. NULL is a no-op. */
void pd_calendar_free(pd_calendar *cal);

/**
 * Load one region-year from its text. @p name is the file name,
 * "REGION-YEAR.tsv", which gives the region and the year; the text is copied.
 * @param[out] detail "CN-2026.tsv:14: reason" on failure (PD_CALENDAR_DETAIL_MAX bytes).
 * @return PD_OK; PD_E_CALENDAR_DATA_INVALID for a bad name, a bad line, a
 *         date outside the year, a date given twice, a make-up working day
 *         that is not a Saturday or Sunday, or a region-year already loaded;
 *         PD_E_INTERNAL when out of memory. On failure @p cal is unchanged.
 */
pd_err pd_calendar_add_tsv(pd_calendar *cal, const char *name, const char *text, size_t len,
                           char *detail);

/** Load one file (its base name gives region and year). Errors as pd_calendar_add_tsv,
 *  plus PD_E_CALENDAR_DATA_INVALID when it cannot be read. */
pd_err pd_calendar_load_file(pd_calendar *cal, const char *path, char *detail);

/** Load every *.tsv of @p dir in name order; any other name ending .tsv that is not
 *  REGION-YEAR.tsv is an error. Stops at the first error (files before it stay loaded). */
pd_err pd_calendar_load_dir(pd_calendar *cal, const char *dir, char *detail);

/** Load the calendars compiled into the program (pd__calendar_shipped). */
pd_err pd_calendar_load_shipped(pd_calendar *cal, char *detail);

/** True when at least one year of @p region is loaded. */
bool pd_calendar_has_region(const pd_calendar *cal, const char *region);

/**
 * Write the loaded years of @p region as text ("2025, 2026", or "none") into
 * @p out of @p n bytes; for messages. @return out.
 */
char *pd_calendar_years_text(const pd_calendar *cal, const char *region, char *out, size_t n);

/** The defaults: region CN, Monday–Friday, 00:00–24:00, UTC+8. */
void pd_calendar_node_default(struct pd_calendar_node *node);

/**
 * Check a node's settings. @return PD_OK or PD_E_CALENDAR_NODE_INVALID with
 * @p detail naming the field (region, workdays, day_start_min, day_end_min,
 * utc_offset_min).
 */
pd_err pd_calendar_node_check(const struct pd_calendar_node *node, char *detail);

/**
 * Is the local date @p y-@p m-@p d a working day for @p node (NULL: defaults)?
 * @param[out] working
 * @param[out] name the holiday or make-up day's name from the file, or NULL
 *             for an ordinary day; points into @p cal. May be NULL.
 * @return PD_OK; PD_E_CALENDAR_REGION_UNKNOWN; PD_E_CALENDAR_YEAR_UNKNOWN;
 *         PD_E_CALENDAR_NODE_INVALID; PD_E_CALENDAR_LIMIT_INVALID for a date
 *         that does not exist.
 */
pd_err pd_calendar_is_working(const pd_calendar *cal, const struct pd_calendar_node *node, int y,
                              unsigned m, unsigned d, bool *working, const char **name,
                              char *detail);

/**
 * The deadline of @p limit for an event at @p start_ms, counted on @p cal
 * for @p node (NULL: defaults), with the clock stopped during @p pauses.
 *
 * @param pauses may be NULL when @p npauses is 0; any order, may overlap;
 *        each must have from_ms < to_ms. Ignored for PD_CAL_MONTHLY_BY_DAY.
 * @param warn_permille 1–999: also compute warn_ms, the instant at which that
 *        share of the counted time has run (pauses included); 0: do not.
 * @param[out] out filled on PD_OK.
 * @param[out] detail the reason on failure (PD_CALENDAR_DETAIL_MAX bytes).
 * @return PD_OK; PD_E_CALENDAR_LIMIT_INVALID (amount out of range for the
 *         unit, or warn_permille outside 0–999); PD_E_CALENDAR_PAUSE_INVALID
 *         (a pause ending before it starts, too many pauses);
 *         PD_E_CALENDAR_NODE_INVALID; PD_E_CALENDAR_REGION_UNKNOWN;
 *         PD_E_CALENDAR_YEAR_UNKNOWN (invariant 1; the detail names the year).
 */
pd_err pd_calendar_due(const pd_calendar *cal, const struct pd_calendar_node *node,
                       struct pd_calendar_limit limit, int64_t start_ms,
                       const struct pd_calendar_pause *pauses, size_t npauses, int warn_permille,
                       struct pd_calendar_due *out, char *detail);

/** Is an action at @p t_ms in time for a deadline @p due_ms (invariant 4)? */
bool pd_calendar_in_time(int64_t due_ms, int64_t t_ms);

/** "working_days", "calendar_days", "hours", "months", "monthly_by_day"; "?" otherwise. */
const char *pd_calendar_unit_name(enum pd_calendar_unit unit);

/** Parse a unit name. @return false when unknown. */
bool pd_calendar_unit_parse(const char *s, enum pd_calendar_unit *unit);

/** Largest amount accepted for @p unit (the smallest is 1). */
int pd_calendar_unit_max(enum pd_calendar_unit unit);

#endif
