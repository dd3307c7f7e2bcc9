-- 010_status_profiles: a patch's status is stored once per status profile,
-- not once per agent.
--
-- The effective status of a patch on an agent (DESIGN 2.2) depends on the
-- agent only through three things: whether it is subscribed, which patch
-- policies it is a member of, and its ignore list. Agents that agree on all
-- three are one *status profile*, and every patch has the same status, with
-- the same provenance, on each of them. The benchmark's fleet of 50,000
-- agents has 366 profiles, so a review decision that changes a patch on
-- 13,000 agents rewrites at most one row per profile instead of 13,000,
-- and a full resolution writes 32,277 status rows instead of 2 million.
--
-- agent_profiles: the profile of every resolved agent.
-- profile_status: the status of a patch in a profile, for every patch that
--   some agent of the profile misses or failed to install (rows no agent
--   needs any more are removed by the next full or comparing resolution;
--   until then they are invisible, see the view).
-- patch_status: now a view with the columns and rows it had as a table: the
--   effective status of every patch an agent's last scan reports missing or
--   failed, with its provenance.
--
-- A profile's id is derived from its canonical key, so every policy service
-- instance and the plain-SQL baseline in bench/ name a profile the same way
-- without coordinating: pw_profile_key below, and pw_profile_id = the first
-- eight bytes of the key's SHA-256 as a big-endian signed bigint
-- (services/policy/policy_tenant.c computes the same).

-- No foreign key to agents: its check costs more than the row it guards
-- (a first resolution writes every agent's row), the only writer writes
-- rows of the agents it just read under the tenant's lock, and a row of an
-- agent that is gone shows nothing through the view (its scan states are
-- gone with it). The rows of deleted agents are removed by the trigger
-- below, as a cascade would.
CREATE TABLE agent_profiles (
    tenant_id     text NOT NULL,
    agent_id      bigint NOT NULL,
    profile_id    bigint NOT NULL,
    PRIMARY KEY (tenant_id, agent_id)
);

CREATE FUNCTION pw_agent_profiles_forget() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM agent_profiles p USING gone g
     WHERE p.tenant_id = g.tenant_id AND p.agent_id = g.agent_id;
    RETURN NULL;
END
$$;

CREATE TRIGGER agent_profiles_forget AFTER DELETE ON agents
    REFERENCING OLD TABLE AS gone
    FOR EACH STATEMENT EXECUTE FUNCTION pw_agent_profiles_forget();

CREATE TABLE profile_status (
    tenant_id     text NOT NULL,
    profile_id    bigint NOT NULL,
    patch_id      bigint NOT NULL,
    status        text NOT NULL
                  CHECK (status IN ('approved', 'deferred', 'review', 'denied', 'unmanaged')),
    until         timestamptz,
    source_kind   text NOT NULL,
    source_policy text,
    source_rule   text,
    PRIMARY KEY (tenant_id, profile_id, patch_id)
) WITH (fillfactor = 80);

-- The canonical key of a status profile: 'unsubscribed' for an agent out of
-- patching (every patch unmanaged, whatever else it has), else
-- 'subscribed', then U+001E and its member patch policies that exist, in
-- byte order, joined by U+001F, then U+001E and its ignored KBs in ASCII
-- lower case (KBs compare ASCII case-insensitively everywhere), distinct,
-- in byte order, joined by U+001F.
CREATE FUNCTION pw_profile_key(p_subscribed boolean, p_policies text[], p_ignored text[])
    RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN NOT p_subscribed THEN 'unsubscribed' ELSE
           'subscribed' || E'\x1e' ||
           coalesce((SELECT string_agg(p, E'\x1f' ORDER BY p)
                       FROM (SELECT DISTINCT p COLLATE "C" AS p FROM unnest(p_policies) p) d),
                    '') || E'\x1e' ||
           coalesce((SELECT string_agg(k, E'\x1f' ORDER BY k)
                       FROM (SELECT DISTINCT translate(k, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ',
                                                           'abcdefghijklmnopqrstuvwxyz')
                                           COLLATE "C" AS k
                               FROM unnest(p_ignored) k) d),
                    '') END
$$;

CREATE FUNCTION pw_profile_id(p_key text) RETURNS bigint LANGUAGE sql IMMUTABLE AS $$
    SELECT ('x' || encode(substring(sha256(convert_to(p_key, 'UTF8')) FROM 1 FOR 8), 'hex'))
           ::bit(64)::bigint
$$;

-- The statuses already stored move to their agents' profiles (nothing is
-- lost on upgrade; every agent of a profile holds the same statuses). Row
-- security is lifted for the move: it reads and writes every tenant.
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['agents', 'agent_settings', 'patch_policies', 'patch_status',
                             'agent_profiles', 'profile_status'] LOOP
        EXECUTE format('ALTER TABLE %I NO FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I DISABLE ROW LEVEL SECURITY', t);
    END LOOP;
