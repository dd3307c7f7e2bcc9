-- $1 section, $2 digest, $3 canonical text, $4 actor
INSERT INTO setup_sections (tenant_id, section, digest, canonical, applied_at, applied_by)
VALUES (pw_tenant(), $1, $2, $3, now(), $4)
ON CONFLICT (tenant_id, section)
DO UPDATE SET digest = $2, canonical = $3, applied_at = now(), applied_by = $4
