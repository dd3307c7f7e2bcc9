-- The versions of the tenant's patch facts (scan states and statuses), of
-- its plan (008_facts_version), of its agents' rows and of its findings
-- (009_facts_changes), and the epoch every write without a tenant moves.
-- Read before the rows they vouch for. $1: the transaction's tenant.
SELECT coalesce(max(version) FILTER (WHERE counter = 'facts'), 0),
       coalesce(max(version) FILTER (WHERE counter = 'plan'), 0),
       coalesce(max(version) FILTER (WHERE counter = 'agents'), 0),
       coalesce(max(version) FILTER (WHERE counter = 'findings'), 0),
       (SELECT epoch FROM facts_epoch)
  FROM facts_version
 WHERE tenant_id = $1
