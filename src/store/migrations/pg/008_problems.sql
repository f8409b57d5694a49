-- 008_problems (PostgreSQL): problem parcels (问题件) opened by the
-- stale-parcel job, and return receipts (签收回单). Same tables and columns
-- as migrations/sqlite/008_problems.sql, whose comments say why each is
-- there. waybill_no columns are COLLATE "C" like scans.waybill_no: byte
-- order, as SQLite compares them.
CREATE TABLE problem_parcels (
    id BIGSERIAL PRIMARY KEY,
    waybill_no TEXT COLLATE "C" NOT NULL,
    type TEXT NOT NULL CHECK (type <> ''),
    source TEXT NOT NULL CHECK (source IN ('auto', 'staff')),
    node_id BIGINT NOT NULL REFERENCES nodes (id),
    state TEXT NOT NULL CHECK (state IN ('open', 'closed')),
    opened_ms BIGINT NOT NULL,
    opened_by BIGINT REFERENCES users (id),
    closed_ms BIGINT NOT NULL DEFAULT 0,
    closed_by BIGINT REFERENCES users (id),
    reason TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX problem_parcels_open ON problem_parcels (waybill_no, type)
    WHERE state = 'open';
CREATE INDEX problem_parcels_waybill ON problem_parcels (waybill_no, type, id);
CREATE INDEX problem_parcels_state ON problem_parcels (state, id);

CREATE TABLE return_receipts (
    waybill_no TEXT COLLATE "C" PRIMARY KEY,
    node_id BIGINT NOT NULL REFERENCES nodes (id),
    state TEXT NOT NULL CHECK (state IN ('required', 'collected', 'sent_back', 'returned')),
    required_ms BIGINT NOT NULL,
    collected_ms BIGINT NOT NULL DEFAULT 0,
    collected_node TEXT NOT NULL DEFAULT '',
    collected_by TEXT NOT NULL DEFAULT '',
    sent_back_ms BIGINT NOT NULL DEFAULT 0,
    sent_back_node TEXT NOT NULL DEFAULT '',
    sent_back_by TEXT NOT NULL DEFAULT '',
    return_waybill_no TEXT NOT NULL DEFAULT '',
    returned_ms BIGINT NOT NULL DEFAULT 0,
    returned_node TEXT NOT NULL DEFAULT '',
    returned_by TEXT NOT NULL DEFAULT '',
    updated_ms BIGINT NOT NULL
);
CREATE INDEX return_receipts_pending ON return_receipts (state, waybill_no)
    WHERE state <> 'returned';

CREATE INDEX waybills_promised ON waybills (promised_delivery_ms, id);
