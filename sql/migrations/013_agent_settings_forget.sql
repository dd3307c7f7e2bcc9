-- 013_agent_settings_forget: an agent's effective settings go with it by a
-- statement trigger, not a foreign key.
--
-- agent_settings referenced agents with ON DELETE CASCADE. Its rows are
-- written only by the policy service, for the agents it has just read in
-- the same transaction under the tenant's policy lock, so the reference
-- never refused a row; but PostgreSQL checks it one row at a time. Without
-- it a first resolution's writes at 50,000 agents took 1.15-1.41 s, against
-- 1.6-1.9 s with it. agent_profiles (010) has no reference for the same
-- reason. The one thing the reference did, removing the settings of a
-- removed agent, is now done once per DELETE on agents, by the statement
-- trigger that removes their profiles too.
DO $$
DECLARE
    fk name;
BEGIN
    FOR fk IN SELECT conname FROM pg_constraint
               WHERE conrelid = 'agent_settings'::regclass AND contype = 'f'
                 AND confrelid = 'agents'::regclass LOOP
        EXECUTE format('ALTER TABLE agent_settings DROP CONSTRAINT %I', fk);
    END LOOP;
END
$$;

-- One trigger forgets both result tables' rows of the removed agents; it
-- replaces 010's, which forgot the profiles only.
DROP TRIGGER agent_profiles_forget ON agents;
DROP FUNCTION pw_agent_profiles_forget();

CREATE FUNCTION pw_agents_forget() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM agent_settings s USING gone g
     WHERE s.tenant_id = g.tenant_id AND s.agent_id = g.agent_id;
    DELETE FROM agent_profiles p USING gone g
     WHERE p.tenant_id = g.tenant_id AND p.agent_id = g.agent_id;
    RETURN NULL;
END
$$;

CREATE TRIGGER agents_forget AFTER DELETE ON agents
    REFERENCING OLD TABLE AS gone
    FOR EACH STATEMENT EXECUTE FUNCTION pw_agents_forget();
