-- Every agent of the session's tenant, by hostname, with what planning reads
-- from the inventory: its own subscription and expected minutes. Its org's
-- subscription comes from sched_orgs_list and its effective settings from
-- sched_agent_settings_list; the two are joined in the scheduler, which
-- keeps this an index scan at any size.
SELECT agent_id, hostname, org, subscribed, coalesce(expected_minutes, 0) AS expected_minutes
  FROM agents
 WHERE tenant_id = pw_tenant()
 ORDER BY hostname
