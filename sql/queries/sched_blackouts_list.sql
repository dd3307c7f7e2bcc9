-- Every blackout of the session's tenant, in file order.
SELECT org, first_day::text, last_day::text, reason
  FROM blackouts
 WHERE tenant_id = pw_tenant()
 ORDER BY ordinal
