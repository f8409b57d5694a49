/* Parcel and waybill status as data: the status table of status.def with its
 * Kuaidi100 and AfterShip codes, the event → status tables below, the
 * waybill summary (rule 4 of status.h) and the promise check (on time, at
 * risk, late). Nothing here orders events or reads the store: the caller
 * walks a parcel's timeline (rule 1), keeps the status of its last event
 * (rule 3) and hands the parcels' statuses to pd_status_summary.
 *
 * Invariants (the unit tests cite them by number):
 *   I1. Every event maps to exactly one status through the tables by_type,
 *       by_signer, attempt_by_reason and exception_by_reason; the only
 *       branch is which table refines the type, and no status is written
 *       anywhere else.
 *   I2. A waybill's summary is the first of its parcels' statuses in the
 *       order severity descending, then rank ascending; parcels that tie
 *       there with different statuses get the first table row of that
 *       severity and rank (the general word). It does not depend on the
 *       order of the parcels.
 *   I3. "delivered" (any kind) is the summary only when every parcel is
 *       delivered; mixed delivered kinds summarise as plain "delivered".
 *   I4. An exception-like status (severity > 0) on any parcel is the
 *       summary; among exceptions the more severe wins.
 *   I5. No promise, or a promise the waybill no longer owes (returning,
 *       returned, cancelled), is risk NONE; a delivered waybill is late only
 *       if it was delivered after the promise.
 *
 * The normal path of one parcel and the scans that move it (pd_status_of_event):
 *
 *   info_received ─pickup─▶ picked_up ─arrival/sort/bag/unbag/load/unload─▶ in_transit
 *   in_transit ─departure─▶ departed ─arrival/…─▶ in_transit        (hub to hub)
 *   in_transit/departed ─arrival in dest city, station_arrival─▶ arrived_dest_city
 *   arrived_dest_city ─out_for_delivery─▶ out_for_delivery ─delivered─▶ delivered,
 *       delivered_proxy or delivered_locker (by signer type)
 *   out_for_delivery ─locker_in─▶ available_for_pickup ─delivered─▶ delivered_locker
 *
 *   from any state: failed_attempt ▶ attempt_failed | unreachable | refused |
 *   address_issue; exception ▶ damaged | lost | refused | address_issue |
 *   unreachable | exception; return_start ▶ returning; returned ▶ returned.
 *   no_update is set by the stale-parcel job (an exception scan with reason
 *   no_update, http/monitor.c), cancelled by the order.
 *
 * A status is not a state machine with forbidden moves: scans are facts from
 * the field and arrive late and out of order, so the last event by event time
 * decides whatever the previous status was. */
#include "core/status.h"

#include <string.h>

static const struct pd_status_info table[] = {
#define PD_STATUS(sym, name, zh, rank, severity, k100_state, k100_adv, as_tag, as_subtag)          \
    {name, zh, rank, severity, k100_state, k100_adv, as_tag, as_subtag},
#include "core/status.def"
#undef PD_STATUS
};

/* What a corrupt stored value reads as: a server must answer the one request
 * (as an unclassified problem, Kuaidi100 2 = 疑难) rather than crash on it. */
static const struct pd_status_info unknown_row = {"unknown", "未知", 0, 0, 2, 0, "", ""};

const struct pd_status_info *pd_status_info(enum pd_status s)
{
    return (unsigned)s < PD_ST__COUNT ? &table[s] : &unknown_row;
}

bool pd_status_parse(const char *name, enum pd_status *out)
{
    for (int i = 0; name && i < PD_ST__COUNT; i++) {
        if (!strcmp(table[i].name, name)) {
            *out = (enum pd_status)i;
            return true;
        }
    }
    return false;
}

const char *const pd_scan_reason_names[] = {
    [PD_REASON_OTHER] = "other",     [PD_REASON_UNREACHABLE] = "unreachable",
    [PD_REASON_REFUSED] = "refused", [PD_REASON_ADDRESS] = "address",
    [PD_REASON_DAMAGED] = "damaged", [PD_REASON_LOST] = "lost",
    [PD_REASON_MISSORT] = "missort", [PD_REASON_PROHIBITED] = "prohibited",
    [PD_REASON_DELAYED] = "delayed", [PD_REASON_NO_UPDATE] = "no_update",
    [PD_REASON__COUNT] = NULL,
};

enum pd_scan_reason pd_scan_reason_parse(const char *s)
{
    for (int i = 0; s && i < PD_REASON__COUNT; i++) {
        if (!strcmp(pd_scan_reason_names[i], s))
            return (enum pd_scan_reason)i;
    }
    return PD_REASON_OTHER;
}

/* Which qualifier refines a type's status (rule 2 of status.h). */
enum qualifier { Q_NONE, Q_DEST_CITY, Q_SIGNER, Q_ATTEMPT_REASON, Q_EXCEPTION_REASON };

