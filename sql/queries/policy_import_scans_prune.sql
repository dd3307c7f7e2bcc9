-- A scan file is the whole state of the agents it names: their states for
-- patches the file does not list are removed (a hash anti-join on ids).
DELETE FROM scan_states s
 WHERE s.tenant_id = pw_tenant()
   AND s.agent_id IN (SELECT DISTINCT agent_id FROM pw_tmp_scan_ids)
   AND NOT EXISTS (SELECT 1 FROM pw_tmp_scan_ids t
                    WHERE t.agent_id = s.agent_id AND t.patch_id = s.patch_id)
