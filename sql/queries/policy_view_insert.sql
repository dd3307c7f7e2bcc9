INSERT INTO views (tenant_id, name, filter, description) VALUES (pw_tenant(), $1, $2, $3)
