-- Bumps the tenant's policy version inside the current transaction.
INSERT INTO policy_state (tenant_id, version) VALUES (pw_tenant(), 1)
ON CONFLICT (tenant_id) DO UPDATE SET version = policy_state.version + 1
RETURNING version
