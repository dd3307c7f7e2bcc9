-- The inputs digest of a stored plan. $1 cycle.
SELECT inputs_digest FROM plans WHERE tenant_id = pw_tenant() AND cycle = $1
