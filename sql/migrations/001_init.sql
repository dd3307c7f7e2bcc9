-- 001_init: tenants, inventory, catalogue, scan states, the event outbox.
--
-- tenant_id leads every key, so the store can be distributed by tenant.
-- Every tenant table has row-level security enabled and forced: a service
-- session sees only the rows of the tenant it set with
-- set_config('pw.tenant', ..., true) for its transaction.

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'pw_service') THEN
        CREATE ROLE pw_service LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
    END IF;
END
$$;

CREATE FUNCTION pw_tenant() RETURNS text
    LANGUAGE sql STABLE
    AS $$ SELECT nullif(current_setting('pw.tenant', true), '') $$;

CREATE TABLE tenants (
    tenant_id     text PRIMARY KEY CHECK (tenant_id ~ '^[a-z0-9][a-z0-9_.-]{0,62}$'),
    created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE orgs (
    tenant_id     text NOT NULL REFERENCES tenants ON DELETE CASCADE,
    name          text NOT NULL,
    timezone      text NOT NULL DEFAULT 'UTC',
    patching      text NOT NULL DEFAULT 'subscribed'
                  CHECK (patching IN ('subscribed', 'unsubscribed')),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, name)
);

CREATE TABLE machine_groups (
    tenant_id     text NOT NULL,
    org           text NOT NULL,
    path          text NOT NULL CHECK (path ~ '^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$'),
    PRIMARY KEY (tenant_id, org, path),
    FOREIGN KEY (tenant_id, org) REFERENCES orgs ON DELETE CASCADE
);

CREATE TABLE agents (
    tenant_id     text NOT NULL,
    agent_id      bigint GENERATED ALWAYS AS IDENTITY,
    hostname      text NOT NULL,
    org           text NOT NULL,
    group_path    text NOT NULL DEFAULT '',
    class         text NOT NULL CHECK (class IN ('server', 'workstation')),
    os            text NOT NULL DEFAULT '',
    os_version    text NOT NULL DEFAULT '',
    custom_fields jsonb NOT NULL DEFAULT '{}',
    tags          text[] NOT NULL DEFAULT '{}',
    ignored_kbs   text[] NOT NULL DEFAULT '{}',
    subscribed    boolean NOT NULL DEFAULT true,
    expected_minutes integer CHECK (expected_minutes > 0),
    last_checkin  timestamptz,
    last_scan     timestamptz,
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, agent_id),
    UNIQUE (tenant_id, hostname),
    FOREIGN KEY (tenant_id, org) REFERENCES orgs ON UPDATE CASCADE
);

CREATE TABLE patches (
    tenant_id     text NOT NULL REFERENCES tenants ON DELETE CASCADE,
    patch_id      bigint GENERATED ALWAYS AS IDENTITY,
    ident         text NOT NULL,
    kb            text NOT NULL,
    title         text NOT NULL DEFAULT '',
    classification text NOT NULL,
    products      text[] NOT NULL DEFAULT '{}',
    severity      text NOT NULL DEFAULT '',
    released_at   timestamptz NOT NULL,
    supersedes    text[] NOT NULL DEFAULT '{}',
    reboot_required boolean NOT NULL DEFAULT true,
    cves          text[] NOT NULL DEFAULT '{}',
    PRIMARY KEY (tenant_id, patch_id),
    UNIQUE (tenant_id, ident)
);
CREATE INDEX patches_kb ON patches (tenant_id, kb);

CREATE TABLE scan_states (
    tenant_id     text NOT NULL,
    agent_id      bigint NOT NULL,
    patch_id      bigint NOT NULL,
    state         text NOT NULL
                  CHECK (state IN ('missing', 'installed', 'pending_reboot', 'failed', 'not_applicable')),
    scanned_at    timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, agent_id, patch_id),
    FOREIGN KEY (tenant_id, agent_id) REFERENCES agents ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, patch_id) REFERENCES patches ON DELETE CASCADE
);

-- The outbox: an event is inserted in the transaction of the change it
-- describes and published after commit. seq has no gaps per
-- (tenant, producer): event_seq is bumped in the same transaction.
CREATE TABLE event_seq (
    tenant_id     text NOT NULL,
    producer      text NOT NULL,
    last_seq      bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, producer)
);

CREATE TABLE events (
    tenant_id     text NOT NULL,
    producer      text NOT NULL,
    seq           bigint NOT NULL,
    time          timestamptz NOT NULL DEFAULT clock_timestamp(),
    kind          text NOT NULL,
    subject       text NOT NULL DEFAULT '',
    actor         text NOT NULL DEFAULT '',
    payload       jsonb NOT NULL DEFAULT '{}',
    PRIMARY KEY (tenant_id, producer, seq)
);

-- Appends one event for the session's tenant; returns its seq and time.
CREATE FUNCTION pw_event_append(p_producer text, p_kind text, p_subject text,
                                p_actor text, p_payload jsonb,
                                OUT seq bigint, OUT time_us bigint)
    LANGUAGE plpgsql AS $$
DECLARE
    at timestamptz := clock_timestamp();
BEGIN
    INSERT INTO event_seq (tenant_id, producer, last_seq)
         VALUES (pw_tenant(), p_producer, 1)
    ON CONFLICT (tenant_id, producer) DO UPDATE SET last_seq = event_seq.last_seq + 1
    RETURNING last_seq INTO seq;
    INSERT INTO events (tenant_id, producer, seq, time, kind, subject, actor, payload)
         VALUES (pw_tenant(), p_producer, seq, at, p_kind, p_subject, p_actor, p_payload);
    time_us := (extract(epoch FROM at) * 1000000)::bigint;
END
$$;

-- Row-level security on every tenant table, forced for the owner too.
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['tenants', 'orgs', 'machine_groups', 'agents', 'patches',
                             'scan_states', 'event_seq', 'events'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = pw_tenant()) '
                       'WITH CHECK (tenant_id = pw_tenant())', t);
    END LOOP;
END
$$;

GRANT USAGE ON SCHEMA public TO pw_service;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO pw_service;
REVOKE INSERT, UPDATE, DELETE ON schema_migrations FROM pw_service;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO pw_service;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO pw_service;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO pw_service;
