-- 012_tickets (SQLite): the service desk (客服工单, DOMAIN.md §7, issue 5):
-- tickets with their history, the handbook's and the regulation's clocks
-- as rows, the periods a ticket waited for the customer, escalations, and
-- corrective actions (整改措施). docs/service-desk.md says what the API does
-- with them. Conventions as in 001; the same tables and columns exist in
-- migrations/pg/012_tickets.sql.

-- Ticket numbers are "TS" + the China date + that day's serial (at least
-- four digits): what a caller reads out on the phone. One row per day,
-- bumped by an upsert inside the inserting transaction, as
-- special_rate_serial.
CREATE TABLE ticket_serial (
    day TEXT PRIMARY KEY CHECK (length(day) = 8),
    last_serial INTEGER NOT NULL CHECK (last_serial >= 1)
) STRICT, WITHOUT ROWID;

-- Tickets. kind, status and priority are closed lists (CHECK); category,
-- channel and department are names of core/ticket.def kept without a CHECK,
-- like scans.type, so that a new row there needs no table rebuild (the API
-- refuses unknown names). node_id is the node that owns the ticket and
-- scopes it (a transfer may move it); owner_id the first-contact owner
-- (首问责任人, the user who took it: NULL for a public-form complaint until a
-- staff member first acts on it, and never changed after); responsible_id
-- the person now handling it. contact_phone is canonical (core/phone) and
-- phone_last4 its last four digits, what the public status page checks.
-- parent_id links a callback to its complaint and a follow-up to the closed
-- ticket it continues. major: a major or over-authority incident (head
-- office is told of its late clocks); investigated: the incident is
-- basically investigated (a written claim then calls for the negotiation
-- letter, not the apology). incident_ms 0 = not recorded; satisfaction 0 =
-- none, else 1–5 (callbacks). resolved_ms, closed_ms 0 while not so.
CREATE TABLE tickets (
    id INTEGER PRIMARY KEY,
    ticket_no TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('inquiry', 'complaint', 'suggestion', 'callback')),
    channel TEXT NOT NULL CHECK (channel <> ''),
    category TEXT NOT NULL CHECK (category <> ''),
    priority TEXT NOT NULL CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
    status TEXT NOT NULL CHECK (status IN ('new', 'investigating', 'waiting_customer', 'proposed',
                                           'resolved', 'closed')),
    node_id INTEGER NOT NULL REFERENCES nodes (id),
    waybill_no TEXT NOT NULL DEFAULT '',
    customer_id INTEGER REFERENCES customers (id),
    contact_name TEXT NOT NULL DEFAULT '',
    contact_phone TEXT NOT NULL DEFAULT '',
    phone_last4 TEXT NOT NULL DEFAULT '',
    subject TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    department TEXT NOT NULL DEFAULT '',
    responsible_id INTEGER REFERENCES users (id),
    owner_id INTEGER REFERENCES users (id),
    parent_id INTEGER REFERENCES tickets (id),
    major INTEGER NOT NULL DEFAULT 0 CHECK (major IN (0, 1)),
    investigated INTEGER NOT NULL DEFAULT 0 CHECK (investigated IN (0, 1)),
    incident_ms INTEGER NOT NULL DEFAULT 0,
    satisfaction INTEGER NOT NULL DEFAULT 0 CHECK (satisfaction BETWEEN 0 AND 5),
    satisfaction_comment TEXT NOT NULL DEFAULT '',
    satisfaction_ms INTEGER NOT NULL DEFAULT 0,
    close_reason TEXT NOT NULL DEFAULT '',
    resolved_ms INTEGER NOT NULL DEFAULT 0,
    closed_ms INTEGER NOT NULL DEFAULT 0,
    closed_by INTEGER REFERENCES users (id),
    reopened INTEGER NOT NULL DEFAULT 0 CHECK (reopened >= 0),
    created_ms INTEGER NOT NULL,
    created_by INTEGER REFERENCES users (id),
    updated_ms INTEGER NOT NULL,
    CHECK (status <> 'closed' OR closed_ms > 0)
) STRICT;
-- The queue, newest first (scoped by the node's path through a join).
CREATE INDEX tickets_status ON tickets (status, id);
CREATE INDEX tickets_node ON tickets (node_id, id);
CREATE INDEX tickets_waybill ON tickets (waybill_no, id) WHERE waybill_no <> '';
CREATE INDEX tickets_customer ON tickets (customer_id, id) WHERE customer_id IS NOT NULL;
CREATE INDEX tickets_responsible ON tickets (responsible_id, id);
CREATE INDEX tickets_owner ON tickets (owner_id, id);
CREATE INDEX tickets_parent ON tickets (parent_id) WHERE parent_id IS NOT NULL;
-- Statistics count complaints by when they were opened, callbacks by when
-- the satisfaction was recorded.
CREATE INDEX tickets_created ON tickets (kind, created_ms);
CREATE INDEX tickets_satisfaction ON tickets (satisfaction_ms) WHERE satisfaction > 0;

-- The history a ticket view shows: every change, note and reply, oldest
-- first. kind: created, update, status, note (internal), reply (to the
-- customer), action, reopen, satisfaction, corrective, escalation, linked.
-- public = 1 only for what the customer may read (replies and the
-- resolution); the public status page shows nothing else. actor_id NULL and
-- actor_name '' for the system (the clock job); actor_name '客户' for the
-- public form. detail is JSON text (the fields changed, the clock met …).
CREATE TABLE ticket_events (
    id INTEGER PRIMARY KEY,
    ticket_id INTEGER NOT NULL REFERENCES tickets (id),
    at_ms INTEGER NOT NULL,
    actor_id INTEGER REFERENCES users (id),
    actor_name TEXT NOT NULL DEFAULT '',
    kind TEXT NOT NULL CHECK (kind <> ''),
    public INTEGER NOT NULL DEFAULT 0 CHECK (public IN (0, 1)),
    text TEXT NOT NULL DEFAULT '',
    detail TEXT
) STRICT;
CREATE INDEX ticket_events_ticket ON ticket_events (ticket_id, id);

-- The periods a ticket waited for the customer (status waiting_customer):
-- [from_ms, to_ms), to_ms 0 while it still waits. A ticket has at most one
-- open period (ticket_pauses_open). Pausable clocks skip these
-- (core/timelimits.h); the others run through them.
CREATE TABLE ticket_pauses (
    id INTEGER PRIMARY KEY,
    ticket_id INTEGER NOT NULL REFERENCES tickets (id),
    from_ms INTEGER NOT NULL,
    to_ms INTEGER NOT NULL DEFAULT 0,
    CHECK (to_ms = 0 OR to_ms > from_ms)
) STRICT;
CREATE INDEX ticket_pauses_ticket ON ticket_pauses (ticket_id, from_ms);
CREATE UNIQUE INDEX ticket_pauses_open ON ticket_pauses (ticket_id) WHERE to_ms = 0;

-- Clocks: one row per ticket and rule (an id of core/timelimits.def), data
-- rather than timers, so they survive a restart. started_ms is the instant
-- the rule counts from (the complaint opened, the written claim received,
-- the incident …). due_ms, warn_ms and base_due_ms are the deadline, the
-- warning point and the deadline without pauses, as last computed (at the
-- start and whenever a pause ends); held = 1 while an open pause holds a
-- pausable clock (due_ms and warn_ms are then meaningless). pausable is the
-- rule's, copied at the start. state: running, met (the step was done at
-- met_ms), stopped (the ticket closed first; met_ms = when). late: met or
-- stopped after the deadline. escalated: the escalation level reached
-- (0 none, 1 warned, 2 due), so the clock job looks at a clock only until it
-- has said everything it will.
CREATE TABLE ticket_clocks (
    id INTEGER PRIMARY KEY,
    ticket_id INTEGER NOT NULL REFERENCES tickets (id),
    rule TEXT NOT NULL CHECK (rule <> ''),
    started_ms INTEGER NOT NULL,
    due_ms INTEGER NOT NULL,
    warn_ms INTEGER NOT NULL,
    base_due_ms INTEGER NOT NULL,
    held INTEGER NOT NULL DEFAULT 0 CHECK (held IN (0, 1)),
    pausable INTEGER NOT NULL CHECK (pausable IN (0, 1)),
    state TEXT NOT NULL CHECK (state IN ('running', 'met', 'stopped')),
    met_ms INTEGER NOT NULL DEFAULT 0,
    late INTEGER NOT NULL DEFAULT 0 CHECK (late IN (0, 1)),
    escalated INTEGER NOT NULL DEFAULT 0 CHECK (escalated BETWEEN 0 AND 2),
    UNIQUE (ticket_id, rule)
) STRICT;
-- What the clock job walks: running clocks not held that still have an
-- escalation to make, by warning point (a clock is due after its warning).
CREATE INDEX ticket_clocks_job ON ticket_clocks (warn_ms, id)
    WHERE state = 'running' AND held = 0 AND escalated < 2;
