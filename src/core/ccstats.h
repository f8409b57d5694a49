/*
 * The call centre's indicators (issue 6, DOMAIN.md §10; every definition in
 * docs/kpi-definitions.md): a fold over queue_log lines in time order into
 * queue entries and agent sessions, and the figures for a period, a queue
 * and an agent, written as the statistics object that the API
 * (GET /api/v1/callcenter/stats) and `parceldesk report callcenter` both
 * print — the same bytes — and as table rows for CSV and Excel.
 *
 * The fold. Lines must come in time order, lines of the same second in file
 * order (the store streams them so). A queue entry is (callid, queue) from
 * an ENTERQUEUE to its outcome; it belongs to the period of its ENTERQUEUE,
 * so the caller streams a little past `to` (PD_CC_TAIL_MS) to see the
 * outcomes of late calls, and from a little before `from`
 * (PD_CC_LOOKBACK_MS) so that agents already logged in at `from` are seen
 * logging in. pd_ccstats_add says when nothing more is needed.
 *
 * Ownership: pd_ccstats_new allocates, pd_ccstats_free releases (NULL is a
 * no-op). The fold copies what it keeps; lines are borrowed for the call.
 * Strings in params are borrowed and must outlive the object. Own-record
 * figures (struct pd_ccstats_own) are borrowed for the writing call.
 * Thread safety: none.
 */
#ifndef PD_CORE_CCSTATS_H
#define PD_CORE_CCSTATS_H

#include <stdbool.h>
#include <stdint.h>

#include "core/queuelog.h"
#include "util/buf.h"

#define PD_CC_LOOKBACK_MS       (24LL * 3600 * 1000) /* agent sessions opened before `from` */
#define PD_CC_TAIL_MS           (6LL * 3600 * 1000)  /* outcomes of calls entered before `to` */
#define PD_CC_SERVICE_LEVEL_S   20                   /* default answer threshold */
#define PD_CC_HANDLING_STD_S    180                  /* handbook: handling under 3 minutes */
#define PD_CC_SERVICE_LEVEL_MAX 3600
#define PD_CC_DAY_BUCKETS_MAX   62                   /* a month of days and a little */
#define PD_CC_HOUR_PERIOD_MAX   (7LL * 86400 * 1000) /* hour buckets: a week at most */

/*
 * Time buckets of the period (GET /api/v1/callcenter/stats?bucket=…): whole
 * hours or whole days of the time zone at offset_min, the first and the
 * last clipped to [from, to). An entry lands in the bucket of its
 * ENTERQUEUE, as it lands in the period.
 */
enum pd_cc_bucket { PD_CCB_NONE = 0, PD_CCB_HOUR, PD_CCB_DAY };

struct pd_ccstats_params {
    int64_t from_ms, to_ms;  /* the period [from, to), UTC epoch ms */
    int64_t now_ms;          /* agent time is counted until min(to, now) */
    const char *queue;       /* one queue, or NULL for all */
    const char *agent;       /* one agent (as the log names it), or NULL for all */
    int service_level_s;     /* 0: PD_CC_SERVICE_LEVEL_S */
    int handling_standard_s; /* 0: PD_CC_HANDLING_STD_S */
    /* Pause reasons that mean after-call work (case-insensitive for ASCII),
     * NULL-terminated; NULL: pd_ccstats_default_wrapup. */
    const char *const *wrapup_reasons;
    int offset_min;           /* offset of the times written in "parameters" (480: China) */
    enum pd_cc_bucket bucket; /* PD_CCB_NONE: no "buckets" (check with pd_ccstats_bucket_check) */
};

/** "hour", "day", or NULL for PD_CCB_NONE. */
const char *pd_cc_bucket_name(enum pd_cc_bucket b);
/** Parse "hour" / "day". @return false when neither. */
bool pd_cc_bucket_parse(const char *s, enum pd_cc_bucket *out);
/** How many buckets of kind @p b the period [from, to) has (0 for PD_CCB_NONE). */
int64_t pd_ccstats_bucket_count(int64_t from_ms, int64_t to_ms, enum pd_cc_bucket b,
                                int offset_min);
/**
 * NULL when the period may be bucketed so, else why not (static text): day
 * buckets at most PD_CC_DAY_BUCKETS_MAX, hour buckets for periods of at
 * most PD_CC_HOUR_PERIOD_MAX.
 */
const char *pd_ccstats_bucket_check(int64_t from_ms, int64_t to_ms, enum pd_cc_bucket b,
                                    int offset_min);

/** The default wrap-up pause reasons (NULL-terminated). */
extern const char *const pd_ccstats_default_wrapup[];

/* Figures from ParcelDesk's own records (part B, http/api/cc_own.h), in the
 * fold's terms. Any of it may be absent: then the figures are null. */
struct pd_ccstats_own_agent {
    const char *agent;    /* queue-log agent name */
    const char *username; /* "" when unmapped */
    int qa_forms;
    double qa_score;
    int shifts_scheduled, shifts_attended;
    int64_t scheduled_s;
    int waybills_entered, waybills_corrected;
};

struct pd_ccstats_own {
    const struct pd_ccstats_own_agent *agents;
    int n_agents;
    int headcount_start, headcount_end, leavers;
    bool has_cost;
    int64_t cost_fen;
};

typedef struct pd_ccstats pd_ccstats;

/**
 * A new fold for @p p (copied; its strings borrowed).
 * @return NULL when out of memory.
 */
