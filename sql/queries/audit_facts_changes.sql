-- What the writes of the tenant's patch facts after version $2 up to $3
-- changed (009_facts_changes): how many rows there are (one per version:
-- fewer when pruned), how many name any agent, the agents the others name,
-- how many name any patch and the patches the others name. $1: the
-- transaction's tenant.
SELECT count(*),
       count(*) FILTER (WHERE agents IS NULL),
       (SELECT array_agg(DISTINCT a) FROM facts_changes c, unnest(c.agents) a
         WHERE c.tenant_id = $1 AND c.version > $2::bigint AND c.version <= $3::bigint),
       count(*) FILTER (WHERE patches IS NULL),
       (SELECT array_agg(DISTINCT p) FROM facts_changes c, unnest(c.patches) p
         WHERE c.tenant_id = $1 AND c.version > $2::bigint AND c.version <= $3::bigint)
  FROM facts_changes
 WHERE tenant_id = $1 AND version > $2::bigint AND version <= $3::bigint
