INSERT INTO patch_status (tenant_id, agent_id, patch_id, status, until, source_kind,
                          source_policy, source_rule)
SELECT pw_tenant(), agent_id, patch_id, status, until, source_kind, source_policy, source_rule
  FROM pw_tmp_patch_status
