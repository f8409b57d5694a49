-- 016_scan_log (PostgreSQL): the scan log, as migrations/sqlite/016_scan_log.sql
-- (which says why). On PostgreSQL the server applies scans inline by default
-- (concurrent writers, no single-writer bottleneck); the table and the store
-- operations exist on both backends so that the store contract holds on
-- both. Appends and projections take a transaction-level advisory lock
-- (pd__pg_scan_log_lock) so that a key cannot pass between the two tables
-- unseen.
CREATE TABLE scan_log (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
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
    CONSTRAINT scan_log_device UNIQUE (device_id, device_seq)
);
