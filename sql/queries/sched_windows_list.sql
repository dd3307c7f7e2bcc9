-- Every window of the session's tenant, by name.
SELECT name, offset_days, start_minute, duration_minutes, capacity, timezone,
       window_group, position
  FROM windows
 WHERE tenant_id = pw_tenant()
 ORDER BY name
