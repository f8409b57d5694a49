/*
 * The loading plan (配载, DOMAIN.md §4): what goes on a vehicle, checked
 * against its weight and volume capacity, and the order to load it in
 * (docs/tracking.md "Trips and loading plans").
 *
 * A trip's life, moved by the dispatcher (http/api/trips.c), forward only:
 *
 *   planned ──▶ loading ──▶ departed ──▶ arrived
 *      └──────────┴──────────┴─────────────┘  (a step may skip states, never go back)
 *
 * Invariants: (1) the plan changes only while the trip is planned or
 * loading; (2) an item is on at most one trip that has not arrived;
 * (3) the plan never weighs or measures more than the vehicle's capacity
 * (pd_loadplan_check, all or nothing); (4) the loading order puts the items
 * of a later stop before those of an earlier one, so the first unloaded is
 * loaded last, nearest the doors (pd_loadplan_order).
 *
 * The loading order and its balance figures use a deliberately simple model
 * of the cargo space: two lanes, left and right, each half the vehicle's
 * volume, filled from the front wall towards the doors. Items are taken
 * stop by stop (last stop first), within a stop heavy before light and big
 * before small (what goes in first ends up at the bottom and at the front),
 * and each goes into the lane holding less weight so far. An item's place
 * along the length is the centre of the volume it takes in its lane.
 *
 * Pure: no I/O, no allocation; strings are static or borrowed.
 */
#ifndef PD_CORE_LOADPLAN_H
#define PD_CORE_LOADPLAN_H

#include <stdbool.h>
#include <stdint.h>

enum pd_trip_state {
    PD_TRIP_PLANNED,
    PD_TRIP_LOADING,
    PD_TRIP_DEPARTED,
    PD_TRIP_ARRIVED,
    PD_TRIP__COUNT
};

/** "planned", …: index = enum value, NULL-terminated. */
extern const char *const pd_trip_state_names[];
/** Chinese name of @p s; "" when out of range. */
const char *pd_trip_state_zh(enum pd_trip_state s);
/** @return false when @p s names no state (NULL too). */
bool pd_trip_state_parse(const char *s, enum pd_trip_state *out);
/** Whether a trip in @p from may move to @p to: forward only, never to itself. */
bool pd_trip_state_step_ok(enum pd_trip_state from, enum pd_trip_state to);
/** Whether the plan of a trip in @p s may change (invariant 1). */
bool pd_trip_state_plan_open(enum pd_trip_state s);

/**
 * Volume in cm³ of goods of @p l × @p w × @p h millimetres, rounded up;
 * 0 when any dimension is missing (≤ 0).
 */
int64_t pd_loadplan_volume_cm3(int64_t l_mm, int64_t w_mm, int64_t h_mm);

/**
 * One part of @p total shared by @p parts (a parcel of a waybill weighed
 * as a whole), rounded up; @p total itself when @p parts ≤ 1.
 */
int64_t pd_loadplan_share(int64_t total, int parts);

/** One item of a plan: a waybill or a bag. */
struct pd_lp_item {
    const char *id;     /* borrowed; breaks ties (byte order); may be NULL */
    int stop;           /* index of the stop where it comes off (0 = first stop) */
    int64_t weight_g;   /* ≥ 0 */
    int64_t volume_cm3; /* ≥ 0; 0 when not known (it then takes no length) */
};

/** What adding items to a plan would do to the vehicle's capacity. */
struct pd_lp_check {
    int64_t weight_g, volume_cm3; /* totals with the items added */
    int64_t over_weight_g;        /* by how much the weight exceeds capacity; 0 when it fits */
    int64_t over_volume_cm3;
    int weight_item; /* index of the first added item that took the weight over; -1: none */
    int volume_item;
};

/**
 * Add @p n items to a plan that already holds @p base_weight_g and
 * @p base_volume_cm3 and compare with the capacity (invariant 3; the
 * caller adds nothing at all when either is over).
 * @param[out] out the totals and any excess.
 * @return false on bad arguments (n < 0, items NULL with n > 0, negative figures).
 */
bool pd_loadplan_check(int64_t base_weight_g, int64_t base_volume_cm3,
                       const struct pd_lp_item *items, int n, int64_t cap_weight_g,
                       int64_t cap_volume_cm3, struct pd_lp_check *out);

enum pd_lp_side { PD_LP_LEFT, PD_LP_RIGHT };

/** An item's place in the loading order. */
struct pd_lp_slot {
    int item; /* index into the items given */
    int seq;  /* 1 = loaded first (deepest in, against the front wall) */
    int stop; /* copied from the item */
    int64_t weight_g, volume_cm3;
    const char *id;       /* borrowed from the item */
    enum pd_lp_side side; /* its lane */
    int position_pm;      /* its centre along the cargo length: 0 front wall … 1000 doors */
};

/** Totals and balance of a loading order. */
struct pd_lp_balance {
    int64_t weight_g, volume_cm3;
    int64_t left_g, right_g;
    int64_t front_g, rear_g; /* items whose centre is in the front (< 500 ‰) / rear half */
    int lateral_pm;          /* |left − right| / weight, per mille (0 when empty) */
    int centre_pm;           /* longitudinal centre of gravity, 0 front … 1000 doors */
    int fill_weight_pm, fill_volume_pm; /* of the capacity, per mille */
};

/**
 * The loading order of @p n items on a vehicle of the given capacity
 * (invariant 4 and the lane model above).
 * @param[out] out @p n slots, in loading order (caller-provided).
 * @param[out] bal totals and balance.
 * @return false on bad arguments (n < 0, NULL arrays with n > 0, a
 *         capacity ≤ 0, negative figures or stops); nothing is then filled.
 */
bool pd_loadplan_order(const struct pd_lp_item *items, int n, int64_t cap_weight_g,
                       int64_t cap_volume_cm3, struct pd_lp_slot *out, struct pd_lp_balance *bal);

#endif
