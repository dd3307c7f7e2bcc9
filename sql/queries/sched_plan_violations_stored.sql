-- The violation rows of a stored plan, for the same comparison as
-- sched_plan_agents_stored. $1 cycle.
SELECT ordinal, code, agent_id, other_agent_id, "window", members, detail
  FROM plan_violations
 WHERE tenant_id = pw_tenant() AND cycle = $1
 ORDER BY ordinal
