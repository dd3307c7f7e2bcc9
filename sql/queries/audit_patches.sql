-- Per agent, from the last scans: the patches reported missing whose
-- effective status is approved, as arrays of patch ids, one row per source
-- of the approval time (the status's own `until`, else the time of the
-- review decision of source_policy or of the tenant's KB override, else
-- the release: audit_catalog has those per patch); then the failed
-- installs and the installed patches waiting for a reboot. Rows in no
-- order. $1: the transaction's tenant (see audit_facts_plan.sql).
SELECT st.agent_id, 'missing' AS state, ps.source_kind, ps.source_policy,
       (extract(epoch FROM ps.until) * 1000000)::bigint AS until_us, array_agg(st.patch_id)
  FROM scan_states st
  JOIN patch_status ps
    ON ps.tenant_id = st.tenant_id AND ps.agent_id = st.agent_id AND ps.patch_id = st.patch_id
 WHERE st.tenant_id = $1 AND st.state = 'missing' AND ps.status = 'approved'
 GROUP BY st.agent_id, ps.source_kind, ps.source_policy, ps.until
 UNION ALL
SELECT agent_id, state, NULL, NULL, NULL, array_agg(patch_id)
  FROM scan_states
 WHERE tenant_id = $1 AND state IN ('failed', 'pending_reboot')
 GROUP BY agent_id, state
