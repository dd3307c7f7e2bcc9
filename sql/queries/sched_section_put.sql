-- Records what a setup section was last applied as. $1 section, $2 digest,
-- $3 canonical text, $4 actor.
INSERT INTO setup_sections (tenant_id, section, digest, canonical, applied_at, applied_by)
VALUES (pw_tenant(), $1, $2, $3, now(), $4)
ON CONFLICT (tenant_id, section)
DO UPDATE SET digest = EXCLUDED.digest, canonical = EXCLUDED.canonical,
              applied_at = EXCLUDED.applied_at, applied_by = EXCLUDED.applied_by
