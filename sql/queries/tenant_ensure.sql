-- Creates the session's tenant on first use. $1: tenant id (must equal pw.tenant).
INSERT INTO tenants (tenant_id) VALUES ($1) ON CONFLICT DO NOTHING
