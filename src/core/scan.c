/* The scan vocabulary of scan.def turned into name, Chinese-name and flag
 * tables, and pd_scan_check: the check of one decoded event against the
 * rules of its type (required fields, the consent rule of 快递市场管理办法,
 * event time within the receiving clock's tolerance, plausible cold-chain
 * temperature, parcel numbers that belong to their waybill, text limits).
 * It sees one event only: whether the node code exists, whether the event is
 * a duplicate and where it falls in the timeline are the store's and the
 * ingestion handler's business. The checks run in a fixed order so that the
 * field reported for an event with several faults is predictable: identity
 * (type, numbers), time, device key, node, the type's own fields, consent,
 * temperature, free text. */
#include "core/scan.h"

#include <string.h>

#include "core/org.h"
#include "core/waybill_no.h"
#include "util/utf8.h"

/* 2000-01-01T00:00:00Z: no scanner of ours predates it; an earlier time is a
 * device with a reset clock (epoch 0 and friends), not a real event. */
#define EARLIEST_MS 946684800000LL
/* Plausible cold-chain readings (milli-°C): a probe reading beyond ±80 °C is
 * a broken probe or a unit mix-up (°F, tenths), not a parcel. */
#define TEMP_MIN_MC (-80000)
#define TEMP_MAX_MC 80000
/* Bag and trip numbers fit the store's 33-byte columns. */
#define LABEL_MAX 32

const char *const pd_scan_type_names[] = {
#define PD_SCAN(sym, name, zh, flags) name,
#include "core/scan.def"
#undef PD_SCAN
    NULL};

static const char *const type_zh[] = {
#define PD_SCAN(sym, name, zh, flags) zh,
#include "core/scan.def"
#undef PD_SCAN
};

static const unsigned type_flags[] = {
#define PD_SCAN(sym, name, zh, flags) flags,
#include "core/scan.def"
#undef PD_SCAN
};

const char *const pd_signer_type_names[] = {"recipient", "proxy", "locker", "station", NULL};

_Static_assert(sizeof pd_signer_type_names / sizeof *pd_signer_type_names == PD_SIGNER__COUNT,
               "one signer name per pd_signer_type after NONE, plus the NULL");

const char *pd_scan_type_name(enum pd_scan_type t)
{
    return (unsigned)t < PD_SCAN__COUNT ? pd_scan_type_names[t] : "unknown";
}

const char *pd_scan_type_zh(enum pd_scan_type t)
{
    return (unsigned)t < PD_SCAN__COUNT ? type_zh[t] : "未知";
}

bool pd_scan_type_parse(const char *s, enum pd_scan_type *out)
{
    for (int i = 0; s && i < PD_SCAN__COUNT; i++) {
        if (!strcmp(pd_scan_type_names[i], s)) {
            *out = (enum pd_scan_type)i;
            return true;
        }
    }
    return false;
}

unsigned pd_scan_type_flags(enum pd_scan_type t)
{
    return (unsigned)t < PD_SCAN__COUNT ? type_flags[t] : 0u;
}

const char *pd_signer_type_name(enum pd_signer_type s)
{
    if (s == PD_SIGNER_NONE)
        return "";
    return (unsigned)s < PD_SIGNER__COUNT ? pd_signer_type_names[s - 1] : "unknown";
}

bool pd_signer_type_parse(const char *s, enum pd_signer_type *out)
{
    for (int i = 1; s && i < PD_SIGNER__COUNT; i++) {
        if (!strcmp(pd_signer_type_names[i - 1], s)) {
            *out = (enum pd_signer_type)i;
            return true;
        }
    }
    return false;
}

static bool absent(const char *s)
{
    return !s || !*s;
}

/* Optional text: valid UTF-8 of at most @p max bytes. Bytes, not characters,
 * because the limit is the store's column size: 66 Chinese characters fit
 * 200 bytes, 67 do not. */
static pd_err text_check(const char *s, size_t max, const char *name, const char **field)
{
    if (!s)
        return PD_OK;
    size_t n = strlen(s);
    pd_err e = PD_OK;
    if (n > max)
        e = PD_E_JSON_TOO_LONG;
    else if (!pd_utf8_valid(s, n))
        e = PD_E_JSON_UTF8;
    if (e != PD_OK)
        *field = name;
    return e;
}

static pd_err fail(pd_err e, const char *name, const char **field)
{
    *field = name;
    return e;
}

/* Does this event hand the parcel to someone other than the recipient
 * (locker, station, proxy), which needs the recipient's recorded consent? */
