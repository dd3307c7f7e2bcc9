-- Resolves the scans staged by upload $1 to ids (as
-- policy_import_scans_resolve does for a file sent whole), keeping each
-- row's line. A row whose agent or catalogue row is gone since its part
-- was checked resolves to nothing (see policy_import_upload_scans_lost).
INSERT INTO pw_tmp_scan_ids (agent_id, patch_id, state, scanned_at, line)
SELECT a.agent_id, p.patch_id, t.state, t.scanned_at, t.line
  FROM pw_upload_scans t
  JOIN agents a ON a.tenant_id = pw_tenant() AND a.hostname = t.hostname
  JOIN patches p ON p.tenant_id = pw_tenant() AND p.ident = t.ident
 WHERE t.upload = $1::integer
