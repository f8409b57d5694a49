-- 007_notify (PostgreSQL): customers' webhook subscriptions, the deliveries
-- queued for them with the log of every attempt, and the outbox of SMS and
-- e-mail notices (docs/operations.md "Notifications"). The same tables and
-- columns exist in migrations/sqlite/007_notify.sql, whose comments explain
-- them; conventions as in 001 (BIGSERIAL ids, BIGINT epoch milliseconds).
--
-- Several servers share a PostgreSQL database, and each runs a notification
-- worker: a claim selects due rows FOR UPDATE SKIP LOCKED, so two workers
-- polling at once take different rows and neither waits for the other.

CREATE TABLE webhooks (
    id BIGSERIAL PRIMARY KEY,
    url TEXT NOT NULL CHECK (length(url) BETWEEN 1 AND 500),
    secret TEXT NOT NULL CHECK (length(secret) BETWEEN 16 AND 128),
    kinds INTEGER NOT NULL CHECK (kinds > 0),
    customer_code TEXT NOT NULL DEFAULT '',
    node_id BIGINT NOT NULL REFERENCES nodes (id),
    owner TEXT NOT NULL CHECK (owner <> ''),
    created_ms BIGINT NOT NULL,
    deleted_ms BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX webhooks_node ON webhooks (node_id);

CREATE TABLE webhook_deliveries (
    id BIGSERIAL PRIMARY KEY,
    webhook_id BIGINT NOT NULL REFERENCES webhooks (id),
    event_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    waybill_no TEXT NOT NULL,
    body TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'dead', 'cancelled')),
    attempts INTEGER NOT NULL DEFAULT 0,
    attempt_base INTEGER NOT NULL DEFAULT 0,
    next_at_ms BIGINT NOT NULL,
    claim TEXT NOT NULL DEFAULT '',
    last_status INTEGER NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    created_ms BIGINT NOT NULL,
    done_ms BIGINT NOT NULL DEFAULT 0,
    UNIQUE (webhook_id, event_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_at_ms, id)
    WHERE state = 'pending';
CREATE INDEX webhook_deliveries_state ON webhook_deliveries (state, id);
CREATE INDEX webhook_deliveries_waybill ON webhook_deliveries (waybill_no);
CREATE INDEX webhook_deliveries_done ON webhook_deliveries (done_ms) WHERE done_ms > 0;

CREATE TABLE webhook_attempts (
    id BIGSERIAL PRIMARY KEY,
    delivery_id BIGINT NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    attempt INTEGER NOT NULL,
    at_ms BIGINT NOT NULL,
    duration_ms INTEGER NOT NULL,
    status INTEGER NOT NULL,
    error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, attempt);

CREATE TABLE notify_outbox (
    id BIGSERIAL PRIMARY KEY,
    channel TEXT NOT NULL CHECK (channel IN ('sms', 'email')),
    event_id TEXT NOT NULL,
    waybill_no TEXT NOT NULL,
    kind TEXT NOT NULL,
    recipient TEXT NOT NULL DEFAULT '',
    subject TEXT NOT NULL DEFAULT '',
    text TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'dead', 'skipped')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_at_ms BIGINT NOT NULL,
    claim TEXT NOT NULL DEFAULT '',
    last_error TEXT NOT NULL DEFAULT '',
    created_ms BIGINT NOT NULL,
    done_ms BIGINT NOT NULL DEFAULT 0,
    UNIQUE (event_id, channel)
);
CREATE INDEX notify_outbox_due ON notify_outbox (next_at_ms, id) WHERE state = 'pending';
CREATE INDEX notify_outbox_waybill ON notify_outbox (waybill_no);
CREATE INDEX notify_outbox_done ON notify_outbox (done_ms) WHERE done_ms > 0;
