-- A scan file is the whole state of the agents it names: their states for
-- patches the file does not list are removed.
DELETE FROM scan_states s
 USING agents a
 WHERE s.agent_id = a.agent_id AND s.tenant_id = a.tenant_id
   AND a.hostname IN (SELECT hostname FROM pw_tmp_scans)
   AND NOT EXISTS (SELECT 1 FROM pw_tmp_scans t JOIN patches p ON p.ident = t.ident
                    WHERE t.hostname = a.hostname AND p.patch_id = s.patch_id)
