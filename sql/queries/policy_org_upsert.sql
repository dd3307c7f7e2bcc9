-- $1 name, $2 timezone, $3 patching
INSERT INTO orgs (tenant_id, name, timezone, patching, updated_at)
VALUES (pw_tenant(), $1, $2, $3, now())
ON CONFLICT (tenant_id, name) DO UPDATE
   SET timezone = $2, patching = $3, updated_at = now()
 WHERE orgs.timezone IS DISTINCT FROM $2 OR orgs.patching IS DISTINCT FROM $3
