-- 001_foundation (SQLite): the organisation (network nodes, user accounts),
-- login sessions, API keys, the audit log and the role → permission matrix.
-- Conventions: ids INTEGER PRIMARY KEY; times UTC epoch milliseconds;
-- booleans 0/1; tables STRICT so a value of the wrong type is refused.
-- The same tables and columns exist in migrations/pg/001_foundation.sql.

-- migrate.c creates this before running anything; IF NOT EXISTS keeps both
-- in step.
CREATE TABLE IF NOT EXISTS schema_version (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_ms BIGINT NOT NULL
);

-- The network tree. path is the materialised path of ids from the root,
-- "/1/4/9/", computed by node_insert; subtree queries are byte ranges on it.
CREATE TABLE nodes (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    type TEXT NOT NULL CHECK (type IN ('head_office', 'branch_l1', 'branch_l2', 'branch_l3',
                                       'outlet', 'sorting_centre')),
    parent_id INTEGER REFERENCES nodes (id),
    path TEXT NOT NULL UNIQUE CHECK (path LIKE '/%/'),
    region TEXT NOT NULL DEFAULT 'CN',
    utc_offset_min INTEGER NOT NULL DEFAULT 480,
    active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_ms INTEGER NOT NULL
) STRICT;
CREATE INDEX nodes_parent ON nodes (parent_id);

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    phone TEXT NOT NULL DEFAULT '',
    role TEXT NOT NULL,
    node_id INTEGER NOT NULL REFERENCES nodes (id),
    password_hash TEXT NOT NULL DEFAULT '',
    active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until_ms INTEGER NOT NULL DEFAULT 0,
    password_changed_ms INTEGER NOT NULL DEFAULT 0,
    created_ms INTEGER NOT NULL
) STRICT;
CREATE INDEX users_node ON users (node_id);

-- Sessions are stored by the SHA-256 of their token, never the token.
CREATE TABLE sessions (
    id INTEGER PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_ms INTEGER NOT NULL,
    expires_ms INTEGER NOT NULL,
    last_seen_ms INTEGER NOT NULL,
    ip TEXT NOT NULL DEFAULT '',
    user_agent TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_ms);

-- API keys for devices and customer systems, stored by the SHA-256 of the
-- whole key. created_by is a user id, 0 when created from the command line
-- (so it carries no foreign key).
CREATE TABLE api_keys (
    id INTEGER PRIMARY KEY,
    prefix TEXT NOT NULL,
    key_hash TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    node_id INTEGER NOT NULL REFERENCES nodes (id),
    created_by INTEGER NOT NULL DEFAULT 0,
    created_ms INTEGER NOT NULL,
    revoked_ms INTEGER NOT NULL DEFAULT 0,
    last_used_ms INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX api_keys_node ON api_keys (node_id);

-- The audit log. node_id 0 means "no node" (system-wide events), so it has
-- no foreign key; node_path is the node's path copied at insert time ('' for
-- node 0) so that listing a subtree needs no join. detail is JSON text.
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at_ms INTEGER NOT NULL,
    actor_kind TEXT NOT NULL CHECK (actor_kind IN ('system', 'user', 'apikey', 'public')),
    actor_id INTEGER NOT NULL DEFAULT 0,
    actor_name TEXT NOT NULL DEFAULT '',
    action TEXT NOT NULL,
    object_type TEXT NOT NULL DEFAULT '',
    object_id TEXT NOT NULL DEFAULT '',
    node_id INTEGER NOT NULL DEFAULT 0,
    node_path TEXT NOT NULL DEFAULT '',
    ip TEXT NOT NULL DEFAULT '',
    request_id TEXT NOT NULL DEFAULT '',
    detail TEXT
) STRICT;
-- Newest first is the primary key read backwards; these serve the filters.
CREATE INDEX audit_log_object ON audit_log (object_type, object_id, id);
CREATE INDEX audit_log_actor ON audit_log (actor_id, id);
CREATE INDEX audit_log_at ON audit_log (at_ms);
CREATE INDEX audit_log_node_path ON audit_log (node_path, id);

-- Append-only: nothing may change or remove an entry.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;

-- Which role holds which permission (names from src/core/org.def). Data, not
-- code: administrators edit it; this is the default matrix.
CREATE TABLE role_permissions (
    role TEXT NOT NULL,
    perm TEXT NOT NULL,
    PRIMARY KEY (role, perm)
) STRICT, WITHOUT ROWID;

