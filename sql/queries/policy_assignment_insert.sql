-- $1 ordinal, $2 policy, $3 level, $4 org, $5 group_path, $6 hostname, $7 view, $8 priority
INSERT INTO assignments (tenant_id, ordinal, policy, level, org, group_path, hostname, view, priority)
VALUES (pw_tenant(), $1, $2, $3, $4, $5, $6, $7, $8)
