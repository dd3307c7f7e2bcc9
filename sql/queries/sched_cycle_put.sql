-- $1 kind (monthly|weekly), $2 weekday (0 = Sunday; NULL when monthly).
INSERT INTO sched_cycles (tenant_id, kind, weekday) VALUES (pw_tenant(), $1, $2::integer)
