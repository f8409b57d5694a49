-- 007_notify (SQLite): customers' webhook subscriptions, the deliveries
-- queued for them with the log of every attempt, and the outbox of SMS and
-- e-mail notices (docs/operations.md "Notifications"). The same tables
-- exist in migrations/pg/007_notify.sql.
--
-- Work queues. webhook_deliveries and notify_outbox are queues worked by
-- the notification worker of `parceldesk serve` (src/http/notify.c): a row
-- is due when state is 'pending' and next_at_ms has passed. A claim moves
-- next_at_ms to the end of a lease and stamps claim with a random token, so
-- a server that dies mid-send leaves the row due again when the lease ends;
-- only the holder of the token records the outcome. The partial indexes
-- hold exactly the pending rows, so finding due work stays cheap however
-- many finished rows the tables keep.

-- Subscriptions. kinds is a bit mask of the event kinds of
-- src/http/notify.h (1 = every status change). node_id scopes a
-- subscription to the waybills of that node's subtree; owner is who made
-- it: "u:<user id>" or "k:<API key id>", and a key's subscription sees only
-- the waybills that key created (as GET /api/v1/waybills/{no} does).
-- customer_code '' means every customer. The secret is kept as given: the
-- worker needs it to sign each body; the API never returns it. Deleting
-- sets deleted_ms (0 = active), so that old deliveries keep their
-- subscription for the log.
CREATE TABLE webhooks (
    id INTEGER PRIMARY KEY,
    url TEXT NOT NULL CHECK (length(url) BETWEEN 1 AND 500),
    secret TEXT NOT NULL CHECK (length(secret) BETWEEN 16 AND 128),
    kinds INTEGER NOT NULL CHECK (kinds > 0),
    customer_code TEXT NOT NULL DEFAULT '',
    node_id INTEGER NOT NULL REFERENCES nodes (id),
    owner TEXT NOT NULL CHECK (owner <> ''),
    created_ms INTEGER NOT NULL,
    deleted_ms INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX webhooks_node ON webhooks (node_id);

-- One delivery per subscription and event: body is the exact JSON text that
-- is signed and sent, every time it is retried. attempt_base is the number
-- of attempts made when the delivery was last revived from the dead-letter
-- list: the retry budget counts from there.
CREATE TABLE webhook_deliveries (
    id INTEGER PRIMARY KEY,
    webhook_id INTEGER NOT NULL REFERENCES webhooks (id),
    event_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    waybill_no TEXT NOT NULL,
    body TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'dead', 'cancelled')),
    attempts INTEGER NOT NULL DEFAULT 0,
    attempt_base INTEGER NOT NULL DEFAULT 0,
    next_at_ms INTEGER NOT NULL,
    claim TEXT NOT NULL DEFAULT '',
    last_status INTEGER NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    created_ms INTEGER NOT NULL,
    done_ms INTEGER NOT NULL DEFAULT 0,
    UNIQUE (webhook_id, event_id)
) STRICT;
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_at_ms, id)
    WHERE state = 'pending';
CREATE INDEX webhook_deliveries_state ON webhook_deliveries (state, id);
CREATE INDEX webhook_deliveries_waybill ON webhook_deliveries (waybill_no);
CREATE INDEX webhook_deliveries_done ON webhook_deliveries (done_ms) WHERE done_ms > 0;

-- Every attempt: the HTTP status (0 when no answer came) or the error, and
-- how long it took. Deleted with its delivery.
CREATE TABLE webhook_attempts (
    id INTEGER PRIMARY KEY,
    delivery_id INTEGER NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    attempt INTEGER NOT NULL,
    at_ms INTEGER NOT NULL,
    duration_ms INTEGER NOT NULL,
    status INTEGER NOT NULL,
    error TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, attempt);

-- SMS and e-mail notices. The recipient is not copied here when the notice
-- is queued: the worker reads it from the waybill when it sends, so personal
-- data lives in one place until a message actually goes out.
CREATE TABLE notify_outbox (
    id INTEGER PRIMARY KEY,
    channel TEXT NOT NULL CHECK (channel IN ('sms', 'email')),
    event_id TEXT NOT NULL,
    waybill_no TEXT NOT NULL,
    kind TEXT NOT NULL,
    recipient TEXT NOT NULL DEFAULT '',
    subject TEXT NOT NULL DEFAULT '',
    text TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'dead', 'skipped')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_at_ms INTEGER NOT NULL,
    claim TEXT NOT NULL DEFAULT '',
    last_error TEXT NOT NULL DEFAULT '',
    created_ms INTEGER NOT NULL,
    done_ms INTEGER NOT NULL DEFAULT 0,
    UNIQUE (event_id, channel)
) STRICT;
CREATE INDEX notify_outbox_due ON notify_outbox (next_at_ms, id) WHERE state = 'pending';
CREATE INDEX notify_outbox_waybill ON notify_outbox (waybill_no);
CREATE INDEX notify_outbox_done ON notify_outbox (done_ms) WHERE done_ms > 0;
