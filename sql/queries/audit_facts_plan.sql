-- Until the transaction ends, each statement is planned when it runs, for
-- the tenant it runs for: a cached plan keeps the row counts of the tenant
-- it was first made for (pw_tenant() is evaluated for the estimates), and
-- one made for a tenant of one agent runs for minutes on one of 10,000. A
-- statement without parameters always keeps its cached plan, so those that
-- read a tenant's rows take the tenant as $1: the planner sees it as a
-- constant, and a scan compares each row with it instead of calling
-- pw_tenant() for every row.
SELECT set_config('plan_cache_mode', 'force_custom_plan', true)
