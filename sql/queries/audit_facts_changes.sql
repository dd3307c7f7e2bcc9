-- What the writes of the tenant's patch facts after version $2 up to $3
-- changed (009_facts_changes): how many rows there are (one per version:
-- fewer when pruned), how many name any agent, how many name any patch,
-- how many are not pairs, how many were writes of scan states.
-- $1: the transaction's tenant.
SELECT count(*), count(*) FILTER (WHERE agents IS NULL),
       count(*) FILTER (WHERE patches IS NULL), count(*) FILTER (WHERE NOT paired),
       count(*) FILTER (WHERE scans)
  FROM facts_changes
 WHERE tenant_id = $1 AND version > $2::bigint AND version <= $3::bigint
