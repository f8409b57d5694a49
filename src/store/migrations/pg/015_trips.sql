-- 015_trips (PostgreSQL): vehicles, trips and their loading plans (配载).
-- Same tables and columns as migrations/sqlite/015_trips.sql, whose
-- comments say why each is there. Text keys are COLLATE "C" (byte order,
-- as SQLite).
CREATE TABLE vehicles (
    plate TEXT COLLATE "C" PRIMARY KEY,
    type TEXT NOT NULL,
    capacity_weight_g BIGINT NOT NULL CHECK (capacity_weight_g > 0),
    capacity_volume_cm3 BIGINT NOT NULL CHECK (capacity_volume_cm3 > 0),
    node_id BIGINT NOT NULL REFERENCES nodes (id),
    created_ms BIGINT NOT NULL,
    created_by BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX vehicles_node ON vehicles (node_id);

CREATE TABLE trips (
    trip_no TEXT COLLATE "C" PRIMARY KEY,
    plate TEXT COLLATE "C" NOT NULL REFERENCES vehicles (plate),
    origin_id BIGINT NOT NULL REFERENCES nodes (id),
    state TEXT NOT NULL CHECK (state IN ('planned', 'loading', 'departed', 'arrived')),
    planned_departure_ms BIGINT NOT NULL,
    departed_ms BIGINT NOT NULL DEFAULT 0,
    arrived_ms BIGINT NOT NULL DEFAULT 0,
    created_ms BIGINT NOT NULL,
    created_by BIGINT NOT NULL DEFAULT 0,
    updated_ms BIGINT NOT NULL
);
CREATE INDEX trips_origin ON trips (origin_id, planned_departure_ms);

CREATE TABLE trip_stops (
    trip_no TEXT COLLATE "C" NOT NULL REFERENCES trips (trip_no),
    idx INTEGER NOT NULL CHECK (idx >= 0),
    node_id BIGINT NOT NULL REFERENCES nodes (id),
    PRIMARY KEY (trip_no, idx)
);
CREATE INDEX trip_stops_node ON trip_stops (node_id);

CREATE TABLE trip_plan (
    trip_no TEXT COLLATE "C" NOT NULL REFERENCES trips (trip_no),
    kind TEXT NOT NULL CHECK (kind IN ('waybill', 'bag')),
    item_no TEXT COLLATE "C" NOT NULL,
    stop_idx INTEGER NOT NULL CHECK (stop_idx >= 0),
    weight_g BIGINT NOT NULL CHECK (weight_g >= 0),
    volume_cm3 BIGINT NOT NULL CHECK (volume_cm3 >= 0),
    contents INTEGER NOT NULL CHECK (contents >= 1),
    unmeasured INTEGER NOT NULL DEFAULT 0 CHECK (unmeasured >= 0),
    added_ms BIGINT NOT NULL,
    added_by BIGINT NOT NULL DEFAULT 0,
    active INTEGER CHECK (active = 1),
    PRIMARY KEY (trip_no, kind, item_no)
);
CREATE UNIQUE INDEX trip_plan_active ON trip_plan (kind, item_no) WHERE active = 1;

-- Built in the migration's transaction (CREATE INDEX CONCURRENTLY cannot
-- be): on a large scans table this holds writers off while it reads the
-- table once. Partial, so it stays as small as the number of trip scans.
CREATE INDEX scans_trip ON scans (trip_no) WHERE trip_no <> '';

-- trips.manage (车辆、车次与配载计划): registering vehicles, planning trips and
-- recording their state. Dispatch is not enough: couriers hold dispatch for
-- their pickup tasks and do not plan line-haul vehicles.
INSERT INTO role_permissions (role, perm) VALUES
    ('dispatcher', 'trips.manage'), ('supervisor', 'trips.manage'),
    ('manager', 'trips.manage'), ('admin', 'trips.manage');
