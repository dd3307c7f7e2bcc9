-- Writes the staged profile statuses over the stored ones, leaving rows
-- that already hold the same status and provenance untouched.
INSERT INTO profile_status AS p (tenant_id, profile_id, patch_id, status, until, source_kind,
                                 source_policy, source_rule)
SELECT pw_tenant(), profile_id, patch_id, status, until, source_kind, source_policy, source_rule
  FROM pw_tmp_profile_status
    ON CONFLICT (tenant_id, profile_id, patch_id) DO UPDATE
   SET status = EXCLUDED.status, until = EXCLUDED.until, source_kind = EXCLUDED.source_kind,
       source_policy = EXCLUDED.source_policy, source_rule = EXCLUDED.source_rule
 WHERE (p.status, p.until, p.source_kind, p.source_policy, p.source_rule)
       IS DISTINCT FROM (EXCLUDED.status, EXCLUDED.until, EXCLUDED.source_kind,
                         EXCLUDED.source_policy, EXCLUDED.source_rule)
