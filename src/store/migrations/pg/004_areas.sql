-- 004_areas (PostgreSQL): which divisions each node serves, and the first
-- answers of orders sent with an Idempotency-Key. Same tables as
-- migrations/sqlite/004_areas.sql.

CREATE TABLE node_areas (
    node_id BIGINT NOT NULL REFERENCES nodes (id),
    division TEXT NOT NULL CHECK (length(division) IN (2, 4, 6) AND division ~ '^[0-9]+$'),
    PRIMARY KEY (node_id, division)
);
CREATE INDEX node_areas_division ON node_areas (division);

CREATE TABLE idem_answers (
    waybill_id BIGINT PRIMARY KEY REFERENCES waybills (id),
    answer TEXT NOT NULL
);
