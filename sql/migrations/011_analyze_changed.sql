-- 011_analyze_changed: statistics after an import only where it moved them.
--
-- pw_analyze (005, 010) analyzes every table it is given. After each import
-- of a thousand rows or more, that was every inventory and result table:
-- at 50,000 agents about a second, spent before the import's reply, for a
-- daily import of one customer's scans that changes 10,000 of 2 million
-- scan states and so does not move their statistics at all.
--
-- pw_analyze(tables, changed) analyzes a listed table only when CHANGED
-- rows are at least a tenth of the rows the table held at its last
-- analysis (pg_class.reltuples; a table never analyzed holds none), and at
-- least 1,000: a first load, or an import that rewrites a good part of the
-- fleet, is analyzed at once; a small import is left to autovacuum, whose
-- own threshold is the same tenth. It returns the tables it analyzed.
CREATE FUNCTION pw_analyze(p_tables text[], p_changed bigint) RETURNS text[]
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
        IF t = ANY (ARRAY['agents', 'patches', 'scan_states', 'agent_settings', 'agent_profiles',
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
REVOKE ALL ON FUNCTION pw_analyze(text[], bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pw_analyze(text[], bigint) TO pw_service;
