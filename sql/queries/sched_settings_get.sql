-- The tenant's scan thresholds (seconds) and default time zone.
SELECT scan_gap_s, scan_max_age_s, timezone
  FROM tenant_settings
 WHERE tenant_id = pw_tenant()
