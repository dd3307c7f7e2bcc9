-- Stores every agent of a plan in one statement. $1 cycle, $2 a JSON array
-- of plan_agents rows (times as unix seconds).
INSERT INTO plan_agents (tenant_id, cycle, agent_id, hostname, org, status, reason, "window",
                         window_group, position, wave, start_utc, end_utc, wave_end_utc,
                         timezone, scan_utc, health_timeout_s)
SELECT pw_tenant(), $1, r.agent_id, r.hostname, r.org, r.status, r.reason, r."window",
       r.window_group, r.position, r.wave, to_timestamp(r.start_utc), to_timestamp(r.end_utc),
       to_timestamp(r.wave_end_utc), r.timezone, to_timestamp(r.scan_utc), r.health_timeout_s
  FROM jsonb_to_recordset($2::jsonb)
       AS r(agent_id bigint, hostname text, org text, status text, reason text, "window" text,
            window_group text, position integer, wave integer, start_utc bigint,
            end_utc bigint, wave_end_utc bigint, timezone text, scan_utc bigint,
            health_timeout_s integer)
