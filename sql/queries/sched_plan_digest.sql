-- The inputs digest of a stored plan and the version of its row (xmin: it
-- changes whenever the plan is written). The row stays locked until the
-- transaction ends, so two schedulers store one tenant's plan one after
-- the other. $1 cycle.
SELECT inputs_digest, xmin::text FROM plans WHERE tenant_id = pw_tenant() AND cycle = $1
   FOR UPDATE
