-- Removes a stored plan (its agents and violations cascade). $1 cycle.
DELETE FROM plans WHERE tenant_id = pw_tenant() AND cycle = $1
