-- The versions of the tenant's patch facts (scan states and statuses) and
-- of its plan (008_facts_version), and the epoch every write without a
-- tenant moves. Read before the rows they vouch for. $1: the transaction's
-- tenant.
SELECT coalesce((SELECT version FROM facts_version
                  WHERE tenant_id = $1 AND counter = 'facts'), 0),
       coalesce((SELECT version FROM facts_version
                  WHERE tenant_id = $1 AND counter = 'plan'), 0),
       e.epoch
  FROM facts_epoch e
