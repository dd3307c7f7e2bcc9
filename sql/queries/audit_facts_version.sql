-- The version of the tenant's scan states and statuses (008_facts_version):
-- the tenant's counter and the epoch, as one key. Read before the rows it
-- vouches for. $1: the transaction's tenant.
SELECT coalesce((SELECT version FROM facts_version WHERE tenant_id = $1), 0)::text || '.' ||
       (SELECT epoch FROM facts_epoch)::text
