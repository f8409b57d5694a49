/* Problem parcel vocabularies and the stale-parcel rules (problem.h): the
 * tables of problem.def (types, root causes, actions, contact channels and
 * outcomes), the per-service shares of the quiet limit, the
 * totally-delayed rule of DOMAIN.md §8 and the job's idempotent device
 * sequence. Everything is a table or arithmetic; the job itself (listing,
 * writing scans, opening problems) is http/monitor.c. */
#include "core/problem.h"

#include <stddef.h>
#include <string.h>

const char *const pd_problem_type_names[] = {
#define PD_PROBLEM_TYPE(sym, name, zh, en, staff, reason) name,
#include "core/problem.def"
#undef PD_PROBLEM_TYPE
    NULL,
};

static const struct {
    const char *zh;
    bool staff;
    const char *scan_reason;
} types[] = {
#define PD_PROBLEM_TYPE(sym, name, zh, en, staff, reason) {zh, staff, reason},
#include "core/problem.def"
#undef PD_PROBLEM_TYPE
};

const char *const pd_problem_cause_names[] = {
#define PD_PROBLEM_CAUSE(sym, name, zh, en) name,
#include "core/problem.def"
#undef PD_PROBLEM_CAUSE
    NULL,
};
static const char *const cause_zh[] = {
#define PD_PROBLEM_CAUSE(sym, name, zh, en) zh,
#include "core/problem.def"
#undef PD_PROBLEM_CAUSE
};

const char *const pd_problem_action_names[] = {
#define PD_PROBLEM_ACTION(sym, name, zh, en, flags) name,
#include "core/problem.def"
#undef PD_PROBLEM_ACTION
    NULL,
};
static const struct {
    const char *zh;
    unsigned flags;
} actions[] = {
#define PD_PROBLEM_ACTION(sym, name, zh, en, flags) {zh, flags},
#include "core/problem.def"
#undef PD_PROBLEM_ACTION
};

const char *const pd_problem_channel_names[] = {
#define PD_PROBLEM_CHANNEL(sym, name, zh) name,
#include "core/problem.def"
#undef PD_PROBLEM_CHANNEL
    NULL,
};
static const char *const channel_zh[] = {
#define PD_PROBLEM_CHANNEL(sym, name, zh) zh,
#include "core/problem.def"
#undef PD_PROBLEM_CHANNEL
};

const char *const pd_problem_outcome_names[] = {
#define PD_PROBLEM_OUTCOME(sym, name, zh) name,
#include "core/problem.def"
#undef PD_PROBLEM_OUTCOME
    NULL,
};
static const char *const outcome_zh[] = {
#define PD_PROBLEM_OUTCOME(sym, name, zh) zh,
#include "core/problem.def"
#undef PD_PROBLEM_OUTCOME
};

const char *const pd_problem_party_names[] = {
    [PD_PROBLEM_PARTY_SENDER] = "sender", [PD_PROBLEM_PARTY_RECIPIENT] = "recipient", NULL};
static const char *const party_zh[] = {
    [PD_PROBLEM_PARTY_SENDER] = "寄件人", [PD_PROBLEM_PARTY_RECIPIENT] = "收件人"};

#define NELEM(a) ((int)(sizeof(a) / sizeof((a)[0])))
_Static_assert(sizeof types / sizeof *types == PD_PROBLEM__COUNT, "one row per type");

const char *pd_problem_type_zh(enum pd_problem_type t)
{
    return (unsigned)t < PD_PROBLEM__COUNT ? types[t].zh : "";
}

bool pd_problem_type_parse(const char *s, enum pd_problem_type *out)
{
    int i = pd_problem_name_index(pd_problem_type_names, s);
    if (i < 0)
        return false;
    *out = (enum pd_problem_type)i;
    return true;
}

bool pd_problem_type_staff(enum pd_problem_type t)
{
    return (unsigned)t < PD_PROBLEM__COUNT && types[t].staff;
}

enum pd_problem_type pd_problem_type_for_scan_reason(const char *reason)
{
    for (int i = 0; reason && reason[0] && i < PD_PROBLEM__COUNT; i++)
        if (types[i].scan_reason[0] && !strcmp(types[i].scan_reason, reason))
            return (enum pd_problem_type)i;
    return PD_PROBLEM_OTHER;
}

int pd_problem_name_index(const char *const *names, const char *s)
{
    for (int i = 0; s && names[i]; i++)
        if (!strcmp(names[i], s))
            return i;
    return -1;
}

const char *pd_problem_cause_zh(int cause)
{
    return cause >= 0 && cause < NELEM(cause_zh) ? cause_zh[cause] : "";
}

const char *pd_problem_action_zh(int action)
{
    return action >= 0 && action < NELEM(actions) ? actions[action].zh : "";
}

unsigned pd_problem_action_flags(int action)
{
    return action >= 0 && action < NELEM(actions) ? actions[action].flags : 0;
}

const char *pd_problem_channel_zh(int channel)
{
    return channel >= 0 && channel < NELEM(channel_zh) ? channel_zh[channel] : "";
}

const char *pd_problem_outcome_zh(int outcome)
{
    return outcome >= 0 && outcome < NELEM(outcome_zh) ? outcome_zh[outcome] : "";
}

const char *pd_problem_party_zh(int party)
{
    return party >= 0 && party < NELEM(party_zh) ? party_zh[party] : "";
}

/* Each service's share of the configured quiet limit, in percent. Cold
 * chain goods spoil, and express is sold on speed: both are chased sooner;
 * freight legs between hubs run long without a scan. */
static const struct {
    const char *service;
    int percent;
} quiet_share[] = {
    {"cold_chain", 25},
    {"express", 50},
    {"standard", 100},
    {"freight", 150},
};
#define NSHARE (sizeof quiet_share / sizeof *quiet_share)

const char *const pd_problem_quiet_services[] = {"cold_chain", "express", "standard", "freight",
                                                 NULL};
_Static_assert(sizeof pd_problem_quiet_services / sizeof *pd_problem_quiet_services == NSHARE + 1,
               "one name per share");

int64_t pd_problem_quiet_limit_ms(const char *service, int64_t base_ms)
{
    for (size_t i = 0; service && i < NSHARE; i++)
        if (!strcmp(quiet_share[i].service, service))
            return base_ms * quiet_share[i].percent / 100;
    return base_ms;
}

int64_t pd_problem_quiet_min_ms(int64_t base_ms)
{
    int64_t min = base_ms;
    for (size_t i = 0; i < NSHARE; i++) {
        int64_t v = pd_problem_quiet_limit_ms(quiet_share[i].service, base_ms);
        if (v < min)
            min = v;
    }
    return min;
}

bool pd_problem_same_city(int32_t origin, int32_t dest)
{
    return origin > 0 && dest > 0 && origin / 100 == dest / 100;
}

bool pd_problem_totally_delayed(int64_t promised_ms, int32_t origin, int32_t dest,
                                int64_t same_city_ms, int64_t other_ms, int64_t now_ms)
{
    if (promised_ms <= 0)
        return false;
    int64_t limit = pd_problem_same_city(origin, dest) ? same_city_ms : other_ms;
    return now_ms > promised_ms + limit;
}

#define SEQ_EVENTS 1000000LL /* events per waybill the sequence leaves room for */
#define SEQ_SERIAL 1000000000000ULL

int64_t pd_problem_device_seq(uint64_t serial, int events)
{
    if (serial == 0 || serial >= SEQ_SERIAL || events < 0 || events >= SEQ_EVENTS)
        return -1;
    return (int64_t)serial * SEQ_EVENTS + events;
}
