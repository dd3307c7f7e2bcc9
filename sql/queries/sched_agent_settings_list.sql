-- The effective settings planning reads of every agent of the session's
-- tenant the policy service has resolved, by agent_id.
SELECT agent_id, subscribed, update_window, scan, manual_patching, health_check
  FROM agent_settings
 WHERE tenant_id = pw_tenant()
 ORDER BY agent_id
