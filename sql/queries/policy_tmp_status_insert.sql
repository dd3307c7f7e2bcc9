-- Moves the staged profile statuses into a tenant that holds none of them.
INSERT INTO profile_status (tenant_id, profile_id, patch_id, status, until, source_kind,
                            source_policy, source_rule)
SELECT pw_tenant(), profile_id, patch_id, status, until, source_kind, source_policy, source_rule
  FROM pw_tmp_profile_status
