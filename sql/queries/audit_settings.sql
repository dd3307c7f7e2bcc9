-- The tenant's thresholds (NULL without a settings row) and its baseline
-- patch policy (NULL when none is marked).
SELECT ts.scan_gap_s, ts.scan_max_age_s, ts.review_max_age_s,
       (SELECT name FROM patch_policies
         WHERE tenant_id = pw_tenant() AND baseline ORDER BY name LIMIT 1)
  FROM (SELECT 1) one
  LEFT JOIN tenant_settings ts ON ts.tenant_id = pw_tenant()
