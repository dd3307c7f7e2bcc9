-- audit_load_patches.sql, grouped by agent and source, for the patches $3
-- of the agents $2 (bigint[] both) only: the patch facts a write changed.
-- $4: whether scan states changed too (else their part reads nothing). $1:
-- the transaction's tenant.
SELECT agent_id, status AS state, source_kind, source_policy,
       (extract(epoch FROM until) * 1000000)::bigint AS until_us, array_agg(patch_id)
  FROM patch_status
 WHERE tenant_id = $1 AND agent_id = ANY ($2::bigint[])
   AND patch_id = ANY ($3::bigint[])
   AND status IN ('approved', 'review')
 GROUP BY agent_id, status, source_kind, source_policy, until
 UNION ALL
SELECT agent_id, state, NULL, NULL, NULL, array_agg(patch_id)
  FROM scan_states
 WHERE tenant_id = $1 AND agent_id = ANY ($2::bigint[])
   AND patch_id = ANY ($3::bigint[])
   AND state IN ('failed', 'pending_reboot') AND $4::boolean
 GROUP BY agent_id, state
