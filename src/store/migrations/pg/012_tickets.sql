-- 012_tickets (PostgreSQL): the service desk (客服工单, DOMAIN.md §7, issue 5):
-- tickets with their history, the clocks as rows, the periods a ticket
-- waited for the customer, escalations and corrective actions (整改措施).
-- Conventions as in 001: ids BIGSERIAL; times BIGINT UTC epoch
-- milliseconds; booleans BOOLEAN. The same tables and columns exist in
-- migrations/sqlite/012_tickets.sql, whose comments say why each is there.
-- ticket_no and waybill_no are COLLATE "C" like scans.waybill_no: byte
-- order, as SQLite compares them.

CREATE TABLE ticket_serial (
    day TEXT PRIMARY KEY CHECK (length(day) = 8),
    last_serial BIGINT NOT NULL CHECK (last_serial >= 1)
);

CREATE TABLE tickets (
    id BIGSERIAL PRIMARY KEY,
    ticket_no TEXT COLLATE "C" NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('inquiry', 'complaint', 'suggestion', 'callback')),
    channel TEXT NOT NULL CHECK (channel <> ''),
    category TEXT NOT NULL CHECK (category <> ''),
    priority TEXT NOT NULL CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
    status TEXT NOT NULL CHECK (status IN ('new', 'investigating', 'waiting_customer', 'proposed',
                                           'resolved', 'closed')),
    node_id BIGINT NOT NULL REFERENCES nodes (id),
    waybill_no TEXT COLLATE "C" NOT NULL DEFAULT '',
    customer_id BIGINT REFERENCES customers (id),
    contact_name TEXT NOT NULL DEFAULT '',
    contact_phone TEXT NOT NULL DEFAULT '',
    phone_last4 TEXT NOT NULL DEFAULT '',
    subject TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    department TEXT NOT NULL DEFAULT '',
    responsible_id BIGINT REFERENCES users (id),
    owner_id BIGINT REFERENCES users (id),
    parent_id BIGINT REFERENCES tickets (id),
    major BOOLEAN NOT NULL DEFAULT FALSE,
    investigated BOOLEAN NOT NULL DEFAULT FALSE,
    incident_ms BIGINT NOT NULL DEFAULT 0,
    satisfaction INTEGER NOT NULL DEFAULT 0 CHECK (satisfaction BETWEEN 0 AND 5),
    satisfaction_comment TEXT NOT NULL DEFAULT '',
    satisfaction_ms BIGINT NOT NULL DEFAULT 0,
    close_reason TEXT NOT NULL DEFAULT '',
    resolved_ms BIGINT NOT NULL DEFAULT 0,
    closed_ms BIGINT NOT NULL DEFAULT 0,
    closed_by BIGINT REFERENCES users (id),
    reopened INTEGER NOT NULL DEFAULT 0 CHECK (reopened >= 0),
    created_ms BIGINT NOT NULL,
    created_by BIGINT REFERENCES users (id),
    updated_ms BIGINT NOT NULL,
    CHECK (status <> 'closed' OR closed_ms > 0)
);
CREATE INDEX tickets_status ON tickets (status, id);
CREATE INDEX tickets_node ON tickets (node_id, id);
CREATE INDEX tickets_waybill ON tickets (waybill_no, id) WHERE waybill_no <> '';
CREATE INDEX tickets_customer ON tickets (customer_id, id) WHERE customer_id IS NOT NULL;
CREATE INDEX tickets_responsible ON tickets (responsible_id, id);
CREATE INDEX tickets_owner ON tickets (owner_id, id);
CREATE INDEX tickets_parent ON tickets (parent_id) WHERE parent_id IS NOT NULL;
CREATE INDEX tickets_created ON tickets (kind, created_ms);
CREATE INDEX tickets_satisfaction ON tickets (satisfaction_ms) WHERE satisfaction > 0;

CREATE TABLE ticket_events (
    id BIGSERIAL PRIMARY KEY,
    ticket_id BIGINT NOT NULL REFERENCES tickets (id),
    at_ms BIGINT NOT NULL,
    actor_id BIGINT REFERENCES users (id),
    actor_name TEXT NOT NULL DEFAULT '',
    kind TEXT NOT NULL CHECK (kind <> ''),
    public BOOLEAN NOT NULL DEFAULT FALSE,
    text TEXT NOT NULL DEFAULT '',
    detail TEXT
);
CREATE INDEX ticket_events_ticket ON ticket_events (ticket_id, id);

