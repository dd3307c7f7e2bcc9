-- Violations of the current plan (empty before the scheduler's tables exist).
SELECT r_code, r_agent, r_host, r_other_host, r_window, r_members, r_detail
  FROM pw_audit_plan_violations()
