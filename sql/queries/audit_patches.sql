-- Per agent: the patches whose effective status is approved or in review,
-- as arrays of patch ids, one row per source of the approval time (the
-- status's own `until`, else the time of the review decision of
-- source_policy or of the tenant's KB override, else the release:
-- audit_catalog has those per patch); then, from the last scans, the failed
-- installs and the installed patches waiting for a reboot. Rows in no
-- order. $1: the transaction's tenant (see audit_facts_plan.sql).
--
-- The policy service writes a status for exactly the missing and the
-- failed patches of the last scans, in the transaction that writes the
-- scans: an approved status is a missing approved patch unless its install
-- failed, which the audit sees in the failed arrays. So the statuses are
-- read alone, in one pass, without joining the scan states (twice as many
-- rows; the join cost three times the scan at 50,000 agents).
SELECT agent_id, status AS state, source_kind, source_policy,
       (extract(epoch FROM until) * 1000000)::bigint AS until_us, array_agg(patch_id)
  FROM patch_status
 WHERE tenant_id = $1 AND status IN ('approved', 'review')
 GROUP BY agent_id, status, source_kind, source_policy, until
 UNION ALL
SELECT agent_id, state, NULL, NULL, NULL, array_agg(patch_id)
  FROM scan_states
 WHERE tenant_id = $1 AND state IN ('failed', 'pending_reboot')
 GROUP BY agent_id, state
