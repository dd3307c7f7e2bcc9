-- As policy_analyze_scans, for the resolved ids.
ANALYZE pw_tmp_scan_ids
