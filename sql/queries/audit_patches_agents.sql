-- The patch facts of the agents $2 (bigint[]) only, as the whole read
-- (audit_load_patches.sql) keeps them, grouped by agent and source: every
-- patch fact of the agents a write changed. Each agent's scan states that
-- are missing or failed, with the status of the patch in the agent's
-- status profile when approved or in review (the join patch_status makes,
-- with the agents filtering the scan states and the profiles alike); then
-- the failed installs and the installs waiting for a reboot. $3: whether
-- scan states changed too (else that part reads nothing). $1: the
-- transaction's tenant.
SELECT s.agent_id, ps.status AS state, ps.source_kind, ps.source_policy,
       (extract(epoch FROM ps.until) * 1000000)::bigint AS until_us, array_agg(s.patch_id)
  FROM agent_profiles ap
  JOIN scan_states s ON s.tenant_id = $1 AND s.agent_id = ap.agent_id
                    AND s.state IN ('missing', 'failed')
  JOIN profile_status ps ON ps.tenant_id = $1 AND ps.profile_id = ap.profile_id
                        AND ps.patch_id = s.patch_id AND ps.status IN ('approved', 'review')
 WHERE ap.tenant_id = $1 AND ap.agent_id = ANY ($2::bigint[])
   AND s.agent_id = ANY ($2::bigint[])
 GROUP BY s.agent_id, ps.status, ps.source_kind, ps.source_policy, ps.until
 UNION ALL
SELECT agent_id, state, NULL, NULL, NULL, array_agg(patch_id)
  FROM scan_states
 WHERE tenant_id = $1 AND agent_id = ANY ($2::bigint[])
   AND state IN ('failed', 'pending_reboot') AND $3::boolean
 GROUP BY agent_id, state