CREATE INDEX ticket_clocks_started ON ticket_clocks (started_ms);

-- Escalations (超时升级): one row per clock and level (warn, due,
-- head_office), so the job says each thing once however often and on
-- however many servers it runs. audience: responsible (user_id: the
-- responsible person, else the first-contact owner), supervisor (node_id:
-- the nearest node at or above the ticket's with someone holding
-- tickets.supervise) or head_office (node_id: the root). They are the
-- notifications inbox (GET /api/v1/me/notifications); read_ms / read_by
-- when someone of the audience marked it read (0 / NULL until then).
CREATE TABLE ticket_escalations (
    id INTEGER PRIMARY KEY,
    clock_id INTEGER NOT NULL REFERENCES ticket_clocks (id),
    ticket_id INTEGER NOT NULL REFERENCES tickets (id),
    level TEXT NOT NULL CHECK (level IN ('warn', 'due', 'head_office')),
    audience TEXT NOT NULL CHECK (audience IN ('responsible', 'supervisor', 'head_office')),
    user_id INTEGER REFERENCES users (id),
    node_id INTEGER REFERENCES nodes (id),
    at_ms INTEGER NOT NULL,
    due_ms INTEGER NOT NULL,
    read_ms INTEGER NOT NULL DEFAULT 0,
    read_by INTEGER REFERENCES users (id),
    UNIQUE (clock_id, level),
    CHECK (user_id IS NOT NULL OR node_id IS NOT NULL)
) STRICT;
CREATE INDEX ticket_escalations_user ON ticket_escalations (user_id, id) WHERE user_id IS NOT NULL;
CREATE INDEX ticket_escalations_node ON ticket_escalations (node_id, id) WHERE node_id IS NOT NULL;

