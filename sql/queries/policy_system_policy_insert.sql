-- $1 name, $2 description, $3 settings (json)
INSERT INTO system_policies (tenant_id, name, description, settings) VALUES (pw_tenant(), $1, $2, $3::jsonb)
