-- Rewrites the statuses of the staged (agent, patch) entries in place.
UPDATE patch_status p
   SET status = t.status, until = t.until, source_kind = t.source_kind,
       source_policy = t.source_policy, source_rule = t.source_rule
  FROM pw_tmp_patch_status t
 WHERE p.tenant_id = pw_tenant() AND p.agent_id = t.agent_id AND p.patch_id = t.patch_id
