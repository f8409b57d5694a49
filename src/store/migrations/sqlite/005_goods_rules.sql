-- 005_goods_rules (SQLite): the maintained list of prohibited and restricted
-- goods (禁寄/限寄物品) that every order is screened against, the stamp that
-- tells server processes the list changed, and the permission to edit it.
-- The same tables exist in migrations/pg/005_goods_rules.sql.
--
-- The rows start empty: the server seeds them from
-- <data_dir>/prohibited_goods.tsv when it starts on an empty list
-- (docs/operations.md); after that the table is the list. Rules are never
-- deleted, only deactivated, so the audit log can always name the rule an
-- old decision was based on.
--
-- The constraints are the matcher's own rules (core/screening.h), so that a
-- row the index would refuse cannot be stored: terms are unique ignoring
-- ASCII case (NOCASE folds exactly A-Z, as the matcher does), carry no
-- surrounding spaces, and a restricted term needs its condition.
CREATE TABLE goods_rules (
    id INTEGER PRIMARY KEY,
    term TEXT NOT NULL COLLATE NOCASE UNIQUE CHECK (term <> '' AND trim(term, ' ') = term),
    category TEXT NOT NULL CHECK (category <> ''),
    level TEXT NOT NULL CHECK (level IN ('prohibited', 'restricted')),
    condition TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',
    active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    updated_ms INTEGER NOT NULL,
    updated_by INTEGER REFERENCES users (id),
    CHECK (level = 'prohibited' OR condition <> '')
) STRICT;

-- The list stamp: one row whose version moves with every change to
-- goods_rules, by trigger, so that even an edit made with plain SQL is seen.
-- A server compares it with the version its in-memory index was built from
-- (at most every 10 s) and rebuilds when they differ. A counter rather than
-- max(updated_ms): two servers' clocks need not agree, and two edits may
-- share a millisecond.
CREATE TABLE goods_list_stamp (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
) STRICT;
INSERT INTO goods_list_stamp (id, version) VALUES (1, 0);

CREATE TRIGGER goods_rules_stamp_insert AFTER INSERT ON goods_rules
BEGIN
    UPDATE goods_list_stamp SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER goods_rules_stamp_update AFTER UPDATE ON goods_rules
BEGIN
    UPDATE goods_list_stamp SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER goods_rules_stamp_delete AFTER DELETE ON goods_rules
BEGIN
    UPDATE goods_list_stamp SET version = version + 1 WHERE id = 1;
END;

-- 维护禁限寄物品清单 (src/core/org.def GOODS_MANAGE). The administrator role
-- holds every permission; managers and supervisors answer for what their
-- outlets accept.
INSERT INTO role_permissions (role, perm) VALUES
    ('admin', 'goods.manage'), ('manager', 'goods.manage'), ('supervisor', 'goods.manage');
