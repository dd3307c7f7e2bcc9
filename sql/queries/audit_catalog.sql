-- The tenant's patches as the audit names and times them, by patch id: KB,
-- severity, release and the time of the tenant's override of the KB (unix
-- us), with each patch policy's review decision on the KB and its time
-- (one row per decision; one row with NULLs without any). $1: the
-- transaction's tenant (see audit_facts_plan.sql).
SELECT p.patch_id, p.kb, p.severity, (extract(epoch FROM p.released_at) * 1000000)::bigint,
       (extract(epoch FROM k.updated_at) * 1000000)::bigint, d.policy,
       (extract(epoch FROM d.decided_at) * 1000000)::bigint
  FROM patches p
  LEFT JOIN kb_overrides k ON k.tenant_id = p.tenant_id AND k.kb = p.kb
  LEFT JOIN decisions d ON d.tenant_id = p.tenant_id AND d.kb = p.kb
 WHERE p.tenant_id = $1
 ORDER BY p.patch_id