static const struct {
    enum pd_status status; /* without a qualifier, or when the qualifier adds nothing */
    enum qualifier q;
} by_type[PD_SCAN__COUNT] = {
    [PD_SCAN_PICKUP] = {PD_ST_PICKED_UP, Q_NONE},
    [PD_SCAN_ARRIVAL] = {PD_ST_IN_TRANSIT, Q_DEST_CITY},
    [PD_SCAN_SORT] = {PD_ST_IN_TRANSIT, Q_NONE},
    [PD_SCAN_BAG] = {PD_ST_IN_TRANSIT, Q_NONE},
    [PD_SCAN_UNBAG] = {PD_ST_IN_TRANSIT, Q_NONE},
    [PD_SCAN_LOAD] = {PD_ST_IN_TRANSIT, Q_NONE},
    [PD_SCAN_DEPARTURE] = {PD_ST_DEPARTED, Q_NONE},
    [PD_SCAN_UNLOAD] = {PD_ST_IN_TRANSIT, Q_NONE},
    /* 到达派送站: the delivery station is the destination's last mile, so the
     * parcel is in the destination city whatever the node's city field says. */
    [PD_SCAN_STATION_ARRIVAL] = {PD_ST_ARRIVED_DEST_CITY, Q_NONE},
    [PD_SCAN_OUT_FOR_DELIVERY] = {PD_ST_OUT_FOR_DELIVERY, Q_NONE},
    [PD_SCAN_DELIVERED] = {PD_ST_DELIVERED, Q_SIGNER},
    [PD_SCAN_FAILED_ATTEMPT] = {PD_ST_ATTEMPT_FAILED, Q_ATTEMPT_REASON},
    [PD_SCAN_LOCKER_IN] = {PD_ST_AVAILABLE_FOR_PICKUP, Q_NONE},
    [PD_SCAN_EXCEPTION] = {PD_ST_EXCEPTION, Q_EXCEPTION_REASON},
    [PD_SCAN_RETURN_START] = {PD_ST_RETURNING, Q_NONE},
    [PD_SCAN_RETURNED] = {PD_ST_RETURNED, Q_NONE},
};

/* A locker and a station are both "collected by the recipient later"
 * (Kuaidi100 304, AfterShip Delivered_002); no signer type is plain 301. */
static const enum pd_status by_signer[PD_SIGNER__COUNT] = {
    [PD_SIGNER_NONE] = PD_ST_DELIVERED,           [PD_SIGNER_RECIPIENT] = PD_ST_DELIVERED,
    [PD_SIGNER_PROXY] = PD_ST_DELIVERED_PROXY,    [PD_SIGNER_LOCKER] = PD_ST_DELIVERED_LOCKER,
    [PD_SIGNER_STATION] = PD_ST_DELIVERED_LOCKER,
};

/* A failed attempt whose reason is about the parcel itself (damaged, lost …)
 * is still a failed attempt: the courier reports the attempt, and a damaged
 * or lost parcel is reported with an exception scan. */
static const enum pd_status attempt_by_reason[PD_REASON__COUNT] = {
    [PD_REASON_OTHER] = PD_ST_ATTEMPT_FAILED,   [PD_REASON_UNREACHABLE] = PD_ST_UNREACHABLE,
    [PD_REASON_REFUSED] = PD_ST_REFUSED,        [PD_REASON_ADDRESS] = PD_ST_ADDRESS_ISSUE,
    [PD_REASON_DAMAGED] = PD_ST_ATTEMPT_FAILED, [PD_REASON_LOST] = PD_ST_ATTEMPT_FAILED,
    [PD_REASON_MISSORT] = PD_ST_ATTEMPT_FAILED, [PD_REASON_PROHIBITED] = PD_ST_ATTEMPT_FAILED,
    [PD_REASON_DELAYED] = PD_ST_ATTEMPT_FAILED, [PD_REASON_NO_UPDATE] = PD_ST_ATTEMPT_FAILED,
};

/* Missort, prohibited goods and delay have no standard code (DOMAIN.md §4):
 * they stay the generic exception; an exception scan saying the recipient
 * cannot be reached is the same fact as a failed attempt saying so. The
 * stale-parcel job records "no update for too long" as an exception scan
 * with reason no_update, so that status, too, comes from an event. */
static const enum pd_status exception_by_reason[PD_REASON__COUNT] = {
    [PD_REASON_OTHER] = PD_ST_EXCEPTION,   [PD_REASON_UNREACHABLE] = PD_ST_UNREACHABLE,
    [PD_REASON_REFUSED] = PD_ST_REFUSED,   [PD_REASON_ADDRESS] = PD_ST_ADDRESS_ISSUE,
    [PD_REASON_DAMAGED] = PD_ST_DAMAGED,   [PD_REASON_LOST] = PD_ST_LOST,
    [PD_REASON_MISSORT] = PD_ST_EXCEPTION, [PD_REASON_PROHIBITED] = PD_ST_EXCEPTION,
    [PD_REASON_DELAYED] = PD_ST_EXCEPTION, [PD_REASON_NO_UPDATE] = PD_ST_NO_UPDATE,
};

