-- Stores a plan's head and document, replacing the head of the same cycle
-- in place (its agents and violations are rewritten by the _put statements
-- that follow). $1 cycle, $2 anchor date, $3 actor, $4 inputs digest,
-- $5 compute_us, $6 agents, $7 planned, $8 unscheduled, $9 violations,
-- $10 document (JSON).
INSERT INTO plans (tenant_id, cycle, anchor, computed_at, computed_by, inputs_digest, compute_us,
                   agents, planned, unscheduled, violations, document)
VALUES (pw_tenant(), $1, $2::date, now(), $3, $4, $5::bigint, $6::integer, $7::integer,
        $8::integer, $9::integer, $10::jsonb)
ON CONFLICT (tenant_id, cycle)
DO UPDATE SET anchor = EXCLUDED.anchor, computed_at = EXCLUDED.computed_at,
              computed_by = EXCLUDED.computed_by, inputs_digest = EXCLUDED.inputs_digest,
              compute_us = EXCLUDED.compute_us, agents = EXCLUDED.agents,
              planned = EXCLUDED.planned, unscheduled = EXCLUDED.unscheduled,
              violations = EXCLUDED.violations, document = EXCLUDED.document
