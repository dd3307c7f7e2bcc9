-- Declares (009_facts_changes), before the staged scans (pw_tmp_scan_ids)
-- replace the stored ones, the (agent, patch) pairs whose scan facts the
-- prune and the move change: the keys whose state is or was failed or
-- pending_reboot and is not the same after (the only scan states a reader
-- of the patch facts keeps; every other state of a scan reaches the patch
-- facts through the statuses, which their own writes declare). A re-scan
-- that only moves scanned_at declares nothing. Undeclared again after the
-- move.
WITH changed AS (
    SELECT t.agent_id, t.patch_id
      FROM pw_tmp_scan_ids t
      LEFT JOIN scan_states s ON s.tenant_id = pw_tenant() AND s.agent_id = t.agent_id
                             AND s.patch_id = t.patch_id
     WHERE t.state IN ('failed', 'pending_reboot') AND s.state IS DISTINCT FROM t.state
    UNION
    SELECT s.agent_id, s.patch_id
      FROM scan_states s
      LEFT JOIN pw_tmp_scan_ids t ON t.agent_id = s.agent_id AND t.patch_id = s.patch_id
     WHERE s.tenant_id = pw_tenant() AND s.state IN ('failed', 'pending_reboot')
       AND s.agent_id IN (SELECT agent_id FROM pw_tmp_scan_ids)
       AND t.state IS DISTINCT FROM s.state
)
SELECT set_config('pw.facts_agents', coalesce(array_agg(agent_id)::text, '{}'), true),
       set_config('pw.facts_patches', coalesce(array_agg(patch_id)::text, '{}'), true),
       set_config('pw.facts_paired', 'on', true)
  FROM changed
