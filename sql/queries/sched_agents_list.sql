-- Every agent of the session's tenant with what planning reads: effective
-- subscription (the org's, the agent's and the resolved setting), expected
-- minutes, and the effective settings (NULL when not resolved yet).
SELECT a.agent_id, a.hostname, a.org,
       (o.patching = 'subscribed' AND a.subscribed AND coalesce(s.subscribed, true)) AS subscribed,
       coalesce(a.expected_minutes, 0) AS expected_minutes,
       s.update_window, s.scan, s.manual_patching, s.health_check
  FROM agents a
  JOIN orgs o ON o.tenant_id = a.tenant_id AND o.name = a.org
  LEFT JOIN agent_settings s ON s.tenant_id = a.tenant_id AND s.agent_id = a.agent_id
 WHERE a.tenant_id = pw_tenant()
 ORDER BY a.hostname
