-- 003_scheduler: what the scheduler service owns. The applied setup sections
-- (cycle, windows, window groups, blackouts, dependencies) and the plans it
-- computes from them and from the effective settings (agent_settings). The
-- audit reads plans, plan_agents and plan_violations.

-- The tenant's cycle (`cycle` section); no row: monthly on Patch Tuesday.
CREATE TABLE sched_cycles (
    tenant_id     text PRIMARY KEY REFERENCES tenants ON DELETE CASCADE,
    kind          text NOT NULL CHECK (kind IN ('monthly', 'weekly')),
    weekday       integer CHECK (weekday BETWEEN 0 AND 6),   -- weekly: 0 = Sunday
    CHECK ((kind = 'weekly') = (weekday IS NOT NULL))
);

-- Windows: local start and duration in minutes; timezone NULL = the org's.
CREATE TABLE windows (
    tenant_id     text NOT NULL REFERENCES tenants ON DELETE CASCADE,
    name          text NOT NULL,
    offset_days   integer NOT NULL CHECK (offset_days BETWEEN 0 AND 27),
    start_minute  integer NOT NULL CHECK (start_minute BETWEEN 0 AND 1439),
    duration_minutes integer NOT NULL CHECK (duration_minutes BETWEEN 1 AND 10080),
    capacity      integer NOT NULL CHECK (capacity >= 1),
    timezone      text,
    window_group  text,
    position      integer CHECK (position >= 1),
    PRIMARY KEY (tenant_id, name),
    CHECK ((window_group IS NULL) = (position IS NULL))
);

CREATE TABLE window_groups (
    tenant_id     text NOT NULL REFERENCES tenants ON DELETE CASCADE,
    name          text NOT NULL,
    description   text NOT NULL DEFAULT '',
    failure_policy text NOT NULL DEFAULT 'hold_dependents'
                  CHECK (failure_policy IN ('hold_dependents', 'stop', 'continue')),
    budget_kind   text NOT NULL DEFAULT 'none' CHECK (budget_kind IN ('none', 'count', 'percent')),
    budget_value  integer NOT NULL DEFAULT 0 CHECK (budget_value >= 0),
    PRIMARY KEY (tenant_id, name)
);

-- Blackouts in file order; dates are civil dates in the org's time zone.
CREATE TABLE blackouts (
    tenant_id     text NOT NULL REFERENCES tenants ON DELETE CASCADE,
    ordinal       integer NOT NULL,
    org           text NOT NULL,
    first_day     date NOT NULL,
    last_day      date NOT NULL,
    reason        text NOT NULL DEFAULT '',
    PRIMARY KEY (tenant_id, ordinal),
    CHECK (first_day <= last_day)
);

-- "hostname is patched only after depends_on is patched, rebooted and
-- healthy". By hostname, so a re-imported agent keeps its dependencies.
CREATE TABLE dependencies (
    tenant_id     text NOT NULL REFERENCES tenants ON DELETE CASCADE,
    hostname      text NOT NULL,
    depends_on    text NOT NULL,
    PRIMARY KEY (tenant_id, hostname, depends_on)
);

-- One computed plan per tenant and cycle ("2026-07", or the anchor date of a
-- weekly cycle). inputs_digest fingerprints everything it was computed from,
-- so a later call knows whether it is stale. document is the JSON of
-- `pwctl plan --json` (docs/scheduling.md).
CREATE TABLE plans (
    tenant_id     text NOT NULL REFERENCES tenants ON DELETE CASCADE,
    cycle         text NOT NULL,
    anchor        date NOT NULL,
    computed_at   timestamptz NOT NULL DEFAULT now(),
    computed_by   text NOT NULL DEFAULT '',
    inputs_digest text NOT NULL,
    compute_us    bigint NOT NULL DEFAULT 0,
    agents        integer NOT NULL,
    planned       integer NOT NULL,
    unscheduled   integer NOT NULL,
    violations    integer NOT NULL,
    document      jsonb NOT NULL,
    PRIMARY KEY (tenant_id, cycle)
);

-- Where each agent of the plan lands. Unsubscribed agents are in a plan only
-- when a dependency names them.
CREATE TABLE plan_agents (
    tenant_id     text NOT NULL,
    cycle         text NOT NULL,
    agent_id      bigint NOT NULL,
    hostname      text NOT NULL,
    org           text NOT NULL,
    status        text NOT NULL CHECK (status IN ('planned', 'unscheduled')),
    reason        text NOT NULL DEFAULT '',
    "window"      text,
    window_group  text,
    position      integer,
    wave          integer,
    start_utc     timestamptz,
    end_utc       timestamptz,
    wave_end_utc  timestamptz,
    timezone      text,
    scan_utc      timestamptz,          -- the scan before the instance
    health_timeout_s integer,           -- from health_check: how long "back up" may take
    PRIMARY KEY (tenant_id, cycle, agent_id),
    FOREIGN KEY (tenant_id, cycle) REFERENCES plans ON DELETE CASCADE
);

CREATE TABLE plan_violations (
    tenant_id     text NOT NULL,
    cycle         text NOT NULL,
    ordinal       integer NOT NULL,
    code          text NOT NULL CHECK (code IN ('DEPENDENCY_CYCLE', 'DEPENDENCY_ORDER',
                                                'CHAIN_TOO_DEEP', 'WINDOW_OVER_CAPACITY',
                                                'WINDOW_OVERRUN', 'SCAN_GAP', 'STALE_SCAN',
                                                'UNKNOWN_WINDOW')),
    agent_id      bigint,
    other_agent_id bigint,
    "window"      text,
    members       text[] NOT NULL DEFAULT '{}',   -- cycle members, agents past a chain's end
    detail        text NOT NULL,
    PRIMARY KEY (tenant_id, cycle, ordinal),
    FOREIGN KEY (tenant_id, cycle) REFERENCES plans ON DELETE CASCADE
);

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['sched_cycles', 'windows', 'window_groups', 'blackouts',
                             'dependencies', 'plans', 'plan_agents', 'plan_violations'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = pw_tenant()) '
                       'WITH CHECK (tenant_id = pw_tenant())', t);
    END LOOP;
END
$$;
