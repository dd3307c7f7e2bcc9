-- Removes the tenant's cycle row before the `cycle` section is written again.
DELETE FROM sched_cycles WHERE tenant_id = pw_tenant()
