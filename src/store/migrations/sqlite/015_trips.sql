-- 015_trips (SQLite): vehicles, trips and their loading plans (配载)
-- (docs/tracking.md "Trips and loading plans"). Conventions as in 001;
-- the same tables and columns exist in migrations/pg/015_trips.sql.
--
-- A vehicle, by its plate: what it may carry — weight in grams, volume in
-- cm³ (the unit of a waybill's dimensions in mm divided by 1000, so a plan
-- adds up without conversions) — and the node it belongs to, which scopes
-- who may see and plan it. type is free text ("9.6米厢式货车").
CREATE TABLE vehicles (
    plate TEXT PRIMARY KEY,
    type TEXT NOT NULL,
    capacity_weight_g INTEGER NOT NULL CHECK (capacity_weight_g > 0),
    capacity_volume_cm3 INTEGER NOT NULL CHECK (capacity_volume_cm3 > 0),
    node_id INTEGER NOT NULL REFERENCES nodes (id),
    created_ms INTEGER NOT NULL,
    created_by INTEGER NOT NULL DEFAULT 0
) STRICT, WITHOUT ROWID;
CREATE INDEX vehicles_node ON vehicles (node_id);

-- A trip (车次): one vehicle leaving origin_id for its stops in order.
-- trip_no is the number on the dispatch sheet, which load and unload scans
-- carry (scans.trip_no). state moves forward only (core/loadplan.h):
-- planned → loading → departed → arrived; departed_ms and arrived_ms are 0
-- until then.
CREATE TABLE trips (
    trip_no TEXT PRIMARY KEY,
    plate TEXT NOT NULL REFERENCES vehicles (plate),
    origin_id INTEGER NOT NULL REFERENCES nodes (id),
    state TEXT NOT NULL CHECK (state IN ('planned', 'loading', 'departed', 'arrived')),
    planned_departure_ms INTEGER NOT NULL,
    departed_ms INTEGER NOT NULL DEFAULT 0,
    arrived_ms INTEGER NOT NULL DEFAULT 0,
    created_ms INTEGER NOT NULL,
    created_by INTEGER NOT NULL DEFAULT 0,
    updated_ms INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX trips_origin ON trips (origin_id, planned_departure_ms);

-- The stops of a trip in calling order (idx 0 = the first after the
-- origin). A table rather than a list in the trip row so that "the trips
-- calling at this node" is an index look-up (trip_stops_node).
CREATE TABLE trip_stops (
    trip_no TEXT NOT NULL REFERENCES trips (trip_no),
    idx INTEGER NOT NULL CHECK (idx >= 0),
    node_id INTEGER NOT NULL REFERENCES nodes (id),
    PRIMARY KEY (trip_no, idx)
) STRICT, WITHOUT ROWID;
CREATE INDEX trip_stops_node ON trip_stops (node_id);

-- The loading plan: one row per item (a whole waybill, or a bag as one
-- piece), the stop where it comes off (trip_stops.idx), and its weight and
-- volume measured from the order(s) when it was planned: a bag is the sum
-- of what was inside then. contents is the number of parcels the item
-- stands for (a waybill's parcels, a bag's contents); unmeasured how many
-- of them had no weight (no order yet) or no volume (no dimensions) and
-- counted as 0.
--
-- active is 1 while the trip has not arrived and NULL after: the partial
-- unique index trip_plan_active then keeps an item on at most one such trip
-- (invariant 2 of core/loadplan.h) even when two planners race, and frees
-- it for its next leg once the trip has arrived.
CREATE TABLE trip_plan (
    trip_no TEXT NOT NULL REFERENCES trips (trip_no),
    kind TEXT NOT NULL CHECK (kind IN ('waybill', 'bag')),
    item_no TEXT NOT NULL,
    stop_idx INTEGER NOT NULL CHECK (stop_idx >= 0),
    weight_g INTEGER NOT NULL CHECK (weight_g >= 0),
    volume_cm3 INTEGER NOT NULL CHECK (volume_cm3 >= 0),
    contents INTEGER NOT NULL CHECK (contents >= 1),
    unmeasured INTEGER NOT NULL DEFAULT 0 CHECK (unmeasured >= 0),
    added_ms INTEGER NOT NULL,
    added_by INTEGER NOT NULL DEFAULT 0,
    active INTEGER CHECK (active = 1),
    PRIMARY KEY (trip_no, kind, item_no)
) STRICT, WITHOUT ROWID;
CREATE UNIQUE INDEX trip_plan_active ON trip_plan (kind, item_no) WHERE active = 1;

-- Load and unload scans keep their trip_no (006_scans); a trip's view reads
-- them by it. Partial: the great majority of scans name no trip and cost
-- this index nothing on insert.
CREATE INDEX scans_trip ON scans (trip_no) WHERE trip_no <> '';

-- trips.manage (车辆、车次与配载计划): registering vehicles, planning trips and
-- recording their state. Dispatch is not enough: couriers hold dispatch for
-- their pickup tasks and do not plan line-haul vehicles.
INSERT INTO role_permissions (role, perm) VALUES
    ('dispatcher', 'trips.manage'), ('supervisor', 'trips.manage'),
    ('manager', 'trips.manage'), ('admin', 'trips.manage');
