-- Updates the head of a stored plan, and its document unless the scheduler
-- knows it did not change (see sched_plan_agents_patch). $1 cycle, $2 anchor date, $3 actor, $4 inputs
-- digest, $5 compute_us, $6 agents, $7 planned, $8 unscheduled,
-- $9 violations, $10 document (JSON), NULL when unchanged. Returns the new
-- version of the row (xmin). Compression as in sched_plan_put.
UPDATE plans
   SET anchor = $2::date, computed_at = now(), computed_by = $3, inputs_digest = $4,
       compute_us = $5::bigint, agents = $6::integer, planned = $7::integer,
       unscheduled = $8::integer, violations = $9::integer,
       document = coalesce($10::jsonb, document)
  FROM (SELECT set_config('default_toast_compression',
                          CASE WHEN EXISTS (SELECT 1 FROM pg_settings
                                             WHERE name = 'default_toast_compression'
                                               AND 'lz4' = ANY (enumvals))
                               THEN 'lz4'
                               ELSE current_setting('default_toast_compression') END,
                          true)) AS compression
 WHERE plans.tenant_id = pw_tenant() AND plans.cycle = $1
RETURNING plans.xmin::text
