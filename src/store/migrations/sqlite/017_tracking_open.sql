-- 017_tracking_open (SQLite): the generated column tracking.open without
-- NOT IN. Measured under scan ingestion (docs/tracking.md, "The scan log"):
-- SQLite evaluates a NOT IN (list of five) by building a temporary b-tree
-- of the list each time the statement runs, and every tracking UPDATE runs
-- it twice (the partial index tracking_stale tests open on the old row and
-- the new). Opening, filling and dropping those b-trees was a quarter of
-- the projector's time in tracking updates. The same test written as <>
-- comparisons costs nothing of the kind. Same meaning as in 006; the index
-- is rebuilt because it names the column.
--
-- PostgreSQL evaluates its NOT IN against a constant array in place and is
-- not changed.
DROP INDEX tracking_stale;
ALTER TABLE tracking DROP COLUMN open;
ALTER TABLE tracking ADD COLUMN open INTEGER GENERATED ALWAYS AS (
    has_order = 1 AND status <> 'delivered' AND status <> 'delivered_proxy'
    AND status <> 'delivered_locker' AND status <> 'returned' AND status <> 'cancelled') VIRTUAL;
CREATE INDEX tracking_stale ON tracking (max(last_event_ms, created_ms)) WHERE open = 1;
