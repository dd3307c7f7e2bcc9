-- Removes the tenant's blackouts before `blackouts` is written again.
DELETE FROM blackouts WHERE tenant_id = pw_tenant()
