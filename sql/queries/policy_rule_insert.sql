-- $1 policy, $2 ordinal, $3 kind, $4 match, $5 action, $6 after_days
INSERT INTO patch_policy_rules (tenant_id, policy, ordinal, kind, match, action, after_days)
VALUES (pw_tenant(), $1, $2, $3, $4, $5, $6)
