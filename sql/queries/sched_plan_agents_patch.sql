-- Writes what changed in the agents of a stored plan: the scheduler knows
-- the stored rows (it wrote them, and the plans row is still the version
-- it wrote, or it read them back) and compares them with the new plan in
-- memory. $1 cycle, $2 a JSON array of the plan_agents rows that are new
-- or differ (times as unix seconds), $3 the agent_ids no longer in the plan
-- (bigint[]). The delete and the upsert touch disjoint rows; a re-plan
-- that changed nothing does not run this at all.
WITH gone AS (
    DELETE FROM plan_agents p
     WHERE p.tenant_id = pw_tenant() AND p.cycle = $1 AND p.agent_id = ANY ($3::bigint[])
)
INSERT INTO plan_agents (tenant_id, cycle, agent_id, hostname, org, status, reason, "window",
                         window_group, position, wave, start_utc, end_utc, wave_end_utc,
                         timezone, scan_utc, health_timeout_s)
SELECT pw_tenant(), $1, r.agent_id, r.hostname, r.org, r.status, r.reason, r."window",
       r.window_group, r.position, r.wave, to_timestamp(r.start_utc), to_timestamp(r.end_utc),
       to_timestamp(r.wave_end_utc), r.timezone, to_timestamp(r.scan_utc), r.health_timeout_s
  FROM json_to_recordset($2::json)
       AS r(agent_id bigint, hostname text, org text, status text, reason text,
            "window" text, window_group text, position integer, wave integer,
            start_utc bigint, end_utc bigint, wave_end_utc bigint, timezone text,
            scan_utc bigint, health_timeout_s integer)
ON CONFLICT (tenant_id, cycle, agent_id)
DO UPDATE SET hostname = EXCLUDED.hostname, org = EXCLUDED.org, status = EXCLUDED.status,
              reason = EXCLUDED.reason, "window" = EXCLUDED."window",
              window_group = EXCLUDED.window_group, position = EXCLUDED.position,
              wave = EXCLUDED.wave, start_utc = EXCLUDED.start_utc, end_utc = EXCLUDED.end_utc,
              wave_end_utc = EXCLUDED.wave_end_utc, timezone = EXCLUDED.timezone,
              scan_utc = EXCLUDED.scan_utc, health_timeout_s = EXCLUDED.health_timeout_s
