-- 005_analyze: statistics after bulk loads.
--
-- The services connect as pw_service, which does not own the tables and so
-- may not ANALYZE them; right after a large import the planner would go on
-- planning as if the tables were empty (a join against a million scan
-- states planned as a nested loop) until autovacuum comes by. This function
-- runs as the schema owner and analyzes only the tables named in its list.
CREATE FUNCTION pw_analyze(p_tables text[]) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY p_tables LOOP
        IF t = ANY (ARRAY['agents', 'patches', 'scan_states', 'agent_settings', 'patch_status',
                          'events', 'audit_events', 'findings', 'plan_agents']) THEN
            EXECUTE format('ANALYZE %I', t);
        END IF;
    END LOOP;
END
$$;
REVOKE ALL ON FUNCTION pw_analyze(text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pw_analyze(text[]) TO pw_service;