END
$$;

INSERT INTO agent_profiles (tenant_id, agent_id, profile_id)
SELECT s.tenant_id, s.agent_id,
       pw_profile_id(pw_profile_key(s.subscribed,
                                    ARRAY(SELECT p FROM unnest(s.patch_policies) p
                                           WHERE EXISTS (SELECT 1 FROM patch_policies pp
                                                          WHERE pp.tenant_id = s.tenant_id
                                                            AND pp.name = p)),
                                    a.ignored_kbs))
  FROM agent_settings s JOIN agents a USING (tenant_id, agent_id);

INSERT INTO profile_status (tenant_id, profile_id, patch_id, status, until, source_kind,
                            source_policy, source_rule)
SELECT DISTINCT ON (ps.tenant_id, ap.profile_id, ps.patch_id)
       ps.tenant_id, ap.profile_id, ps.patch_id, ps.status, ps.until, ps.source_kind,
       ps.source_policy, ps.source_rule
  FROM patch_status ps JOIN agent_profiles ap USING (tenant_id, agent_id)
 ORDER BY ps.tenant_id, ap.profile_id, ps.patch_id, ps.agent_id;

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['agents', 'agent_settings', 'patch_policies'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    END LOOP;
END
$$;

DROP TABLE patch_status;

CREATE VIEW patch_status WITH (security_invoker = true) AS
SELECT s.tenant_id, s.agent_id, s.patch_id, ps.status, ps.until, ps.source_kind,
       ps.source_policy, ps.source_rule
  FROM scan_states s
  JOIN agent_profiles ap ON ap.tenant_id = s.tenant_id AND ap.agent_id = s.agent_id
  JOIN profile_status ps ON ps.tenant_id = s.tenant_id AND ps.profile_id = ap.profile_id
                        AND ps.patch_id = s.patch_id
 WHERE s.state IN ('missing', 'failed');

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['agent_profiles', 'profile_status'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = pw_tenant()) '
                       'WITH CHECK (tenant_id = pw_tenant())', t);
        -- Both are patch facts (009): every statement moves the tenant's
        -- 'facts' counter and records what its writer declared.
        EXECUTE format('CREATE TRIGGER facts_bump AFTER INSERT OR UPDATE OR DELETE ON %I '
                       'FOR EACH STATEMENT EXECUTE FUNCTION pw_facts_bump(%L)', t, 'facts');
        EXECUTE format('CREATE TRIGGER facts_bump_truncate AFTER TRUNCATE ON %I '
                       'FOR EACH STATEMENT EXECUTE FUNCTION pw_facts_bump(%L)', t, 'facts');
    END LOOP;
END
$$;

-- Readers that keep patch facts read them again (the rows moved, the
-- statuses are the same).
UPDATE facts_epoch SET epoch = epoch + 1;

GRANT SELECT, INSERT, UPDATE, DELETE ON agent_profiles, profile_status TO pw_service;
GRANT SELECT ON patch_status TO pw_service;

-- Statistics after bulk writes (005): the profile tables instead of the
-- status table.
CREATE OR REPLACE FUNCTION pw_analyze(p_tables text[]) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY p_tables LOOP
        IF t = ANY (ARRAY['agents', 'patches', 'scan_states', 'agent_settings', 'agent_profiles',
                          'profile_status', 'events', 'audit_events', 'findings',
                          'plan_agents']) THEN
            EXECUTE format('ANALYZE %I', t);
        END IF;
    END LOOP;
END
$$;
