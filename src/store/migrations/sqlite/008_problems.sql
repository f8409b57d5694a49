-- 008_problems (SQLite): problem parcels (问题件, DOMAIN.md §6) as the
-- stale-parcel job opens them, and return receipts (签收回单) tracked until
-- they are back with the sender (docs/tracking.md "The stale-parcel job",
-- "Return receipts"). Conventions as in 001; the same tables and columns
-- exist in migrations/pg/008_problems.sql.
--
-- Problem parcels. type is a name of core/problem.def ('no_update',
-- 'delayed'; the service-desk issue adds the other DOMAIN.md §6 types as
-- rows there), kept without a CHECK so that a new type needs no table
-- rebuild, like scans.type. source says who opened it: 'auto' (the job) or
-- 'staff'; opened_by and closed_by name the user (NULL for the system).
-- node_id is the node that should act: the node of the waybill's last scan
-- at a known node, else the order's node. reason is what opened it (for the
-- job, a one-line summary such as "48 小时无更新"), note what closed it.
-- closed_ms is 0 while open. problem_parcels_open makes "one open problem
-- of a type per waybill" a rule of the table: the job's insert names it as
-- its conflict target, so two servers running the job at once open one.
CREATE TABLE problem_parcels (
    id INTEGER PRIMARY KEY,
    waybill_no TEXT NOT NULL,
    type TEXT NOT NULL CHECK (type <> ''),
    source TEXT NOT NULL CHECK (source IN ('auto', 'staff')),
    node_id INTEGER NOT NULL REFERENCES nodes (id),
    state TEXT NOT NULL CHECK (state IN ('open', 'closed')),
    opened_ms INTEGER NOT NULL,
    opened_by INTEGER REFERENCES users (id),
    closed_ms INTEGER NOT NULL DEFAULT 0,
    closed_by INTEGER REFERENCES users (id),
    reason TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE UNIQUE INDEX problem_parcels_open ON problem_parcels (waybill_no, type)
    WHERE state = 'open';
-- Whether a waybill ever had a problem of a type (the job opens "delayed"
-- once per waybill, even after staff closed it), and a waybill's history.
CREATE INDEX problem_parcels_waybill ON problem_parcels (waybill_no, type, id);
-- The queue: newest first within a state.
CREATE INDEX problem_parcels_state ON problem_parcels (state, id);

-- Return receipts, one per waybill whose order asked for one
-- (return_receipt: true). state moves required → collected → sent_back →
-- returned, one step at a time (core/receipt.h); each step keeps its time
-- (0 until it happens), the code of the node where it happened and the
-- operator ('' until then). return_waybill_no is the number the receipt
-- travels back under, when the sender's branch gives one. node_id is the
-- order's node: the receipt is scoped like its waybill.
CREATE TABLE return_receipts (
    waybill_no TEXT PRIMARY KEY,
    node_id INTEGER NOT NULL REFERENCES nodes (id),
    state TEXT NOT NULL CHECK (state IN ('required', 'collected', 'sent_back', 'returned')),
    required_ms INTEGER NOT NULL,
    collected_ms INTEGER NOT NULL DEFAULT 0,
    collected_node TEXT NOT NULL DEFAULT '',
    collected_by TEXT NOT NULL DEFAULT '',
    sent_back_ms INTEGER NOT NULL DEFAULT 0,
    sent_back_node TEXT NOT NULL DEFAULT '',
    sent_back_by TEXT NOT NULL DEFAULT '',
    return_waybill_no TEXT NOT NULL DEFAULT '',
    returned_ms INTEGER NOT NULL DEFAULT 0,
    returned_node TEXT NOT NULL DEFAULT '',
    returned_by TEXT NOT NULL DEFAULT '',
    updated_ms INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
-- Receipts still on their way: what the overdue listing walks.
CREATE INDEX return_receipts_pending ON return_receipts (state, waybill_no)
    WHERE state <> 'returned';

-- The totally-delayed check walks waybills by promised delivery time
-- (only those promised within the job's look-back window), so that it
-- never reads the whole table.
CREATE INDEX waybills_promised ON waybills (promised_delivery_ms, id);
