-- Records a full audit: $1 when (unix us), $2 agents, $3 open findings,
-- $4 compute us, $5 total us.
INSERT INTO audit_state (tenant_id, last_run_at, agents, open_findings, compute_us, total_us)
VALUES (pw_tenant(), timestamptz 'epoch' + $1::bigint * interval '1 microsecond', $2, $3, $4, $5)
ON CONFLICT (tenant_id) DO UPDATE
   SET last_run_at = EXCLUDED.last_run_at, agents = EXCLUDED.agents,
       open_findings = EXCLUDED.open_findings, compute_us = EXCLUDED.compute_us,
       total_us = EXCLUDED.total_us