CREATE TABLE ticket_pauses (
    id BIGSERIAL PRIMARY KEY,
    ticket_id BIGINT NOT NULL REFERENCES tickets (id),
    from_ms BIGINT NOT NULL,
    to_ms BIGINT NOT NULL DEFAULT 0,
    CHECK (to_ms = 0 OR to_ms > from_ms)
);
CREATE INDEX ticket_pauses_ticket ON ticket_pauses (ticket_id, from_ms);
CREATE UNIQUE INDEX ticket_pauses_open ON ticket_pauses (ticket_id) WHERE to_ms = 0;

CREATE TABLE ticket_clocks (
    id BIGSERIAL PRIMARY KEY,
    ticket_id BIGINT NOT NULL REFERENCES tickets (id),
    rule TEXT NOT NULL CHECK (rule <> ''),
    started_ms BIGINT NOT NULL,
    due_ms BIGINT NOT NULL,
    warn_ms BIGINT NOT NULL,
    base_due_ms BIGINT NOT NULL,
    held BOOLEAN NOT NULL DEFAULT FALSE,
    pausable BOOLEAN NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('running', 'met', 'stopped')),
    met_ms BIGINT NOT NULL DEFAULT 0,
    late BOOLEAN NOT NULL DEFAULT FALSE,
    escalated INTEGER NOT NULL DEFAULT 0 CHECK (escalated BETWEEN 0 AND 2),
    UNIQUE (ticket_id, rule)
);
CREATE INDEX ticket_clocks_job ON ticket_clocks (warn_ms, id)
    WHERE state = 'running' AND NOT held AND escalated < 2;
CREATE INDEX ticket_clocks_started ON ticket_clocks (started_ms);

CREATE TABLE ticket_escalations (
    id BIGSERIAL PRIMARY KEY,
    clock_id BIGINT NOT NULL REFERENCES ticket_clocks (id),
    ticket_id BIGINT NOT NULL REFERENCES tickets (id),
    level TEXT NOT NULL CHECK (level IN ('warn', 'due', 'head_office')),
    audience TEXT NOT NULL CHECK (audience IN ('responsible', 'supervisor', 'head_office')),
    user_id BIGINT REFERENCES users (id),
    node_id BIGINT REFERENCES nodes (id),
    at_ms BIGINT NOT NULL,
    due_ms BIGINT NOT NULL,
    read_ms BIGINT NOT NULL DEFAULT 0,
    read_by BIGINT REFERENCES users (id),
    UNIQUE (clock_id, level),
    CHECK (user_id IS NOT NULL OR node_id IS NOT NULL)
);
CREATE INDEX ticket_escalations_user ON ticket_escalations (user_id, id) WHERE user_id IS NOT NULL;
CREATE INDEX ticket_escalations_node ON ticket_escalations (node_id, id) WHERE node_id IS NOT NULL;

CREATE TABLE ticket_corrective_actions (
    id BIGSERIAL PRIMARY KEY,
    ticket_id BIGINT NOT NULL REFERENCES tickets (id),
    measure TEXT NOT NULL CHECK (measure <> ''),
    owner_id BIGINT NOT NULL REFERENCES users (id),
    due_ms BIGINT NOT NULL,
    created_ms BIGINT NOT NULL,
    created_by BIGINT REFERENCES users (id),
    done_ms BIGINT NOT NULL DEFAULT 0,
    evaluation TEXT NOT NULL DEFAULT ''
        CHECK (evaluation IN ('', 'effective', 'partly', 'not_effective')),
    evaluation_note TEXT NOT NULL DEFAULT '',
    evaluated_ms BIGINT NOT NULL DEFAULT 0,
    evaluated_by BIGINT REFERENCES users (id)
);
CREATE INDEX ticket_corrective_ticket ON ticket_corrective_actions (ticket_id, id);
CREATE INDEX ticket_corrective_open ON ticket_corrective_actions (due_ms, id) WHERE done_ms = 0;

INSERT INTO role_permissions (role, perm) VALUES
    ('supervisor', 'tickets.supervise'), ('manager', 'tickets.supervise'),
    ('admin', 'tickets.supervise');