enum pd_status pd_status_of_event(enum pd_scan_type type, enum pd_signer_type signer,
                                  enum pd_scan_reason reason, bool at_dest_city)
{
    /* pd_scan_check refuses unknown types before anything is stored; a
     * stored value out of range is corruption, shown as an exception. */
    if ((unsigned)type >= PD_SCAN__COUNT)
        return PD_ST_EXCEPTION;
    if ((unsigned)signer >= PD_SIGNER__COUNT)
        signer = PD_SIGNER_NONE;
    if ((unsigned)reason >= PD_REASON__COUNT)
        reason = PD_REASON_OTHER;
    switch (by_type[type].q) {
    case Q_DEST_CITY:
        return at_dest_city ? PD_ST_ARRIVED_DEST_CITY : by_type[type].status;
    case Q_SIGNER:
        return by_signer[signer];
    case Q_ATTEMPT_REASON:
        return attempt_by_reason[reason];
    case Q_EXCEPTION_REASON:
        return exception_by_reason[reason];
    case Q_NONE:
        break;
    }
    return by_type[type].status;
}

/* Order of I2: -1 when @p a summarises before @p b, 1 after, 0 when they
 * tie (equal severity and rank). */
static int summary_cmp(enum pd_status a, enum pd_status b)
{
    const struct pd_status_info *x = &table[a], *y = &table[b];
    if (x->severity != y->severity)
        return x->severity > y->severity ? -1 : 1;
    if (x->rank != y->rank)
        return x->rank < y->rank ? -1 : 1;
    return 0;
}

enum pd_status pd_status_summary(const enum pd_status *parcels, int n)
{
    if (!parcels || n <= 0)
        return PD_ST_INFO_RECEIVED;
    enum pd_status best = PD_ST__COUNT;
    bool mixed = false; /* another status tied with best */
    for (int i = 0; i < n; i++) {
        enum pd_status s = parcels[i];
        if ((unsigned)s >= PD_ST__COUNT)
            s = PD_ST_EXCEPTION; /* corrupt input: surface it, never hide it */
        if (best == PD_ST__COUNT) {
            best = s;
            continue;
        }
        int c = summary_cmp(s, best);
        if (c < 0) {
            best = s;
            mixed = false;
        } else if (c == 0 && s != best) {
            mixed = true;
        }
    }
    if (!mixed)
        return best;
    /* Parcels that tie with different statuses get the general word: the
     * first row of their class (delivered_proxy + delivered_locker are
     * "delivered", unreachable + attempt_failed "attempt_failed"). */
    for (int i = 0; i < PD_ST__COUNT; i++) {
        if (summary_cmp((enum pd_status)i, best) == 0)
            return (enum pd_status)i;
    }
    return best;
}

static bool is_delivered(enum pd_status st)
{
    return st == PD_ST_DELIVERED || st == PD_ST_DELIVERED_PROXY || st == PD_ST_DELIVERED_LOCKER;
}

enum pd_risk pd_status_risk(enum pd_status st, int64_t promised_ms, int64_t delivered_ms,
                            int64_t now_ms, int64_t margin_ms)
{
    if (promised_ms <= 0)
        return PD_RISK_NONE;
    if (st == PD_ST_RETURNING || st == PD_ST_RETURNED || st == PD_ST_CANCELLED)
        return PD_RISK_NONE; /* I5: the delivery promise no longer applies */
    if (is_delivered(st)) {
        /* delivered_ms 0 (not recorded) counts as on time: a waybill is not
         * called late on a guess. */
        return delivered_ms > promised_ms ? PD_RISK_LATE : PD_RISK_ON_TIME;
    }
    if (now_ms > promised_ms)
        return PD_RISK_LATE;
    /* Once out for delivery (or in a locker) the last step is under way;
     * before that, less than the margin left is too little to rely on. */
    if (pd_status_info(st)->rank < table[PD_ST_OUT_FOR_DELIVERY].rank &&
        promised_ms - now_ms < margin_ms)
        return PD_RISK_AT_RISK;
    return PD_RISK_ON_TIME;
}

const char *pd_risk_name(enum pd_risk r)
{
    static const char *const names[] = {
        [PD_RISK_ON_TIME] = "on_time",
        [PD_RISK_AT_RISK] = "at_risk",
        [PD_RISK_LATE] = "late",
        [PD_RISK_NONE] = "none",
    };
    return (unsigned)r < sizeof names / sizeof *names ? names[r] : "unknown";
}
