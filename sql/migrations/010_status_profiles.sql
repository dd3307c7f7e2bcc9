-- 010_status_profiles: a patch's status is stored once per status profile,
-- not once per agent.
--
-- The effective status of a patch on an agent (DESIGN 2.2) depends on the
-- agent only through three things: whether it is subscribed, which patch
-- policies it is a member of, and its ignore list. Agents that agree on all
-- three are one *status profile*, and every patch has the same status, with
-- the same provenance, on each of them. A fleet of 50,000 agents has some
-- hundreds of profiles, so a review decision that changes a patch on 13,000
-- agents rewrites a few dozen rows instead of 13,000, and a full resolution
-- writes tens of thousands of status rows instead of 1.6 million.
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

CREATE TABLE agent_profiles (
    tenant_id     text NOT NULL,
    agent_id      bigint NOT NULL,
    profile_id    bigint NOT NULL,
    PRIMARY KEY (tenant_id, agent_id),
    FOREIGN KEY (tenant_id, agent_id) REFERENCES agents ON DELETE CASCADE
);

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

GRANT SELECT, INSERT, UPDATE, DELETE ON agent_profiles, profile_status TO pw_service;
GRANT SELECT ON patch_status TO pw_service;

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
