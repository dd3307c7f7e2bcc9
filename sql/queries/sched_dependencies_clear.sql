-- Removes the tenant's dependencies before `dependencies` is written again.
DELETE FROM dependencies WHERE tenant_id = pw_tenant()
