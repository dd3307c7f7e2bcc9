-- 004_audit: what the audit service owns: the recorded event stream and how
-- far it got per producer, findings, the hash-chained trail and its head,
-- the state of the last audit per tenant, and daily compliance snapshots.

-- How far the audit has recorded each producer's stream of a tenant.
CREATE TABLE audit_cursor (
    tenant_id     text NOT NULL,
    producer      text NOT NULL,
    last_seq      bigint NOT NULL DEFAULT 0,
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, producer)
);

-- Every event of the other services, recorded once (idempotent on the key).
CREATE TABLE audit_events (
    tenant_id     text NOT NULL,
    producer      text NOT NULL,
    seq           bigint NOT NULL,
    time          timestamptz NOT NULL,
    kind          text NOT NULL,
    subject       text NOT NULL DEFAULT '',
    actor         text NOT NULL DEFAULT '',
    payload       jsonb NOT NULL DEFAULT '{}',
    recorded_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, producer, seq)
);

-- Findings: at most one open finding per (code, subject); a resolved one
-- stays as history. For an open finding, last_seen is written when it opens
-- or changes; the audit that last saw it is audit_state.last_run_at.
CREATE TABLE findings (
    tenant_id     text NOT NULL,
    id            bigint GENERATED ALWAYS AS IDENTITY,
    code          text NOT NULL,
    severity      text NOT NULL CHECK (severity IN ('info', 'low', 'medium', 'high', 'critical')),
    subject       text NOT NULL,
    scope         text NOT NULL CHECK (scope IN ('agent', 'policy', 'plan')),
    owner         text NOT NULL DEFAULT '',
    detail        text NOT NULL DEFAULT '',
    first_seen    timestamptz NOT NULL,
    last_seen     timestamptz NOT NULL,
    resolved_at   timestamptz,
    open          boolean NOT NULL DEFAULT true,
    PRIMARY KEY (tenant_id, id),
    CHECK (open = (resolved_at IS NULL))
);
CREATE UNIQUE INDEX findings_open_key ON findings (tenant_id, code, subject) WHERE open;
CREATE INDEX findings_history ON findings (tenant_id, first_seen);

-- The outcome of the last full audit of each tenant.
CREATE TABLE audit_state (
    tenant_id     text PRIMARY KEY,
    last_run_at   timestamptz NOT NULL,
    agents        integer NOT NULL DEFAULT 0,
    open_findings integer NOT NULL DEFAULT 0,
    compute_us    bigint NOT NULL DEFAULT 0,
    total_us      bigint NOT NULL DEFAULT 0
);

-- The audit trail: append-only, hash-chained per tenant (docs/audit.md).
-- details is jsonb; the hash covers its text form (details::text), which
-- jsonb renders the same way every time.
CREATE TABLE trail (
    tenant_id     text NOT NULL,
    seq           bigint NOT NULL CHECK (seq > 0),
    time          timestamptz NOT NULL,
    actor         text NOT NULL,
    action        text NOT NULL,
    subject       text NOT NULL DEFAULT '',
    reason        text NOT NULL DEFAULT '',
    details       jsonb NOT NULL DEFAULT '{}',
    prev_hash     text NOT NULL,
    hash          text NOT NULL,
    PRIMARY KEY (tenant_id, seq)
);
CREATE INDEX trail_time ON trail (tenant_id, time);

-- The last record of each tenant's trail, written with it: cutting records
-- off the end, or rewriting the tail, shows against it.
CREATE TABLE trail_head (
    tenant_id     text PRIMARY KEY,
    seq           bigint NOT NULL,
    hash          text NOT NULL
);

-- One row per tenant, day and org ('' = the whole tenant).
CREATE TABLE compliance_snapshots (
    tenant_id     text NOT NULL,
    day           date NOT NULL,
    org           text NOT NULL,
    figures       jsonb NOT NULL,
    taken_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, day, org)
);

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['audit_cursor', 'audit_events', 'findings', 'audit_state', 'trail',
                             'trail_head', 'compliance_snapshots'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = pw_tenant()) '
                       'WITH CHECK (tenant_id = pw_tenant())', t);
    END LOOP;
END
$$;

GRANT SELECT, INSERT, UPDATE, DELETE ON audit_cursor, audit_events, findings, audit_state,
                                         trail_head, compliance_snapshots TO pw_service;
GRANT SELECT, INSERT ON trail TO pw_service;
-- The trail is append-only for the services: what is written stays.
REVOKE UPDATE, DELETE, TRUNCATE ON trail FROM pw_service;

-- Row-level security hides every tenant from a session without one, so the
-- audit enumerates tenants (at start-up and on its timer) through these,
-- owned by the migrating superuser. They return ids and counters only.
CREATE FUNCTION pw_tenants() RETURNS SETOF text
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
    AS 'SELECT tenant_id FROM tenants';

