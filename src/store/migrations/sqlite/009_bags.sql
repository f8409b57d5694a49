-- 009_bags (SQLite): bags (集包) and what they hold, and bag events (a scan
-- that names only a bag) (docs/tracking.md "Bags"). Conventions as in 001;
-- the same tables and columns exist in migrations/pg/009_bags.sql.
--
-- A bag is known from its first bag scan. node_code is where it was last
-- (re)filled: the node of the bag scan that found it not open. state is
-- 'open' while parcels go in, 'sealed' after its first bag event (it has
-- left the bagging station), 'opened' after an unbag of the whole bag; a
-- bag scan into an opened bag opens it again (bag labels are reused).
-- first_ms and last_ms are the event times of its first and latest event.
CREATE TABLE bags (
    bag_no TEXT PRIMARY KEY,
    node_code TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL CHECK (state IN ('open', 'sealed', 'opened')),
    first_ms INTEGER NOT NULL,
    last_ms INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- What went into a bag and when it came out: one row per stay, removed_ms
-- NULL while the parcel is inside. parcel_no '' is a whole waybill (a
-- bag scan naming only the waybill). The contents "as of" a time T are the
-- rows with added_ms <= T and (removed_ms NULL or > T), so an event that
-- arrives late still expands to what the bag held when it happened.
-- bag_contents_parcel finds the stay of a parcel in whatever bag (a parcel
-- put into another bag leaves the first one).
CREATE TABLE bag_contents (
    id INTEGER PRIMARY KEY,
    bag_no TEXT NOT NULL REFERENCES bags (bag_no),
    waybill_no TEXT NOT NULL,
    parcel_no TEXT NOT NULL DEFAULT '',
    added_ms INTEGER NOT NULL,
    removed_ms INTEGER
) STRICT;
CREATE INDEX bag_contents_bag ON bag_contents (bag_no, added_ms);
CREATE INDEX bag_contents_parcel ON bag_contents (waybill_no, parcel_no) WHERE removed_ms IS NULL;

-- A scan that names only a bag, stored once: (device_id, device_seq) is its
-- idempotency key, as for scans. Its expansion into one scan per content
-- uses device_id 'bag/<bag_no>' and device_seq id * 10000 + the content's
-- index, so the expanded scans are idempotent through the scans' own key
-- and never collide with a device's. expanded is how many scans it made.
-- type is a core/scan.def name; the other columns are those of scans.
CREATE TABLE bag_events (
    id INTEGER PRIMARY KEY,
    bag_no TEXT NOT NULL REFERENCES bags (bag_no),
    type TEXT NOT NULL,
    at_ms INTEGER NOT NULL,
    node_code TEXT NOT NULL DEFAULT '',
    operator TEXT NOT NULL DEFAULT '',
    device_id TEXT NOT NULL,
    device_seq INTEGER NOT NULL CHECK (device_seq >= 0),
    trip_no TEXT NOT NULL DEFAULT '',
    reason TEXT NOT NULL DEFAULT '',
    expanded INTEGER NOT NULL DEFAULT 0,
    received_ms INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX bag_events_device ON bag_events (device_id, device_seq);
CREATE INDEX bag_events_bag ON bag_events (bag_no, at_ms);
