-- The planner's view of the scans staged by an upload (see
-- policy_analyze_scans).
ANALYZE pw_upload_scans
