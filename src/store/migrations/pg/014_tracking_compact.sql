-- 014_tracking_compact (PostgreSQL): the tracking row keeps a compact
-- timeline instead of the finished public answer; the reasons are in
-- migrations/sqlite/014_tracking_compact.sql. NULL timeline = a row from
-- before, rebuilt from the order and the events when next read or scanned.
ALTER TABLE tracking DROP COLUMN public_json;
ALTER TABLE tracking ADD COLUMN timeline bytea;
ALTER TABLE tracking ADD COLUMN customer_code text NOT NULL DEFAULT '';
ALTER TABLE tracking ADD COLUMN node_path text NOT NULL DEFAULT '';
ALTER TABLE tracking ADD COLUMN created_by text NOT NULL DEFAULT '';
