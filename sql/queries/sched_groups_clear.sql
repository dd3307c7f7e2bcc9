-- Removes the tenant's window groups before `window_groups` is written again.
DELETE FROM window_groups WHERE tenant_id = pw_tenant()
