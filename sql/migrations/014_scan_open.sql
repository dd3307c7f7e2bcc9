-- 014_scan_open: each agent's open scan states (missing, failed, waiting for
-- a reboot) as one row of three arrays, kept by the store itself.
--
-- A whole read of a tenant's patch facts (the audit, when a write did not
-- say what it changed) streamed every open scan state, one row each: some
-- 2 million rows at 50,000 agents, which PostgreSQL alone took 0.7-1.1 s
-- to produce on two cores, more than the audit's whole budget. The same
-- states as one row per agent are 50,000 rows, produced in 0.17-0.2 s
-- (text; psql COPY on the benchmark's L fleet).
--
-- scan_open is derived, never written by anyone but the triggers below:
-- after every statement on scan_states, the agents whose open states the
-- statement changed have their row built again from scan_states, in the
-- same transaction; an agent with no open state has no row. A re-scan that
-- only moves scanned_at, or moves a state between installed and
-- not_applicable, rebuilds nothing. A TRUNCATE of scan_states empties it.
-- Writes of every writer are covered: the policy service's imports, an
-- administrator's statements, the cascade from a removed agent or tenant.
-- What it costs the writer: one aggregate over the changed agents' scan
-- states per statement (a first import of 4 million scan states rebuilds
-- every agent, about 1.3 s at 50,000 agents).
--
-- Two transactions that change the same agent's scan states at once meet
-- on its row: the second waits for the first to commit, then either
-- rebuilds the row from what both wrote (each statement of the rebuild
-- reads the store as it is when it starts) or fails by name (a unique
-- violation or a deadlock); a row is never left without the other's
-- states. The policy service writes a tenant's scan states under the
-- tenant's lock, so only an administrator writing beside it can meet the
-- failure, and runs the statement again.

CREATE TABLE scan_open (
    tenant_id       text NOT NULL,
    agent_id        bigint NOT NULL,
    missing         bigint[] NOT NULL,
    failed          bigint[] NOT NULL,
    pending_reboot  bigint[] NOT NULL,
    PRIMARY KEY (tenant_id, agent_id)
);

ALTER TABLE scan_open ENABLE ROW LEVEL SECURITY;
ALTER TABLE scan_open FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON scan_open USING (tenant_id = pw_tenant())
    WITH CHECK (tenant_id = pw_tenant());

-- Rebuilds the rows of the agents TENANTS[i], AGENTS[i] from scan_states.
CREATE FUNCTION pw_scan_open_rebuild(tenants text[], agents bigint[]) RETURNS void
    LANGUAGE plpgsql AS $$
BEGIN
    IF cardinality(agents) = 0 THEN
        RETURN;
    END IF;
    DELETE FROM scan_open o USING unnest(tenants, agents) AS k(tenant_id, agent_id)
     WHERE o.tenant_id = k.tenant_id AND o.agent_id = k.agent_id;
    INSERT INTO scan_open (tenant_id, agent_id, missing, failed, pending_reboot)
    SELECT s.tenant_id, s.agent_id,
           coalesce(array_agg(s.patch_id ORDER BY s.patch_id)
                        FILTER (WHERE s.state = 'missing'), '{}'),
           coalesce(array_agg(s.patch_id ORDER BY s.patch_id)
                        FILTER (WHERE s.state = 'failed'), '{}'),
           coalesce(array_agg(s.patch_id ORDER BY s.patch_id)
                        FILTER (WHERE s.state = 'pending_reboot'), '{}')
      FROM scan_states s
      JOIN unnest(tenants, agents) AS k(tenant_id, agent_id)
        ON k.tenant_id = s.tenant_id AND k.agent_id = s.agent_id
     WHERE s.state IN ('missing', 'failed', 'pending_reboot')
     GROUP BY s.tenant_id, s.agent_id;
END
$$;

-- After each statement: the agents with an open state among the rows it
-- added or removed; for an UPDATE, among the rows it changed.
CREATE FUNCTION pw_scan_open_refresh() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    tenants text[];
    agents bigint[];
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        DELETE FROM scan_open;
        RETURN NULL;
    ELSIF TG_OP = 'INSERT' THEN
        SELECT coalesce(array_agg(tenant_id), '{}'), coalesce(array_agg(agent_id), '{}')
          INTO tenants, agents
          FROM (SELECT DISTINCT tenant_id, agent_id FROM added
                 WHERE state IN ('missing', 'failed', 'pending_reboot')) k;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT coalesce(array_agg(tenant_id), '{}'), coalesce(array_agg(agent_id), '{}')
          INTO tenants, agents
          FROM (SELECT DISTINCT tenant_id, agent_id FROM removed
                 WHERE state IN ('missing', 'failed', 'pending_reboot')) k;
    ELSE
        SELECT coalesce(array_agg(tenant_id), '{}'), coalesce(array_agg(agent_id), '{}')
          INTO tenants, agents
          FROM (SELECT DISTINCT tenant_id, agent_id FROM (
                    (SELECT tenant_id, agent_id, patch_id, state FROM added
                     EXCEPT SELECT tenant_id, agent_id, patch_id, state FROM removed)
                    UNION ALL
                    (SELECT tenant_id, agent_id, patch_id, state FROM removed
                     EXCEPT SELECT tenant_id, agent_id, patch_id, state FROM added)) changed
                 WHERE state IN ('missing', 'failed', 'pending_reboot')) k;
    END IF;
    PERFORM pw_scan_open_rebuild(tenants, agents);
    RETURN NULL;
END
$$;

CREATE TRIGGER scan_open_insert AFTER INSERT ON scan_states
    REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION pw_scan_open_refresh();
CREATE TRIGGER scan_open_update AFTER UPDATE ON scan_states
    REFERENCING OLD TABLE AS removed NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION pw_scan_open_refresh();
CREATE TRIGGER scan_open_delete AFTER DELETE ON scan_states
    REFERENCING OLD TABLE AS removed
    FOR EACH STATEMENT EXECUTE FUNCTION pw_scan_open_refresh();
CREATE TRIGGER scan_open_truncate AFTER TRUNCATE ON scan_states
    FOR EACH STATEMENT EXECUTE FUNCTION pw_scan_open_refresh();

-- What the store holds already.
INSERT INTO scan_open (tenant_id, agent_id, missing, failed, pending_reboot)
SELECT tenant_id, agent_id,
       coalesce(array_agg(patch_id ORDER BY patch_id) FILTER (WHERE state = 'missing'), '{}'),
       coalesce(array_agg(patch_id ORDER BY patch_id) FILTER (WHERE state = 'failed'), '{}'),
       coalesce(array_agg(patch_id ORDER BY patch_id) FILTER (WHERE state = 'pending_reboot'), '{}')
  FROM scan_states
 WHERE state IN ('missing', 'failed', 'pending_reboot')
 GROUP BY tenant_id, agent_id;

GRANT SELECT, INSERT, UPDATE, DELETE ON scan_open TO pw_service;
