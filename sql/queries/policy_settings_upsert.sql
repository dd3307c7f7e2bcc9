-- $1 scan_gap_s, $2 scan_max_age_s, $3 review_max_age_s, $4 timezone
INSERT INTO tenant_settings (tenant_id, scan_gap_s, scan_max_age_s, review_max_age_s, timezone)
VALUES (pw_tenant(), $1, $2, $3, $4)
ON CONFLICT (tenant_id) DO UPDATE
   SET scan_gap_s = $1, scan_max_age_s = $2, review_max_age_s = $3, timezone = $4
