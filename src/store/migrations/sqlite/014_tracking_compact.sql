-- 014_tracking_compact (SQLite): the tracking row keeps a compact timeline
-- instead of the finished public answer. Measured under scan ingestion
-- (docs/tracking.md, "Ingestion"): rewriting a 0.5–3 KB JSON answer per
-- event, after reading the order and every event of the waybill again, cost
-- about 60 µs of the single writer's time per event and one 4 KB page per
-- event; the compact row (~30 bytes per event) is updated from itself and
-- the new events alone, many rows share a page, and the public answer is
-- written from it on each read (a few µs). The same change is in
-- migrations/pg/014_tracking_compact.sql.
--
-- timeline: the encoding of http/api/tracking_build.c (version byte first).
-- NULL on rows written before this migration: the server rebuilds such a
-- row from the order and the events the first time it is read or scanned.
-- customer_code, node_path, created_by: what a notice about the waybill
-- needs (webhook matching, scope), so that a scan never reads the order.
ALTER TABLE tracking DROP COLUMN public_json;
ALTER TABLE tracking ADD COLUMN timeline BLOB;
ALTER TABLE tracking ADD COLUMN customer_code TEXT NOT NULL DEFAULT '';
ALTER TABLE tracking ADD COLUMN node_path TEXT NOT NULL DEFAULT '';
ALTER TABLE tracking ADD COLUMN created_by TEXT NOT NULL DEFAULT '';
