/*
 * Promised times of an order (DOMAIN.md §2 "perfect order" information):
 * the planned pickup and the promised delivery, from the service, the zone
 * and the pickup window, by the table in promise.def. Pure: no I/O, no
 * allocation. Times are UTC epoch milliseconds; days are counted in China
 * time (UTC+8), on the calendar, not on working days (the business calendar
 * of the service-desk issue will take over when it lands).
 *
 * Rules (docs/orders.md "Promised times"):
 *   - planned pickup: the start of the pickup window when one is given and
 *     later than the order; otherwise the order time plus two hours rounded
 *     up to the quarter hour, or
 *     09:00 the next morning when that falls after 18:00 (couriers collect
 *     from 09:00 to 18:00 China time);
 *   - promised delivery: 18:00 China time on the day of planned pickup plus
 *     the table's days for the service and zone.
 */
#ifndef PD_CORE_PROMISE_H
#define PD_CORE_PROMISE_H

#include <stdint.h>

#include "core/tariff.h"

struct pd_promise {
    int days;                     /* transit days from the table; 0 = not offered */
    int64_t planned_pickup_ms;    /* when a courier should collect */
    int64_t promised_delivery_ms; /* 0 when days is 0 */
};

/**
 * Compute the promise of an order taken at @p now_ms with the pickup window
 * starting at @p window_from_ms (0 = none). Always fills @p out.
 */
void pd_promise_compute(enum pd_service svc, enum pd_zone zone, int64_t now_ms,
                        int64_t window_from_ms, struct pd_promise *out);

/** Transit days of the table, 0 when the pair is not offered or out of range. */
int pd_promise_days(enum pd_service svc, enum pd_zone zone);

#endif
