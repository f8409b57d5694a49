-- 003_special_rates (PostgreSQL): special rates (特殊费率申请), one service
-- × zone freight cell for one customer, applied for by an account manager
-- and decided by someone else, and the per-day counter that numbers them.
-- Conventions as in 001: ids BIGSERIAL; times BIGINT UTC epoch
-- milliseconds; money BIGINT fen; weights grams. The same tables and
-- columns exist in migrations/sqlite/003_special_rates.sql.
--
-- Optional references (nobody has decided yet, nobody has revoked) are
-- NULL, never 0, so that the foreign keys hold; the store reads NULL as 0.

-- Approval numbers are "SR" + the China date + that day's serial. One row
-- per day, bumped with INSERT … ON CONFLICT DO UPDATE inside the inserting
-- transaction: a concurrent applicant waits on the row lock and then bumps
-- the committed value, so no serial is handed out twice.
CREATE TABLE special_rate_serial (
    day TEXT PRIMARY KEY CHECK (length(day) = 8),
    last_serial BIGINT NOT NULL CHECK (last_serial >= 1)
);

-- The applications. The customer's node is not copied here: scoping joins
-- the customer, so a customer moved to another branch takes its rates
-- along. service and zone are core/tariff.h codes; the cell columns hold
-- the tariff's bounds again so that no stored rate can overflow a quote.
-- decided_* record the approval or rejection, revoked_* a later
-- revocation, so revoking keeps who approved.
CREATE TABLE special_rates (
    id BIGSERIAL PRIMARY KEY,
    approval_no TEXT NOT NULL UNIQUE,
    state TEXT NOT NULL CHECK (state IN ('pending', 'approved', 'rejected', 'revoked')),
    customer_id BIGINT NOT NULL REFERENCES customers (id),
    service TEXT NOT NULL,
    zone TEXT NOT NULL,
    first_weight_g INTEGER NOT NULL CHECK (first_weight_g BETWEEN 100 AND 1000000),
    additional_step_g INTEGER NOT NULL CHECK (additional_step_g BETWEEN 100 AND 1000000),
    first_fee_fen BIGINT NOT NULL CHECK (first_fee_fen BETWEEN 0 AND 1000000),
    additional_fee_fen BIGINT NOT NULL CHECK (additional_fee_fen BETWEEN 0 AND 1000000),
    valid_from_ms BIGINT NOT NULL,
    valid_to_ms BIGINT NOT NULL DEFAULT 0,
    reason TEXT NOT NULL,
    applied_by BIGINT REFERENCES users (id),
    applied_ms BIGINT NOT NULL,
    decided_by BIGINT REFERENCES users (id),
    decided_ms BIGINT NOT NULL DEFAULT 0,
    decision_note TEXT NOT NULL DEFAULT '',
    revoked_by BIGINT REFERENCES users (id),
    revoked_ms BIGINT NOT NULL DEFAULT 0,
    revoke_note TEXT NOT NULL DEFAULT ''
);
-- The list filters, newest first (keyset: id < before_id).
CREATE INDEX special_rates_customer ON special_rates (customer_id, id);
CREATE INDEX special_rates_state ON special_rates (state, id);
