-- 005_goods_rules (PostgreSQL): the maintained list of prohibited and
-- restricted goods (禁寄/限寄物品), its change stamp, and the permission to
-- edit it. Same tables as migrations/sqlite/005_goods_rules.sql, whose
-- comments say why each rule is there.
--
-- Terms are unique ignoring ASCII case only, as the matcher compares them:
-- lower() would also fold non-ASCII letters (and depends on the database
-- locale), so the unique index is on translate() over A-Z, which is
-- IMMUTABLE and the same everywhere. goods_rule_get and goods_rule_upsert
-- use exactly this expression, so the index answers them.
CREATE TABLE goods_rules (
    id BIGSERIAL PRIMARY KEY,
    term TEXT NOT NULL CHECK (term <> '' AND btrim(term, ' ') = term),
    category TEXT NOT NULL CHECK (category <> ''),
    level TEXT NOT NULL CHECK (level IN ('prohibited', 'restricted')),
    condition TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',
    active BOOLEAN NOT NULL DEFAULT TRUE,
    updated_ms BIGINT NOT NULL,
    updated_by BIGINT REFERENCES users (id),
    CHECK (level = 'prohibited' OR condition <> '')
);
CREATE UNIQUE INDEX goods_rules_term_key
    ON goods_rules (translate(term, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz'));

CREATE TABLE goods_list_stamp (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    version BIGINT NOT NULL
);
INSERT INTO goods_list_stamp (id, version) VALUES (1, 0);

-- One bump per statement is enough: the stamp only has to move.
CREATE FUNCTION goods_list_stamp_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE goods_list_stamp SET version = version + 1 WHERE id = 1;
    RETURN NULL;
END;
$$;
CREATE TRIGGER goods_rules_stamp AFTER INSERT OR UPDATE OR DELETE ON goods_rules
    FOR EACH STATEMENT EXECUTE FUNCTION goods_list_stamp_bump();

INSERT INTO role_permissions (role, perm) VALUES
    ('admin', 'goods.manage'), ('manager', 'goods.manage'), ('supervisor', 'goods.manage');
