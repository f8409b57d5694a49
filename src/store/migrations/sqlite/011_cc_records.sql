-- 011_cc_records (SQLite): the call centre's own records (DOMAIN.md §10,
-- issue 6): the roster of agents as the telephone system names them, the
-- quality-monitoring forms (监听) and the scores supervisors fill with them,
-- shift schedules with their attendance (出勤), and cost entries for the cost
-- per call (单呼成本); plus the indexes the screen pop and the waybill
-- accuracy figure read through. Conventions as in 001; the same tables and
-- columns exist in migrations/pg/011_cc_records.sql. docs/callcenter.md
-- describes the rules the API enforces on top of these checks.

-- The roster. agent is the name the queue log writes ("Agent/1001",
-- "SIP/201"), unique: it is the key part A's indicators are merged on.
-- user_id maps it to a ParcelDesk user (NULL while unmapped). queues holds
-- the queue names it serves separated by single spaces (names are checked to
-- be [A-Za-z0-9_.-]): the roster is tens to hundreds of rows, read whole, so
-- a join table would buy nothing. start_ms and leave_ms are the first day
-- employed and the day the agent left (no longer employed from then on),
-- each as the start of that day in China time; leave_ms 0 = still here.
CREATE TABLE cc_agents (
    id INTEGER PRIMARY KEY,
    agent TEXT NOT NULL UNIQUE CHECK (agent <> ''),
    user_id INTEGER REFERENCES users (id),
    node_id INTEGER NOT NULL REFERENCES nodes (id),
    queues TEXT NOT NULL DEFAULT '',
    start_ms INTEGER NOT NULL,
    leave_ms INTEGER NOT NULL DEFAULT 0,
    created_ms INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL,
    CHECK (leave_ms = 0 OR leave_ms >= start_ms)
) STRICT;
CREATE INDEX cc_agents_user ON cc_agents (user_id);
CREATE INDEX cc_agents_node ON cc_agents (node_id);

-- QA forms (监听评分表), versioned: a change is a new row with the next
-- version of the same code, so a score always names the exact items it was
-- given against. items is JSON text, an array of
-- {"key","label","weight","max_score"}; the handler checks that the weights
-- sum to 100 before storing.
CREATE TABLE cc_qa_forms (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL CHECK (code <> ''),
    version INTEGER NOT NULL CHECK (version >= 1),
    name TEXT NOT NULL,
    items TEXT NOT NULL,
    created_by INTEGER REFERENCES users (id),
    created_ms INTEGER NOT NULL,
    UNIQUE (code, version)
) STRICT;

-- Filled forms. score_x100 is the weighted score 0–100 in hundredths
-- (sum of weight × score ÷ max_score over the items), computed when filled;
-- items the per-item scores as JSON text [{"key","score"}]. A score names
-- the monitored call (the queue log's call id), the waybill, or both.
CREATE TABLE cc_qa_scores (
    id INTEGER PRIMARY KEY,
    form_id INTEGER NOT NULL REFERENCES cc_qa_forms (id),
    agent_id INTEGER NOT NULL REFERENCES cc_agents (id),
    supervisor_id INTEGER REFERENCES users (id),
    call_id TEXT NOT NULL DEFAULT '',
    waybill_no TEXT NOT NULL DEFAULT '',
    score_x100 INTEGER NOT NULL CHECK (score_x100 BETWEEN 0 AND 10000),
    items TEXT NOT NULL,
    comment TEXT NOT NULL DEFAULT '',
    created_ms INTEGER NOT NULL,
    CHECK (call_id <> '' OR waybill_no <> '')
) STRICT;
CREATE INDEX cc_qa_scores_agent ON cc_qa_scores (agent_id, created_ms);
CREATE INDEX cc_qa_scores_created ON cc_qa_scores (created_ms);

-- Shifts (排班): one agent, one node, [start_ms, end_ms). Shifts of one agent
-- never overlap; the store checks that under the agent's row lock (the
-- PostgreSQL backend) or the single writer (here) before inserting.
CREATE TABLE cc_shifts (
    id INTEGER PRIMARY KEY,
    agent_id INTEGER NOT NULL REFERENCES cc_agents (id),
    node_id INTEGER NOT NULL REFERENCES nodes (id),
    start_ms INTEGER NOT NULL,
    end_ms INTEGER NOT NULL,
    created_by INTEGER REFERENCES users (id),
    created_ms INTEGER NOT NULL,
    CHECK (end_ms > start_ms),
    -- at most a day: the overlap check reads back only a day before the new
    -- shift's start.
    CHECK (end_ms - start_ms <= 86400000)
) STRICT;
CREATE INDEX cc_shifts_agent ON cc_shifts (agent_id, start_ms);
CREATE INDEX cc_shifts_start ON cc_shifts (start_ms);

