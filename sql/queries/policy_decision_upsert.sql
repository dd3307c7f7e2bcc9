-- $1 policy, $2 kb, $3 action, $4 reason, $5 actor
INSERT INTO decisions (tenant_id, policy, kb, action, reason, decided_by, decided_at)
VALUES (pw_tenant(), $1, $2, $3, $4, $5, now())
ON CONFLICT (tenant_id, policy, kb) DO UPDATE
   SET action = $3, reason = $4, decided_by = $5, decided_at = now()
