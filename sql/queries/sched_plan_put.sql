-- Stores the head and document of a plan the store has none of for its
-- cycle; its rows follow with the _patch statements, and a stored plan is
-- updated with sched_plan_update. $1 cycle, $2 anchor date, $3 actor,
-- $4 inputs digest, $5 compute_us, $6 agents, $7 planned, $8 unscheduled,
-- $9 violations, $10 document (JSON). Returns the version of the row
-- (xmin). The document is compressed with lz4 where the server has it:
-- several times faster than pglz on a document of megabytes.
INSERT INTO plans (tenant_id, cycle, anchor, computed_at, computed_by, inputs_digest, compute_us,
                   agents, planned, unscheduled, violations, document)
SELECT pw_tenant(), $1, $2::date, now(), $3, $4, $5::bigint, $6::integer, $7::integer,
       $8::integer, $9::integer, $10::jsonb
  FROM (SELECT set_config('default_toast_compression',
                          CASE WHEN EXISTS (SELECT 1 FROM pg_settings
                                             WHERE name = 'default_toast_compression'
                                               AND 'lz4' = ANY (enumvals))
                               THEN 'lz4'
                               ELSE current_setting('default_toast_compression') END,
                          true)) AS compression
ON CONFLICT (tenant_id, cycle)
DO UPDATE SET anchor = EXCLUDED.anchor, computed_at = EXCLUDED.computed_at,
              computed_by = EXCLUDED.computed_by, inputs_digest = EXCLUDED.inputs_digest,
              compute_us = EXCLUDED.compute_us, agents = EXCLUDED.agents,
              planned = EXCLUDED.planned, unscheduled = EXCLUDED.unscheduled,
              violations = EXCLUDED.violations, document = EXCLUDED.document
RETURNING xmin::text
