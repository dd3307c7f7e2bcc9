-- Writes what changed in the violations of a stored plan, as
-- sched_plan_agents_patch does for its agents. $1 cycle, $2 a JSON array of
-- the plan_violations rows that are new or differ, $3 how many violations
-- the plan has now: ordinals past it are deleted.
WITH gone AS (
    DELETE FROM plan_violations v
     WHERE v.tenant_id = pw_tenant() AND v.cycle = $1 AND v.ordinal > $3::integer
)
INSERT INTO plan_violations (tenant_id, cycle, ordinal, code, agent_id, other_agent_id,
                             "window", members, detail)
SELECT pw_tenant(), $1, r.ordinal, r.code, r.agent_id, r.other_agent_id, r."window",
       coalesce(r.members, '{}'), r.detail
  FROM json_to_recordset($2::json)
       AS r(ordinal integer, code text, agent_id bigint, other_agent_id bigint,
            "window" text, members text[], detail text)
ON CONFLICT (tenant_id, cycle, ordinal)
DO UPDATE SET code = EXCLUDED.code, agent_id = EXCLUDED.agent_id,
              other_agent_id = EXCLUDED.other_agent_id, "window" = EXCLUDED."window",
              members = EXCLUDED.members, detail = EXCLUDED.detail
