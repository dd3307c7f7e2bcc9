-- Per patch policy: patches in review there with no decision yet, and when
-- the oldest of them was released (unix us). $1: the transaction's tenant
-- (see audit_facts_plan.sql).
SELECT ps.source_policy, count(DISTINCT ps.patch_id),
       (extract(epoch FROM min(p.released_at)) * 1000000)::bigint
  FROM patch_status ps
  JOIN patches p ON p.tenant_id = ps.tenant_id AND p.patch_id = ps.patch_id
 WHERE ps.tenant_id = $1 AND ps.status = 'review' AND ps.source_policy IS NOT NULL
   AND NOT EXISTS (SELECT 1 FROM decisions d
                    WHERE d.tenant_id = ps.tenant_id AND d.policy = ps.source_policy
                      AND d.kb = p.kb)
 GROUP BY ps.source_policy
 ORDER BY ps.source_policy
