-- 008_facts_version: two counters per tenant, one that every write of its
-- scan states or patch statuses moves ('facts'), one that every write of
-- its plan moves ('plan': plans, plan_agents, plan_violations), so a reader
-- can keep what it derived from those tables (the audit's patch facts: some
-- 2 million rows for a tenant of 50,000 agents; the planned slots of three
-- cycles) for as long as the counter stays the same. Each counter is its
-- own row: the policy service's writes (a long import) and the
-- scheduler's never wait for each other's counter.
--
-- A trigger per statement (not per row) bumps the tenant's counter in the
-- writing transaction: a bulk write costs one small upsert, and a reader
-- that reads the counter before the rows sees, at worst, a counter older
-- than the rows, which only costs it one needless reload. A write with no
-- tenant set (an administrator's session, a cascade from one) and any
-- TRUNCATE move the one epoch that every reader checks as well.

CREATE TABLE facts_version (
    tenant_id     text NOT NULL,
    counter       text NOT NULL CHECK (counter IN ('facts', 'plan')),
    version       bigint NOT NULL,
    PRIMARY KEY (tenant_id, counter)
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

-- TG_ARGV[0]: 'facts' or 'plan', the counter the table moves.
CREATE FUNCTION pw_facts_bump() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' OR pw_tenant() IS NULL THEN
        UPDATE facts_epoch SET epoch = epoch + 1;
    ELSE
        INSERT INTO facts_version AS f (tenant_id, counter, version)
             VALUES (pw_tenant(), TG_ARGV[0], 1)
        ON CONFLICT (tenant_id, counter) DO UPDATE SET version = f.version + 1;
    END IF;
    RETURN NULL;
END
$$;

DO $$
DECLARE
    t text;
    counter text;
BEGIN
    FOR t, counter IN VALUES ('scan_states', 'facts'), ('patch_status', 'facts'),
                             ('plans', 'plan'), ('plan_agents', 'plan'),
                             ('plan_violations', 'plan') LOOP
        EXECUTE format('CREATE TRIGGER facts_bump AFTER INSERT OR UPDATE OR DELETE ON %I '
                       'FOR EACH STATEMENT EXECUTE FUNCTION pw_facts_bump(%L)', t, counter);
        EXECUTE format('CREATE TRIGGER facts_bump_truncate AFTER TRUNCATE ON %I '
                       'FOR EACH STATEMENT EXECUTE FUNCTION pw_facts_bump(%L)', t, counter);
    END LOOP;
END
$$;

GRANT SELECT, INSERT, UPDATE ON facts_version, facts_epoch TO pw_service;
