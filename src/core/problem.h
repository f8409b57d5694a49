/*
 * Problem parcels (问题件, DOMAIN.md §6) and the rules of the stale-parcel
 * job that opens some of them (docs/tracking.md "The stale-parcel job"):
 * the vocabularies of problem.def — types (which staff may open, which
 * exception-scan reason opens which), root causes, resolution actions and
 * what each must carry, contact channels and outcomes — how long each
 * service may go without a scan before it counts as "no update for too
 * long", when a parcel past its promise is totally delayed (彻底延误), and
 * the device sequence that makes the job's own scans idempotent.
 *
 * Pure: no I/O, no allocation; strings returned are static.
 */
#ifndef PD_CORE_PROBLEM_H
#define PD_CORE_PROBLEM_H

#include <stdbool.h>
#include <stdint.h>

/* What a resolution action must carry (problem.def PD_PROBLEM_ACTION flags). */
#define PD_PROBLEM_ACT_ADDRESS 0x1u /* the new address (redirect) */
#define PD_PROBLEM_ACT_NOTE    0x2u /* a note saying why (destroy) */
#define PD_PROBLEM_ACT_AMOUNT  0x4u /* the amount claimed, > 0 fen (compensate) */
#define PD_PROBLEM_ACT_CASE    0x8u /* opens a compensation case (compensate) */

enum pd_problem_type {
#define PD_PROBLEM_TYPE(sym, name, zh, en, staff, reason) PD_PROBLEM_##sym,
#include "core/problem.def"
#undef PD_PROBLEM_TYPE
    PD_PROBLEM__COUNT
};

enum pd_problem_cause {
#define PD_PROBLEM_CAUSE(sym, name, zh, en) PD_PROBLEM_CAUSE_##sym,
#include "core/problem.def"
#undef PD_PROBLEM_CAUSE
    PD_PROBLEM_CAUSE__COUNT
};

enum pd_problem_action {
#define PD_PROBLEM_ACTION(sym, name, zh, en, flags) PD_PROBLEM_ACT_##sym,
#include "core/problem.def"
#undef PD_PROBLEM_ACTION
    PD_PROBLEM_ACT__COUNT
};

enum pd_problem_channel {
#define PD_PROBLEM_CHANNEL(sym, name, zh) PD_PROBLEM_CHANNEL_##sym,
#include "core/problem.def"
#undef PD_PROBLEM_CHANNEL
    PD_PROBLEM_CHANNEL__COUNT
};

enum pd_problem_outcome {
#define PD_PROBLEM_OUTCOME(sym, name, zh) PD_PROBLEM_OUTCOME_##sym,
#include "core/problem.def"
#undef PD_PROBLEM_OUTCOME
    PD_PROBLEM_OUTCOME__COUNT
};

/* The parties a contact is with. */
enum pd_problem_party { PD_PROBLEM_PARTY_SENDER, PD_PROBLEM_PARTY_RECIPIENT };

/*
 * Names of each vocabulary: index = enum value, NULL-terminated (usable as
 * field-spec enums). Chinese names: same index, not NULL-terminated.
 */
extern const char *const pd_problem_type_names[];
extern const char *const pd_problem_cause_names[];
extern const char *const pd_problem_action_names[];
extern const char *const pd_problem_channel_names[];
extern const char *const pd_problem_outcome_names[];
extern const char *const pd_problem_party_names[];

/** The Chinese name of @p t; "" when out of range. */
const char *pd_problem_type_zh(enum pd_problem_type t);
/** @return false when @p s names no problem type. */
bool pd_problem_type_parse(const char *s, enum pd_problem_type *out);
/** Whether staff may open a problem of type @p t by hand (not the job's own types). */
bool pd_problem_type_staff(enum pd_problem_type t);
/**
 * The type an exception scan with reason code @p reason (a name of
 * pd_scan_reason_names, or free text) opens: the row of problem.def naming
 * it, else PD_PROBLEM_OTHER. NULL or "" is OTHER too.
 */
enum pd_problem_type pd_problem_type_for_scan_reason(const char *reason);

/** Chinese names of the other vocabularies; "" when out of range. */
const char *pd_problem_cause_zh(int cause);
const char *pd_problem_action_zh(int action);
const char *pd_problem_channel_zh(int channel);
const char *pd_problem_outcome_zh(int outcome);
const char *pd_problem_party_zh(int party);

/** The PD_PROBLEM_ACT_* flags of @p action; 0 when out of range. */
unsigned pd_problem_action_flags(int action);

/**
 * Index of @p s in the NULL-terminated @p names, or -1 when absent (also
 * for NULL). For the stored names of every vocabulary above.
 */
int pd_problem_name_index(const char *const *names, const char *s);

/** The device id of every scan the stale-parcel job writes. */
#define PD_MONITOR_DEVICE "PD-MONITOR"

/**
 * How long a waybill of @p service (the order's service code) may go
 * without an event before it has had no update for too long: @p base_ms
 * (the configured limit, monitor.quiet_h) scaled by the service's share in
 * the table of problem.c — cold chain a quarter (perishable goods are
 * chased first), express half, standard the whole, freight one and a half
 * (line-haul legs are long). An unknown or empty service gets @p base_ms.
 */
int64_t pd_problem_quiet_limit_ms(const char *service, int64_t base_ms);

/**
 * The shortest of pd_problem_quiet_limit_ms over every service: the listing
 * bound under which no service can be quiet for too long yet.
 */
int64_t pd_problem_quiet_min_ms(int64_t base_ms);

/** The services with their own share, NULL-terminated ("standard" is the base). */
extern const char *const pd_problem_quiet_services[];

/**
 * Whether a waybill goes from district @p origin to district @p dest within
 * one city (the first four digits of GB/T 2260 agree): the same-city limit
 * of the totally-delayed rule applies. 0 (unknown) is never the same city.
 */
bool pd_problem_same_city(int32_t origin, int32_t dest);

/**
 * The totally-delayed rule (DOMAIN.md §8): a parcel not delivered
 * @p same_city_ms (3 days) after its promise within one city, or
 * @p other_ms (7 days) after it elsewhere, is totally delayed.
 * @return true when a waybill promised at @p promised_ms is totally delayed
 *         at @p now_ms (strictly after the limit); false without a promise.
 */
bool pd_problem_totally_delayed(int64_t promised_ms, int32_t origin, int32_t dest,
                                int64_t same_city_ms, int64_t other_ms, int64_t now_ms);

/**
 * The device sequence of the job's scan for a waybill of serial @p serial
 * that has @p events events: the same situation (same waybill, nothing
 * new since) always gives the same sequence, so a second run, or two
 * servers running the job at once, store the scan once; any new event
 * makes the next one distinct. @return -1 when the inputs are out of
 * range (serial above 10^12 or events above 999,999).
 */
int64_t pd_problem_device_seq(uint64_t serial, int events);

#endif
