-- The planner's view of the staged statuses (see policy_analyze_scans).
ANALYZE pw_tmp_patch_status
