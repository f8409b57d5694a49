/*
 * Promised times from the service × zone table in promise.def (see
 * promise.h for the rules). Day arithmetic happens on China-time civil days
 * so that "18:00 on the third day" means 18:00 in Shenzhen whatever the UTC
 * date is.
 */
#include "core/promise.h"

#define DAY_MS     86400000LL
#define HOUR_MS    3600000LL
#define CST_MS     (8 * HOUR_MS)
#define QUARTER_MS (15 * 60000LL)

static const signed char days_table[PD_SVC__COUNT][PD_ZONE__COUNT] = {
#define PD_PROMISE(svc, a, b, c, d, e) [svc] = {a, b, c, d, e},
#include "core/promise.def"
#undef PD_PROMISE
};

int pd_promise_days(enum pd_service svc, enum pd_zone zone)
{
    if ((unsigned)svc >= PD_SVC__COUNT || (unsigned)zone >= PD_ZONE__COUNT)
        return 0;
    return days_table[svc][zone];
}

/* Start of the China-time day containing @p ms, as UTC ms. */
static int64_t cst_day_start(int64_t ms)
{
    int64_t local = ms + CST_MS;
    int64_t day = local / DAY_MS - (local % DAY_MS < 0);
    return day * DAY_MS - CST_MS;
}

void pd_promise_compute(enum pd_service svc, enum pd_zone zone, int64_t now_ms,
                        int64_t window_from_ms, struct pd_promise *out)
{
    int64_t pickup;
    if (window_from_ms > now_ms) {
        pickup = window_from_ms;
    } else {
        /* Two hours from now, up to the next quarter hour: a time a person can be told. */
        pickup = now_ms + 2 * HOUR_MS;
        pickup += (QUARTER_MS - pickup % QUARTER_MS) % QUARTER_MS;
        int64_t day = cst_day_start(pickup);
        int64_t open = day + 9 * HOUR_MS, close = day + 18 * HOUR_MS;
        if (pickup > close)
            pickup = open + DAY_MS;
        else if (pickup < open)
            pickup = open;
    }
    out->days = pd_promise_days(svc, zone);
    out->planned_pickup_ms = pickup;
    out->promised_delivery_ms =
        out->days > 0 ? cst_day_start(pickup) + out->days * DAY_MS + 18 * HOUR_MS : 0;
}
