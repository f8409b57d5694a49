/*
 * Records of vehicles, trips and loading plans (配载; issue 4 item 2,
 * migration 015_trips, sqlite_trips.c / pg_trips.c). Included by store.h,
 * whose rules hold here too: records are filled by value into
 * caller-provided memory, text in fixed-size fields, nothing to free. The
 * operations are at the end of struct pd_store_ops ("trips"). A trip's
 * state is the index of core/loadplan.h's enum pd_trip_state, stored by
 * name; the store checks only what the tables' CHECKs say, the API the rest
 * (docs/tracking.md "Trips and loading plans").
 */
#ifndef PD_STORE_STORE_TRIPS_H
#define PD_STORE_STORE_TRIPS_H

#include <stdbool.h>
#include <stdint.h>

#include "core/org.h"

#define PD_PLATE_SIZE        33  /* a licence plate: 16 characters of UTF-8 at most, + NUL */
#define PD_VEHICLE_TYPE_SIZE 129 /* 32 characters of UTF-8 + NUL */
#define PD_TRIP_NO_SIZE      33  /* 32 bytes + NUL, as scans.trip_no */
#define PD_TRIP_STOPS_MAX    16  /* stops after the origin */
#define PD_TRIP_ITEM_NO_SIZE 33  /* a waybill number or a bag number (scans.bag_no) + NUL */

struct pd_vehicle {
    char plate[PD_PLATE_SIZE];
    char type[PD_VEHICLE_TYPE_SIZE];
    int64_t capacity_weight_g;
    int64_t capacity_volume_cm3;
    int64_t node_id;
    char node_code[PD_CODE_MAX]; /* filled on reads */
    char node_path[PD_PATH_MAX]; /* filled on reads */
    int64_t created_ms;
    int64_t created_by; /* user id, 0 = none */
};

struct pd_trip {
    char trip_no[PD_TRIP_NO_SIZE];
    char plate[PD_PLATE_SIZE];
    int64_t origin_id;
    char origin_code[PD_CODE_MAX]; /* filled on reads */
    char origin_path[PD_PATH_MAX]; /* filled on reads */
    int n_stops;                   /* 1 … PD_TRIP_STOPS_MAX */
    int64_t stop_ids[PD_TRIP_STOPS_MAX];
    char stop_codes[PD_TRIP_STOPS_MAX][PD_CODE_MAX]; /* filled on reads */
    char stop_paths[PD_TRIP_STOPS_MAX][PD_PATH_MAX]; /* filled on reads */
    int state;                                       /* enum pd_trip_state (core/loadplan.h) */
    int64_t planned_departure_ms;
    int64_t departed_ms; /* 0 until departed */
    int64_t arrived_ms;  /* 0 until arrived */
    int64_t created_ms;
    int64_t created_by; /* user id, 0 = none */
    int64_t updated_ms;
};

/** Filter of trip_list; the newest planned departure first. */
struct pd_trip_filter {
    const char *node_path; /* trips leaving from, or calling at, a node of this subtree; required */
    int state;             /* enum pd_trip_state, -1: any */
    int64_t from_ms, to_ms; /* planned departure in [from, to); 0: open */
    int limit;              /* 1 … 1000 */
};

enum pd_trip_item_kind { PD_TRIP_ITEM_WAYBILL, PD_TRIP_ITEM_BAG, PD_TRIP_ITEM__COUNT };

/** One item of a loading plan. */
struct pd_trip_item {
    char trip_no[PD_TRIP_NO_SIZE];
    int kind; /* enum pd_trip_item_kind */
    char item_no[PD_TRIP_ITEM_NO_SIZE];
    int stop;           /* index into the trip's stops */
    int64_t weight_g;   /* measured when planned */
    int64_t volume_cm3; /* measured when planned; 0 when not known */
    int contents;       /* parcels it stands for, ≥ 1 */
    int unmeasured;     /* of which had no weight or no volume */
    int64_t added_ms;
    int64_t added_by; /* user id, 0 = none */
};

typedef int (*pd_vehicle_cb)(void *cls, const struct pd_vehicle *v);
typedef int (*pd_trip_cb)(void *cls, const struct pd_trip *t);
typedef int (*pd_trip_item_cb)(void *cls, const struct pd_trip_item *it);

#endif