INSERT INTO role_permissions (role, perm) VALUES
    -- agent
    ('agent', 'me'), ('agent', 'nodes.read'), ('agent', 'tracking.read'),
    ('agent', 'orders.create'), ('agent', 'orders.read'), ('agent', 'quotes'),
    ('agent', 'tickets.read'), ('agent', 'tickets.write'), ('agent', 'personal_data.read'),
    -- inquiry_clerk
    ('inquiry_clerk', 'me'), ('inquiry_clerk', 'nodes.read'),
    ('inquiry_clerk', 'tracking.read'), ('inquiry_clerk', 'orders.read'),
    ('inquiry_clerk', 'quotes'), ('inquiry_clerk', 'tickets.read'),
    ('inquiry_clerk', 'tickets.write'), ('inquiry_clerk', 'personal_data.read'),
    -- complaint_handler
    ('complaint_handler', 'me'), ('complaint_handler', 'nodes.read'),
    ('complaint_handler', 'tracking.read'), ('complaint_handler', 'orders.read'),
    ('complaint_handler', 'tickets.read'), ('complaint_handler', 'tickets.write'),
    ('complaint_handler', 'personal_data.read'),
    -- claims_handler
    ('claims_handler', 'me'), ('claims_handler', 'nodes.read'),
    ('claims_handler', 'tracking.read'), ('claims_handler', 'orders.read'),
    ('claims_handler', 'tickets.read'), ('claims_handler', 'claims'),
    ('claims_handler', 'personal_data.read'),
    -- dispatcher
    ('dispatcher', 'me'), ('dispatcher', 'nodes.read'), ('dispatcher', 'tracking.read'),
    ('dispatcher', 'orders.read'), ('dispatcher', 'dispatch'),
    ('dispatcher', 'personal_data.read'),
    -- account_manager
    ('account_manager', 'me'), ('account_manager', 'nodes.read'),
    ('account_manager', 'tracking.read'), ('account_manager', 'orders.read'),
    ('account_manager', 'quotes'), ('account_manager', 'customers'),
    ('account_manager', 'tickets.read'), ('account_manager', 'reports'),
    -- resident_agent
    ('resident_agent', 'me'), ('resident_agent', 'nodes.read'),
    ('resident_agent', 'tracking.read'), ('resident_agent', 'orders.create'),
    ('resident_agent', 'orders.read'), ('resident_agent', 'quotes'),
    ('resident_agent', 'personal_data.read'),
    -- legal
    ('legal', 'me'), ('legal', 'nodes.read'), ('legal', 'tracking.read'),
    ('legal', 'orders.read'), ('legal', 'tickets.read'), ('legal', 'claims'),
    ('legal', 'personal_data.read'),
    -- analyst
    ('analyst', 'me'), ('analyst', 'nodes.read'), ('analyst', 'tracking.read'),
    ('analyst', 'orders.read'), ('analyst', 'reports'), ('analyst', 'callcenter'),
    -- supervisor
    ('supervisor', 'me'), ('supervisor', 'nodes.read'), ('supervisor', 'tracking.read'),
    ('supervisor', 'users.read'), ('supervisor', 'audit.read'),
    ('supervisor', 'orders.create'), ('supervisor', 'orders.read'),
    ('supervisor', 'orders.review'), ('supervisor', 'quotes'), ('supervisor', 'dispatch'),
    ('supervisor', 'tickets.read'), ('supervisor', 'tickets.write'), ('supervisor', 'claims'),
    ('supervisor', 'customers'), ('supervisor', 'callcenter'), ('supervisor', 'reports'),
    ('supervisor', 'personal_data.read'),
    -- manager
    ('manager', 'me'), ('manager', 'nodes.read'), ('manager', 'tracking.read'),
    ('manager', 'users.read'), ('manager', 'users.manage'), ('manager', 'audit.read'),
    ('manager', 'orders.read'), ('manager', 'orders.review'), ('manager', 'quotes'),
    ('manager', 'dispatch'), ('manager', 'tickets.read'), ('manager', 'tickets.write'),
    ('manager', 'claims'), ('manager', 'customers'), ('manager', 'callcenter'),
    ('manager', 'reports'), ('manager', 'personal_data.read'),
    -- courier
    ('courier', 'me'), ('courier', 'nodes.read'), ('courier', 'tracking.read'),
    ('courier', 'orders.read'), ('courier', 'dispatch'), ('courier', 'scans.write'),
    -- admin
    ('admin', 'me'), ('admin', 'nodes.read'), ('admin', 'nodes.manage'),
    ('admin', 'users.read'), ('admin', 'users.manage'), ('admin', 'apikeys.manage'),
    ('admin', 'audit.read'), ('admin', 'permissions.manage'), ('admin', 'personal_data.read'),
    ('admin', 'orders.create'), ('admin', 'orders.read'), ('admin', 'orders.review'),
    ('admin', 'quotes'), ('admin', 'dispatch'), ('admin', 'scans.write'),
    ('admin', 'tracking.read'), ('admin', 'tickets.read'), ('admin', 'tickets.write'),
    ('admin', 'claims'), ('admin', 'customers'), ('admin', 'callcenter'), ('admin', 'reports'),
    -- scanner
    ('scanner', 'scans.write'),
    -- customer_system
    ('customer_system', 'orders.create'), ('customer_system', 'orders.read'),
    ('customer_system', 'quotes'), ('customer_system', 'tracking.read');
