-- 002_orders (PostgreSQL): customers, waybills (运单) with their parcels, the
-- serial sequence that numbers them, pickup tasks and pickup inspections.
-- Conventions as in 001: ids BIGSERIAL; times BIGINT UTC epoch
-- milliseconds; money BIGINT fen; weights grams; booleans BOOLEAN. The same
-- tables and columns exist in migrations/sqlite/002_orders.sql.
--
-- Optional references (a walk-in order has no customer, an unassigned one
-- no courier, a public order no creating user) are NULL, never 0, so that
-- the foreign keys hold; the store reads NULL back as 0. JSON is kept as
-- TEXT, byte for byte as written (jsonb would reorder and reformat it).

-- Contract customers (协议客户). contract is the JSON text of the contract
-- rate, NULL for a customer on the public rate card. code is COLLATE "C" so
-- that customer_list orders codes byte for byte, as SQLite does, from the
-- unique index.
CREATE TABLE customers (
    id BIGSERIAL PRIMARY KEY,
    code TEXT COLLATE "C" NOT NULL UNIQUE,
    name TEXT NOT NULL,
    phone TEXT NOT NULL DEFAULT '',
    node_id BIGINT NOT NULL REFERENCES nodes (id),
    monthly BOOLEAN NOT NULL DEFAULT FALSE,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    contract TEXT,
    created_ms BIGINT NOT NULL
);
CREATE INDEX customers_node ON customers (node_id);

-- The waybill serial. A sequence never hands one value out twice, whatever
-- the concurrency; a rolled-back insert leaves a gap, which is fine (numbers
-- must be unique, not dense). It stops at the last 12-digit serial.
CREATE SEQUENCE waybill_serial_seq AS BIGINT
    MINVALUE 1 MAXVALUE 999999999999 START 1 NO CYCLE;

-- Waybills. Columns hold what is searched, scoped, counted or changed by
-- state moves; doc, quote and review are JSON texts kept verbatim. state is
-- the name from core/order_lifecycle.def so the table reads on its own; no
-- CHECK, as in the SQLite schema (the store refuses a name it does not know
-- when reading). version is the optimistic lock of waybill_update.
CREATE TABLE waybills (
    id BIGSERIAL PRIMARY KEY,
    waybill_no TEXT NOT NULL UNIQUE,
    state TEXT NOT NULL,
    channel TEXT NOT NULL,
    service TEXT NOT NULL,
    payment TEXT NOT NULL,
    node_id BIGINT NOT NULL REFERENCES nodes (id),
    customer_id BIGINT REFERENCES customers (id),
    customer_ref TEXT NOT NULL DEFAULT '',
    sender_phone TEXT NOT NULL DEFAULT '',
    recipient_phone TEXT NOT NULL DEFAULT '',
    origin_division INTEGER NOT NULL DEFAULT 0,
    dest_division INTEGER NOT NULL DEFAULT 0,
    weight_g BIGINT NOT NULL DEFAULT 0,
    chargeable_weight_g BIGINT NOT NULL DEFAULT 0,
    total_fen BIGINT NOT NULL DEFAULT 0,
    cod_fen BIGINT NOT NULL DEFAULT 0,
    declared_value_fen BIGINT NOT NULL DEFAULT 0,
    parcels INTEGER NOT NULL CHECK (parcels BETWEEN 1 AND 999),
    pickup_from_ms BIGINT NOT NULL DEFAULT 0,
    pickup_to_ms BIGINT NOT NULL DEFAULT 0,
    promised_pickup_ms BIGINT NOT NULL DEFAULT 0,
    promised_delivery_ms BIGINT NOT NULL DEFAULT 0,
    fingerprint TEXT NOT NULL DEFAULT '',
    idem_actor TEXT NOT NULL DEFAULT '',
    idem_key TEXT NOT NULL DEFAULT '',
    idem_hash TEXT NOT NULL DEFAULT '',
    courier_id BIGINT REFERENCES users (id),
    created_by BIGINT REFERENCES users (id),
    created_ms BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    doc TEXT NOT NULL DEFAULT '{}',
    quote TEXT NOT NULL DEFAULT '{}',
    review TEXT NOT NULL DEFAULT '[]'
);
-- One waybill per Idempotency-Key and caller; requests without a key are
-- not indexed. waybill_insert names this index in its ON CONFLICT clause.
CREATE UNIQUE INDEX waybills_idem ON waybills (idem_actor, idem_key) WHERE idem_key <> '';
-- The list filters. Each ends in id so that a filtered list reads newest
-- first straight from its index (keyset: id < before_id).
CREATE INDEX waybills_node ON waybills (node_id, id);
CREATE INDEX waybills_created ON waybills (created_ms, id);
CREATE INDEX waybills_sender_phone ON waybills (sender_phone, id);
CREATE INDEX waybills_recipient_phone ON waybills (recipient_phone, id);
CREATE INDEX waybills_customer_ref ON waybills (customer_ref, id);
CREATE INDEX waybills_customer ON waybills (customer_id, id);
CREATE INDEX waybills_courier ON waybills (courier_id, id);
CREATE INDEX waybills_state ON waybills (state, id);
CREATE INDEX waybills_fingerprint ON waybills (fingerprint, created_ms);

