-- Stores every violation of a plan in one statement. $1 cycle, $2 a JSON
-- array of plan_violations rows.
INSERT INTO plan_violations (tenant_id, cycle, ordinal, code, agent_id, other_agent_id,
                             "window", members, detail)
SELECT pw_tenant(), $1, r.ordinal, r.code, r.agent_id, r.other_agent_id, r."window",
       coalesce(r.members, '{}'), r.detail
  FROM jsonb_to_recordset($2::jsonb)
       AS r(ordinal integer, code text, agent_id bigint, other_agent_id bigint,
            "window" text, members text[], detail text)
