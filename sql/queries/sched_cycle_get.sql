-- The tenant's cycle; no row: monthly on Patch Tuesday.
SELECT kind, weekday FROM sched_cycles WHERE tenant_id = pw_tenant()
