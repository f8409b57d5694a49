-- 004_areas (SQLite): which divisions each node serves, so that an order
-- from the public page belongs to the branch of its sender's area and a
-- dispatcher's automatic choice looks for couriers there first; and the
-- first answers of orders sent with an Idempotency-Key, replayed verbatim.
-- The same tables exist in migrations/pg/004_areas.sql.

CREATE TABLE node_areas (
    node_id INTEGER NOT NULL REFERENCES nodes (id),
    division TEXT NOT NULL CHECK (length(division) IN (2, 4, 6) AND division NOT GLOB '*[^0-9]*'),
    PRIMARY KEY (node_id, division)
) STRICT;
CREATE INDEX node_areas_division ON node_areas (division);

CREATE TABLE idem_answers (
    waybill_id INTEGER PRIMARY KEY REFERENCES waybills (id),
    answer TEXT NOT NULL
) STRICT;
