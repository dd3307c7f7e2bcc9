-- The patch facts of the (agent, patch) pairs $2[i], $3[i] (bigint[]
-- both) only, as the whole read (audit_load_patches.sql) keeps them,
-- grouped by agent and source: the patch facts a decision rewrote. For
-- each pair, the agent's status profile (agent_profiles) and that
-- profile's status of the patch (profile_status); only a pair whose status
-- is approved or in review then has its scan state looked up, by its key,
-- and is kept when the scan reports the patch missing or failed (the LIMIT
-- keeps the lookup a probe of the primary key: joined plainly, tens of
-- thousands of pairs are planned as a hash join over every scan state of
-- the tenant). So a pair costs one probe at most, and a denial none. $4:
-- whether scan states changed too (else the part of the failed and
-- waiting installs reads nothing). $1: the transaction's tenant.
SELECT k.agent_id, ps.status AS state, ps.source_kind, ps.source_policy,
       (extract(epoch FROM ps.until) * 1000000)::bigint AS until_us, array_agg(k.patch_id)
  FROM unnest($2::bigint[], $3::bigint[]) AS k(agent_id, patch_id)
  JOIN agent_profiles ap ON ap.tenant_id = $1 AND ap.agent_id = k.agent_id
  JOIN profile_status ps ON ps.tenant_id = $1 AND ps.profile_id = ap.profile_id
                        AND ps.patch_id = k.patch_id AND ps.status IN ('approved', 'review')
 CROSS JOIN LATERAL (SELECT 1 FROM scan_states s
                      WHERE s.tenant_id = $1 AND s.agent_id = k.agent_id
                        AND s.patch_id = k.patch_id AND s.state IN ('missing', 'failed')
                      LIMIT 1) s
 GROUP BY k.agent_id, ps.status, ps.source_kind, ps.source_policy, ps.until
 UNION ALL
SELECT s.agent_id, s.state, NULL, NULL, NULL, array_agg(s.patch_id)
  FROM unnest($2::bigint[], $3::bigint[]) AS k(agent_id, patch_id)
 CROSS JOIN LATERAL (SELECT * FROM scan_states p
                      WHERE p.tenant_id = $1 AND p.agent_id = k.agent_id
                        AND p.patch_id = k.patch_id AND p.state IN ('failed', 'pending_reboot')
                      LIMIT 1) s
 WHERE $4::boolean
 GROUP BY s.agent_id, s.state
