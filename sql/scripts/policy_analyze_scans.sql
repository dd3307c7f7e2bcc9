-- The planner's view of the staged scans: without it, a join against a
-- temp table of a million rows is planned as if it held a few.
ANALYZE pw_tmp_scans
