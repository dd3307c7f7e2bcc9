-- audit_load_patches.sql, grouped by agent and source, for the (agent,
-- patch) pairs $2[i], $3[i] (bigint[] both) only: the patch facts a
-- decision rewrote, each looked up by its key. (The LIMIT keeps each lookup
-- a probe of the primary key: joined plainly, tens of thousands of pairs
-- are planned as a hash join over every row of the tenant.) $4: whether
-- scan states changed too (else their part reads nothing). $1: the
-- transaction's tenant.
SELECT s.agent_id, s.status AS state, s.source_kind, s.source_policy,
       (extract(epoch FROM s.until) * 1000000)::bigint AS until_us, array_agg(s.patch_id)
  FROM unnest($2::bigint[], $3::bigint[]) AS k(agent_id, patch_id)
 CROSS JOIN LATERAL (SELECT * FROM patch_status p
                      WHERE p.tenant_id = $1 AND p.agent_id = k.agent_id
                        AND p.patch_id = k.patch_id AND p.status IN ('approved', 'review')
                      LIMIT 1) s
 GROUP BY s.agent_id, s.status, s.source_kind, s.source_policy, s.until
 UNION ALL
SELECT s.agent_id, s.state, NULL, NULL, NULL, array_agg(s.patch_id)
  FROM unnest($2::bigint[], $3::bigint[]) AS k(agent_id, patch_id)
 CROSS JOIN LATERAL (SELECT * FROM scan_states p
                      WHERE p.tenant_id = $1 AND p.agent_id = k.agent_id
                        AND p.patch_id = k.patch_id AND p.state IN ('failed', 'pending_reboot')
                      LIMIT 1) s
 WHERE $4::boolean
 GROUP BY s.agent_id, s.state