-- Attendance (考勤): at most one record per shift, replaced when corrected.
-- present: clock_in_ms required, clock_out_ms 0 until the agent clocks out,
-- late_min the whole minutes after the shift's start (0 when on time);
-- absent: a reason, no times.
CREATE TABLE cc_attendance (
    shift_id INTEGER PRIMARY KEY REFERENCES cc_shifts (id),
    status TEXT NOT NULL CHECK (status IN ('present', 'absent')),
    clock_in_ms INTEGER NOT NULL DEFAULT 0,
    clock_out_ms INTEGER NOT NULL DEFAULT 0,
    late_min INTEGER NOT NULL DEFAULT 0 CHECK (late_min >= 0),
    reason TEXT NOT NULL DEFAULT '',
    recorded_by INTEGER REFERENCES users (id),
    recorded_ms INTEGER NOT NULL,
    CHECK (status = 'absent' OR clock_in_ms > 0),
    CHECK (status = 'present' OR reason <> ''),
    CHECK (clock_out_ms = 0 OR clock_out_ms > clock_in_ms)
) STRICT;

-- Cost entries (成本): an amount spent over [from_ms, to_ms), for the whole
-- call centre (queue '') or one queue. Cost per call prorates each entry by
-- how much of it falls in the period asked for.
CREATE TABLE cc_costs (
    id INTEGER PRIMARY KEY,
    node_id INTEGER NOT NULL REFERENCES nodes (id),
    queue TEXT NOT NULL DEFAULT '',
    from_ms INTEGER NOT NULL,
    to_ms INTEGER NOT NULL,
    amount_fen INTEGER NOT NULL CHECK (amount_fen >= 0),
    category TEXT NOT NULL CHECK (category IN ('staff', 'telecom', 'equipment', 'premises',
                                               'outsourcing', 'other')),
    note TEXT NOT NULL DEFAULT '',
    created_by INTEGER REFERENCES users (id),
    created_ms INTEGER NOT NULL,
    CHECK (to_ms > from_ms)
) STRICT;
CREATE INDEX cc_costs_period ON cc_costs (from_ms);

-- The screen pop finds the caller's customer by phone while the phone
-- rings: customers had no index on it (002 indexes the waybills' phones).
CREATE INDEX customers_phone ON customers (phone);
-- Waybill accuracy counts the orders each agent's user entered in a period.
CREATE INDEX waybills_created_by ON waybills (created_by, created_ms);

-- 呼叫中心管理 (roster, shifts, attendance, costs) and 呼叫中心质检 (QA forms
-- and scores), src/core/org.def CALLCENTER_MANAGE and CALLCENTER_QA. The
-- administrator role holds every permission; supervisors run the floor and
-- monitor calls; managers manage it but do not score calls.
INSERT INTO role_permissions (role, perm) VALUES
    ('admin', 'callcenter.manage'), ('manager', 'callcenter.manage'),
    ('supervisor', 'callcenter.manage'),
    ('admin', 'callcenter.qa'), ('supervisor', 'callcenter.qa');
