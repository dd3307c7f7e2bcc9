-- 002_policy: what the policy service owns besides inventory (setup sections
-- as applied, views, patch policies and their rules, KB overrides, reviewer
-- decisions, system policies, assignments) and what it resolves (effective
-- settings and patch statuses per agent), which the scheduler and the audit
-- read.

-- The last applied content of each setup section, per tenant: the digest
-- tells an apply whether anything changed; the canonical text is what was
-- applied (policy and scheduler sections alike).
CREATE TABLE setup_sections (
    tenant_id     text NOT NULL REFERENCES tenants ON DELETE CASCADE,
    section       text NOT NULL,
    digest        text NOT NULL,
    canonical     text NOT NULL,
    applied_at    timestamptz NOT NULL DEFAULT now(),
    applied_by    text NOT NULL DEFAULT '',
    PRIMARY KEY (tenant_id, section)
);

-- Tenant thresholds from the setup file's `settings`.
CREATE TABLE tenant_settings (
    tenant_id     text PRIMARY KEY REFERENCES tenants ON DELETE CASCADE,
    scan_gap_s    bigint NOT NULL DEFAULT 86400,
    scan_max_age_s bigint NOT NULL DEFAULT 604800,
    review_max_age_s bigint NOT NULL DEFAULT 1209600,
    timezone      text NOT NULL DEFAULT 'UTC'
);

CREATE TABLE views (
    tenant_id     text NOT NULL REFERENCES tenants ON DELETE CASCADE,
    name          text NOT NULL,
    filter        text NOT NULL,
    description   text NOT NULL DEFAULT '',
    PRIMARY KEY (tenant_id, name)
);

CREATE TABLE patch_policies (
    tenant_id     text NOT NULL REFERENCES tenants ON DELETE CASCADE,
    name          text NOT NULL,
    description   text NOT NULL DEFAULT '',
    baseline      boolean NOT NULL DEFAULT false,
    deny_superseded boolean NOT NULL DEFAULT false,
    default_action text NOT NULL DEFAULT 'review'
                  CHECK (default_action IN ('approve', 'review', 'deny')),
    PRIMARY KEY (tenant_id, name)
);

-- Rules in evaluation order: product rules (ordinal = listed order, first
-- match wins), then one row per classification that has a rule.
CREATE TABLE patch_policy_rules (
    tenant_id     text NOT NULL,
    policy        text NOT NULL,
    ordinal       integer NOT NULL,
    kind          text NOT NULL CHECK (kind IN ('product', 'classification')),
    match         text NOT NULL,        -- product glob, or classification name
    action        text NOT NULL CHECK (action IN ('approve', 'review', 'deny')),
    after_days    integer NOT NULL DEFAULT 0 CHECK (after_days >= 0),
    PRIMARY KEY (tenant_id, policy, ordinal),
    FOREIGN KEY (tenant_id, policy) REFERENCES patch_policies ON DELETE CASCADE
);

-- Tenant-wide KB overrides: decide in every policy.
CREATE TABLE kb_overrides (
    tenant_id     text NOT NULL REFERENCES tenants ON DELETE CASCADE,
    kb            text NOT NULL,
    action        text NOT NULL CHECK (action IN ('approve', 'deny')),
    note          text NOT NULL,
    updated_by    text NOT NULL DEFAULT '',
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, kb)
);

-- A reviewer's decision on one KB in one policy.
CREATE TABLE decisions (
    tenant_id     text NOT NULL,
    policy        text NOT NULL,
    kb            text NOT NULL,
    action        text NOT NULL CHECK (action IN ('approve', 'deny')),
    reason        text NOT NULL DEFAULT '',
    decided_by    text NOT NULL DEFAULT '',
    decided_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, policy, kb),
    FOREIGN KEY (tenant_id, policy) REFERENCES patch_policies ON DELETE CASCADE
);

-- A system policy's settings as canonical strings (docs/system-policies.md):
-- {"patch_policies": [..], "subscribed": "true", "scan": "mon 04:00", ...}.
CREATE TABLE system_policies (
    tenant_id     text NOT NULL REFERENCES tenants ON DELETE CASCADE,
    name          text NOT NULL,
    description   text NOT NULL DEFAULT '',
    settings      jsonb NOT NULL DEFAULT '{}',
    PRIMARY KEY (tenant_id, name)
);

CREATE TABLE assignments (
    tenant_id     text NOT NULL,
    ordinal       integer NOT NULL,     -- file order: the last tie-breaker
    policy        text NOT NULL,
    level         text NOT NULL CHECK (level IN ('tenant', 'org', 'group', 'agent')),
    org           text,
    group_path    text,
    hostname      text,
    view          text,
    priority      integer NOT NULL DEFAULT 100,
    PRIMARY KEY (tenant_id, ordinal),
    FOREIGN KEY (tenant_id, policy) REFERENCES system_policies ON DELETE CASCADE
);

-- Resolved: the effective settings of every agent. The scheduler plans from
-- these columns (`pwctl explain` shows the provenance, resolved live).
-- Canonical strings: scan "mon 04:00"; reboot never|when_required|always;
-- health_check "agent_checkin timeout=900" or "tcp:1433 timeout=900"
-- (seconds); update_window a window or window-group name (templates already
-- expanded); NULL = not set.
CREATE TABLE agent_settings (
    tenant_id     text NOT NULL,
    agent_id      bigint NOT NULL,
    subscribed    boolean NOT NULL,
    patch_policies text[] NOT NULL DEFAULT '{}',
    scan          text,
    update_window text,
    reboot        text,
    pre_tasks     text[],
    post_tasks    text[],
    health_check  text,
    manual_patching text,
    overridden    text[] NOT NULL DEFAULT '{}', -- "setting:policy" that lost on this agent
    resolved_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, agent_id),
    FOREIGN KEY (tenant_id, agent_id) REFERENCES agents ON DELETE CASCADE
);

-- Resolved: the effective status of every patch an agent's scan reports
-- missing (or failed, or pending reboot), with its provenance.
CREATE TABLE patch_status (
    tenant_id     text NOT NULL,
    agent_id      bigint NOT NULL,
    patch_id      bigint NOT NULL,
    status        text NOT NULL
                  CHECK (status IN ('approved', 'deferred', 'review', 'denied', 'unmanaged')),
    until         timestamptz,
    source_kind   text NOT NULL,
    source_policy text,
    source_rule   text,
    PRIMARY KEY (tenant_id, agent_id, patch_id)
);

-- Bumped by every transaction that changes what the policy service resolves
-- from, so each instance knows when its in-memory copy of a tenant is stale.
CREATE TABLE policy_state (
    tenant_id     text PRIMARY KEY REFERENCES tenants ON DELETE CASCADE,
    version       bigint NOT NULL DEFAULT 0
);

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['setup_sections', 'tenant_settings', 'views', 'patch_policies',
                             'patch_policy_rules', 'kb_overrides', 'decisions',
                             'system_policies', 'assignments', 'agent_settings',
                             'patch_status', 'policy_state'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = pw_tenant()) '
                       'WITH CHECK (tenant_id = pw_tenant())', t);
    END LOOP;
END
$$;