-- Corrective actions (整改措施) of a ticket: the measure, its owner, the
-- date it is due (the end of that day in China time, as ms), when it was
-- done (0 = not yet), and the effect evaluation ('' until evaluated:
-- effective, partly, not_effective, with a note, by whom and when).
-- Overdue = not done and past due_ms (ticket_corrective_open).
CREATE TABLE ticket_corrective_actions (
    id INTEGER PRIMARY KEY,
    ticket_id INTEGER NOT NULL REFERENCES tickets (id),
    measure TEXT NOT NULL CHECK (measure <> ''),
    owner_id INTEGER NOT NULL REFERENCES users (id),
    due_ms INTEGER NOT NULL,
    created_ms INTEGER NOT NULL,
    created_by INTEGER REFERENCES users (id),
    done_ms INTEGER NOT NULL DEFAULT 0,
    evaluation TEXT NOT NULL DEFAULT ''
        CHECK (evaluation IN ('', 'effective', 'partly', 'not_effective')),
    evaluation_note TEXT NOT NULL DEFAULT '',
    evaluated_ms INTEGER NOT NULL DEFAULT 0,
    evaluated_by INTEGER REFERENCES users (id)
) STRICT;
CREATE INDEX ticket_corrective_ticket ON ticket_corrective_actions (ticket_id, id);
CREATE INDEX ticket_corrective_open ON ticket_corrective_actions (due_ms, id) WHERE done_ms = 0;

-- Who supervises tickets: reopens them, receives the escalations addressed
-- to a node's supervisors or to head office, evaluates corrective actions.
INSERT INTO role_permissions (role, perm) VALUES
    ('supervisor', 'tickets.supervise'), ('manager', 'tickets.supervise'),
    ('admin', 'tickets.supervise');
