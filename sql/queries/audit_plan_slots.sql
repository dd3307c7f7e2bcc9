-- Planned and unscheduled agents of the last $1 cycles (empty before the
-- scheduler's tables exist).
SELECT r_agent, r_cycle, r_current, r_status, r_reason, r_window, r_start_us, r_end_us
  FROM pw_audit_plan_slots($1)
