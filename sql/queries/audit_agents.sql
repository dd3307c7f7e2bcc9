-- Every agent of the session's tenant with its effective settings, as the
-- audit's checks read them, by agent id. Patch policies are joined with
-- chr(31) (never in a name). "subscribed" is the effective value: the org's
-- subscription and the resolved setting (the inventory flag until resolved).
-- $1: the transaction's tenant (see audit_facts_plan.sql).
SELECT a.agent_id, a.hostname, a.org,
       (o.patching = 'subscribed' AND coalesce(s.subscribed, a.subscribed)) AS subscribed,
       array_to_string(coalesce(s.patch_policies, '{}'), chr(31)) AS patch_policies,
       (s.scan IS NOT NULL AND s.scan <> '') AS has_scan,
       nullif(s.update_window, '') AS update_window,
       nullif(s.manual_patching, '') AS manual_patching,
       coalesce((extract(epoch FROM a.last_scan) * 1000000)::bigint, 0) AS last_scan_us
  FROM agents a
  JOIN orgs o ON o.tenant_id = a.tenant_id AND o.name = a.org
  LEFT JOIN agent_settings s ON s.tenant_id = a.tenant_id AND s.agent_id = a.agent_id
 WHERE a.tenant_id = $1
 ORDER BY a.agent_id
