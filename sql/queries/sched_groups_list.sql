-- Every window group of the session's tenant, by name.
SELECT name, failure_policy, budget_kind, budget_value
  FROM window_groups
 WHERE tenant_id = pw_tenant()
 ORDER BY name
