-- 016_scan_log (SQLite): the scan log, where device scans wait, durably
-- stored and acknowledged, until the projector moves them into scans and
-- the tracking rows (docs/tracking.md, "The scan log").
--
-- Why: scans is clustered by waybill and tracking keyed by the number, so a
-- stream of events for waybills in random order dirties about two random
-- 4 KB pages per event; written at every commit, that bounded ingestion at
-- ~27,000 events/s on this project's machine. Appending to this table
-- touches only its last pages and the hot end of each device's sequence in
-- scan_log_device, and the projector applies thousands of events in one
-- transaction, where a page shared by many of them is written once.
--
-- Columns as scans (006), plus id: the order of arrival. AUTOINCREMENT so
-- that an id is never given twice even after the log was emptied: the
-- server compares ids with how far it has projected. (device_id,
-- device_seq) is unique here as in scans; the append refuses a key present
-- in either table, and the one writer (or PostgreSQL's advisory lock)
-- keeps the two from racing.
CREATE TABLE scan_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    waybill_no TEXT NOT NULL,
    parcel_no TEXT NOT NULL DEFAULT '',
    type TEXT NOT NULL,
    at_ms INTEGER NOT NULL,
    node_code TEXT NOT NULL DEFAULT '',
    operator TEXT NOT NULL DEFAULT '',
    device_id TEXT NOT NULL,
    device_seq INTEGER NOT NULL CHECK (device_seq >= 0),
    bag_no TEXT NOT NULL DEFAULT '',
    trip_no TEXT NOT NULL DEFAULT '',
    temperature_mc INTEGER,
    signer TEXT NOT NULL DEFAULT '',
    signer_type TEXT,
    consent INTEGER CHECK (consent IN (0, 1)),
    reason TEXT NOT NULL DEFAULT '',
    photo TEXT NOT NULL DEFAULT '',
    received_ms INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX scan_log_device ON scan_log (device_id, device_seq);

-- scans itself in the order of arrival: a rowid table with the waybill's
-- events found through the index scans_waybill, instead of a table
-- clustered by waybill. The projector writes scans in transactions of
-- thousands of events for random waybills; a clustered row (~150 bytes)
-- lands on a random page of the largest table, an index entry (~30 bytes)
-- on a random page of a tree five times smaller, so such a transaction
-- writes far fewer pages (docs/tracking.md, "The scan log", has the
-- figures). A waybill's timeline is one index range plus a point read per
-- event. The rows keep their content; their ids follow the time they were
-- received.
CREATE TABLE scans_by_arrival (
    id INTEGER PRIMARY KEY,
    waybill_no TEXT NOT NULL,
    parcel_no TEXT NOT NULL DEFAULT '',
    type TEXT NOT NULL,
    at_ms INTEGER NOT NULL,
    node_code TEXT NOT NULL DEFAULT '',
    operator TEXT NOT NULL DEFAULT '',
    device_id TEXT NOT NULL,
    device_seq INTEGER NOT NULL CHECK (device_seq >= 0),
    bag_no TEXT NOT NULL DEFAULT '',
    trip_no TEXT NOT NULL DEFAULT '',
    temperature_mc INTEGER,
    signer TEXT NOT NULL DEFAULT '',
    signer_type TEXT,
    consent INTEGER CHECK (consent IN (0, 1)),
    reason TEXT NOT NULL DEFAULT '',
    photo TEXT NOT NULL DEFAULT '',
    received_ms INTEGER NOT NULL
) STRICT;
INSERT INTO scans_by_arrival (waybill_no, parcel_no, type, at_ms, node_code, operator, device_id,
                              device_seq, bag_no, trip_no, temperature_mc, signer, signer_type,
                              consent, reason, photo, received_ms)
    SELECT waybill_no, parcel_no, type, at_ms, node_code, operator, device_id, device_seq, bag_no,
           trip_no, temperature_mc, signer, signer_type, consent, reason, photo, received_ms
    FROM scans ORDER BY received_ms, waybill_no, at_ms, device_id, device_seq;
DROP TABLE scans;
ALTER TABLE scans_by_arrival RENAME TO scans;
CREATE UNIQUE INDEX scans_device ON scans (device_id, device_seq);
CREATE INDEX scans_waybill ON scans (waybill_no, at_ms);
-- As in 013_service and 015_trips (dropped with the old table).
CREATE INDEX scans_exceptions ON scans (received_ms, device_id, device_seq)
    WHERE type = 'exception';
CREATE INDEX scans_trip ON scans (trip_no) WHERE trip_no <> '';
