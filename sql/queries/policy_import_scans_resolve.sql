-- Resolves the staged scans' hostnames and idents to ids (both were checked
-- against the tenant before staging), so the steps after join on integers.
INSERT INTO pw_tmp_scan_ids (agent_id, patch_id, state, scanned_at)
SELECT a.agent_id, p.patch_id, t.state, t.scanned_at
  FROM pw_tmp_scans t
  JOIN agents a ON a.tenant_id = pw_tenant() AND a.hostname = t.hostname
  JOIN patches p ON p.tenant_id = pw_tenant() AND p.ident = t.ident