pd_ccstats *pd_ccstats_new(const struct pd_ccstats_params *p);
void pd_ccstats_free(pd_ccstats *s);

/** Where the caller should start and stop streaming lines: [*from, *to). */
void pd_ccstats_window(const pd_ccstats *s, int64_t *from_ms, int64_t *to_ms);

/**
 * Fold one line (borrowed for the call).
 * @return 0 to go on, 1 when every entry of the period has its outcome and
 *         the lines are past `to` (the caller may stop reading), -1 when out
 *         of memory.
 */
int pd_ccstats_add(pd_ccstats *s, const struct pd_ql_line *l);

/** Lines folded so far, and how many had a verb the table does not know. */
void pd_ccstats_counts(const pd_ccstats *s, int64_t *lines, int64_t *unknown);

/**
 * Write the statistics object
 *   {"queues":{NAME:{…}}, "agents":{NAME:{…}}, "centre":{…},
 *    "parameters":{…}, "source":{…}[, "buckets":[{"from","to",…}]]}
 * into @p out (appended); "buckets" (the queue columns of the queues in
 * scope together, per bucket) only when params.bucket asks for them. @p own may be NULL (own-record
 * figures null). Ends the fold (agents' open sessions are closed at min(to, now)); later calls
 * write the same bytes.
 * @return false when out of memory.
 */
bool pd_ccstats_json(pd_ccstats *s, const struct pd_ccstats_own *own, pd_buf *out);

/* ---- tables, for CSV and Excel ------------------------------------------------- */

enum pd_ccstats_table { PD_CCT_CENTRE, PD_CCT_QUEUES, PD_CCT_AGENTS };

enum pd_ccv_kind {
    PD_CCV_NULL, /* no value (denominator 0, figure unknown) */
    PD_CCV_INT,  /* a count or an amount (fen, seconds as whole numbers) */
    PD_CCV_SECS, /* a duration in seconds, rounded to 0.01 */
    PD_CCV_RATE, /* a fraction, rounded to 0.0001 */
    PD_CCV_NUM,  /* another number (a score, calls per hour), rounded to 0.01 */
    PD_CCV_BOOL, /* pass/fail */
    PD_CCV_STR
};

struct pd_ccv {
    enum pd_ccv_kind kind;
    int64_t i;
    double d;
    bool b;
    const char *s;
};

struct pd_ccstats_column {
    const char *name;      /* the JSON key */
    enum pd_ccv_kind kind; /* kind when not null */
};

/** The columns of table @p t (static). */
const struct pd_ccstats_column *pd_ccstats_columns(enum pd_ccstats_table t, int *n);

/**
 * Rows of table @p t: cb(cls, name, cells) once per queue (by name), agent
 * (by name) or once for the centre (name "") with one cell per column.
 * Ends the fold like pd_ccstats_json. @return the callback's first non-zero
 * value, or 0.
 */
int pd_ccstats_rows(pd_ccstats *s, const struct pd_ccstats_own *own, enum pd_ccstats_table t,
                    int (*cb)(void *cls, const char *name, const struct pd_ccv *cells), void *cls);

/**
 * The parameters as (key, value text) pairs for a parameters sheet:
 * cb(cls, key, value) in the order the JSON writes them.
 */
void pd_ccstats_parameters(pd_ccstats *s, bool own_merged,
                           void (*cb)(void *cls, const char *key, const char *value), void *cls);

/** How many buckets the fold has (0 when params.bucket is NONE). */
int64_t pd_ccstats_nbuckets(const pd_ccstats *s);

/**
 * The buckets: cb(cls, from_ms, to_ms, cells) once per bucket in time order,
 * with the cells of the queue table (pd_ccstats_columns(PD_CCT_QUEUES)) for
 * the queues in scope together. Nothing when params.bucket is NONE.
 * @return the callback's first non-zero value, or 0.
 */
int pd_ccstats_buckets(pd_ccstats *s,
                       int (*cb)(void *cls, int64_t from_ms, int64_t to_ms,
                                 const struct pd_ccv *cells),
                       void *cls);

/**
 * The buckets as CSV into @p out: a header row `from,to,<queue columns>`
 * then one row per bucket (times RFC 3339 at params.offset_min).
 * @return false when out of memory.
 */
bool pd_ccstats_buckets_csv(pd_ccstats *s, pd_buf *out);

/**
 * The queue-table cells (pd_ccstats_columns(PD_CCT_QUEUES)) of queue
 * @p name — those of a queue without entries when the fold has none — or,
 * for @p name NULL, of the queues in scope together (the centre's call
 * figures). @p cells holds one cell per queue column.
 */
void pd_ccstats_queue_cells(const pd_ccstats *s, const char *name, struct pd_ccv *cells);

/**
 * One row's @p cells as a JSON object {"column":value,…} with the columns
 * of table @p t, appended to @p out. The centre's cells begin with the
 * queue columns, so centre cells written as PD_CCT_QUEUES give the call
 * figures alone.
 */
void pd_ccstats_cells_json(pd_buf *out, enum pd_ccstats_table t, const struct pd_ccv *cells);

/**
 * The statistics as CSV into @p out: a header row
 * `table,name,<every column of every table>` then the centre, one row per
 * queue and one per agent; empty cells for null or other tables' columns.
 * @return false when out of memory.
 */
bool pd_ccstats_csv(pd_ccstats *s, const struct pd_ccstats_own *own, pd_buf *out);

#endif