static bool needs_consent(const struct pd_scan *s, unsigned flags)
{
    if (!(flags & PD_SCAN_CONSENT_RULE))
        return false;
    if (s->type != PD_SCAN_DELIVERED)
        return true; /* locker_in: always a hand-over to a locker or station */
    return s->signer_type == PD_SIGNER_PROXY || s->signer_type == PD_SIGNER_LOCKER ||
           s->signer_type == PD_SIGNER_STATION;
}

pd_err pd_scan_check(const struct pd_scan *s, int64_t now_ms, const char **field)
{
    const char *dummy;
    if (!field)
        field = &dummy;
    *field = NULL;

    if ((unsigned)s->type >= PD_SCAN__COUNT)
        return fail(PD_E_SCAN_TYPE_UNKNOWN, "type", field);
    unsigned flags = type_flags[s->type];

    /* The caller canonicalises and verifies numbers; checking again is cheap
     * (one Damm pass) and keeps a caller's slip out of the store. */
    if (absent(s->waybill_no))
        return fail(PD_E_JSON_MISSING, "waybill_no", field);
    if (!pd_waybill_no_valid(s->waybill_no))
        return fail(PD_E_WAYBILL_NO_INVALID, "waybill_no", field);
    if (!absent(s->parcel_no)) {
        char master[PD_WAYBILL_NO_SIZE];
        if (!pd_parcel_no_parse(s->parcel_no, master, NULL))
            return fail(PD_E_WAYBILL_NO_INVALID, "parcel_no", field);
        if (strcmp(master, s->waybill_no) != 0)
            return fail(PD_E_SCAN_PARCEL_MISMATCH, "parcel_no", field);
    }

    if (s->at_ms < EARLIEST_MS)
        return fail(PD_E_JSON_RANGE, "at", field);
    /* Written as a difference so that a far-future at_ms cannot overflow:
     * at_ms is at least EARLIEST_MS here and now_ms is a real clock. */
    if (s->at_ms > now_ms && s->at_ms - now_ms > PD_SCAN_FUTURE_TOLERANCE_MS)
        return fail(PD_E_SCAN_TIME_FUTURE, "at", field);

    if (absent(s->device_id))
        return fail(PD_E_JSON_MISSING, "device_id", field);
    pd_err e = text_check(s->device_id, PD_SCAN_DEVICE_MAX, "device_id", field);
    if (e != PD_OK)
        return e;
    if (s->device_seq < 0)
        return fail(PD_E_JSON_RANGE, "device_seq", field);

    if (absent(s->node)) {
        if (flags & PD_SCAN_NEEDS_NODE)
            return fail(PD_E_JSON_MISSING, "node", field);
    } else if (!pd_node_code_valid(s->node)) {
        return fail(PD_E_JSON_FORMAT, "node", field);
    }

    if ((unsigned)s->signer_type >= PD_SIGNER__COUNT)
        return fail(PD_E_JSON_ENUM, "signer_type", field);
    if ((flags & PD_SCAN_NEEDS_SIGNER) && s->signer_type == PD_SIGNER_NONE)
        return fail(PD_E_JSON_MISSING, "signer_type", field);
    if ((flags & PD_SCAN_NEEDS_REASON) && absent(s->reason))
        return fail(PD_E_JSON_MISSING, "reason", field);
    if ((flags & PD_SCAN_NEEDS_BAG) && absent(s->bag_no))
        return fail(PD_E_JSON_MISSING, "bag_no", field);
    if ((flags & PD_SCAN_NEEDS_TRIP) && absent(s->trip_no))
        return fail(PD_E_JSON_MISSING, "trip_no", field);

    if (needs_consent(s, flags) && !(s->has_consent && s->consent))
        return fail(PD_E_SCAN_CONSENT, "consent", field);

    if (s->has_temperature && (s->temperature_mc < TEMP_MIN_MC || s->temperature_mc > TEMP_MAX_MC))
        return fail(PD_E_JSON_RANGE, "temperature_c", field);

    const struct {
        const char *text;
        size_t max;
        const char *name;
    } texts[] = {
        {s->bag_no, LABEL_MAX, "bag_no"},
        {s->trip_no, LABEL_MAX, "trip_no"},
        {s->operator_, PD_SCAN_TEXT_MAX, "operator"},
        {s->signer, PD_SCAN_TEXT_MAX, "signer"},
        {s->reason, PD_SCAN_TEXT_MAX, "reason"},
        {s->photo, PD_SCAN_TEXT_MAX, "photo"},
    };
    for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
        e = text_check(texts[i].text, texts[i].max, texts[i].name, field);
        if (e != PD_OK)
            return e;
    }
    return PD_OK;
}
