/*
 * Scan events (DOMAIN.md §4, CONTRACT.md "A scan event"): the vocabulary of
 * event types with the fields each needs, and the check of one event before
 * it is stored. Pure: no I/O, no allocation, no globals beyond the constant
 * tables of scan.def.
 *
 * An event names a waybill or one of its parcels; it is idempotent by
 * (device_id, device_seq): a device numbers its events and a re-sent event
 * is the same event. Times are UTC epoch ms; an event may not lie in the
 * future beyond PD_SCAN_FUTURE_TOLERANCE_MS of the receiving clock (device
 * clocks drift, but a scan from tomorrow is a broken device).
 *
 * Ownership: struct pd_scan holds borrowed strings (from the caller's
 * parsed request); nothing here keeps them.
 */
#ifndef PD_CORE_SCAN_H
#define PD_CORE_SCAN_H

#include <stdbool.h>
#include <stdint.h>

#include "core/errors.h"

#define PD_SCAN_FUTURE_TOLERANCE_MS (10LL * 60 * 1000)
#define PD_SCAN_DEVICE_MAX          64  /* bytes of a device id */
#define PD_SCAN_TEXT_MAX            200 /* bytes of operator, signer, reason, photo reference */
#define PD_SCAN_LABEL_MAX           32  /* bytes of a bag or trip number */

enum pd_scan_type {
#define PD_SCAN(sym, name, zh, flags) PD_SCAN_##sym,
#include "core/scan.def"
#undef PD_SCAN
    PD_SCAN__COUNT
};

/* What a type needs (flags column of scan.def). */
#define PD_SCAN_NEEDS_NODE   0x01u /* node is required */
#define PD_SCAN_NEEDS_REASON 0x02u /* reason is required (failed attempt, exception) */
#define PD_SCAN_NEEDS_SIGNER 0x04u /* signer_type is required (delivered) */
#define PD_SCAN_NEEDS_BAG    0x08u /* bag_no is required (bag, unbag) */
#define PD_SCAN_NEEDS_TRIP   0x10u /* trip_no is required (load, unload) */
#define PD_SCAN_CONSENT_RULE 0x20u /* locker/station/proxy need the recipient's consent */

enum pd_signer_type {
    PD_SIGNER_NONE = 0,
    PD_SIGNER_RECIPIENT,
    PD_SIGNER_PROXY,   /* 代签: someone else signed for the recipient */
    PD_SIGNER_LOCKER,  /* 快递柜 */
    PD_SIGNER_STATION, /* 驿站/代收点 */
    PD_SIGNER__COUNT
};

/** One event as decoded from a request; strings borrowed, "" or NULL when absent. */
struct pd_scan {
    const char *waybill_no; /* canonical, check digit verified by the caller */
    const char *parcel_no;  /* canonical or "" (the whole waybill) */
    enum pd_scan_type type;
    int64_t at_ms;
    const char *node; /* node code */
    const char *operator_;
    const char *device_id;
    int64_t device_seq; /* >= 0 */
    const char *bag_no;
    const char *trip_no;
    bool has_temperature;
    int32_t temperature_mc; /* milli-degrees Celsius (cold chain) */
    const char *signer;
    enum pd_signer_type signer_type;
    bool has_consent;
    bool consent;
    const char *reason; /* failed attempt reason / exception type */
    const char *photo;  /* a reference (URL or object key), not the image */
};

extern const char *const pd_scan_type_names[];   /* NULL-terminated */
extern const char *const pd_signer_type_names[]; /* NULL-terminated, from PD_SIGNER_RECIPIENT */

const char *pd_scan_type_name(enum pd_scan_type t);
const char *pd_scan_type_zh(enum pd_scan_type t);
bool pd_scan_type_parse(const char *s, enum pd_scan_type *out);
unsigned pd_scan_type_flags(enum pd_scan_type t);
const char *pd_signer_type_name(enum pd_signer_type s);
bool pd_signer_type_parse(const char *s, enum pd_signer_type *out);

/**
 * Check an event against the rules of its type at receiving time @p now_ms.
 * @param[out] field the field at fault ("type", "waybill_no", "parcel_no",
 *             "at", "device_id", "device_seq", "node", "reason",
 *             "signer_type", "consent", "bag_no", "trip_no", "temperature_c",
 *             "operator", "signer", "photo") — a static string, or NULL.
 * @return PD_OK, or the registry error (PD_E_SCAN_* / PD_E_JSON_MISSING …).
 */
pd_err pd_scan_check(const struct pd_scan *s, int64_t now_ms, const char **field);

#endif
