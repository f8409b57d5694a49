-- 001_foundation (PostgreSQL): the organisation (network nodes, user
-- accounts), login sessions, API keys, the audit log and the role →
-- permission matrix. Conventions: ids BIGSERIAL; times BIGINT UTC epoch
-- milliseconds; booleans BOOLEAN. The same tables and columns exist in
-- migrations/sqlite/001_foundation.sql.
--
-- Columns compared as byte ranges (nodes.path, audit_log.node_path) use
-- COLLATE "C", so that "/1/4/" < "/1/40" holds in every database locale and
-- a plain btree index answers the subtree queries.

-- migrate.c creates this before running anything; IF NOT EXISTS keeps both
-- in step.
CREATE TABLE IF NOT EXISTS schema_version (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_ms BIGINT NOT NULL
);

-- The network tree. path is the materialised path of ids from the root,
-- "/1/4/9/", computed by node_insert (which draws the id from nodes_id_seq
-- itself so that the path can include it).
CREATE TABLE nodes (
    id BIGSERIAL PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    type TEXT NOT NULL CHECK (type IN ('head_office', 'branch_l1', 'branch_l2', 'branch_l3',
                                       'outlet', 'sorting_centre')),
    parent_id BIGINT REFERENCES nodes (id),
    path TEXT COLLATE "C" NOT NULL UNIQUE CHECK (path LIKE '/%/'),
    region TEXT NOT NULL DEFAULT 'CN',
    utc_offset_min INTEGER NOT NULL DEFAULT 480,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_ms BIGINT NOT NULL
);
CREATE INDEX nodes_parent ON nodes (parent_id);

CREATE TABLE users (
    id BIGSERIAL PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    phone TEXT NOT NULL DEFAULT '',
    role TEXT NOT NULL,
    node_id BIGINT NOT NULL REFERENCES nodes (id),
    password_hash TEXT NOT NULL DEFAULT '',
    active BOOLEAN NOT NULL DEFAULT TRUE,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until_ms BIGINT NOT NULL DEFAULT 0,
    password_changed_ms BIGINT NOT NULL DEFAULT 0,
    created_ms BIGINT NOT NULL
);
CREATE INDEX users_node ON users (node_id);

-- Sessions are stored by the SHA-256 of their token, never the token.
CREATE TABLE sessions (
    id BIGSERIAL PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_ms BIGINT NOT NULL,
    expires_ms BIGINT NOT NULL,
    last_seen_ms BIGINT NOT NULL,
    ip TEXT NOT NULL DEFAULT '',
    user_agent TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_ms);

-- API keys for devices and customer systems, stored by the SHA-256 of the
-- whole key. created_by is a user id, 0 when created from the command line
-- (so it carries no foreign key).
CREATE TABLE api_keys (
    id BIGSERIAL PRIMARY KEY,
    prefix TEXT NOT NULL,
    key_hash TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    node_id BIGINT NOT NULL REFERENCES nodes (id),
    created_by BIGINT NOT NULL DEFAULT 0,
    created_ms BIGINT NOT NULL,
    revoked_ms BIGINT NOT NULL DEFAULT 0,
    last_used_ms BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX api_keys_node ON api_keys (node_id);

-- The audit log. node_id 0 means "no node" (system-wide events), so it has
-- no foreign key; node_path is the node's path copied at insert time ('' for
-- node 0) so that listing a subtree needs no join. detail is JSON kept as
-- TEXT, byte for byte as written (jsonb would reorder and reformat it).
CREATE TABLE audit_log (
    id BIGSERIAL PRIMARY KEY,
    at_ms BIGINT NOT NULL,
    actor_kind TEXT NOT NULL CHECK (actor_kind IN ('system', 'user', 'apikey', 'public')),
    actor_id BIGINT NOT NULL DEFAULT 0,
    actor_name TEXT NOT NULL DEFAULT '',
    action TEXT NOT NULL,
    object_type TEXT NOT NULL DEFAULT '',
    object_id TEXT NOT NULL DEFAULT '',
    node_id BIGINT NOT NULL DEFAULT 0,
    node_path TEXT COLLATE "C" NOT NULL DEFAULT '',
    ip TEXT NOT NULL DEFAULT '',
    request_id TEXT NOT NULL DEFAULT '',
    detail TEXT
);
-- Newest first is the primary key read backwards; these serve the filters.
CREATE INDEX audit_log_object ON audit_log (object_type, object_id, id);
CREATE INDEX audit_log_actor ON audit_log (actor_id, id);
CREATE INDEX audit_log_at ON audit_log (at_ms);
CREATE INDEX audit_log_node_path ON audit_log (node_path, id);

-- Append-only: nothing may change or remove an entry. The trigger stops the
-- application and careless hands; in production the application's role
-- should in addition hold only INSERT and SELECT on audit_log (and USAGE on
-- its sequence), so that not even a compromised application can rewrite it.
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

-- Which role holds which permission (names from src/core/org.def). Data, not
-- code: administrators edit it; this is the default matrix.
CREATE TABLE role_permissions (
    role TEXT NOT NULL,
    perm TEXT NOT NULL,
    PRIMARY KEY (role, perm)
);

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
