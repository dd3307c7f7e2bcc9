-- $1 kb, $2 action, $3 note, $4 actor
INSERT INTO kb_overrides (tenant_id, kb, action, note, updated_by) VALUES (pw_tenant(), $1, $2, $3, $4)
