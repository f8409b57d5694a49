-- 006_scans (PostgreSQL): scan events (扫描) and the tracking row of each
-- waybill number. Same tables and columns as migrations/sqlite/006_scans.sql,
-- whose comments say why each is there.
--
-- scans is a plain heap: the primary key (waybill_no, at_ms, device_id,
-- device_seq) is the timeline's index, (device_id, device_seq) the
-- idempotency key that scan_insert's ON CONFLICT names. Text keys are
-- COLLATE "C": byte order, as SQLite compares them, and memcmp instead of the
-- locale's collation on the hottest insert path.
--
-- Future work: DESIGN.md keeps production scans in time-partitioned tables
-- (PARTITION BY RANGE (at_ms), a month per partition, old months detached
-- to an archive). Not done here: a unique index on a partitioned table must
-- include the partition key, so (device_id, device_seq) alone could no
-- longer arbitrate duplicates across months; it needs the device's sequence
-- to carry the month, or a separate small dedup table of recent keys.
CREATE TABLE scans (
    waybill_no TEXT COLLATE "C" NOT NULL,
    parcel_no TEXT NOT NULL DEFAULT '',
    type TEXT NOT NULL,
    at_ms BIGINT NOT NULL,
    node_code TEXT NOT NULL DEFAULT '',
    operator TEXT NOT NULL DEFAULT '',
    device_id TEXT COLLATE "C" NOT NULL,
    device_seq BIGINT NOT NULL CHECK (device_seq >= 0),
    bag_no TEXT NOT NULL DEFAULT '',
    trip_no TEXT NOT NULL DEFAULT '',
    temperature_mc INTEGER,
    signer TEXT NOT NULL DEFAULT '',
    signer_type TEXT,
    consent BOOLEAN,
    reason TEXT NOT NULL DEFAULT '',
    photo TEXT NOT NULL DEFAULT '',
    received_ms BIGINT NOT NULL,
    PRIMARY KEY (waybill_no, at_ms, device_id, device_seq),
    CONSTRAINT scans_device UNIQUE (device_id, device_seq)
);

-- Keyed by the waybill number's serial, as in SQLite. public_json (1–3 KB)
-- is left to TOAST's defaults: compressed in line up to about 2 KB after
-- compression, which JSON text of this size is.
CREATE TABLE tracking (
    serial BIGINT PRIMARY KEY,
    waybill_no TEXT NOT NULL,
    has_order BOOLEAN NOT NULL,
    order_state TEXT,
    parcels INTEGER NOT NULL CHECK (parcels BETWEEN 1 AND 999),
    dest_division INTEGER NOT NULL DEFAULT 0,
    service TEXT NOT NULL DEFAULT '',
    last4_sender TEXT NOT NULL DEFAULT '',
    last4_recipient TEXT NOT NULL DEFAULT '',
    created_ms BIGINT NOT NULL DEFAULT 0,
    promised_ms BIGINT NOT NULL DEFAULT 0,
    status TEXT NOT NULL,
    events INTEGER NOT NULL DEFAULT 0,
    last_event_ms BIGINT NOT NULL DEFAULT 0,
    delivered_ms BIGINT NOT NULL DEFAULT 0,
    updated_ms BIGINT NOT NULL,
    open BOOLEAN GENERATED ALWAYS AS (
        has_order AND status NOT IN ('delivered', 'delivered_proxy', 'delivered_locker',
                                     'returned', 'cancelled')) STORED,
    public_json TEXT NOT NULL
);
-- serial in the key gives tracking_list_stale its whole order from the index
-- (SQLite's index carries the rowid for that).
CREATE INDEX tracking_stale ON tracking (GREATEST(last_event_ms, created_ms), serial) WHERE open;
