-- 008_facts_version: a counter per tenant that every write of its scan
-- states or patch statuses moves, so a reader can keep what it derived from
-- those two tables (the audit's patch facts: some 2 million rows for a
-- tenant of 50,000 agents) for as long as the counter stays the same.
--
-- A trigger per statement (not per row) bumps the tenant's counter in the
-- writing transaction: a bulk write costs one small upsert, and a reader
-- that reads the counter before the rows sees, at worst, a counter older
-- than the rows, which only costs it one needless reload. A write with no
-- tenant set (an administrator's session, a cascade from one) and any
-- TRUNCATE move the one epoch that every reader checks as well.

CREATE TABLE facts_version (
    tenant_id     text PRIMARY KEY,
    version       bigint NOT NULL
);

-- One row, no tenant data: readable and writable by every session.
CREATE TABLE facts_epoch (
    only_row      boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    epoch         bigint NOT NULL
);
INSERT INTO facts_epoch VALUES (true, 0);

ALTER TABLE facts_version ENABLE ROW LEVEL SECURITY;
ALTER TABLE facts_version FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON facts_version USING (tenant_id = pw_tenant())
    WITH CHECK (tenant_id = pw_tenant());

CREATE FUNCTION pw_facts_bump() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' OR pw_tenant() IS NULL THEN
        UPDATE facts_epoch SET epoch = epoch + 1;
    ELSE
        INSERT INTO facts_version AS f (tenant_id, version) VALUES (pw_tenant(), 1)
        ON CONFLICT (tenant_id) DO UPDATE SET version = f.version + 1;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER facts_bump AFTER INSERT OR UPDATE OR DELETE ON scan_states
    FOR EACH STATEMENT EXECUTE FUNCTION pw_facts_bump();
CREATE TRIGGER facts_bump_truncate AFTER TRUNCATE ON scan_states
    FOR EACH STATEMENT EXECUTE FUNCTION pw_facts_bump();
CREATE TRIGGER facts_bump AFTER INSERT OR UPDATE OR DELETE ON patch_status
    FOR EACH STATEMENT EXECUTE FUNCTION pw_facts_bump();
CREATE TRIGGER facts_bump_truncate AFTER TRUNCATE ON patch_status
    FOR EACH STATEMENT EXECUTE FUNCTION pw_facts_bump();

GRANT SELECT, INSERT, UPDATE ON facts_version, facts_epoch TO pw_service;
