-- 010_callcenter (SQLite): the telephone system's queue log (Asterisk
-- queue_log, issue 6 part A) as imported by `parceldesk import queue-log`
-- and the live feed POST /api/v1/callcenter/queue-log, and who may read the
-- indicators and feed the log. Conventions as in 001; the same tables and
-- columns exist in migrations/pg/010_callcenter.sql.
--
-- One row per line, verbatim in its canonical form (core/queuelog.h): the
-- data fields '|'-joined with trailing empty ones dropped, so a line reads
-- the same from the pipe file and from a CSV export of the database table.
-- Unknown and custom verbs are kept like any other line: the indicators
-- skip them, a later version may not.
--
-- Duplicates. The key is (at_ms, line_hash, occurrence): line_hash is the
-- 64-bit FNV-1a of the canonical line (time included) and occurrence numbers
-- identical lines within one import — 1 for the first, 2 for a second
-- identical line of the same file, and so on. Importing the same file again
-- (or a rotated file that overlaps the last one) therefore adds nothing,
-- while two genuinely repeated lines in one file (Asterisk writes them when
-- two members ring out in the same second) are both kept. A live feed
-- counts occurrences per request: identical lines sent in two requests are
-- one line. A false duplicate needs two different lines in the same
-- millisecond with the same 64-bit hash.
--
-- Order. id is the arrival order, which within one second is the file's
-- order; the indicators read by (at_ms, id). The key's index serves the
-- time range, and the sort by id stays within lines of one time.
CREATE TABLE cc_queue_log (
    id INTEGER PRIMARY KEY,
    at_ms INTEGER NOT NULL,
    line_hash INTEGER NOT NULL,
    occurrence INTEGER NOT NULL CHECK (occurrence >= 1),
    callid TEXT NOT NULL,
    queue TEXT NOT NULL,
    agent TEXT NOT NULL,
    event TEXT NOT NULL CHECK (event <> ''),
    data TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX cc_queue_log_key ON cc_queue_log (at_ms, line_hash, occurrence);

-- The indicators are read with the call-centre data permission of 001
-- (callcenter: analysts, supervisors, managers, administrators).
-- callcenter.import (导入话务日志): the telephone system's feed; an API key of the supervisor role is what a PBX connector holds.
INSERT INTO role_permissions (role, perm) VALUES
    ('supervisor', 'callcenter.import'), ('manager', 'callcenter.import'),
    ('admin', 'callcenter.import');