-- Parcels (件): a one-parcel waybill has one row numbered like the waybill;
-- parcel k of a multi-parcel one carries the master number, k and its own
-- check digit (core/waybill_no.h).
CREATE TABLE parcels (
    id BIGSERIAL PRIMARY KEY,
    waybill_id BIGINT NOT NULL REFERENCES waybills (id),
    parcel_no TEXT NOT NULL UNIQUE,
    seq INTEGER NOT NULL CHECK (seq BETWEEN 1 AND 999),
    weight_g BIGINT NOT NULL DEFAULT 0,
    created_ms BIGINT NOT NULL,
    UNIQUE (waybill_id, seq)
);

-- Pickup tasks (揽收任务). node_id is the courier's node (the dispatching
-- subtree); due_ms the end of the pickup window or the promised time.
CREATE TABLE pickup_tasks (
    id BIGSERIAL PRIMARY KEY,
    waybill_id BIGINT NOT NULL REFERENCES waybills (id),
    courier_id BIGINT NOT NULL REFERENCES users (id),
    node_id BIGINT NOT NULL REFERENCES nodes (id),
    area_division INTEGER NOT NULL DEFAULT 0,
    state TEXT NOT NULL CHECK (state IN ('open', 'done', 'cancelled')),
    assigned_ms BIGINT NOT NULL,
    due_ms BIGINT NOT NULL DEFAULT 0,
    done_ms BIGINT NOT NULL DEFAULT 0,
    assigned_by BIGINT REFERENCES users (id)
);
-- At most one open task per waybill: reassigning closes the old one first.
CREATE UNIQUE INDEX pickup_tasks_open ON pickup_tasks (waybill_id) WHERE state = 'open';
CREATE INDEX pickup_tasks_node_due ON pickup_tasks (node_id, due_ms, id);
-- Courier load (pickup_load) counts open tasks only: the index holds just
-- those, so its cost follows the open work, not the history.
CREATE INDEX pickup_tasks_open_courier ON pickup_tasks (courier_id) WHERE state = 'open';

-- Pickup inspections (验视): what the courier found, and the weight and fee
-- before and after re-weighing. detail is JSON text.
CREATE TABLE inspections (
    id BIGSERIAL PRIMARY KEY,
    waybill_id BIGINT NOT NULL REFERENCES waybills (id),
    inspector_id BIGINT REFERENCES users (id),
    at_ms BIGINT NOT NULL,
    goods_ok BOOLEAN NOT NULL,
    prohibited_found BOOLEAN NOT NULL,
    weight_before_g BIGINT NOT NULL DEFAULT 0,
    weight_after_g BIGINT NOT NULL DEFAULT 0,
    fee_before_fen BIGINT NOT NULL DEFAULT 0,
    fee_after_fen BIGINT NOT NULL DEFAULT 0,
    detail TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX inspections_waybill ON inspections (waybill_id, at_ms);
