/*
 * Parcel and waybill status (DOMAIN.md §4 "Status"): derived from the scan
 * events through the table in status.def — data, not branches — and exported
 * in the codes integrators know (Kuaidi100 state/advanced, AfterShip
 * tag/subtag). Also the promise check: on time, at risk or late.
 *
 * Rules (docs/tracking.md states them with examples):
 *   1. Events are ordered by event time, then by arrival (a re-sent or late
 *      event is placed where it happened, not where it arrived).
 *   2. Each event maps to a status by (type, qualifier): the qualifier is
 *      the signer type for `delivered`, the reason for `exception` and
 *      `failed_attempt` (codes below), and "destination city" for an arrival
 *      at a node serving the recipient's city (the caller decides that).
 *   3. A parcel's status is the status of its last event; with no event, the
 *      order's own state decides (info_received, or cancelled).
 *   4. A waybill's status summarises its parcels: an exception or return on
 *      any parcel wins (by the table's severity), otherwise the least
 *      advanced parcel (by the table's progress rank), so "delivered" means
 *      every parcel was delivered.
 *
 * Pure: no I/O, no allocation.
 */
#ifndef PD_CORE_STATUS_H
#define PD_CORE_STATUS_H

#include <stdbool.h>
#include <stdint.h>

#include "core/scan.h"

enum pd_status {
#define PD_STATUS(sym, name, zh, rank, severity, k100_state, k100_adv, as_tag, as_subtag)          \
    PD_ST_##sym,
#include "core/status.def"
#undef PD_STATUS
    PD_ST__COUNT
};

/** One status's row of the table. Strings are static; never NULL ("" when none). */
struct pd_status_info {
    const char *name;      /* "in_transit" … */
    const char *zh;        /* "运输中" … */
    int rank;              /* progress: higher is further along */
    int severity;          /* 0 normal; > 0 exception-like (higher wins the summary) */
    int k100_state;        /* Kuaidi100 state */
    int k100_advanced;     /* Kuaidi100 advanced code, 0 when it has none */
    const char *as_tag;    /* AfterShip tag, "" for none */
    const char *as_subtag; /* AfterShip subtag, "" for none */
};

/** The row of @p s; never NULL (an out-of-range value gets a static "unknown" row). */
const struct pd_status_info *pd_status_info(enum pd_status s);
bool pd_status_parse(const char *name, enum pd_status *out);

/** Exception and failure reasons with a standard code (the rest are "other"). */
enum pd_scan_reason {
    PD_REASON_OTHER = 0,
    PD_REASON_UNREACHABLE, /* 联系不上 */
    PD_REASON_REFUSED,     /* 拒收 */
    PD_REASON_ADDRESS,     /* 地址错误/超区 */
    PD_REASON_DAMAGED,     /* 破损 */
    PD_REASON_LOST,        /* 丢失 */
    PD_REASON_MISSORT,     /* 错分 (internal) */
    PD_REASON_PROHIBITED,  /* 违禁品 (internal) */
    PD_REASON_DELAYED,     /* 延误 */
    PD_REASON_NO_UPDATE, /* 长时间未更新: written by the stale-parcel job (http/monitor.h) */
    PD_REASON__COUNT
};
extern const char *const pd_scan_reason_names[]; /* NULL-terminated, index = enum */
/** The reason code of a free-text reason: exact code names ("refused") or OTHER. */
enum pd_scan_reason pd_scan_reason_parse(const char *s);

/**
 * The status one event leads to. @p at_dest_city: the event's node serves
 * the recipient's city (arrivals there are "arrived in destination city").
 */
enum pd_status pd_status_of_event(enum pd_scan_type type, enum pd_signer_type signer,
                                  enum pd_scan_reason reason, bool at_dest_city);

/** The summary of @p n parcel statuses (rule 4); info_received when n is 0. */
enum pd_status pd_status_summary(const enum pd_status *parcels, int n);

enum pd_risk { PD_RISK_ON_TIME, PD_RISK_AT_RISK, PD_RISK_LATE, PD_RISK_NONE };

/**
 * On time, at risk or late against the promised delivery time: late after
 * it if not delivered (or delivered after it); at risk when less than
 * @p margin_ms remains and the parcel has not gone out for delivery yet;
 * NONE when there is no promise.
 */
enum pd_risk pd_status_risk(enum pd_status st, int64_t promised_ms, int64_t delivered_ms,
                            int64_t now_ms, int64_t margin_ms);
const char *pd_risk_name(enum pd_risk r);

#endif
