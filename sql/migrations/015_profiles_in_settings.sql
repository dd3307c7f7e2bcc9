-- 015_profiles_in_settings: an agent's status profile is a column of its
-- settings row, not a row of its own.
--
-- The policy service writes an agent's settings and its profile together,
-- for the same agents, in the same transaction; both are one row per
-- agent. Kept apart, a tenant's first resolution at 50,000 agents wrote
-- 50,000 rows to agent_profiles (113-148 ms: rows are inserted one at a
-- time under row-level security, which refuses COPY) on top of the 50,000
-- settings rows. Now the settings row carries the profile (NULL until the
-- agent's statuses are resolved), and agent_profiles is a view of it for
-- its readers: the patch_status view, the audit, the policy service's
-- comparison with the store.
--
-- agent_profiles was a patch fact (010): every statement on it moved the
-- tenant's 'facts' counter and recorded what its writer declared
-- (009_facts_changes). Its rows now live in agent_settings, so every
-- statement on agent_settings moves 'facts' as well as 'agents'. The
-- policy service declares, before it writes settings, the agents whose
-- profile may change with them (none, when only settings change), so a
-- reader of the patch facts reads again no more than it did.

ALTER TABLE agent_settings ADD COLUMN profile_id bigint;

-- Profiles of agents that have settings move into them; a profile without
-- settings is dropped (the next resolution finds the agent's settings
-- missing and writes both).
UPDATE agent_settings s SET profile_id = p.profile_id
  FROM agent_profiles p
 WHERE p.tenant_id = s.tenant_id AND p.agent_id = s.agent_id;

DROP VIEW patch_status;
DROP TABLE agent_profiles;

CREATE VIEW agent_profiles WITH (security_invoker = true) AS
SELECT tenant_id, agent_id, profile_id
  FROM agent_settings
 WHERE profile_id IS NOT NULL;

CREATE VIEW patch_status WITH (security_invoker = true) AS
SELECT s.tenant_id, s.agent_id, s.patch_id, ps.status, ps.until, ps.source_kind,
       ps.source_policy, ps.source_rule
  FROM scan_states s
  JOIN agent_settings ap ON ap.tenant_id = s.tenant_id AND ap.agent_id = s.agent_id
  JOIN profile_status ps ON ps.tenant_id = s.tenant_id AND ps.profile_id = ap.profile_id
                        AND ps.patch_id = s.patch_id
 WHERE s.state IN ('missing', 'failed');

GRANT SELECT ON agent_profiles, patch_status TO pw_service;

CREATE TRIGGER facts_bump_facts AFTER INSERT OR UPDATE OR DELETE ON agent_settings
    FOR EACH STATEMENT EXECUTE FUNCTION pw_facts_bump('facts');
CREATE TRIGGER facts_bump_facts_truncate AFTER TRUNCATE ON agent_settings
    FOR EACH STATEMENT EXECUTE FUNCTION pw_facts_bump('facts');

-- A removed agent's settings (and so its profile) go with it (013).
CREATE OR REPLACE FUNCTION pw_agents_forget() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM agent_settings s USING gone g
     WHERE s.tenant_id = g.tenant_id AND s.agent_id = g.agent_id;
    RETURN NULL;
END
$$;

-- pw_analyze (011) with the tables there are now.
CREATE OR REPLACE FUNCTION pw_analyze(p_tables text[], p_changed bigint) RETURNS text[]
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
    t text;
    held real;
    done text[] := '{}';
BEGIN
    IF p_changed < 1000 THEN
        RETURN done;
    END IF;
    FOREACH t IN ARRAY p_tables LOOP
        IF t = ANY (ARRAY['agents', 'patches', 'scan_states', 'agent_settings',
                          'profile_status', 'events', 'audit_events', 'findings',
                          'plan_agents']) THEN
            SELECT c.reltuples INTO held FROM pg_class c WHERE c.oid = t::regclass;
            IF p_changed >= greatest(held, 0) / 10 THEN
                EXECUTE format('ANALYZE %I', t);
                done := done || t;
            END IF;
        END IF;
    END LOOP;
    RETURN done;
END
$$;

-- Readers that keep patch facts read them again (the rows moved, the
-- statuses are the same).
UPDATE facts_epoch SET epoch = epoch + 1;
