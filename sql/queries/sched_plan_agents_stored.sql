-- The agent rows of a stored plan, as the scheduler compares them with a new
-- plan (times as unix seconds). Read when it does not know them already:
-- after a start, or when another scheduler wrote the plan. $1 cycle.
SELECT agent_id, hostname, org, status = 'planned', reason, "window", window_group, position,
       wave, date_part('epoch', start_utc)::bigint, date_part('epoch', end_utc)::bigint,
       date_part('epoch', wave_end_utc)::bigint, timezone, date_part('epoch', scan_utc)::bigint,
       health_timeout_s
  FROM plan_agents
 WHERE tenant_id = pw_tenant() AND cycle = $1
