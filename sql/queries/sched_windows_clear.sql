-- Removes the tenant's windows before the `windows` section is written again.
DELETE FROM windows WHERE tenant_id = pw_tenant()