-- The highest seq of every (tenant, producer) stream, for catch-up in one
-- round trip instead of one query per tenant.
CREATE FUNCTION pw_event_heads() RETURNS TABLE (tenant_id text, producer text, last_seq bigint)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
    AS 'SELECT tenant_id, producer, last_seq FROM event_seq';

REVOKE ALL ON FUNCTION pw_tenants() FROM PUBLIC;
REVOKE ALL ON FUNCTION pw_event_heads() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pw_tenants() TO pw_service;
GRANT EXECUTE ON FUNCTION pw_event_heads() TO pw_service;

-- The scheduler's plan tables come with its own migration; until they
-- exist (or when their shape differs) these return nothing, so the audit
-- runs without plan findings instead of failing. Security invoker: row-level
-- security applies as for any query of the service.

-- Planned slots of the agents in the last P_CYCLES cycles, newest first:
-- the windows patches should have been installed in.
CREATE FUNCTION pw_audit_plan_slots(p_cycles integer)
    RETURNS TABLE (r_agent bigint, r_cycle text, r_current boolean, r_status text,
                   r_reason text, r_window text, r_start_us bigint, r_end_us bigint)
    LANGUAGE plpgsql STABLE AS $$
DECLARE
    current_cycle text;
BEGIN
    IF to_regclass('public.plans') IS NULL OR to_regclass('public.plan_agents') IS NULL THEN
        RETURN;
    END IF;
    BEGIN
        SELECT p.cycle INTO current_cycle FROM plans p
         WHERE p.tenant_id = pw_tenant() ORDER BY p.computed_at DESC LIMIT 1;
        IF current_cycle IS NULL THEN
            RETURN;
        END IF;
        RETURN QUERY
            SELECT pa.agent_id::bigint, pa.cycle::text, pa.cycle = current_cycle,
                   pa.status::text, coalesce(pa.reason, '')::text, coalesce(pa."window", '')::text,
                   coalesce((extract(epoch FROM pa.start_utc) * 1000000)::bigint, 0),
                   coalesce((extract(epoch FROM pa.end_utc) * 1000000)::bigint, 0)
              FROM plan_agents pa
             WHERE pa.tenant_id = pw_tenant()
               AND pa.cycle IN (SELECT DISTINCT p.cycle FROM plans p
                                 WHERE p.tenant_id = pw_tenant()
                                 ORDER BY p.cycle DESC LIMIT p_cycles)
             ORDER BY pa.agent_id, pa.end_utc;
    EXCEPTION WHEN undefined_column OR undefined_table OR datatype_mismatch
                   OR undefined_function THEN
        RAISE WARNING 'pw_audit_plan_slots: plan tables not as expected: %', SQLERRM;
        RETURN;
    END;
END
$$;

-- Violations of the current plan, with the agents' hostnames; members
-- (cycle members, agents past a chain's end) joined with chr(31).
CREATE FUNCTION pw_audit_plan_violations()
    RETURNS TABLE (r_code text, r_agent bigint, r_host text, r_other_host text,
                   r_window text, r_members text, r_detail text)
    LANGUAGE plpgsql STABLE AS $$
DECLARE
    current_cycle text;
BEGIN
    IF to_regclass('public.plans') IS NULL OR to_regclass('public.plan_violations') IS NULL THEN
        RETURN;
    END IF;
    BEGIN
        SELECT p.cycle INTO current_cycle FROM plans p
         WHERE p.tenant_id = pw_tenant() ORDER BY p.computed_at DESC LIMIT 1;
        IF current_cycle IS NULL THEN
            RETURN;
        END IF;
        RETURN QUERY
            SELECT v.code::text, v.agent_id::bigint, coalesce(a.hostname, '')::text,
                   coalesce(o.hostname, '')::text, coalesce(v."window", '')::text,
                   array_to_string(v.members, chr(31))::text, coalesce(v.detail, '')::text
              FROM plan_violations v
              LEFT JOIN agents a ON a.tenant_id = v.tenant_id AND a.agent_id = v.agent_id
              LEFT JOIN agents o ON o.tenant_id = v.tenant_id AND o.agent_id = v.other_agent_id
             WHERE v.tenant_id = pw_tenant() AND v.cycle = current_cycle
             ORDER BY v.ordinal;
    EXCEPTION WHEN undefined_column OR undefined_table OR datatype_mismatch
                   OR undefined_function THEN
        RAISE WARNING 'pw_audit_plan_violations: plan tables not as expected: %', SQLERRM;
        RETURN;
    END;
END
$$;

-- The audit reads scan results by state (failed, pending reboot, missing;
-- installed within a month for the report); the primary key leads with
-- the agent, so without this every audit read all of a tenant's rows.
CREATE INDEX scan_states_state ON scan_states (tenant_id, state, scanned_at);
