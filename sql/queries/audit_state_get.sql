-- The last full audit of the session's tenant.
SELECT (extract(epoch FROM last_run_at) * 1000000)::bigint, agents, open_findings, compute_us,
       total_us
  FROM audit_state
 WHERE tenant_id = pw_tenant()
