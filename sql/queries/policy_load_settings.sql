-- Tenant thresholds (at most one row).
SELECT scan_gap_s, scan_max_age_s, review_max_age_s, timezone FROM tenant_settings
