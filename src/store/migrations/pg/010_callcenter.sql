-- 010_callcenter (PostgreSQL): the telephone system's queue log and the two
-- call-centre permissions. Same tables and columns as
-- migrations/sqlite/010_callcenter.sql, whose comments say why the key is
-- (at_ms, line_hash, occurrence) and why id orders lines within a second.
-- Text is COLLATE "C" nowhere here: nothing is compared by text.
CREATE TABLE cc_queue_log (
    id BIGSERIAL PRIMARY KEY,
    at_ms BIGINT NOT NULL,
    line_hash BIGINT NOT NULL,
    occurrence INTEGER NOT NULL CHECK (occurrence >= 1),
    callid TEXT NOT NULL,
    queue TEXT NOT NULL,
    agent TEXT NOT NULL,
    event TEXT NOT NULL CHECK (event <> ''),
    data TEXT NOT NULL,
    CONSTRAINT cc_queue_log_key UNIQUE (at_ms, line_hash, occurrence)
);

INSERT INTO role_permissions (role, perm) VALUES
    ('supervisor', 'callcenter.import'), ('manager', 'callcenter.import'),
    ('admin', 'callcenter.import');
