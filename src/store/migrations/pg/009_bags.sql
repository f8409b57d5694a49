-- 009_bags (PostgreSQL): bags (集包), their contents and bag events. Same
-- tables and columns as migrations/sqlite/009_bags.sql, whose comments say
-- why each is there. Text keys are COLLATE "C" (byte order, as SQLite).
CREATE TABLE bags (
    bag_no TEXT COLLATE "C" PRIMARY KEY,
    node_code TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL CHECK (state IN ('open', 'sealed', 'opened')),
    first_ms BIGINT NOT NULL,
    last_ms BIGINT NOT NULL
);

CREATE TABLE bag_contents (
    id BIGSERIAL PRIMARY KEY,
    bag_no TEXT COLLATE "C" NOT NULL REFERENCES bags (bag_no),
    waybill_no TEXT COLLATE "C" NOT NULL,
    parcel_no TEXT COLLATE "C" NOT NULL DEFAULT '',
    added_ms BIGINT NOT NULL,
    removed_ms BIGINT
);
CREATE INDEX bag_contents_bag ON bag_contents (bag_no, added_ms);
CREATE INDEX bag_contents_parcel ON bag_contents (waybill_no, parcel_no) WHERE removed_ms IS NULL;

CREATE TABLE bag_events (
    id BIGSERIAL PRIMARY KEY,
    bag_no TEXT COLLATE "C" NOT NULL REFERENCES bags (bag_no),
    type TEXT NOT NULL,
    at_ms BIGINT NOT NULL,
    node_code TEXT NOT NULL DEFAULT '',
    operator TEXT NOT NULL DEFAULT '',
    device_id TEXT COLLATE "C" NOT NULL,
    device_seq BIGINT NOT NULL CHECK (device_seq >= 0),
    trip_no TEXT NOT NULL DEFAULT '',
    reason TEXT NOT NULL DEFAULT '',
    expanded INTEGER NOT NULL DEFAULT 0,
    received_ms BIGINT NOT NULL,
    CONSTRAINT bag_events_device UNIQUE (device_id, device_seq)
);
CREATE INDEX bag_events_bag ON bag_events (bag_no, at_ms);
